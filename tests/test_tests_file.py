"""The TF test file `scaffold port` writes: it runs where it is written.

A checkout may lack `tests/test_modeling_tf_common.py` (transformers 4.53+), `testing_utils.require_tf`, or
both; the file must parse, be clean under the checkout's ruff config and be collected in all four cases. Marked
`frameworks`: on a complete hand-written port (transformers' own TF GPT-2) the file passes, and faults injected
into that port make the matching tests fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold.checkout import Checkout
from scaffold.cli import main
from scaffold.convert import convert_source
from scaffold.edits import tests_file
from scaffold.formatting import _ruff
from scaffold.port import checkout_test_support, tf_test_file
from tests.conftest import DATA

FIXTURES = DATA / "checkout_tests"
# transformers' own lint settings (pyproject.toml of 4.46-4.57), which the generated files must satisfy
TRANSFORMERS_RUFF = """\
[tool.ruff]
target-version = "py39"
line-length = 119

[tool.ruff.lint]
ignore = ["C901", "E501", "E741", "F402", "F823", "SIM1", "SIM300", "SIM212", "SIM905", "UP009", "UP015", "UP031", "UP028", "UP004"]
select = ["C", "E", "F", "I", "W", "RUF013", "PERF102", "PLC1802", "PLC0208", "SIM", "UP"]

[tool.ruff.lint.isort]
lines-after-imports = 2
known-first-party = ["transformers"]
"""
REQUIRE_TF = """

def require_tf(test_case):
    return unittest.skipUnless(is_tf_available(), "test requires TensorFlow")(test_case)
"""
COMBINATIONS = [(True, True), (True, False), (False, True), (False, False)]  # (mixin, require_tf)


def test_support_is_read_from_the_two_files():
    assert tests_file.support_of("class TFModelTesterMixin:\n", "def require_tf(test_case):\n") == (
        tests_file.TestSupport(has_mixin=True, has_require_tf=True)
    )
    assert tests_file.support_of(None, "def require_torch(test_case):\n") == (
        tests_file.TestSupport(has_mixin=False, has_require_tf=False)
    )
    assert not tests_file.support_of("# no mixin here\n", None).has_mixin


def test_labels_follow_the_pytorch_forward():
    assert tests_file.head_labels("TFBertForQuestionAnswering", {"start_positions", "end_positions"}) == (
        ("start_positions", "batch", "seq"),
        ("end_positions", "batch", "seq"),
    )
    both = {"labels", "next_sentence_label"}
    assert [n for n, _, _ in tests_file.head_labels("TFBertForPreTraining", both)] == ["labels", "next_sentence_label"]
    assert tests_file.head_labels("TFElectraForPreTraining", {"labels"}) == ()  # per-token 0/1: not guessed
    assert tests_file.head_labels("TFGPT2ForSequenceClassification", {"input_ids"}) == ()  # no labels taken
    assert tests_file.head_labels("TFBertModel", None) == ()


def test_model_classes_leave_out_layers_the_pytorch_all_lists():
    source = (
        "class TFBertPreTrainedModel(TFPreTrainedModel): ...\n"
        "class TFBertLayer(keras.layers.Layer): ...\n"
        "class TFBertModel(TFBertPreTrainedModel): ...\n"
        "class TFBertLMHeadModel(TFBertModel): ...\n"
    )
    names = ["TFBertLayer", "TFBertLMHeadModel", "TFBertModel", "TFBertPreTrainedModel"]
    assert tests_file.model_classes(source, names) == ["TFBertLMHeadModel", "TFBertModel"]


def synthetic(root: Path, mixin: bool, require_tf: bool) -> None:
    """Give a checkout made from the installed package the test tree of an older or newer transformers."""
    (root / "pyproject.toml").write_text(TRANSFORMERS_RUFF)
    for folder in ("tests", "tests/models", "tests/models/llama", "tests/models/gpt2"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").touch()
    shutil.copy(FIXTURES / "test_configuration_common.py", root / "tests")
    if mixin:
        shutil.copy(FIXTURES / "test_modeling_tf_common.py", root / "tests")
    utils = root / "src/transformers/testing_utils.py"
    assert "def require_tf(" not in utils.read_text(), "the installed transformers is expected to be 4.53+"
    if require_tf:
        utils.write_text(utils.read_text() + REQUIRE_TF)


@pytest.fixture
def checkout(pristine_checkout, tmp_path) -> Path:
    root = tmp_path / "transformers"
    shutil.copytree(pristine_checkout, root)
    return root


def collect(root: Path, test_file: str) -> subprocess.CompletedProcess:
    """pytest's collection of the file, without TensorFlow or torch (USE_TF=0, USE_TORCH=0)."""
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "USE_TF": "0", "USE_TORCH": "0"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", test_file],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )


