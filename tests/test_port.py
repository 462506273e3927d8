"""`scaffold port` on real and synthetic transformers checkouts: the edits, idempotence, dry runs, errors."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold.cli import main
from tests.conftest import DATA


@pytest.fixture
def checkout(pristine_checkout, tmp_path) -> Path:
    root = tmp_path / "transformers"
    shutil.copytree(pristine_checkout, root)
    return root


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def port(*args: str):
    return CliRunner().invoke(main, ["port", *args])


# -- the modern layout, on a real checkout -------------------------------------------------------------------


def test_port_llama_edits_the_checkout(checkout):
    result = port("llama", "--repo", str(checkout))
    assert result.exit_code == 0, result.output
    model_dir = checkout / "src/transformers/models/llama"
    assert (model_dir / "modeling_tf_llama.py").is_file()
    assert "    from .modeling_tf_llama import *\n" in (model_dir / "__init__.py").read_text()
    auto = (checkout / "src/transformers/models/auto/modeling_tf_auto.py").read_text()
    assert '("llama", "TFLlamaModel")' in auto
    assert '("llama", "TFLlamaForCausalLM")' in auto
    page = (checkout / "docs/source/en/model_doc/llama.md").read_text()
    assert "[[autodoc]] TFLlamaModel\n    - call" in page
    assert page.index("TFLlamaModel") < page.index("FlaxLlamaModel"), "TF sections go after the PyTorch ones"
    row = next(
        line for line in (checkout / "docs/source/en/index.md").read_text().splitlines() if "model_doc/llama" in line
    )
    assert [c.strip() for c in row.split("|")][1:5] == ["[LLaMA](model_doc/llama)", "✅", "✅", "✅"]
    test_file = checkout / "tests/models/llama/test_modeling_tf_llama.py"
    compile(test_file.read_text(), str(test_file), "exec")
    # the installed package is 4.53+: no TFModelTesterMixin, so scaffold's own common tests stand in
    assert "class TFLlamaModelTest(TFPortTesterMixin, unittest.TestCase)" in test_file.read_text()
    assert "TODO(scaffold)" in result.stderr and "Next steps" in result.stderr
    assert "scaffold check llama" in result.stderr and "scaffold verify llama" in result.stderr


@pytest.mark.frameworks
def index_cells(root: Path) -> dict[str, list[str]]:
    rows = [line for line in (root / "docs/source/en/index.md").read_text().splitlines() if "](model_doc/" in line]
    return {line.split("[")[1].split("]")[0]: [c.strip() for c in line.split("|")][2:5] for line in rows}


def test_port_ticks_every_index_row_of_the_model_type_as_check_table_would(checkout):
    before = index_cells(checkout)
    assert port("llama", "--repo", str(checkout)).exit_code == 0
    after = index_cells(checkout)
    # LLaMA, CodeLlama (model type code_llama, LlamaConfig), Llama2 and Llama3 (utils/check_table.py's
    # MODEL_NAMES_WITH_SAME_CONFIG): utils/check_table.py derives all four from LlamaConfig
    for name in ("LLaMA", "CodeLlama", "Llama2", "Llama3"):
        assert before[name] == ["✅", "❌", "✅"] and after[name] == ["✅", "✅", "✅"], name
    assert after["Mllama"] == before["Mllama"] == ["✅", "❌", "❌"]
    widths = {len(line) for line in (checkout / "docs/source/en/index.md").read_text().splitlines()[-7:]}
    assert len(widths) == 1, "the table keeps its centring"
    check = CliRunner().invoke(main, ["check", "llama", "--repo", str(checkout)])
    assert "index.md" not in check.output[check.output.index("6. registration") :].split("\n7.")[0]

    index = checkout / "docs/source/en/index.md"
    lines = index.read_text().splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if "[Llama2]" in line)
    cells = lines[row].split("|")
    cells[3] = cells[3].replace("✅", "❌")
    lines[row] = "|".join(cells)
    index.write_text("".join(lines))
    assert index_cells(checkout)["Llama2"][1] == "❌"
    check = CliRunner().invoke(main, ["check", "llama", "--repo", str(checkout)])
    assert "docs/source/en/index.md: shows ❌ for TensorFlow in the Llama2 row (utils/check_table.py would fail)" in (
        check.output
    )


def test_an_index_without_a_model_table_is_not_a_finding(checkout):
    (checkout / "docs/source/en/index.md").write_text("# Transformers\n\nNo model table since 4.5x.\n")
    result = port("llama", "--repo", str(checkout))
    assert result.exit_code == 0 and "index.md" not in result.stderr
    check = CliRunner().invoke(main, ["check", "llama", "--repo", str(checkout)])
    assert "index.md" not in check.output


def test_ported_model_imports_and_builds_from_the_auto_class(checkout):
    assert port("llama", "--repo", str(checkout)).exit_code == 0
    code = textwrap.dedent(
        """
        import transformers
        assert transformers.__file__.startswith(sys.argv[1]), transformers.__file__
        from transformers import LlamaConfig, TFAutoModel, TFLlamaModel
        config = LlamaConfig(vocab_size=99, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2)
        model = TFAutoModel.from_config(config)
        assert type(model) is TFLlamaModel, type(model)
        model.build_in_name_scope()
        print(len(model.weights))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(checkout / "src"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code, str(checkout / "src")], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip().splitlines()[-1]) == 20  # 2 layers x 9 weights, embeddings, final norm


