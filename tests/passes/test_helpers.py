from scaffold.convert import finalize
from scaffold.convert.passes import helpers
from scaffold.convert.passes.helpers import ModelHelpersPass
from tests.conftest import assert_codemod, convert_with

MODEL = """
class TinyModel(PreTrainedModel):
    def forward(self, input_ids, attention_mask, head_mask=None):
        extended = self.get_extended_attention_mask(attention_mask, input_ids.shape, device=input_ids.device)
        head_mask = self.get_head_mask(head_mask, 2)
        self.warn_if_padding_and_no_attention_mask(input_ids, attention_mask)
        return extended
"""


def test_pretrained_helpers_become_module_level_twins():
    assert_codemod(
        MODEL,
        """
        class TinyModel(PreTrainedModel):
            def forward(self, input_ids, attention_mask, head_mask=None):
                extended = get_extended_attention_mask(attention_mask, input_ids.shape, is_decoder=self.config.is_decoder)
                head_mask = get_head_mask(head_mask, 2)
                return extended
        """,
        ModelHelpersPass,
    )


def test_a_sub_models_helpers_are_the_twins_with_its_config():
    """bridgetower calls its text model's `get_extended_attention_mask`."""
    assert_codemod(
        """
        class TinyModel(PreTrainedModel):
            def forward(self, attention_mask, input_shape):
                return self.text_model.get_extended_attention_mask(attention_mask, input_shape)
        """,
        """
        class TinyModel(PreTrainedModel):
            def forward(self, attention_mask, input_shape):
                return get_extended_attention_mask(attention_mask, input_shape, is_decoder=self.text_model.config.is_decoder)
        """,
        ModelHelpersPass,
    )


def test_requested_helpers_are_copied_with_what_they_use_before_the_first_class():
    code = convert_with(MODEL, helpers.apply)
    first_class = code.index("class TFTinyModel(")
    assert 0 < code.index("def get_extended_attention_mask(") < first_class
    assert 0 < code.index("def get_head_mask(") < first_class


def test_the_final_step_adds_the_helpers_and_rewrites_the_imports():
    code = convert_with(MODEL, finalize)
    assert "import torch" not in code and "from torch" not in code
    assert "import tensorflow as tf" in code  # a TF modeling file always imports tensorflow
    assert "def get_head_mask(" in code


def test_no_helper_no_change():
    source = "class TinyLayer(nn.Module):\n    def forward(self, x):\n        return x\n"
    assert convert_with(source, helpers.apply) == convert_with(source)


def test_an_update_causal_mask_taking_token_types_keeps_its_own_body():
    """The decoders' `_update_causal_mask` calls the eager twin; PaliGemma's (`token_type_ids`, `is_training`: the
    prefix attended bidirectionally) makes another mask, so its own body is translated, not replaced."""
    source = """
        class TinyModel(PreTrainedModel):
            def _update_causal_mask(self, attention_mask, input_tensor, cache_position, past_key_values, output_attentions):
                return make_it(attention_mask)

            def _other(self):
                pass


        class TinyPrefixModel(PreTrainedModel):
            def _update_causal_mask(self, attention_mask, token_type_ids=None, is_training=None):
                return prefix_mask(attention_mask, token_type_ids)
        """
    code = convert_with(source)
    assert "return _update_causal_mask(" in code and "make_it" not in code
    assert "return prefix_mask(attention_mask, token_type_ids)" in code
