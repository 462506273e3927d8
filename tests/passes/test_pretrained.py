from scaffold.convert import convert_source

SOURCE = """
import torch
from torch import nn

from ...modeling_utils import PreTrainedModel


class TinyPreTrainedModel(PreTrainedModel):
    base_model_prefix = "tiny"

    @property
    def dummy_inputs(self):
        input_ids = torch.tensor([[1, 2]])
        return {"decoder_input_ids": input_ids, "input_ids": input_ids}


class TinyEncoderModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.dense = nn.Linear(4, 4)

    def forward(self, input_ids):
        return self.dense(input_ids)
"""


def test_torch_dummy_inputs_are_filtered_by_each_models_call():
    code = convert_source(SOURCE, "tiny").code
    assert 'return dummy_inputs_for_call(self, {"decoder_input_ids": input_ids, "input_ids": input_ids})' in code
    assert "def dummy_inputs_for_call(model, dummies):" in code
    assert "from inspect import signature" in code


def test_a_model_taking_input_features_declares_its_input_signature():
    """TFPreTrainedModel raises for `input_features` (whisper, speech_to_text) rather than guess a layout."""
    source = SOURCE.replace(
        'base_model_prefix = "tiny"', 'base_model_prefix = "tiny"\n    main_input_name = "input_features"'
    )
    code = convert_source(source, "tiny").code
    assert "def input_signature(self):\n        return input_signature_for_call(self)" in code
    assert "return dummy_inputs_for_call(self," in code  # the file's own dummies stay
    own = source[: source.index("    @property")] + source[source.index("class TinyEncoderModel") - 2 :]
    code = convert_source(own, "tiny").code
    assert "def dummy_inputs(self):\n        return dummy_inputs_for_signature(self.input_signature)" in code


def test_a_model_class_declaring_its_own_config_gets_that_config_class():
    """`class SamVisionModel(SamPreTrainedModel): config: SamVisionConfig`: TF's from_pretrained reads config_class."""
    source = SOURCE.replace(
        "class TinyEncoderModel(TinyPreTrainedModel):\n",
        "class TinyEncoderModel(TinyPreTrainedModel):\n    config: TinyEncoderConfig\n",
    )
    code = convert_source(source, "tiny").code
    assert "class TFTinyEncoderModel(TFTinyPreTrainedModel):\n    config_class = TinyEncoderConfig\n" in code


def test_a_file_whose_models_take_pixel_values_next_to_text_infers_its_signature():
    source = SOURCE.replace("def forward(self, input_ids):", "def forward(self, input_ids, pixel_values=None):")
    code = convert_source(source, "tiny").code
    assert "def input_signature(self):\n        return input_signature_for_call(self)" in code
    assert "def input_signature_for_call(model):" in code


def test_a_vision_model_whose_config_names_no_channels_takes_three():
    """MaskFormer's config has no num_channels (its backbone's has)."""
    source = SOURCE.replace(
        'base_model_prefix = "tiny"', 'base_model_prefix = "tiny"\n    main_input_name = "pixel_values"'
    )
    assert 'getattr(vision_config, "num_channels", 3)' in convert_source(source, "tiny").code


def test_a_file_whose_audio_encoder_declares_its_own_main_input_infers_its_signature():
    """qwen2_audio / voxtral: `main_input_name = "input_features"` on the encoder class, not the PreTrainedModel."""
    source = SOURCE.replace("def forward(self, input_ids):", "def forward(self, input_features):")
    source = source[: source.index("    @property")] + source[source.index("class TinyEncoderModel") - 2 :]
    code = convert_source(source, "tiny").code
    assert "def input_signature(self):\n        return input_signature_for_call(self)" in code
    assert "def dummy_inputs(self):\n        return dummy_inputs_for_signature(self.input_signature)" in code


def test_video_models_declare_five_dim_pixel_inputs():
    """A config with num_frames (VideoMAE, ViViT) takes (batch, frames, channels, height, width); V-JEPA 2 names its
    main input `pixel_values_videos` and its sizes frames_per_clip / in_chans / crop_size."""
    source = SOURCE.replace(
        'base_model_prefix = "tiny"', 'base_model_prefix = "tiny"\n    main_input_name = "pixel_values"'
    )
    code = convert_source(source, "tiny").code
    assert '    frames = getattr(vision_config, "num_frames", None)\n' in code
    assert "        shape = (None, frames, *shape[1:])\n" in code
    source = SOURCE.replace(
        'base_model_prefix = "tiny"', 'base_model_prefix = "tiny"\n    main_input_name = "pixel_values_videos"'
    )
    code = convert_source(source, "tiny").code
    assert 'getattr(config, "frames_per_clip", None)' in code
    assert 'return {"pixel_values_videos": tf.TensorSpec(shape, tf.float32, name="pixel_values_videos")}' in code


