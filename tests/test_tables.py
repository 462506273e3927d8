"""The API facts scaffold keeps as data match the installed transformers source (read, not imported)."""

import re

from scaffold.convert.output_fields import OUTPUT_FIELDS
from scaffold.convert.tables import TF_ACTIVATIONS, TF_OUTPUTS
from tests.conftest import transformers_models

ROOT = transformers_models().parent


def test_tf_output_classes_match_modeling_tf_outputs():
    source = (ROOT / "modeling_tf_outputs.py").read_text()
    assert set(re.findall(r"^class (TF\w+)\(", source, re.M)) == TF_OUTPUTS


def test_output_fields_match_modeling_outputs():
    from scripts.gen_output_fields import output_fields

    assert output_fields((ROOT / "modeling_outputs.py").read_text()) == OUTPUT_FIELDS


def test_tf_activation_names_match_activations_tf():
    source = (ROOT / "activations_tf.py").read_text()
    table = source[source.index("ACT2FN = {") :]
    table = table[: table.index("}")]
    assert set(re.findall(r'"(\w+)":', table)) == TF_ACTIVATIONS
