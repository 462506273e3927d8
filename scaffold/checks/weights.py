"""Weight-level checks of a TF port against its PyTorch twin. Imports TensorFlow: load lazily."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import types
from dataclasses import dataclass, field

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


def import_generated(
    code: str, model_name: str, suffix: str = "scaffold", package: str | None = None
) -> types.ModuleType:
    """Import generated TF modeling code as `<package>.modeling_tf_<m>_<suffix>` (package: by default
    `transformers.models.<m>`), so its relative imports resolve exactly as they would inside a checkout,
    without writing any file."""
    package = package or f"transformers.models.{model_name}"
    importlib.import_module(package)
    name = f"{package}.modeling_tf_{model_name}_{suffix}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = package
    module.__file__ = f"<generated modeling_tf_{model_name}.py>"
    sys.modules[name] = module
    exec(compile(code, module.__file__, "exec"), module.__dict__)
    return module


def pt_names(tf_model) -> list[str]:
    """The PyTorch state-dict key each TF weight is loaded from, with the base model prefix dropped."""
    from transformers.modeling_tf_pytorch_utils import convert_tf_weight_name_to_pt_weight_name

    prefix = tf_model.base_model_prefix + "."
    names = []
    for weight in tf_model.weights:
        name, _ = convert_tf_weight_name_to_pt_weight_name(weight.name, tf_weight_shape=weight.shape)
        names.append(name[len(prefix) :] if name.startswith(prefix) else name)
    return names


@dataclass
class LoadReport:
    missing: list[str] = field(default_factory=list)  # TF weights that got no PyTorch value
    unexpected: list[str] = field(default_factory=list)  # PyTorch weights that found no TF home
    mismatched: list = field(default_factory=list)


def load_from_pt(tf_class, pt_model):
    """`tf_class.from_pretrained(<pt_model saved>, from_pt=True)`: the loaded model and what did not load."""
    with tempfile.TemporaryDirectory() as folder:
        pt_model.save_pretrained(folder, safe_serialization=False)
        tf_model, info = tf_class.from_pretrained(folder, from_pt=True, output_loading_info=True)
    report = LoadReport(
        missing=sorted(info.get("missing_keys", [])),
        unexpected=sorted(info.get("unexpected_keys", [])),
        mismatched=list(info.get("mismatched_keys", [])),
    )
    return tf_model, report
