"""The whole pipeline on realistic input, compared with reviewed expected output (scripts/regen_golden.py)."""

import pytest

from scaffold.convert import convert_source, model_name_from_path
from tests.conftest import DATA

CASES = sorted(p for p in DATA.glob("modeling_*.py") if not p.name.startswith("modeling_tf_"))


@pytest.mark.parametrize("source", CASES, ids=[p.stem for p in CASES])
def test_golden(source):
    name = model_name_from_path(source)
    expected = source.with_name(f"modeling_tf_{name}.py").read_text()
    result = convert_source(source.read_text(), name, filename=source.name)
    assert result.code == expected, "converter output changed: review it, then run scripts/regen_golden.py"


@pytest.mark.parametrize("source", CASES, ids=[p.stem for p in CASES])
def test_conversion_is_deterministic(source):
    name = model_name_from_path(source)
    first = convert_source(source.read_text(), name).code
    assert convert_source(source.read_text(), name).code == first


UNTRANSLATED_HEAD = """

class TinyForRanking(TinyPreTrainedModel):
    def forward(self, scores, other, labels=None):
        return nn.MarginRankingLoss()(scores, other, labels)
"""


def test_todos_name_their_line():
    source = DATA / "modeling_tiny.py"
    result = convert_source(source.read_text() + UNTRANSLATED_HEAD, "tiny")
    lines = result.code.splitlines()
    assert result.todos, "the head's loss has no TF translation"
    for todo in result.todos:
        assert "TODO(scaffold)" in lines[todo.line - 1]
        assert todo.message in lines[todo.line - 1]
