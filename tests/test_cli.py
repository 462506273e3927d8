"""The CLI as a user runs it: exit codes, one-line errors, nothing written on failure, fast start-up."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from scaffold.cli import main
from tests.conftest import DATA, NO_FRAMEWORKS


@pytest.fixture
def runner():
    return CliRunner()


def test_convert_to_stdout_lists_todos_on_stderr(runner):
    result = runner.invoke(main, ["convert", str(DATA / "modeling_tiny.py")])
    assert result.exit_code == 0
    assert "class TFTinyModel(TFTinyPreTrainedModel):" in result.stdout
    assert "TODO(scaffold) in <stdout>" in result.stderr
    assert "<stdout>:" in result.stderr


def test_convert_to_file(runner, tmp_path):
    target = tmp_path / "modeling_tf_tiny.py"
    result = runner.invoke(main, ["convert", str(DATA / "modeling_tiny.py"), "-o", str(target)])
    assert result.exit_code == 0
    assert target.read_text() == (DATA / "modeling_tf_tiny.py").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name != target.name], "no temp file left behind"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing-file"),
        pytest.param(b"\x7fELF\x00\x01binary", "not a Python source file", id="binary"),
        pytest.param(b"\xff\xfe not utf-8", "not UTF-8", id="not-utf8"),
        pytest.param(
            b"import torch\n\ndef f(:\n    pass\n", "bad.py:3:7: syntax error", id="syntax-error-with-position"
        ),
        pytest.param(b"import os\nx = 1\n", "no torch.nn.Module subclass found", id="no-model"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(runner, tmp_path, content, message):
    source = tmp_path / "bad.py"
    if content is not None:
        source.write_bytes(content)
    target = tmp_path / "out" / "modeling_tf_bad.py"
    target.parent.mkdir()
    result = runner.invoke(main, ["convert", str(source), "-o", str(target)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_read_only_output_is_refused_and_kept(runner, tmp_path):
    target = tmp_path / "modeling_tf_tiny.py"
    target.write_text("keep me\n")
    target.chmod(0o444)
    result = runner.invoke(main, ["convert", str(DATA / "modeling_tiny.py"), "-o", str(target)])
    assert result.exit_code == 2
    assert "read-only" in result.stderr
    assert target.read_text() == "keep me\n"


def test_start_up_imports_neither_tensorflow_nor_torch():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from scaffold.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"r = CliRunner().invoke(main, ['convert', {str(DATA / 'modeling_tiny.py')!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = sorted(m for m in ('tensorflow', 'torch', 'transformers') if m in sys.modules)\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_error_carries_its_file_as_a_field(tmp_path):
    from scaffold.convert import convert_source
    from scaffold.errors import ScaffoldError

    with pytest.raises(ScaffoldError) as caught:
        convert_source("import torch\n\ndef f(:\n    pass\n", "bad", filename="bad.py")
    error = caught.value
    assert (error.file, error.line, error.col) == ("bad.py", 3, 7)
    assert error.message == "syntax error: invalid syntax; fix the PyTorch file first"
    assert str(error) == "bad.py:3:7: syntax error: invalid syntax; fix the PyTorch file first"
    with pytest.raises(ScaffoldError) as caught:
        convert_source("import os\n", "bad", filename="bad.py")
    assert caught.value.file == "bad.py" and caught.value.message.startswith("no torch.nn.Module subclass found")


# -- convert MODEL: no checkout needed ---------------------------------------------------------------------------


def test_convert_a_model_name_converts_the_installed_transformers_model(runner, models_dir):
    result = runner.invoke(main, ["convert", "llama"])
    assert result.exit_code == 0, result.output
    assert f"scaffold: converting {models_dir / 'llama/modeling_llama.py'}" in result.stderr
    assert "class TFLlamaModel(TFLlamaPreTrainedModel):" in result.stdout
    assert "class TFLlamaForCausalLM(" in result.stdout


def test_convert_an_unknown_model_name_suggests_close_ones(runner):
    result = runner.invoke(main, ["convert", "lama"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown model 'lama'" in result.stderr and "did you mean llama" in result.stderr


def test_convert_a_model_folder_converts_its_modeling_file(runner, models_dir):
    result = runner.invoke(main, ["convert", str(models_dir / "gpt2")])
    assert result.exit_code == 0, result.output
    assert "class TFGPT2Model(" in result.stdout


# -- verify without the frameworks -----------------------------------------------------------------------------


def test_missing_frameworks_names_each_package_verify_needs():
    from scaffold.verify_command import missing_frameworks

    def only(*present):
        return lambda module: object() if module in present else None

    assert missing_frameworks(only("tensorflow", "torch", "tf_keras"), keras_version="3.1.0") == []
    assert missing_frameworks(only("tensorflow", "torch"), keras_version="2.15.0") == []  # Keras 2: no tf-keras
    assert missing_frameworks(only("tensorflow", "torch"), keras_version="3.1.0") == ["tf-keras"]
    assert missing_frameworks(only(), keras_version="") == ["tensorflow", "torch"]


def test_verify_without_the_frameworks_says_so_in_one_line(pristine_checkout, tmp_path):
    (tmp_path / "sitecustomize.py").write_text(NO_FRAMEWORKS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "scaffold.cli", "verify", "bert", "--repo", str(pristine_checkout)]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "tensorflow, torch are not installed; pip install 'scaffold[frameworks]'" in done.stderr
