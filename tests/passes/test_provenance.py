import pytest

from scaffold.convert.passes.provenance import ProvenancePass, provenance
from tests.conftest import dedent, run_passes


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """
            # Copied from transformers.models.xlm.modeling_xlm.XLMSequenceSummary with XLM->GPT2
            class TinySequenceSummary(nn.Module):
                # Copied from transformers.models.bert.modeling_bert.BertSelfOutput.forward
                def forward(self, x):
                    return x
            """,
            """
            # Adapted from transformers.models.xlm.modeling_xlm.XLMSequenceSummary with XLM->GPT2
            class TinySequenceSummary(nn.Module):
                # Adapted from transformers.models.bert.modeling_bert.BertSelfOutput.forward
                def forward(self, x):
                    return x
            """,
            id="pytorch-targets-become-provenance",
        ),
        pytest.param(
            """
            #Copied from transformers.models.llama.modeling_llama.rotate_half
            def rotate_half(x):
                return x


            class TinyLayer(nn.Module):
                pass
            """,
            """
            #Adapted from transformers.models.llama.modeling_llama.rotate_half
            def rotate_half(x):
                return x


            class TinyLayer(nn.Module):
                pass
            """,
            id="no-space-after-hash",
        ),
        pytest.param(
            """
            # Copied from transformers.models.bert.modeling_tf_bert.TFBertSelfOutput with Bert->Tiny
            class TinySelfOutput(nn.Module):
                pass


            # copied from the original implementation
            def helper(x):
                return x  # Copied from somewhere else
            """,
            """
            # Copied from transformers.models.bert.modeling_tf_bert.TFBertSelfOutput with Bert->Tiny
            class TinySelfOutput(nn.Module):
                pass


            # copied from the original implementation
            def helper(x):
                return x  # Copied from somewhere else
            """,
            id="no-change-tf-targets-and-other-comments",
        ),
    ],
)
def test_provenance(before, after):
    assert run_passes(before, ProvenancePass) == dedent(after)


def test_check_copies_no_longer_enforces_it():
    # utils/check_copies.py's marker pattern (transformers 4.57)
    enforced = __import__("re").compile(r"^(\s*)#\s*Copied from\s+transformers\.(\S+\.\S+)\s*($|\S.*$)")
    rewritten = provenance("# Copied from transformers.models.xlm.modeling_xlm.XLMSequenceSummary with XLM->GPT2")
    assert rewritten == "# Adapted from transformers.models.xlm.modeling_xlm.XLMSequenceSummary with XLM->GPT2"
    assert not enforced.match(rewritten)
    assert provenance("# Copied from transformers.modeling_tf_utils.shape_list") is None


def test_markers_on_methods_the_helpers_pass_rewrites_become_provenance_too():
    from scaffold.convert.passes.helpers import ModelHelpersPass

    code = run_passes(
        """
        class TinyPreTrainedModel(PreTrainedModel):
            config_class = TinyConfig


        class TinyModel(TinyPreTrainedModel):
            # Copied from transformers.models.llama.modeling_llama.LlamaModel._update_causal_mask
            def _update_causal_mask(self, attention_mask, input_tensor):
                return attention_mask

            @staticmethod
            # Copied from transformers.models.llama.modeling_llama.LlamaModel._prepare_4d_causal_attention_mask_with_cache_position
            def _prepare_4d_causal_attention_mask_with_cache_position(attention_mask, sequence_length):
                return attention_mask
        """,
        ModelHelpersPass,
        ProvenancePass,
    )
    assert "Copied from" not in code
    assert code.count("# Adapted from transformers.models.llama.modeling_llama.LlamaModel.") == 2
    assert "return _update_causal_mask(" in code  # the helpers pass did rewrite them
