"""Arithmetic between an integer tensor and a floating one, which torch promotes and TF refuses.

`slopes[..., None] * arange_tensor` (bloom's ALiBi: float slopes, the integer cumsum of the mask),
`alibi * slopes` (mpt), `position_ids * div_term` (pegasus_x): torch computes in the floating dtype, TF raises
("cannot compute Mul as input #1 was expected to be a int32 tensor"). Where one operand of `+ - * /` is known to
be a floating tensor or a Python float and the other an integer (or boolean) tensor, the operation goes through
the twin that promotes as torch does (`torch_mul(x, y)`, ...); the twin decides at run time, so a guess below
that turns out wrong costs a no-op cast, never a different value. Two integer tensors divided (`/`) are torch's
true division, float32 (`torch_div`; TF's truediv gives float64).

What is known comes from the translated code of the function, statement by statement: `tf.range` without a
float argument or dtype, casts (`.long()`, `.float()`), integer ids and masks by their parameter names
(`position_ids`, `attention_mask`, `*_ids`, `*_mask`: integer tensors by transformers' conventions), float functions (`exp`,
`sin`, `rsqrt`, ...), names assigned from these. Anything else is unknown and left alone (a plain operator:
TF's own dtype check still fails loudly where torch would promote).
"""

from __future__ import annotations

from typing import Literal

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos

Kind = Literal["int", "float", "float_number"] | None

INT_DTYPES = frozenset({"tf.int8", "tf.int16", "tf.int32", "tf.int64", "tf.uint8", "tf.bool"})
FLOAT_DTYPES = frozenset({"tf.float16", "tf.bfloat16", "tf.float32", "tf.float64"})
# functions whose result is a floating tensor whatever their input
FLOAT_FUNCTIONS = frozenset(
    {
        "tf.math.exp",
        "tf.math.log",
        "tf.math.sin",
        "tf.math.cos",
        "tf.math.acos",
        "tf.math.sqrt",
        "tf.math.rsqrt",
        "tf.math.tanh",
        "tf.math.sigmoid",
        "tf.nn.softmax",
        "stable_softmax",
        "tf.random.uniform",
        "tf.random.normal",
    }
)
# functions whose result has the dtype of their first argument (a list's first item for concat / stack)
SAME_KIND = frozenset(
    {
        "tf.reshape",
        "tf.transpose",
        "tf.expand_dims",
        "tf.squeeze",
        "tf.tile",
        "torch_repeat",
        "tf.broadcast_to",
        "tf.math.cumsum",
        "tf.concat",
        "tf.stack",
        "tf.repeat",
        "torch_setitem",
        "torch_index",
        "tf.gather",
        "tf.math.maximum",
        "tf.math.minimum",
    }
)
# tf functions creating a float32 tensor unless given an integer dtype (torch's default dtype is float32 too)
CREATION = frozenset({"tf.ones", "tf.zeros", "tf.ones_like", "tf.zeros_like", "tf.constant"})
# parameters that are integer tensors by transformers' conventions
INTEGER_PARAMETERS = frozenset({"attention_mask", "position_ids", "cache_position", "input_ids", "token_type_ids"})
OPERATORS: dict[type[cst.BaseBinaryOp], str] = {
    cst.Add: "torch_add",
    cst.Subtract: "torch_sub",
    cst.Multiply: "torch_mul",
    cst.Divide: "torch_div",
}


def _integer_parameter(name: str) -> bool:
    """Ids and masks are integer tensors by transformers' conventions (`key_mask`: yoso's); a float mask gets a
    no-op promotion at most. Head masks are float (they scale attention probabilities)."""
    return name in INTEGER_PARAMETERS or (name.endswith(("_ids", "_mask")) and not name.endswith("head_mask"))


def _dtype_kind(node: cst.BaseExpression, names: dict[str, Kind]) -> Kind:
    name = dotted(node)
    if name in INT_DTYPES:
        return "int"
    if name in FLOAT_DTYPES:
        return "float"
    if name is not None and name.endswith(".dtype"):
        return _tensor_kind(names.get(name[: -len(".dtype")]))
    return None


def _tensor_kind(kind: Kind) -> Kind:
    return "float" if kind == "float_number" else kind


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword), None)


class PromotionPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._scopes: list[dict[str, Kind]] = []

    @property
    def _names(self) -> dict[str, Kind]:
        return self._scopes[-1] if self._scopes else {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
        self._scopes.append({p.name.value: "int" for p in params if _integer_parameter(p.name.value)})

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self._scopes.pop()
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if self._scopes and len(updated.targets) == 1 and isinstance(updated.targets[0].target, cst.Name):
            kind = _tensor_kind(self.kind(updated.value))
            self._scopes[-1][updated.targets[0].target.value] = kind
        return updated

    def leave_BinaryOperation(self, original: cst.BinaryOperation, updated: cst.BinaryOperation) -> cst.BaseExpression:
        helper = OPERATORS.get(type(updated.operator))
        if helper is None or not self._scopes or not self.cursor.in_body:
            return updated
        kinds = {self.kind(updated.left), self.kind(updated.right)}
        mixed = "int" in kinds and ("float" in kinds or "float_number" in kinds)
        integers = kinds == {"int"} and isinstance(updated.operator, cst.Divide)
        if not (mixed or integers):
            return updated
        return self.call(
            helper, updated.left.with_changes(lpar=(), rpar=()), updated.right.with_changes(lpar=(), rpar=())
        )

    def kind(self, node: cst.BaseExpression) -> Kind:
        """What the translated expression is: an integer (or boolean) tensor, a floating tensor, a Python float,
        or unknown (None; a Python int is unknown too: it mixes with any tensor)."""
        if isinstance(node, cst.Float):
            return "float_number"
        if isinstance(node, cst.Name):
            return self._names.get(node.value)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self.kind(node.expression)
        if isinstance(node, cst.Subscript):
            return _tensor_kind(self.kind(node.value))
        if isinstance(node, cst.Comparison):
            return (
                "int"
                if any(_tensor_kind(self.kind(n)) for n in (node.left, *(c.comparator for c in node.comparisons)))
                else None
            )
        if isinstance(node, cst.BinaryOperation):
            return self._binary_kind(node)
        if isinstance(node, cst.Call):
            return self._call_kind(node)
        return None

    def _binary_kind(self, node: cst.BinaryOperation) -> Kind:
        left, right = self.kind(node.left), self.kind(node.right)
        if isinstance(node.operator, cst.Power):
            return "float" if left in ("float", "float_number") and right is not None or left == "float" else None
        if isinstance(node.operator, cst.Divide):
            return "float" if "int" in (left, right) or "float" in (left, right) else None
        if "float" in (left, right) or ({left, right} == {"int", "float_number"}):
            return "float"
        if left == "int" and (right == "int" or isinstance(node.right, cst.Integer)):
            return "int"
        if right == "int" and isinstance(node.left, cst.Integer):
            return "int"
        return None

    def _call_kind(self, node: cst.Call) -> Kind:
        func = dotted(node.func)
        first = node.args[0].value if node.args and node.args[0].keyword is None else None
        if func in FLOAT_FUNCTIONS:
            return "float"
        if func in OPERATORS.values() or func == "torch_pow":
            kinds = {self.kind(a.value) for a in node.args[:2]}
            return "float" if func == "torch_div" or kinds & {"float", "float_number"} else None
        if func == "tf.cast" and len(node.args) == 2:
            return _dtype_kind(node.args[1].value, self._names)
        if func == "tf.range":
            dtype = _keyword(node, "dtype")
            if dtype is not None:
                return _dtype_kind(dtype, self._names)
            return "float" if any(isinstance(a.value, cst.Float) for a in node.args) else "int"
        if func in CREATION:
            dtype = _keyword(node, "dtype")
            if dtype is not None:
                return _dtype_kind(dtype, self._names)
            if func == "tf.constant":
                return "float" if isinstance(first, cst.Float) else None
            return _tensor_kind(self.kind(first)) if func.endswith("_like") and first is not None else "float"
        if func in SAME_KIND or func == "torch_sum":
            dtype = _keyword(node, "dtype")
            if dtype is not None:
                return _dtype_kind(dtype, self._names)
        if (func in SAME_KIND or func == "torch_sum") and first is not None:
            if isinstance(first, (cst.List, cst.Tuple)) and first.elements:
                return _tensor_kind(self.kind(first.elements[0].value))
            return _tensor_kind(self.kind(first))
        return None
