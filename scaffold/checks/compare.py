"""Compare a converted TF base model with its PyTorch original and with the hand-written TF port.

Imports TensorFlow, torch and transformers: only the tests, benchmarks and `verify` load this module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from ..convert import convert_source
from .tiny import tiny_config
from .weights import LoadReport, import_generated, load_from_pt, pt_names


@dataclass
class ModelComparison:
    model_type: str
    todos: int = 0
    generated_names: set[str] = field(default_factory=set)
    reference_names: set[str] | None = None  # None where transformers has no hand-written TF port
    load: LoadReport | None = None
    reference_load: LoadReport | None = None
    max_abs_diff: float | None = None
    error: str | None = None

    @property
    def names_match(self) -> bool | None:
        return None if self.reference_names is None else self.generated_names == self.reference_names


def _classes(model_type: str):
    """(module name, class prefix, config class) of a transformers model type."""
    from transformers import CONFIG_MAPPING
    from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES

    config_class = CONFIG_MAPPING[model_type]
    base = MODEL_MAPPING_NAMES[model_type]
    return config_class.__module__.split(".")[-2], base, config_class


def model_inputs(config, main_input: str, seed: int = 0) -> dict:
    """Random inputs for a base model's main input (text, encoder-decoder, vision, audio)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if main_input == "pixel_values":
        size = config.image_size if isinstance(config.image_size, int) else config.image_size[0]
        return {"pixel_values": rng.standard_normal((2, config.num_channels, size, size)).astype("float32")}
    if main_input == "input_values":
        return {"input_values": rng.standard_normal((2, 2000)).astype("float32")}
    inputs = {"input_ids": rng.integers(1, config.vocab_size, (2, 7)).astype("int64")}
    if getattr(config, "is_encoder_decoder", False):
        inputs["decoder_input_ids"] = rng.integers(1, config.vocab_size, (2, 5)).astype("int64")
    return inputs


def compare(model_type: str, source: str | None = None, overrides: dict | None = None) -> ModelComparison:
    """Convert `models/<m>/modeling_<m>.py`, build both base models from one tiny config, load the PyTorch
    weights into the TF one through from_pretrained(from_pt=True), and run both on the same inputs."""
    import numpy as np
    import torch
    import transformers

    result = ModelComparison(model_type)
    module_name, base_class, config_class = _classes(model_type)
    package = Path(transformers.__file__).parent / "models" / module_name
    if source is None:
        source = (package / f"modeling_{module_name}.py").read_text()
    converted = convert_source(source, module_name)
    result.todos = len(converted.todos)
    generated = import_generated(converted.code, module_name)
    tf_class = getattr(generated, f"TF{base_class}")
    config = tiny_config(config_class, **(overrides or {}))

    tf_model = tf_class(config)
    tf_model.build_in_name_scope()
    result.generated_names = set(pt_names(tf_model))
    try:
        reference_module = importlib.import_module(f"transformers.models.{module_name}.modeling_tf_{module_name}")
        reference_class = getattr(reference_module, f"TF{base_class}")
    except (ImportError, AttributeError):
        reference_class = None
    pt_model = getattr(transformers, base_class)(config).eval()
    if reference_class is not None:
        reference = reference_class(config)
        reference.build_in_name_scope()
        result.reference_names = set(pt_names(reference))
        _, result.reference_load = load_from_pt(reference_class, pt_model)

    loaded, result.load = load_from_pt(tf_class, pt_model)
    inputs = model_inputs(config, pt_model.main_input_name)
    with torch.no_grad():
        expected = pt_model(**{k: torch.tensor(v) for k, v in inputs.items()})[0].numpy()
    actual = np.asarray(loaded(**inputs, training=False)[0])
    result.max_abs_diff = float(np.max(np.abs(expected - actual))) if expected.shape == actual.shape else float("inf")
    return result
