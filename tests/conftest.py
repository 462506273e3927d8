"""Shared helpers. Tests that need TensorFlow/torch are marked `frameworks` and import them lazily."""

from __future__ import annotations

import importlib.util
import shutil
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from scaffold.convert.analysis import analyze
from scaffold.convert.context import ConvertContext
from scaffold.convert.pipeline import run_node_passes
from scaffold.convert.todos import Todo, Todos

DATA = Path(__file__).parent / "data"

# Imports a snippet needs so that the analysis resolves torch names as in a real modeling file.
PRELUDE = """\
import torch
from torch import nn

from ...activations import ACT2FN
from ...modeling_outputs import BaseModelOutput
from ...modeling_utils import PreTrainedModel
from ...pytorch_utils import Conv1D
from .configuration_tiny import TinyConfig
"""


def transformers_models() -> Path:
    """The installed transformers' models folder, found without importing transformers."""
    spec = importlib.util.find_spec("transformers")
    assert spec is not None and spec.origin, "transformers is not installed"
    return Path(spec.origin).parent / "models"


def dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def context_for(source: str, model_name: str = "tiny") -> tuple[cst.Module, ConvertContext]:
    module = cst.parse_module(source)
    return module, ConvertContext(info=analyze(module, model_name, source))


def run_passes(body: str, *pass_types, model_name: str = "tiny") -> str:
    """Run only the given node passes over PRELUDE + body; return the body's code (prelude stripped)."""
    source = PRELUDE + "\n\n" + dedent(body)
    module, ctx = context_for(source, model_name)
    result = run_node_passes(module, pass_types, ctx, Todos()).code
    return result[result.index("\n\n\n") + 3 :] if "\n\n\n" in result else result


def assert_codemod(before: str, after: str, *pass_types, todos: tuple[Todo, ...] = (), model_name: str = "tiny"):
    """LibCST's assertCodemod for scaffold's node passes: run only `pass_types` over PRELUDE + `before`; the body
    must read `after` and the passes must have produced exactly the TODO records `todos` (in order)."""
    source = PRELUDE + "\n\n" + dedent(before)
    module, ctx = context_for(source, model_name)
    produced = Todos()
    code = run_node_passes(module, pass_types, ctx, produced).code
    body = code[code.index("\n\n\n") + 3 :] if "\n\n\n" in code else code
    assert body == dedent(after)
    assert tuple(produced.produced) == tuple(todos)


def translate(expression: str, *pass_types, params: str = "x, y") -> str:
    """The expression `return <expression>` becomes in a forward body, after `pass_types`."""
    code = run_passes(
        f"""
        class TinyLayer(nn.Module):
            def forward(self, {params}):
                return {expression}
        """,
        *pass_types,
    )
    line = next(line for line in code.splitlines() if line.strip().startswith("return"))
    return line.strip()[len("return ") :]


def convert_with(body: str, *class_passes, model_name: str = "tiny") -> str:
    """PRELUDE + body through every node pass, then only the given class-level passes (no final step)."""
    from scaffold.convert import NODE_PASSES

    source = PRELUDE + "\n\n" + dedent(body)
    module, ctx = context_for(source, model_name)
    module = run_node_passes(module, NODE_PASSES, ctx, Todos())
    for apply in class_passes:
        module = apply(module, ctx)
    return module.code


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return transformers_models()


# -- a transformers checkout made from the installed package -------------------------------------------------


def _center(text: str, width: int) -> str:
    """utils/check_table.py's centring: ✅/❌ count as two columns."""
    length = 2 if text in ("✅", "❌") else len(text)
    left = (width - length) // 2
    return " " * left + text + " " * (width - length - left)


def index_table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ["Model", "PyTorch support", "TensorFlow support", "Flax Support"]
    cells = [[f"[{name}](model_doc/{doc})", pt, tf, flax] for name, doc, pt, tf, flax in rows]
    widths = [max(len(header[i]), *(2 if c[i] in "✅❌" else len(c[i]) for c in cells)) + 2 for i in range(4)]
    lines = ["|" + "|".join(_center(h, w) for h, w in zip(header, widths)) + "|"]
    lines.append("|" + "|".join(":" + "-" * (w - 2) + ":" for w in widths) + "|")
    lines += ["|" + "|".join(_center(c, w) for c, w in zip(row, widths)) + "|" for row in cells]
    return "\n".join(lines) + "\n"


LLAMA_DOC = """\
# Llama

Llama is a family of large language models.

## LlamaConfig

[[autodoc]] LlamaConfig

## LlamaModel

[[autodoc]] LlamaModel
    - forward

## LlamaForCausalLM

[[autodoc]] LlamaForCausalLM
    - forward

## LlamaForSequenceClassification

[[autodoc]] LlamaForSequenceClassification
    - forward

## FlaxLlamaModel

[[autodoc]] FlaxLlamaModel
    - __call__
"""


# What utils/check_table.py adds to configuration_auto's names (the real script's constant, shortened)
CHECK_TABLE = """\
MODEL_NAMES_WITH_SAME_CONFIG = {
    "BARThez": "BART",
    "Llama2": "LLaMA",
    "Llama3": "LLaMA",
}
"""


@pytest.fixture(scope="session")
def pristine_checkout(tmp_path_factory) -> Path:
    """A transformers checkout made from the installed 4.57.6 package, with docs pages and the index table."""
    root = tmp_path_factory.mktemp("pristine") / "transformers"
    shutil.copytree(
        transformers_models().parent, root / "src/transformers", ignore=shutil.ignore_patterns("__pycache__")
    )
    docs = root / "docs/source/en"
    (docs / "model_doc").mkdir(parents=True)
    (docs / "model_doc/llama.md").write_text(LLAMA_DOC)
    intro = "# Transformers\n\n## Supported models and frameworks\n\n"
    rows = [
        ("BERT", "bert", "✅", "✅", "✅"),
        ("CodeLlama", "code_llama", "✅", "❌", "✅"),  # model type code_llama, config LlamaConfig
        ("LLaMA", "llama", "✅", "❌", "✅"),
        ("Llama2", "llama2", "✅", "❌", "✅"),  # MODEL_NAMES_WITH_SAME_CONFIG: same config as LLaMA
        ("Llama3", "llama3", "✅", "❌", "✅"),
        ("Mllama", "mllama", "✅", "❌", "❌"),  # another model: stays as it is
        ("ViT", "vit", "✅", "✅", "✅"),
    ]
    (docs / "index.md").write_text(intro + index_table(rows))
    (root / "utils").mkdir()
    (root / "utils/check_table.py").write_text(CHECK_TABLE)
    (root / "tests/models/llama").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.ruff]\nline-length = 119\n")
    return root


# -- an environment without the frameworks -----------------------------------------------------------------------

# A module that, once imported, makes the frameworks look uninstalled (find_spec and import both fail), as on a
# machine where only scaffold's own dependencies are installed.
NO_FRAMEWORKS = """\
import importlib.abc
import sys

BLOCKED = {"tensorflow", "torch", "tf_keras", "keras", "transformers"}


class _NoFrameworks(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NoFrameworks())
"""
