"""Module-by-module tracing of one forward pass in each framework, matched by weight path.

PyTorch modules are named by `named_modules()` (`encoder.layer.0.attention.output.LayerNorm`); TF layers by the
name scopes their weights live under (`bert/encoder/layer_._0/attention/output/LayerNorm`), mapped to the
PyTorch form by the same rule `from_pretrained(from_pt=True)` uses. A layer that mirrors a module therefore
carries the module's name, and the two recorded outputs can be compared one by one.

Imports torch and TensorFlow lazily: only `verify` (in its worker process) and the tests use it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field


def first_array(output):
    """The first tensor of a layer or module output (tuple, list, ModelOutput or tensor) as numpy, or None."""
    import numpy as np

    seen = 0
    while isinstance(output, (tuple, list)) or hasattr(output, "to_tuple"):
        items = output.to_tuple() if hasattr(output, "to_tuple") else output
        if not items or seen > 8:
            return None
        output, seen = items[0], seen + 1
    if hasattr(output, "detach"):  # torch: a copy, the model may change the tensor in place afterwards
        return output.detach().cpu().numpy().copy()
    if hasattr(output, "numpy"):  # eager TF
        try:
            return output.numpy()
        except Exception:  # symbolic (graph mode): not recorded
            return None
    return np.asarray(output) if isinstance(output, np.ndarray) else None


def tf_path_to_pt(path: list[str]) -> str:
    """TF layer scopes below the model -> the PyTorch module name, by from_pretrained's own conversion."""
    from transformers.modeling_tf_pytorch_utils import convert_tf_weight_name_to_pt_weight_name

    if not path:
        return ""
    name, _ = convert_tf_weight_name_to_pt_weight_name("/".join(["model", *path, "w"]), tf_weight_shape=[])
    return name[: -len(".w")] if name.endswith(".w") else ""


def tf_layer_paths(model) -> dict[str, object]:
    """PyTorch-style module name -> TF layer, for every layer under `model` (first path wins for shared layers)."""
    paths: dict[str, object] = {}
    seen: set[int] = set()

    def walk(layer, scopes: list[str]) -> None:
        for child in layer._flatten_layers(recursive=False, include_self=False):
            if id(child) in seen:
                continue
            seen.add(id(child))
            name = tf_path_to_pt([*scopes, child.name])
            paths.setdefault(name, child)
            walk(child, [*scopes, child.name])

    walk(model, [])
    return paths


@dataclass
class Recording:
    outputs: dict = field(default_factory=dict)  # module name -> first output array (first call only)
    order: list = field(default_factory=list)  # module names in the order their first call completed
    fused: dict = field(default_factory=dict)  # TF layer -> the activation it applies inside (Dense(activation=))

    def add(self, name: str, output) -> None:
        """Keep the first output a module or layer gives (a shared one is called again later)."""
        if name not in self.outputs:
            array = first_array(output)
            if array is not None:
                self.outputs[name] = array
                self.order.append(name)


def record_torch(model, run):
    """Run `run()` with a forward hook on every module of `model`; returns (run's result, Recording)."""
    recording = Recording()
    handles = [
        module.register_forward_hook(lambda _module, _args, output, name=name: recording.add(name, output))
        for name, module in model.named_modules()
        if name
    ]
    try:
        result = run()
    finally:
        for handle in handles:
            handle.remove()
    return result, recording


def record_tf(model, run, strip_prefix: str | None):
    """Run `run()` with every TF layer's `call` wrapped to record its output; names as `tf_layer_paths`.
    `strip_prefix` drops the MainLayer scope where the PyTorch twin is the base model itself."""
    recording = Recording()
    wrapped = []
    for name, layer in tf_layer_paths(model).items():
        if strip_prefix:
            if name == strip_prefix:
                continue
            if name.startswith(strip_prefix + "."):
                name = name[len(strip_prefix) + 1 :]
        activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
        if activation != "linear":  # its output is the PyTorch module's output after the activation module
            recording.fused[name] = activation
        original = layer.call

        def call(*args, __name=name, __original=original, **kwargs):
            result = __original(*args, **kwargs)
            recording.add(__name, result)
            return result

        # the bound call's signature, as code reading it sees (call_model passes a sub-model's first parameter
        # by name; functools.wraps would lead inspect to the unbound function, `self` first)
        call.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]

        layer.call = call
        wrapped.append(layer)
    try:
        result = run()
    finally:
        for layer in wrapped:
            del layer.call  # back to the class's own method
    return result, recording


