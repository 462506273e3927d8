"""`prepare_inputs_for_generation` on the TF twins of PyTorch classes that mix in GenerationMixin."""

from scaffold.convert.passes import generation, main_layer, pretrained
from tests.conftest import convert_with

SOURCE = """
from ...cache_utils import DynamicCache
from ...generation import GenerationMixin


class TinyPreTrainedModel(PreTrainedModel):
    base_model_prefix = "tiny"


class TinyModel(TinyPreTrainedModel):
    def forward(self, input_ids, past_key_values=None, use_cache=None, cache_position=None):
        if use_cache and past_key_values is None:
            past_key_values = DynamicCache(config=self.config)
        return input_ids, past_key_values


class TinyForCausalLM(TinyPreTrainedModel, GenerationMixin):
    def forward(self, input_ids, past_key_values=None, use_cache=None, cache_position=None):
        return self.tiny(input_ids, past_key_values, use_cache, cache_position)


class TinyForSpecialLM(TinyForCausalLM):
    def forward(self, input_ids):
        return input_ids

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        return {"input_ids": input_ids}


class TinyForSequenceClassification(TinyPreTrainedModel):
    def forward(self, input_ids):
        return input_ids
"""

METHOD = '''
    def prepare_inputs_for_generation(
        self, input_ids, past_key_values=None, attention_mask=None, use_cache=None, **kwargs
    ):
        """The inputs of one TF `generate()` step, by torch's GenerationMixin rules (see `generation_inputs`)."""
        return generation_inputs(
            self, input_ids, past_key_values, attention_mask, use_cache, positional_cache=True, **kwargs
        )
'''


def _class(code: str, name: str) -> str:
    start = code.index(f"class {name}(")
    end = code.find("\nclass ", start + 1)
    return code[start : end if end != -1 else None]


def test_a_generation_mixin_head_gets_the_method_after_call():
    code = convert_with(SOURCE, pretrained.apply, main_layer.apply, generation.apply)
    head = _class(code, "TFTinyForCausalLM")
    assert METHOD in head
    assert head.index("def call(") < head.index("def prepare_inputs_for_generation(")


def test_classes_without_the_mixin_or_with_their_own_method_are_left_alone():
    code = convert_with(SOURCE, pretrained.apply, main_layer.apply, generation.apply)
    assert "prepare_inputs_for_generation" not in _class(code, "TFTinyForSequenceClassification")
    assert "prepare_inputs_for_generation" not in _class(code, "TFTinyModel")
    special = _class(code, "TFTinyForSpecialLM")  # a subclass of a generating head keeps its own converted method
    assert special.count("def prepare_inputs_for_generation(") == 1 and "generation_inputs(" not in special


def test_a_cache_made_without_cache_position_cannot_take_xla_positions():
    source = SOURCE.replace(
        "past_key_values=None, use_cache=None, cache_position=None):\n        if",
        "past_key_values=None, use_cache=None):\n        if",
    )
    code = convert_with(source, pretrained.apply, main_layer.apply, generation.apply)
    assert "cache_from_legacy(past_key_values)\n" in code
    assert "positional_cache=False" in _class(code, "TFTinyForCausalLM")
