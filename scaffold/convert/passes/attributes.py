"""Attributes and names outside calls: dtypes (`torch.long` -> `tf.int32`; a test against torch.long accepts
int32 and int64), `.shape`, `torch.finfo(...).min`, the attention implementation (always eager in TF),
`ACT2FN[...]`, and names imported from torch-only modules that have a TF twin (mask builders, activations,
`ModelOutput`)."""

from __future__ import annotations

import libcst as cst

from ..analysis import ACT2FN_NAMES
from ..context import ConvertContext
from ..names import dotted
from ..nodes import code
from ..pipeline import NodePass
from ..snippets import snippets
from ..tables import TF_ACTIVATIONS
from ..todos import Todos
from ..translate.dtypes import DTYPES, is_tensor_type
from ..translate.functional import activation_getter

# torch's dtype of index tensors (labels, ids, positions): tf.int32 in a port (DTYPES), int32 or int64 from callers
LONG_DTYPES = {"torch.long", "torch.int64"}
# torch's float constants: Python floats (TF ops take them as torch's do)
FLOAT_CONSTANTS = {"torch.inf": 'float("inf")', "torch.nan": 'float("nan")'}

# torch functions a file passes on as values (not calls), and the snippets' twin that stands in for them
FUNCTION_TWINS = {"torch.fft.fft": "torch_fft", "torch.fft.fftn": "torch_fftn"}
# torch activation functions held as values, not called (mask2former's `self.activation_fn = nn.functional.relu`)
VALUE_TWINS = {
    "torch.nn.functional.relu": "tf.nn.relu",
    "torch.relu": "tf.nn.relu",
    "torch.nn.functional.gelu": "tf.nn.gelu",
    "torch.nn.functional.silu": "tf.nn.silu",
    "torch.nn.functional.sigmoid": "tf.math.sigmoid",
    "torch.sigmoid": "tf.math.sigmoid",
    "torch.tanh": "tf.math.tanh",
    "torch.nn.functional.tanh": "tf.math.tanh",
}
# ... and as a parameter's default (zoedepth's `act=torch.softmax`, called `self.act(x, dim=1)`)
DEFAULT_TWINS = {**FUNCTION_TWINS, "torch.softmax": "torch_softmax", "torch.nn.functional.softmax": "torch_softmax"}


def _membership(positive: bool) -> cst.BaseCompOp:
    space = cst.SimpleWhitespace(" ")
    if positive:
        return cst.In(whitespace_before=space, whitespace_after=space)
    return cst.NotIn(whitespace_before=space, whitespace_between=space, whitespace_after=space)


def _is_first_parameter(node: cst.BaseExpression) -> bool:
    """`next(self.parameters())`"""
    return (
        isinstance(node, cst.Call)
        and dotted(node.func) == "next"
        and len(node.args) == 1
        and isinstance(node.args[0].value, cst.Call)
        and dotted(node.args[0].value.func) == "self.parameters"
        and not node.args[0].value.args
    )


class AttributesPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._in_fstring = 0
        self._torch_only = self.info.torch_only_names
        self._called: set[int] = set()  # the `func` of each call: not a value

    def visit_Call(self, node: cst.Call) -> None:
        self._called.add(id(node.func))

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        default = original.default
        qualified = self.info.imports.resolve(default) if isinstance(default, (cst.Attribute, cst.Name)) else None
        if qualified in DEFAULT_TWINS:
            return updated.with_changes(default=self.expr(DEFAULT_TWINS[qualified]))
        return updated

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._in_fstring += 1

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.FormattedString:
        self._in_fstring -= 1
        return updated

    def _module_dtype(self, attr: str = "dtype") -> bool:
        """`self.dtype` is torch's module dtype: the class is a layer or model that sets no `self.dtype` itself."""
        cls = self.ctx.current_class()
        return cls is not None and cls.role in ("layer", "model", "pretrained") and attr not in cls.self_attrs

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        """`Cache(config, ..., device=self.device)` (lfm2): torch's module device passed on is None in TF (TF places
        tensors itself; a keras layer has no device)."""
        if dotted(original.value) == "self.device" and self.cursor.in_body and self._module_dtype("device"):
            return updated.with_changes(value=cst.Name("None"))
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        finfo = original.value
        if (
            isinstance(finfo, cst.Call)
            and self.info.imports.resolve(finfo.func) == "torch.finfo"
            and original.attr.value in ("min", "max")
            and finfo.args
            and isinstance(updated.value, cst.Call)
        ):
            # tf DTypes carry min/max; as_dtype also takes a keras layer's dtype, which is a string
            return cst.Attribute(value=self.call("tf.as_dtype", updated.value.args[0]), attr=original.attr)
        if original.attr.value == "dtype" and _is_first_parameter(original.value):
            # `next(self.parameters()).dtype`: the dtype the layer computes in
            return self.call("tf.as_dtype", self.expr("self.compute_dtype"))
        if dotted(original) == "self.dtype" and self.cursor.in_body and self._module_dtype():
            # torch's module dtype (ModuleUtilsMixin: its parameters'); keras' `dtype` is the policy's name
            return self.call("tf.as_dtype", self.expr("self.compute_dtype"))
        if original.attr.value == "_attn_implementation" and not self._in_fstring:
            return cst.SimpleString('"eager"')  # TF ports have one attention path: eager
        if dotted(original) in ("self.gradient_checkpointing", "self._requires_grad") and self.cursor.in_body:
            return cst.Name("False")
        qualified = self.info.imports.resolve(original)
        if qualified in DTYPES:
            return self.expr(DTYPES[qualified])
        if qualified in FLOAT_CONSTANTS:  # `-torch.inf` in masks (mamba2, detr, maskformer)
            return self.expr(FLOAT_CONSTANTS[qualified])
        if self.cursor.in_body and original.attr.value == "T" and self.info.imports.resolve(original) is None:
            return self.call("tf.transpose", updated.value)  # torch's x.T reverses the dims, as tf.transpose does
        if qualified in VALUE_TWINS and id(original) not in self._called:
            return self.expr(VALUE_TWINS[qualified])
        if qualified in FUNCTION_TWINS and self.cursor.in_body:
            # a torch function passed on, not called (fnet's `partial(torch.fft.fftn, dim=(1, 2))`): its twin
            return self.expr(FUNCTION_TWINS[qualified])
        if (
            self.cursor.in_body
            and original.attr.value in ("real", "imag")
            and isinstance(original.value, cst.Call)
            and qualified is None
        ):
            # the real / imaginary part of a call's complex result (fnet's `self.fourier_transform(x).real`)
            return self.call(f"tf.math.{original.attr.value}", updated.value)
        if self.cursor.in_body and original.attr.value == "shape":
            owner = dotted(original.value)
            if owner is None or (
                owner != "self"
                and not owner.startswith(("self.config", "config"))
                and self.info.imports.resolve(original.value) is None
            ):
                return self.call("tuple", self.call("shape_list", updated.value))
        if is_tensor_type(qualified):
            return self.expr("tf.Tensor")
        return updated

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget) -> cst.AssignTarget:
        if isinstance(updated.target, cst.SimpleString):  # `self._attn_implementation = ...` stays a target
            return updated.with_changes(target=original.target)
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        # `tuple(shape_list(x))[i]` -> `shape_list(x)[i]`
        value = updated.value
        if (
            isinstance(value, cst.Call)
            and dotted(value.func) == "tuple"
            and value.args
            and isinstance(value.args[0].value, cst.Call)
            and dotted(value.args[0].value.func) == "shape_list"
            and len(updated.slice) == 1
            and isinstance(updated.slice[0].slice, cst.Index)
        ):
            return updated.with_changes(value=value.args[0].value)
        # ACT2FN["gelu"] -> get_tf_activation("gelu"); ACT2FN[config.hidden_act] -> torch_activation(...)
        if self.info.imports.resolve(original.value) in ACT2FN_NAMES and len(updated.slice) == 1:
            index = updated.slice[0].slice
            if isinstance(index, cst.Index):
                return cst.Call(func=self.expr(activation_getter(index.value)), args=[cst.Arg(index.value)])
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`tuple(x.shape)` / `list(x.size())`: the shape is already `tuple(shape_list(x))`, so
        `tuple(shape_list(x))` / `list(shape_list(x))` (no `tuple(tuple(...))`: ruff's C414)."""
        outer = dotted(updated.func)
        if outer not in ("tuple", "list") or len(updated.args) != 1 or updated.args[0].keyword or updated.args[0].star:
            return updated
        inner = updated.args[0].value
        if (
            isinstance(inner, cst.Call)
            and dotted(inner.func) == "tuple"
            and len(inner.args) == 1
            and isinstance(inner.args[0].value, cst.Call)
            and dotted(inner.args[0].value.func) == "shape_list"
        ):
            return updated.with_changes(args=[updated.args[0].with_changes(value=inner.args[0].value)])
        return updated

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.Comparison:
        """`x.dtype == torch.long` -> `x.dtype in (tf.int32, tf.int64)`; `x.dtype in (torch.long, torch.int)` ->
        `x.dtype in (tf.int32, tf.int64)`.

        torch.long becomes tf.int32 in a port (DTYPES), yet TF callers pass int32 and int64 tensors alike
        (TFModelTesterMixin does both): an int64 tensor is torch's long, an int32 one the port's long or torch's
        int. So a test against torch.long accepts both; one against torch.int32 stays a test against tf.int32
        (an int64 tensor is never torch's int32)."""
        comparisons = []
        for before, after in zip(original.comparisons, updated.comparisons):
            operator = before.operator
            if isinstance(operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)) and self._is_long(before.comparator):
                after = after.with_changes(
                    operator=_membership(isinstance(operator, (cst.Equal, cst.Is))),
                    comparator=self.expr("(tf.int32, tf.int64)"),
                )
            elif (
                isinstance(operator, (cst.In, cst.NotIn))
                and isinstance(before.comparator, (cst.Tuple, cst.List))
                and any(self._is_long(e.value) for e in before.comparator.elements)
                and isinstance(after.comparator, (cst.Tuple, cst.List))
            ):
                kept = [
                    a.value
                    for b, a in zip(before.comparator.elements, after.comparator.elements)
                    if not self._is_long(b.value) and code(a.value) not in ("tf.int32", "tf.int64")
                ]
                nodes = {f"e{i}": node for i, node in enumerate(kept)}
                listed = "".join(f"{{e{i}}}, " for i in range(len(kept)))
                after = after.with_changes(comparator=self.expr(f"({listed}tf.int32, tf.int64)", **nodes))
            comparisons.append(after)
        return updated.with_changes(comparisons=comparisons)

    def _is_long(self, node: cst.BaseExpression) -> bool:
        return self.info.imports.resolve(node) in LONG_DTYPES

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        name = original.value
        if name not in self._torch_only:
            return updated
        origin = self.info.imports.origins.get(name, "")
        # a torch-side name with a TF twin in the snippets (ROPE_INIT_FUNCTIONS, mask builders): use the twin
        if name in snippets():
            self.ctx.need(name)
        # activations.gelu & co: the activations_tf function of the same name
        elif origin == f"transformers.activations.{name}" and name in TF_ACTIVATIONS and self.cursor.in_body:
            return cst.Call(self.expr("get_tf_activation"), [cst.Arg(cst.SimpleString(f'"{name}"'))])
        # ModelOutput is re-exported by modeling_outputs (torch-only) but lives in transformers.utils
        elif name == "ModelOutput":
            self.ctx.need(name)
        return updated