@dataclass
class ModuleDiff:
    module: str
    max_abs_diff: float | None  # None: not comparable (see `note`)
    pt_shape: tuple
    tf_shape: tuple
    note: str | None = None
    scale: float = 0.0  # the largest |value| PyTorch produced there

    def beyond(self, atol: float) -> bool:
        return self.max_abs_diff is not None and beyond(self.max_abs_diff, self.scale, atol)

    def matches(self, atol: float) -> bool:
        return self.max_abs_diff is not None and not beyond(self.max_abs_diff, self.scale, atol)


def beyond(max_abs_diff: float, scale: float, atol: float) -> bool:
    """Differs beyond atol, or beyond atol relative to the values where they exceed 1 (tiny random models can grow
    activations to 1e3 and more, where float32 itself carries errors above 1e-5). NaN is beyond."""
    return not max_abs_diff <= atol * max(1.0, scale)


def difference(expected, actual) -> tuple[float, float]:
    """(max |expected - actual|, max |expected|), in float64; (0, 0) for empty arrays."""
    import numpy as np

    if not expected.size:
        return 0.0, 0.0
    want = expected.astype("float64")
    return float(np.max(np.abs(want - actual.astype("float64")))), float(np.max(np.abs(want)))


def compare_recordings(pt: Recording, tf: Recording) -> list[ModuleDiff]:
    """Every module both frameworks recorded, in PyTorch completion order (innermost first), with its diff."""
    import numpy as np

    diffs = []
    for name in pt.order:
        if name not in tf.outputs:
            continue
        expected, actual = pt.outputs[name], tf.outputs[name]
        if name in tf.fused:
            note = f"the TF layer applies {tf.fused[name]} inside"
            diffs.append(ModuleDiff(name, None, tuple(expected.shape), tuple(actual.shape), note))
            continue
        # TF convolutions are channels-last: compare in either layout the shapes allow (both, when H = W = C)
        layouts = [actual] + ([np.transpose(actual, (0, 3, 1, 2))] if actual.ndim == 4 else [])
        layouts = [a for a in layouts if a.shape == expected.shape]
        if not layouts or expected.dtype.kind not in "fiub" or actual.dtype.kind not in "fiub":
            note = f"TF {actual.dtype}{tuple(actual.shape)} vs PyTorch {expected.dtype}{tuple(expected.shape)}"
            diffs.append(ModuleDiff(name, None, tuple(expected.shape), tuple(actual.shape), note))
            continue
        diff, scale = min(difference(expected, a) for a in layouts)  # one scale: the same expected values
        diffs.append(ModuleDiff(name, diff, tuple(expected.shape), tuple(actual.shape), scale=scale))
    return diffs


def first_divergence(diffs: list[ModuleDiff], atol: float) -> ModuleDiff | None:
    """The first module, innermost first, whose output differs beyond atol while no enclosing module it was
    compared with matches again. A module whose parent matches differs in where the layer ends (TF's Dense
    without the bias PyTorch's Linear adds, added by the parent), not in what the model computes."""
    by_name = {d.module: d for d in diffs}
    for diff in diffs:
        if not diff.beyond(atol):
            continue
        parts = diff.module.split(".")
        ancestors = [by_name.get(".".join(parts[:i])) for i in range(1, len(parts))]
        if not any(a is not None and a.matches(atol) for a in ancestors):
            return diff
    return None
