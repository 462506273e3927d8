"""Heads that mix in torch's generic ones (`GenericForSequenceClassification`, ...) are written out in the file
before conversion, so they convert like any head the file defines."""

import libcst as cst

from scaffold.convert import convert_source
from scaffold.convert.generic_heads import BASE_MODEL_GETATTR, BASE_MODEL_SETATTR, GenericHeads, write_out
from tests.conftest import dedent, transformers_models

PRELUDE = """\
from torch import nn

from ...modeling_layers import GenericForQuestionAnswering, GenericForSequenceClassification
from ...modeling_outputs import BaseModelOutputWithPast
from ...modeling_utils import PreTrainedModel
from .configuration_tiny import TinyConfig
"""

MODEL = """
class TinyPreTrainedModel(PreTrainedModel):
    config: TinyConfig
    base_model_prefix = "model"


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)

    def forward(self, input_ids=None, **kwargs):
        return BaseModelOutputWithPast(last_hidden_state=self.embed_tokens(input_ids))


class TinyForSequenceClassification(GenericForSequenceClassification, TinyPreTrainedModel): ...


class TinyForQuestionAnswering(GenericForQuestionAnswering, TinyPreTrainedModel):
    base_model_prefix = "transformer"
"""


LAYERS = (transformers_models().parent / "modeling_layers.py").read_text()
HEADS = GenericHeads.parse(LAYERS)


def test_generic_heads_are_read_from_the_given_modeling_layers():
    assert set(HEADS.classes) == {
        "GenericForSequenceClassification",
        "GenericForQuestionAnswering",
        "GenericForTokenClassification",
    }
    for text in HEADS.classes.values():
        assert BASE_MODEL_SETATTR in text and BASE_MODEL_GETATTR in text
        assert "get_input_embeddings" not in text  # TF models reach the embeddings through their MainLayer
    assert HEADS.imported["Cache"] == ("transformers.cache_utils", "Cache")
    assert HEADS.imported["nn"] == ("torch.nn", None)  # `import torch.nn as nn`
    assert GenericHeads.parse(None).classes == {} and GenericHeads.parse("def (:").classes == {}


def test_generic_head_is_written_out_over_the_pretrained_class():
    module = cst.parse_module(PRELUDE + "\n\n" + dedent(MODEL))
    code = write_out(module, "TinyModel", HEADS).code
    assert "class TinyForSequenceClassification(TinyPreTrainedModel):" in code
    assert "self.model = TinyModel(config)" in code
    assert "self.model(\n            input_ids," in code
    # a class's own base_model_prefix names the attribute, and its own members win
    qa = code[code.index("class TinyForQuestionAnswering") :]
    assert "self.transformer = TinyModel(config)" in qa
    assert qa.count("base_model_prefix") == 1
    # the names the generic heads use are imported where the file does not bind them
    assert "from ...modeling_outputs import QuestionAnsweringModelOutput" in code
    assert "from ...utils import can_return_tuple" in code
    assert "logger = logging.get_logger(__name__)" in code


def test_written_out_generic_heads_convert_like_the_files_own():
    code = convert_source(PRELUDE + "\n\n" + dedent(MODEL), "tiny", format_code=False, layers_source=LAYERS).code
    assert "has no TF twin: write this head" not in code
    head = code[code.index("class TFTinyForSequenceClassification") :]
    assert 'self.model = TFTinyMainLayer(config, name="model")' in head
    assert (  # torch's PreTrainedModel._init_weights: the config's initializer_range, 0.02 without one
        "self.score = keras.layers.Dense(units=self.num_labels, use_bias=False, "
        'kernel_initializer=get_initializer(getattr(config, "initializer_range", 0.02)), name="score")'
    ) in head
    assert "pooled_logits = torch_index(logits, (tf.range(batch_size), last_non_pad_token))" in head
    assert "return TFSequenceClassifierOutputWithPast(" in head
    assert 'self.transformer = TFTinyMainLayer(config, name="transformer")' in code
    assert "AutoModel.from_config(config))" not in code and "import GenericFor" not in code


def test_no_generic_head_no_change():
    module = cst.parse_module(PRELUDE + "\n\n" + dedent(MODEL.split("class TinyForSequence")[0]))
    assert write_out(module, "TinyModel", HEADS) is module


def test_without_the_generic_heads_source_the_head_is_left_as_it_is():
    module = cst.parse_module(PRELUDE + "\n\n" + dedent(MODEL))
    assert write_out(module, "TinyModel", GenericHeads.parse(None)) is module


def _facts(info):
    return (
        info.base_model_class,
        info.pretrained_class,
        sorted(info.dropped_classes),
        {
            name: (c.role, c.serializable, c.keras_base, sorted(c.sublayers), sorted(c.init_locals), c.bias_ties)
            for name, c in info.classes.items()
        },
    )


def test_the_written_out_heads_are_read_as_a_fresh_analysis_would_read_them():
    from scaffold.convert.analysis import analyze

    layers = (transformers_models().parent / "modeling_layers.py").read_text()
    llama = (transformers_models() / "llama" / "modeling_llama.py").read_text()
    module = cst.parse_module(llama)
    first = analyze(module, "llama", llama)
    written = write_out(module, first.base_model_class, GenericHeads.parse(layers))
    assert written is not module
    again = analyze(written, "llama", llama, previous=first)
    assert _facts(again) == _facts(analyze(written, "llama", llama))
    unchanged = [name for name, c in again.classes.items() if c.node is first.classes[name].node]
    assert unchanged and all(again.classes[n].init is first.classes[n].init for n in unchanged)
