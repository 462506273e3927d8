"""Plans are written whole or not at all."""

import os

import pytest

from scaffold.errors import ScaffoldError
from scaffold.plan import Plan


def make_plan(tmp_path):
    (tmp_path / "a.py").write_text("a = 1\n")
    plan = Plan(tmp_path)
    plan.add(tmp_path / "a.py", "a = 1\n", "a = 2\n")
    plan.add(tmp_path / "pkg" / "b.py", None, "b = 1\n")
    plan.add(tmp_path / "c.txt", "same\n", "same\n")
    (tmp_path / "c.txt").write_text("same\n")
    return plan


def test_apply_writes_changes_and_creates_folders(tmp_path):
    plan = make_plan(tmp_path)
    assert [c.kind for c in plan.changes] == ["modify", "create", "identical"]
    plan.apply()
    assert (tmp_path / "a.py").read_text() == "a = 2\n"
    assert (tmp_path / "pkg/b.py").read_text() == "b = 1\n"


def test_diff_shows_only_real_changes(tmp_path):
    diff = make_plan(tmp_path).diff()
    assert "+a = 2" in diff and "+++ b/pkg/b.py" in diff and "c.txt" not in diff


def test_invalid_python_writes_nothing(tmp_path):
    plan = make_plan(tmp_path)
    plan.add(tmp_path / "broken.py", None, "def f(:\n")
    with pytest.raises(ScaffoldError, match="broken.py:1"):
        plan.apply()
    assert (tmp_path / "a.py").read_text() == "a = 1\n"
    assert not (tmp_path / "pkg").exists()


def test_a_failed_replace_restores_what_was_written(tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    real_replace = os.replace
    calls = []

    def flaky_replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(ScaffoldError, match="every file was restored"):
        plan.apply()
    assert (tmp_path / "a.py").read_text() == "a = 1\n"
    assert not (tmp_path / "pkg/b.py").exists()
    assert [p.name for p in tmp_path.rglob("*.scaffold")] == []
