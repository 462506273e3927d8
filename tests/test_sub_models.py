"""Composite models (LLaVA-like): sub-models made with `AutoModel.from_config`, placeholder-token dummies, str
arguments through `@unpack_inputs`, and PyTorch names of weights inside sub-models."""

import pytest

from scaffold.convert import convert_source

SOURCE = """
import torch
from torch import nn

from ...modeling_utils import PreTrainedModel
from ..auto import AutoModel, AutoModelForKeypointDetection
from .configuration_tiny import TinyConfig


class TinyPreTrainedModel(PreTrainedModel):
    config_class = TinyConfig
    base_model_prefix = ""


class TinyModel(TinyPreTrainedModel):
    _checkpoint_conversion_mapping = {"language_model.model": "language_model"}

    def __init__(self, config):
        super().__init__(config)
        self.vision_tower = AutoModel.from_config(config.vision_config)
        self.projector = nn.Linear(4, 4)
        self.language_model = AutoModel.from_config(config.text_config)

    def forward(self, input_ids=None, pixel_values=None, attention_mask=None, strategy: str | None = None, **kwargs):
        image = self.vision_tower(pixel_values)
        embeds = self.language_model.get_input_embeddings()(input_ids)
        embeds = embeds.masked_scatter(input_ids[..., None] == self.config.image_token_id, self.projector(image[0]))
        return self.language_model(attention_mask=attention_mask, inputs_embeds=embeds, **kwargs)
"""


@pytest.fixture(scope="module")
def code():
    return convert_source(SOURCE, "tiny").code


def test_a_sub_model_is_a_tf_auto_model_named_after_its_attribute(code):
    assert 'self.vision_tower = TFAutoModel.from_config(config.vision_config, name="vision_tower")' in code
    assert 'self.language_model = TFAutoModel.from_config(config.text_config, name="language_model")' in code
    assert "from ...models.auto.modeling_tf_auto import TFAutoModel" in code
    assert "from ..auto import AutoModel" not in code  # torch's auto classes never reach a TF file


def test_a_sub_model_is_built_in_its_name_scope(code):
    assert "with tf.name_scope(self.vision_tower.name):\n                self.vision_tower.build(None)" in code


def test_a_keyword_only_call_of_a_sub_model_passes_its_first_argument(code):
    assert (
        "return call_model(self.language_model, attention_mask=attention_mask, inputs_embeds=embeds, **kwargs)" in code
    )
    assert "def call_model(model, **kwargs):" in code
    assert "self.vision_tower(pixel_values, training=training)" in code  # a positional call stays


def test_an_empty_base_model_prefix_names_the_main_layer_and_weights_are_renamed(code):
    assert 'base_model_prefix = "tiny"' in code and 'base_model_prefix = ""' not in code
    assert "def tf_to_pt_weight_rename(self, tf_weight):\n        return pt_weight_aliases(self, tf_weight)" in code
    assert '_checkpoint_conversion_mapping = {"language_model.model": "language_model"}' in code


def test_str_arguments_go_around_unpack_inputs(code):
    assert "@unpack_inputs_with_strings\n    def call(" in code


def test_placeholder_dummies_and_masked_scatter(code):
    assert "return text_dummies_for_placeholders(self, super().dummy_inputs)" in code
    assert (
        "embeds = torch_masked_scatter(\n            embeds, input_ids[..., None] == self.config.image_token_id"
        in code
    )


def test_an_auto_class_tf_lacks_is_marked_and_raises_where_used():
    source = SOURCE.replace(
        "AutoModel.from_config(config.vision_config)",
        "AutoModelForKeypointDetection.from_config(config.vision_config)",
    )
    result = convert_source(source, "tiny")
    assert 'self.vision_tower = TorchOnly("AutoModelForKeypointDetection.from_config")' in result.code
    assert any("AutoModelForKeypointDetection has no TF counterpart" in t.message for t in result.todos)


# --- the port's auto mapping entries for sub-models (scaffold/edits/sub_models.py)