def test_a_second_pretrained_model_gets_the_input_signature_its_models_need():
    """Florence-2 / Emu3: the file's first PreTrainedModel is the vision tower's (or the VQ-VAE); the model taking
    pixel values next to text subclasses the second one, which needs the inferred signature too."""
    source = """
import torch
from torch import nn

from ...modeling_utils import PreTrainedModel
from .configuration_tiny import TinyConfig


class TinyVisionPreTrainedModel(PreTrainedModel):
    base_model_prefix = "vision"
    main_input_name = "pixel_values"


class TinyPreTrainedModel(PreTrainedModel):
    config: TinyConfig
    base_model_prefix = "model"


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.dense = nn.Linear(4, 4)

    def forward(self, input_ids, pixel_values=None):
        return self.dense(pixel_values)
"""
    code = convert_source(source, "tiny").code
    second = code[code.index("class TFTinyPreTrainedModel(") : code.index("class TFTinyModel(")]
    assert "def input_signature(self):\n        return input_signature_for_call(self)" in second
    assert "    config_class = TinyConfig\n" in second and "config: TinyConfig" not in second
    first = code[code.index("class TFTinyVisionPreTrainedModel(") : code.index("class TFTinyPreTrainedModel(")]
    # its own main input, pixel values; the file's model requires ids beside them: inferred from `call` too
    assert "def input_signature(self):\n        return input_signature_for_call(self)" in first


def test_a_second_pretrained_model_reads_its_config_class_from_the_annotation():
    """decision_transformer: its GPT-2 PreTrainedModel and its own, each `config: DecisionTransformerConfig`; TF's
    from_pretrained reads `config_class` of whichever the loaded model derives from."""
    source = (
        "from torch import nn\n\nfrom ...modeling_utils import PreTrainedModel\n"
        "from .configuration_tiny import TinyConfig\n\n\n"
        "class TinyGPT2PreTrainedModel(PreTrainedModel):\n    config: TinyConfig\n    base_model_prefix = 'transformer'\n\n\n"
        "class TinyGPT2Model(TinyGPT2PreTrainedModel):\n    def __init__(self, config):\n        super().__init__(config)\n"
        "        self.dense = nn.Linear(4, 4)\n\n    def forward(self, x):\n        return self.dense(x)\n\n\n"
        "class TinyPreTrainedModel(PreTrainedModel):\n    config: TinyConfig\n    base_model_prefix = 'tiny'\n\n\n"
        "class TinyModel(TinyPreTrainedModel):\n    def __init__(self, config):\n        super().__init__(config)\n"
        "        self.encoder = TinyGPT2Model(config)\n\n    def forward(self, x):\n        return self.encoder(x)\n"
    )
    code = convert_source(source, "tiny").code
    for name in ("TFTinyGPT2PreTrainedModel", "TFTinyPreTrainedModel"):
        body = code.split(f"class {name}(")[1].split("\nclass ")[0]
        assert "config_class = TinyConfig" in body, body
        assert "config: TinyConfig" not in body


def test_a_main_input_tf_cannot_make_up_builds_the_model_by_name_scope_for_loading():
    """decision_transformer's `states`: TFPreTrainedModel makes no dummies, and from_pretrained(from_pt=True)
    builds the model only by calling it on some; the dummies property builds it by name scope instead."""
    plain_source = SOURCE.replace("def dummy_inputs(self)", "def example_inputs(self)")
    source = plain_source.replace(
        'base_model_prefix = "tiny"', 'base_model_prefix = "tiny"\n    main_input_name = "states"'
    )
    code = convert_source(source, "tiny").code
    assert "if not dummies and not self.built:\n            self.build_in_name_scope()" in code
    plain = convert_source(plain_source, "tiny").code
    assert "build_in_name_scope" not in plain


def test_a_vision_model_that_requires_text_too_infers_its_signature_from_call():
    """Grounding DINO: `forward(pixel_values, input_ids, ...)`: pixel values alone cannot build it."""
    source = SOURCE.replace(
        'base_model_prefix = "tiny"', 'base_model_prefix = "tiny"\n    main_input_name = "pixel_values"'
    ).replace("def forward(self, input_ids):", "def forward(self, pixel_values, input_ids):")
    code = convert_source(source, "tiny").code
    assert "def input_signature(self):\n        return input_signature_for_call(self)" in code
    assert 'getattr(vision_config, "num_channels", 3)' not in code.split("def input_signature_for_call")[0]
