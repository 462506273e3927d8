"""Shared helpers. Tests that need TensorFlow/torch are marked `frameworks` and import them lazily."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from scaffold.convert.analysis import analyze
from scaffold.convert.context import ConvertContext
from scaffold.convert.pipeline import Todos, run_node_passes

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


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return transformers_models()