TF_CODE = """
self.vision_tower = TFAutoModel.from_config(config.vision_config, name="vision_tower")
self.language_model = TFAutoModel.from_config(config.text_config, name="language_model")
"""
CONFIG = """
from ..auto import CONFIG_MAPPING, AutoConfig
from ..siglip import SiglipVisionConfig


class TinyConfig(PretrainedConfig):
    model_type = "tiny"
    sub_configs = {"text_config": AutoConfig, "vision_config": SiglipVisionConfig}

    def __init__(self, vision_config=None, text_config=None, **kwargs):
        if text_config is None:
            text_config = CONFIG_MAPPING["llama"]()
"""
SIGLIP_CONFIG = """
class SiglipVisionConfig(PretrainedConfig):
    model_type = "siglip_vision_model"
"""
PT_AUTO = """
MODEL_MAPPING_NAMES = OrderedDict(
    [
        ("clip_vision_model", "CLIPVisionModel"),
        ("llama", "LlamaModel"),
        ("mistral", "MistralModel"),
        ("siglip_vision_model", "SiglipVisionModel"),
    ]
)


class AutoModel(_BaseAutoModelClass):
    _model_mapping = MODEL_MAPPING
"""
TF_AUTO = """
TF_MODEL_MAPPING_NAMES = OrderedDict(
    [
        ("clip", "TFCLIPModel"),
        ("mistral", "TFMistralModel"),
    ]
)


class TFAutoModel(_BaseAutoModelClass):
    _model_mapping = TF_MODEL_MAPPING
"""


def test_sub_model_types_get_tf_auto_entries_where_a_tf_twin_exists_and_a_note_where_none_does():
    from scaffold.edits.sub_models import plan_sub_models

    report = plan_sub_models(
        TF_CODE,
        CONFIG,
        TF_AUTO,
        PT_AUTO,
        {"TFSiglipVisionModel", "TFCLIPModel"},
        lambda folder: {"siglip": [SIGLIP_CONFIG]}.get(folder, []),
    )
    assert report.added == ["TF_MODEL_MAPPING_NAMES: ('siglip_vision_model', 'TFSiglipVisionModel')"]
    assert '        ("mistral", "TFMistralModel"),\n        ("siglip_vision_model", "TFSiglipVisionModel"),' in (
        report.tf_auto
    )
    assert len(report.notes) == 1
    assert "'llama', which has no TF port" in report.notes[0] and "scaffold port llama" in report.notes[0]


def test_a_model_type_is_ported_by_its_folder():
    from scaffold.edits.sub_models import module_of_type

    config_auto = (
        'SPECIAL_MODEL_TYPE_TO_MODULE_NAME = OrderedDict(\n    [\n        ("siglip_vision_model", "siglip"),\n'
    )
    assert module_of_type("siglip_vision_model", config_auto) == "siglip"
    assert module_of_type("gpt-sw3", config_auto) == "gpt_sw3"


def test_sub_model_types_tf_already_maps_need_nothing():
    from scaffold.edits.sub_models import plan_sub_models

    config = CONFIG.replace('CONFIG_MAPPING["llama"]', 'CONFIG_MAPPING["mistral"]')
    tf_auto = TF_AUTO.replace(
        '("clip", "TFCLIPModel"),', '("clip", "TFCLIPModel"),\n        ("siglip_vision_model", "TFSiglipVisionModel"),'
    )
    report = plan_sub_models(TF_CODE, config, tf_auto, PT_AUTO, set(), lambda folder: [SIGLIP_CONFIG])
    assert report.tf_auto == tf_auto and not report.added and not report.notes


# --- runtime twins (TensorFlow and torch imported)


@pytest.fixture(scope="module")
def helpers():
    from scaffold.convert.snippets import tf_helpers

    return tf_helpers


@pytest.mark.frameworks
def test_masked_scatter_matches_torch(helpers):
    import numpy as np
    import torch

    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    mask = np.array([[True, False, True], [False, True, False]])[..., None]  # broadcast over the last axis
    source = -np.arange(1, 17, dtype="float32").reshape(4, 4)  # one more row than the mask takes
    expected = torch.tensor(x).masked_scatter(torch.tensor(mask), torch.tensor(source)).numpy()
    np.testing.assert_array_equal(helpers.torch_masked_scatter(x, mask, source).numpy(), expected)


