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