@pytest.mark.parametrize(("mixin", "require_tf"), COMBINATIONS)
def test_generated_file_fits_each_checkout(checkout, mixin, require_tf):
    synthetic(checkout, mixin, require_tf)
    result = CliRunner().invoke(main, ["port", "llama", "--repo", str(checkout)])
    assert result.exit_code == 0, result.output
    path = checkout / "tests/models/llama/test_modeling_tf_llama.py"
    text = path.read_text()
    compile(text, str(path), "exec")
    common = checkout / "tests/tf_port_common.py"
    if mixin:
        assert "from ...test_modeling_tf_common import TFModelTesterMixin" in text
        assert "class TFLlamaModelTest(TFModelTesterMixin, unittest.TestCase)" in text
        assert not common.exists()
    else:
        assert "from ...tf_port_common import TFPortTesterMixin" in text
        assert "class TFLlamaModelTest(TFPortTesterMixin, unittest.TestCase)" in text
        assert "create  tests/tf_port_common.py" in result.stderr
    assert ("from transformers.testing_utils import require_tf, require_torch" in text) == require_tf
    assert ("\ndef require_tf(test_case):" in text) == (not require_tf)

    lint = [*_ruff(), "check", "--config", str(checkout / "pyproject.toml"), str(path)]
    files = [path, common] if common.exists() else [path]
    done = subprocess.run([*lint[:-1], *map(str, files)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        [*_ruff(), "format", "--check", "--config", str(checkout / "pyproject.toml"), *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    collected = collect(checkout, "tests/models/llama/test_modeling_tf_llama.py")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    names = {line.rsplit("::", 1)[-1] for line in collected.stdout.splitlines() if "::" in line}
    assert {"test_pt_tf_equivalence", "test_pt_tf_loss_equivalence", "test_pt_tf_greedy_generate"} <= names
    if not mixin:  # scaffold's own common tests stand in for the mixin's
        assert {"test_save_load", "test_keras_save_load", "test_resize_token_embeddings", "test_int_support"} <= names
        assert len(names) >= 28

    again = CliRunner().invoke(main, ["port", "llama", "--repo", str(checkout)])
    assert again.exit_code == 0 and "nothing to change" in again.stderr


def test_common_file_edited_by_hand_is_kept_unless_forced(checkout):
    synthetic(checkout, mixin=False, require_tf=False)
    assert CliRunner().invoke(main, ["port", "llama", "--repo", str(checkout)]).exit_code == 0
    common = checkout / "tests/tf_port_common.py"
    common.write_text(common.read_text() + "\n# a local change\n")
    assert CliRunner().invoke(main, ["port", "llama", "--repo", str(checkout)]).exit_code == 0
    assert common.read_text().endswith("# a local change\n")
    assert CliRunner().invoke(main, ["port", "llama", "--repo", str(checkout), "--force"]).exit_code == 0
    assert not common.read_text().endswith("# a local change\n")


# -- on a complete port: transformers' own TF GPT-2 -------------------------------------------------------------

GPT2_CLASSES = ["TFGPT2Model", "TFGPT2LMHeadModel", "TFGPT2ForSequenceClassification"]


def gpt2_checkout(root: Path) -> Path:
    """The 4.53+ case (no mixin, no require_tf), with the test file rendered for three of TF GPT-2's classes."""
    synthetic(root, mixin=False, require_tf=False)
    checkout = Checkout.open(root, "gpt2")
    source = (checkout.model_dir / "modeling_gpt2.py").read_text()
    summary = convert_source(source, "gpt2", format_code=False).summary
    support = checkout_test_support(checkout)
    text = tf_test_file(checkout, summary, source, GPT2_CLASSES, support, tf_source=None)
    (root / "tests/models/gpt2/test_modeling_tf_gpt2.py").write_text(text)
    (root / "tests/tf_port_common.py").write_text(tests_file.common_file())
    return root


def run_pytest(root: Path, *args: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/models/gpt2/test_modeling_tf_gpt2.py", "-p", "no:cacheprovider"]
        + ["-rA", "-q", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    outcomes = {}
    for line in done.stdout.splitlines():
        word, _, rest = line.partition(" ")
        word = word.split("[")[0]  # SUBFAILED[TFGPT2LMHeadModel]: a subTest of the test failed
        if word in ("PASSED", "FAILED", "SKIPPED", "ERROR", "SUBFAILED") and "::" in rest:
            name = rest.split("::")[-1].split(" ")[0]
            outcomes[name] = "FAILED" if word == "SUBFAILED" or outcomes.get(name) == "FAILED" else word
    assert outcomes, done.stdout[-3000:] + done.stderr[-3000:]
    return outcomes


@pytest.mark.frameworks
def test_generated_tests_pass_on_a_complete_port(checkout):
    outcomes = run_pytest(gpt2_checkout(checkout))
    failed = {name: outcome for name, outcome in outcomes.items() if outcome in ("FAILED", "ERROR")}
    assert failed == {}, failed
    assert sum(outcome == "PASSED" for outcome in outcomes.values()) >= 28  # all but head masking (off)


@pytest.mark.frameworks
def test_generated_tests_catch_faults(checkout):
    root = gpt2_checkout(checkout)
    path = root / "src/transformers/models/gpt2/modeling_tf_gpt2.py"
    text = path.read_text()
    # a main layer that hides its embeddings, and a language-modelling loss that is off by 1%
    hidden = text.replace(
        "    def get_input_embeddings(self):\n        return self.wte",
        "    def get_input_embeddings(self):\n        return None",
        1,
    )
    assert hidden != text
    wrong_loss = hidden.replace("loss = self.hf_compute_loss(", "loss = 1.01 * self.hf_compute_loss(", 1)
    assert wrong_loss != hidden
    path.write_text(wrong_loss)
    outcomes = run_pytest(root, "-k", "common_attributes or inputs_embeds or loss_equivalence or loss_computation")
    assert outcomes["test_model_common_attributes"] == "FAILED"
    assert outcomes["test_inputs_embeds"] == "FAILED"
    assert outcomes["test_pt_tf_loss_equivalence"] == "FAILED"
    assert outcomes["test_loss_computation"] == "PASSED"  # the shape is right: only PyTorch shows the loss is wrong