@pytest.mark.frameworks
def test_pt_weight_aliases_strip_sub_model_main_layers_and_map_legacy_checkpoints(helpers):
    from transformers import BertConfig, TFBertModel

    class Holder(helpers.TFPreTrainedModel):
        _checkpoint_conversion_mapping = {"^language_model.model": "language_model"}

        def __init__(self, config):
            super().__init__(config)
            self.language_model = TFBertModel(config, name="language_model")

    config = BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8)
    holder = Holder(config)
    name = "language_model.bert.encoder.layer.0.output.dense.weight"
    assert helpers.pt_weight_aliases(holder, name) == (
        "language_model.model.encoder.layer.0.output.dense.weight",  # torch's save_pretrained (legacy layout)
        "language_model.encoder.layer.0.output.dense.weight",
        "language_model.model.bert.encoder.layer.0.output.dense.weight",
        name,
    )
    assert helpers.pt_weight_aliases(holder, "projector.weight") == ("projector.weight",)


@pytest.mark.frameworks
def test_pt_weight_aliases_without_the_main_layer_where_legacy_keys_start_with_the_prefix(helpers):
    """Qwen2-VL's base model: torch saves `language_model.x` as `model.x` and `visual.x` as it is; the keys then
    start with base_model_prefix ("model"), so from_pretrained keeps the MainLayer level of every TF name."""
    from transformers import BertConfig

    class MainLayer(helpers.keras.layers.Layer):
        _checkpoint_conversion_mapping = {"^model": "language_model"}

    class Holder(helpers.TFPreTrainedModel):
        base_model_prefix = "model"

        def __init__(self, config):
            super().__init__(config)
            self.model = MainLayer(name="model")  # the base model's mapping is its MainLayer's

    holder = Holder(BertConfig())
    text = helpers.pt_weight_aliases(holder, "model.language_model.layers.0.weight")
    # the TF names as they are first (from_pretrained takes the first alias the checkpoint has)
    assert text.index("model.layers.0.weight") > text.index("model.language_model.layers.0.weight")
    assert helpers.pt_weight_aliases(holder, "model.visual.blocks.0.weight")[-1] == "visual.blocks.0.weight"


@pytest.mark.frameworks
def test_str_arguments_reach_call_through_unpack_inputs_positionally_or_by_keyword(helpers):
    import tensorflow as tf
    from transformers import BertConfig

    seen = []

    class Layer(helpers.keras.layers.Layer):
        def __init__(self, config, **kwargs):
            super().__init__(**kwargs)
            self.config = config

        @helpers.unpack_inputs_with_strings
        def call(
            self,
            input_ids=None,
            strategy: str | None = None,
            scale=None,
            output_hidden_states=None,
            return_dict=None,
            training=False,
        ):
            seen.append(strategy)
            return input_ids * (2 if strategy == "double" else 1) + (scale or 0)

    layer = Layer(BertConfig())
    ids = tf.constant([[1, 2]])
    assert layer(ids, strategy="double", scale=1).numpy().tolist() == [[3, 5]]
    assert layer(input_ids=ids).numpy().tolist() == [[1, 2]]
    assert seen == ["double", None]
    with pytest.raises(ValueError, match="not allowed"):  # transformers' own decorator refuses the str
        helpers.unpack_inputs(Layer.call.__wrapped__)(layer, input_ids=ids, strategy="double")


@pytest.mark.frameworks
def test_call_model_passes_the_first_argument_a_keras_model_needs(helpers):
    import tensorflow as tf
    from transformers import BertConfig, TFBertModel

    model = TFBertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8))
    embeds = tf.random.normal((1, 3, 8))
    with pytest.raises(ValueError, match="first argument"):
        model(inputs_embeds=embeds)
    assert helpers.call_model(model, inputs_embeds=embeds).last_hidden_state.shape == (1, 3, 8)


def test_a_sub_model_made_in_a_local_first_is_named_after_the_attribute_it_becomes():
    source = SOURCE.replace(
        "        self.language_model = AutoModel.from_config(config.text_config)",
        "        language_model = AutoModel.from_config(config=config.text_config)\n"
        "        self.language_model = language_model",
    )
    code = convert_source(source, "tiny").code
    assert 'language_model = TFAutoModel.from_config(config=config.text_config, name="language_model")' in code
    assert "return call_model(self.language_model, attention_mask=attention_mask" in code
    assert "with tf.name_scope(self.language_model.name):" in code
    assert "AutoModel.from_config" not in code.replace("TFAutoModel.from_config", "")