def test_second_port_changes_nothing_and_says_so(checkout):
    assert port("llama", "--repo", str(checkout)).exit_code == 0
    before = tree(checkout)
    result = port("llama", "--repo", str(checkout))
    assert result.exit_code == 0
    assert "nothing to change" in result.stderr
    assert tree(checkout) == before


def test_dry_run_writes_nothing_and_prints_a_diff(checkout):
    before = tree(checkout)
    result = port("llama", "--repo", str(checkout), "--dry-run")
    assert result.exit_code == 0
    assert tree(checkout) == before
    assert "+++ b/src/transformers/models/llama/modeling_tf_llama.py" in result.stdout
    assert '+        ("llama", "TFLlamaModel"),' in result.stdout
    assert "dry run, nothing written" in result.stderr


def test_port_finds_the_checkout_from_a_subfolder(checkout, monkeypatch):
    monkeypatch.chdir(checkout / "docs/source/en")
    assert port("llama").exit_code == 0
    assert (checkout / "src/transformers/models/llama/modeling_tf_llama.py").is_file()


# -- errors: one line, exit 2, nothing written -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        pytest.param(None, ["llama", "--repo", "{tmp}"], "not a transformers checkout", id="not-a-checkout"),
        pytest.param(None, ["lama", "--repo", "{root}"], "unknown model 'lama'", id="unknown-model-suggests"),
        pytest.param("syntax", ["llama", "--repo", "{root}"], "modeling_llama.py:", id="syntax-error"),
        pytest.param("tf-exists", ["llama", "--repo", "{root}"], "--force", id="tf-file-exists"),
        pytest.param("read-only", ["llama", "--repo", "{root}"], "read-only", id="read-only-target"),
        pytest.param("no-model", ["llama", "--repo", "{root}"], "defines no model class", id="no-model-class"),
    ],
)
def test_errors_leave_the_tree_untouched(checkout, tmp_path, setup, args, message):
    model_dir = checkout / "src/transformers/models/llama"
    if setup == "syntax":
        path = model_dir / "modeling_llama.py"
        path.write_text(path.read_text().replace("class LlamaMLP(nn.Module):", "class LlamaMLP(nn.Module:", 1))
    elif setup == "tf-exists":
        (model_dir / "modeling_tf_llama.py").write_text("# my own port\n")
    elif setup == "no-model":  # only the PreTrainedModel is public: nothing to register or test
        path = model_dir / "modeling_llama.py"
        text = path.read_text()
        path.write_text(text[: text.index("__all__")] + '__all__ = ["LlamaPreTrainedModel"]\n')
    elif setup == "read-only":
        auto = checkout / "src/transformers/models/auto/modeling_tf_auto.py"
        auto.chmod(0o444)
    before = tree(checkout)
    (tmp_path / "empty").mkdir()
    args = [a.format(root=checkout, tmp=tmp_path / "empty") for a in args]
    result = port(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree(checkout) == before
    if setup is None and "lama" in args:
        assert "did you mean llama" in result.stderr


@pytest.mark.parametrize(("model", "prefix"), [("flex_olmo", "FlexOlmo"), ("longcat_flash", "LongcatFlash")])
def test_models_named_flex_or_flash_keep_their_classes(checkout, model, prefix):
    """Flex / Flash in a model's name is no attention variant (XFlexAttention, XFlashAttention2): the model classes
    were dropped and the test file found none (an IndexError)."""
    result = port(model, "--repo", str(checkout))
    assert result.exit_code == 0, result.output
    code = (checkout / f"src/transformers/models/{model}/modeling_tf_{model}.py").read_text()
    for name in (f"TF{prefix}Model", f"TF{prefix}ForCausalLM", f"TF{prefix}MainLayer"):
        assert f"class {name}(" in code
    test = (checkout / f"tests/models/{model}/test_modeling_tf_{model}.py").read_text()
    assert f"TF{prefix}ForCausalLM" in test


def test_syntax_error_names_line_and_column(checkout):
    path = checkout / "src/transformers/models/llama/modeling_llama.py"
    text = path.read_text().replace("class LlamaMLP(nn.Module):", "class LlamaMLP(nn.Module:", 1)
    path.write_text(text)
    line = text[: text.index("class LlamaMLP(nn.Module:")].count("\n") + 1
    result = port("llama", "--repo", str(checkout))
    assert re.search(rf"modeling_llama\.py:{line}:\d+: syntax error", result.stderr), result.stderr


# -- the legacy layout (pre-4.47), synthetic -------------------------------------------------------------------

LEGACY_TOP = """\
from typing import TYPE_CHECKING

from .utils import OptionalDependencyNotAvailable, _LazyModule, is_tf_available, is_torch_available

_import_structure = {
    "models.albert": ["AlbertConfig"],
    "models.tiny": ["TinyConfig"],
    "models.zebra": ["ZebraConfig"],
    "utils": ["logging"],
}

try:
    if not is_torch_available():
        raise OptionalDependencyNotAvailable()
except OptionalDependencyNotAvailable:
    from .utils import dummy_pt_objects

    _import_structure["utils.dummy_pt_objects"] = [name for name in dir(dummy_pt_objects) if not name.startswith("_")]
else:
    _import_structure["models.tiny"].extend(["TinyModel", "TinyPreTrainedModel"])

try:
    if not is_tf_available():
        raise OptionalDependencyNotAvailable()
except OptionalDependencyNotAvailable:
    from .utils import dummy_tf_objects

    _import_structure["utils.dummy_tf_objects"] = [name for name in dir(dummy_tf_objects) if not name.startswith("_")]
else:
    _import_structure["models.albert"].extend(
        [
            "TFAlbertModel",
        ]
    )
    _import_structure["models.zebra"].extend(
        [
            "TFZebraModel",
        ]
    )


if TYPE_CHECKING:
    from .models.albert import AlbertConfig
    from .models.tiny import TinyConfig
    from .models.zebra import ZebraConfig

    try:
        if not is_torch_available():
            raise OptionalDependencyNotAvailable()
    except OptionalDependencyNotAvailable:
        from .utils.dummy_pt_objects import *
    else:
        from .models.tiny import TinyModel, TinyPreTrainedModel

    try:
        if not is_tf_available():
            raise OptionalDependencyNotAvailable()
    except OptionalDependencyNotAvailable:
        from .utils.dummy_tf_objects import *
    else:
        from .models.albert import (
            TFAlbertModel,
        )
        from .models.zebra import (
            TFZebraModel,
        )

else:
    import sys

    sys.modules[__name__] = _LazyModule(__name__, globals()["__file__"], _import_structure, module_spec=__spec__)
"""

LEGACY_MODEL_INIT = """\
from typing import TYPE_CHECKING

from ...utils import OptionalDependencyNotAvailable, _LazyModule, is_torch_available


_import_structure = {"configuration_tiny": ["TinyConfig"]}

try:
    if not is_torch_available():
        raise OptionalDependencyNotAvailable()
except OptionalDependencyNotAvailable:
    pass
else:
    _import_structure["modeling_tiny"] = [
        "TinyForSequenceClassification",
        "TinyModel",
        "TinyPreTrainedModel",
    ]


if TYPE_CHECKING:
    from .configuration_tiny import TinyConfig

    try:
        if not is_torch_available():
            raise OptionalDependencyNotAvailable()
    except OptionalDependencyNotAvailable:
        pass
    else:
        from .modeling_tiny import (
            TinyForSequenceClassification,
            TinyModel,
            TinyPreTrainedModel,
        )

else:
    import sys

    sys.modules[__name__] = _LazyModule(__name__, globals()["__file__"], _import_structure, module_spec=__spec__)
"""


@pytest.fixture
def legacy_checkout(tmp_path) -> Path:
    root = tmp_path / "transformers"
    src = root / "src/transformers"
    (src / "models/tiny").mkdir(parents=True)
    (src / "models/auto").mkdir()
    (src / "utils").mkdir()
    (src / "__init__.py").write_text(LEGACY_TOP)
    (src / "models/tiny/__init__.py").write_text(LEGACY_MODEL_INIT)
    (src / "models/tiny/modeling_tiny.py").write_text((DATA / "modeling_tiny.py").read_text())
    (src / "utils/dummy_tf_objects.py").write_text("# old\n")
    return root


def _halves(init: str, first: re.Pattern, second: re.Pattern) -> tuple[list[str], list[str]]:
    top, typing_half = init.split("if TYPE_CHECKING:")
    return re.findall(first, top), re.findall(second, typing_half)


def test_legacy_layout_gets_matching_init_halves_and_dummies(legacy_checkout):
    result = port("tiny", "--repo", str(legacy_checkout))
    assert result.exit_code == 0, result.output
    assert "legacy layout" in result.stderr
    src = legacy_checkout / "src/transformers"
    expected = ["TFTinyForSequenceClassification", "TFTinyMainLayer", "TFTinyModel", "TFTinyPreTrainedModel"]

    model_init = (src / "models/tiny/__init__.py").read_text()
    compile(model_init, "__init__.py", "exec")
    assert "is_tf_available" in model_init.split("_import_structure")[0]
    first, second = _halves(model_init, r'"(TFTiny\w+)"', r"\n            (TFTiny\w+),")
    assert first == second == expected

    top = (src / "__init__.py").read_text()
    compile(top, "__init__.py", "exec")
    first, second = _halves(top, r'"(TF\w+)"', r"\n            (TF\w+),")
    assert first == second == ["TFAlbertModel", *expected, "TFZebraModel"]  # alphabetical, like check_inits wants

    dummies = (src / "utils/dummy_tf_objects.py").read_text()
    template = '\nclass {0}(metaclass=DummyObject):\n    _backends = ["tf"]\n\n    def __init__(self, *args, **kwargs):\n        requires_backends(self, ["tf"])\n'
    header = "# This file is autogenerated by the command `make fix-copies`, do not edit.\nfrom ..utils import DummyObject, requires_backends\n\n"
    assert dummies == header + "\n".join(template.format(n) for n in ["TFAlbertModel", *expected, "TFZebraModel"])

    before = tree(legacy_checkout)
    again = port("tiny", "--repo", str(legacy_checkout))
    assert "nothing to change" in again.stderr
    assert tree(legacy_checkout) == before


def test_check_after_port_on_the_legacy_layout_finds_the_registration_and_what_is_missing(legacy_checkout):
    assert port("tiny", "--repo", str(legacy_checkout)).exit_code == 0
    result = CliRunner().invoke(main, ["check", "tiny", "--repo", str(legacy_checkout)])
    registration = result.output[result.output.index("6. registration") :]
    assert "__init__.py" not in registration and "dummy_tf_objects" not in registration  # both halves, dummies
    assert "model_doc/tiny.md: missing" in registration  # this checkout has no docs
    # the dummies going stale is caught
    dummies = legacy_checkout / "src/transformers/utils/dummy_tf_objects.py"
    dummies.write_text(dummies.read_text().replace("class TFTinyModel(", "class TFTinyModelOld("))
    result = CliRunner().invoke(main, ["check", "tiny", "--repo", str(legacy_checkout)])
    assert (
        "src/transformers/utils/dummy_tf_objects.py: out of date (utils/check_dummies.py would fail)" in result.output
    )


def test_the_tf_import_goes_after_a_multi_line_import_in_the_model_init():
    from scaffold.edits.inits import modern_model_init

    text = (
        "if TYPE_CHECKING:\n"
        "    from .configuration_prompt_depth_anything import PromptDepthAnythingConfig\n"
        "    from .modeling_prompt_depth_anything import (\n"
        "        PromptDepthAnythingForDepthEstimation,\n"
        "        PromptDepthAnythingPreTrainedModel,\n"
        "    )\n"
        "else:\n"
        "    import sys\n"
    )
    new = modern_model_init(text, "prompt_depth_anything")
    assert new == text.replace("    )\n", "    )\n    from .modeling_tf_prompt_depth_anything import *\n")
    compile(new, "__init__.py", "exec")
    assert modern_model_init(new, "prompt_depth_anything") == new
