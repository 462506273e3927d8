import ast
from pathlib import Path

import transformers

from scaffold.convert import convert_source
from scaffold.convert.output_fields import OUTPUT_FIELDS
from scaffold.convert.tables import TF_OUTPUTS, TF_OUTPUTS_LACKING

SOURCE = """
from torch import nn

from ...modeling_outputs import {name}


class TinyHead(nn.Module):
    def forward(self, x):
        return {name}(start_logits=x, end_logits=x, cross_attentions=None)
"""


def _tf_fields() -> dict[str, list[str]]:
    tree = ast.parse((Path(transformers.__file__).parent / "modeling_tf_outputs.py").read_text())
    return {
        node.name: [s.target.id for s in node.body if isinstance(s, ast.AnnAssign)]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def test_lacking_fields_table_matches_the_installed_transformers():
    tf_fields = _tf_fields()
    lacking = {}
    for name in TF_OUTPUTS:
        missing = tuple(f for f in OUTPUT_FIELDS.get(name[2:], ()) if f not in tf_fields[name])
        if missing:
            lacking[name] = missing
    assert lacking == TF_OUTPUTS_LACKING


def test_a_tf_output_lacking_a_torch_field_gets_a_twin_with_every_field():
    code = convert_source(SOURCE.format(name="Seq2SeqQuestionAnsweringModelOutput"), "tiny").code
    assert "import TFSeq2SeqQuestionAnsweringModelOutput" not in code
    assert "class TFSeq2SeqQuestionAnsweringModelOutput(ModelOutput):" in code
    assert "    cross_attentions: tf.Tensor | None = None" in code
    assert "return TFSeq2SeqQuestionAnsweringModelOutput(start_logits=x" in code


def test_a_complete_tf_output_is_imported():
    code = convert_source(SOURCE.format(name="QuestionAnsweringModelOutput"), "tiny").code
    assert "from ...modeling_tf_outputs import TFQuestionAnsweringModelOutput" in code
    assert "class TFQuestionAnsweringModelOutput" not in code
