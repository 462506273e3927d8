"""Arithmetic between an integer tensor and a floating one, which torch promotes and TF refuses.

`slopes[..., None] * arange_tensor` (bloom's ALiBi: float slopes, the integer cumsum of the mask),
`alibi * slopes` (mpt), `position_ids * div_term` (pegasus_x): torch computes in the floating dtype, TF raises
("cannot compute Mul as input #1 was expected to be a int32 tensor"). Where one operand of `+ - * /` is known to
be a floating tensor or a Python float and the other an integer (or boolean) tensor, the operation goes through
the twin that promotes as torch does (`torch_mul(x, y)`, ...); the twin decides at run time, so a guess below
that turns out wrong costs a no-op cast, never a different value. Two integer tensors divided (`/`) are torch's
true division, float32 (`torch_div`; TF's truediv gives float64).

Comparisons (`mask != 0.0`, `float_ids <= int_max`) compare in the promoted dtype too (`torch_compare`), `**`
goes through `torch_pow`, and `| & ^` between a known integer or boolean tensor and another (`context | (a & b)`:
cpmant's int32 context and boolean masks, which torch promotes to int32) through `torch_bitwise`.

What is known comes from the translated code, statement by statement: `tf.range` without a float argument or
dtype, casts (`.long()`, `.float()`), integer ids and masks by their parameter names (`position_ids`,
`attention_mask`, `*_ids`, `*_mask`: integer tensors by transformers' conventions; `hidden_states`,
`inputs_embeds`: floating ones), float functions (`exp`, `sin`,
`rsqrt`, ...), the output of the class's own torch layers with weights (`self.in_proj(x)`: Linear, Conv, norms,
Embedding) and its `nn.Parameter`s (`self.A_log`), Python floats (`1 / n`), names assigned from these (tuple
targets of `split` / `chunk` too), and beyond the function: what the file's module functions and the class's
methods return (each recorded when its definition is left, for the calls below it). Anything else is unknown and
left alone (a plain operator: TF's own dtype check still fails loudly where torch would promote).
"""

from __future__ import annotations

from typing import Literal

import libcst as cst

from ..analysis import WEIGHTED_KINDS, SubLayer
from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos

Kind = Literal["int", "bool", "float", "float_number"] | None

INT_DTYPES = frozenset({"tf.int8", "tf.int16", "tf.int32", "tf.int64", "tf.uint8"})
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
# of those, the ones taking one tensor (an integer one is computed in torch's default float, float32)
UNARY_FLOAT_FUNCTIONS = frozenset(
    FLOAT_FUNCTIONS - {"tf.nn.softmax", "stable_softmax", "tf.random.uniform", "tf.random.normal"}
)
LOGICAL_FUNCTIONS = frozenset(
    {"tf.math.logical_and", "tf.math.logical_or", "tf.math.logical_not", "tf.math.logical_xor", "tf.math.equal"}
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
        "tf.split",
        "torch_split",
        "tf.unstack",
        "tf.experimental.numpy.swapaxes",
        "tf.identity",
        "tf.math.abs",
        "torch_pad",
        "tf.pad",
        "tf.roll",
        "torch_triu",
        "torch_tril",
        "tf.linalg.band_part",
    }
)
# Python functions and constants giving a Python float (`math.log(10000.0) / d`, `max(k / q, 1.0)`: sam's)
PYTHON_FLOATS = frozenset(
    {"math.log", "math.log2", "math.log10", "math.sqrt", "math.exp", "math.pow", "math.cos", "math.sin", "float"}
)
PYTHON_FLOAT_CONSTANTS = frozenset({"math.pi", "math.e", "math.inf"})
# tf functions creating a float32 tensor unless given an integer dtype (torch's default dtype is float32 too)
CREATION = frozenset({"tf.ones", "tf.zeros", "tf.ones_like", "tf.zeros_like", "tf.constant"})
# parameters that are integer tensors by transformers' conventions
INTEGER_PARAMETERS = frozenset(
    {
        "attention_mask",
        "position_ids",
        "cache_position",
        "input_ids",
        "token_type_ids",
        # deformable attention's feature-map sizes and offsets (deformable_detr and its family), packed
        # sequences' boundaries (the VL vision towers)
        "spatial_shapes",
        "level_start_index",
        "cu_seqlens",
    }
)
# parameters that are floating tensors by transformers' conventions
FLOAT_PARAMETERS = frozenset({"hidden_states", "inputs_embeds", "encoder_hidden_states"})
OPERATORS: dict[type[cst.BaseBinaryOp], str] = {
    cst.Add: "torch_add",
    cst.Subtract: "torch_sub",
    cst.Multiply: "torch_mul",
    cst.Divide: "torch_div",
    cst.Power: "torch_pow",
}
AUGMENTED: dict[type[cst.BaseAugOp], str] = {
    cst.AddAssign: "torch_add",
    cst.SubtractAssign: "torch_sub",
    cst.MultiplyAssign: "torch_mul",
    cst.DivideAssign: "torch_div",
}
BITWISE: dict[type[cst.BaseBinaryOp], str] = {cst.BitOr: "or", cst.BitAnd: "and", cst.BitXor: "xor"}
COMPARISONS: dict[type[cst.BaseCompOp], str] = {
    cst.LessThan: "<",
    cst.LessThanEqual: "<=",
    cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
    cst.Equal: "==",
    cst.NotEqual: "!=",
}
CATEGORY = {"bool": 0, "int": 1, "float": 2, "float_number": 2}
# torch layers (and activations) whose output has their input's dtype
SAME_KIND_LAYERS = frozenset({"activation", "Dropout", "Identity", "ReLU", "Tanh", "SiLU", "Sigmoid", "Mish", "GELU"})
# twins returning torch's (values, indices)
VALUES_INDICES = frozenset({"torch_max", "torch_min", "torch_topk", "torch_sort", "torch_median", "torch_mode"})
# torch layers whose output is a floating tensor (MultiheadAttention returns a tuple)
FLOAT_LAYER_KINDS = frozenset(WEIGHTED_KINDS - {"MultiheadAttention", "custom", "list", "keras_base"})


def _integer_parameter(name: str) -> bool:
    """Ids and masks are integer tensors by transformers' conventions (`key_mask`: yoso's; the time-series
    scalers' `observed_indicator`); a float mask gets a no-op promotion at most. Head masks are float (they scale
    attention probabilities)."""
    return name in INTEGER_PARAMETERS or (
        name.endswith(("_ids", "_mask", "_indicator", "grid_thw")) and not name.endswith("head_mask")
    )


def _dtype_kind(node: cst.BaseExpression, names: dict[str, Kind]) -> Kind:
    if isinstance(node, cst.Call) and dotted(node.func) == "tf.as_dtype" and len(node.args) == 1:
        node = node.args[0].value  # `tf.as_dtype(self.compute_dtype)`: a layer's dtype
    name = dotted(node)
    if name in INT_DTYPES:
        return "int"
    if name == "tf.bool":
        return "bool"
    if name in FLOAT_DTYPES:
        return "float"
    if name is not None and name.endswith(".dtype"):
        return _tensor_kind(names.get(name[: -len(".dtype")]))
    if name is not None and name not in names and (name.rpartition(".")[2] == "dtype" or name.endswith("_dtype")):
        # `dtype`, `self.dtype`, `self.text_config_dtype`: a model's (floating) dtype by transformers' conventions,
        # unless the function binds it (cpmant's `dtype = input_ids.dtype`)
        return "float"
    return None


def _arith(kind: Kind) -> Kind:
    """Booleans are integers to arithmetic (torch promotes both to the floating side alike)."""
    return "int" if kind == "bool" else kind


def _bitwise_kind(left: Kind, right: Kind) -> Kind:
    """`a | b`: bool with bool stays bool, with an integer it is the integer (torch's promotion)."""
    if left == right and left in ("int", "bool"):
        return left
    return "int" if {left, right} == {"int", "bool"} else None


def _tensor_kind(kind: Kind) -> Kind:
    return "float" if kind == "float_number" else kind


def _literal(*nodes: cst.BaseExpression) -> bool:
    """A Python number or bool among `nodes`: `x | 1`, `flags & True` keep their operator."""
    return any(isinstance(n, (cst.Integer, cst.Float)) or dotted(n) in ("True", "False") for n in nodes)


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword), None)


class PromotionPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._scopes: list[dict[str, Kind]] = []
        self._returns: list[set[Kind]] = []  # the kinds each enclosing function returns
        self._functions: dict[str, Kind] = {}  # module functions by name: the kind they return (one kind only)
        self._methods: dict[tuple[str, str], Kind] = {}  # (class, method) -> the kind it returns

    @property
    def _names(self) -> dict[str, Kind]:
        return self._scopes[-1] if self._scopes else {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
        kinds: dict[str, Kind] = {p.name.value: "float" for p in params if p.name.value in FLOAT_PARAMETERS}
        kinds.update({p.name.value: "int" for p in params if _integer_parameter(p.name.value)})
        self._scopes.append(kinds)
        self._returns.append(set())

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self._scopes.pop()
        returns = self._returns.pop()
        kind = returns.pop() if len(returns) == 1 else None
        if len(self._scopes) == 0:  # not a function nested in another
            cls = self.cursor.class_name
            if cls is None:
                self._functions[original.name.value] = kind
            else:
                self._methods[(cls, original.name.value)] = kind
        return updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if self._returns:
            self._returns[-1].add(_tensor_kind(self.kind(updated.value)) if updated.value is not None else None)
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if not self._scopes or len(updated.targets) != 1:
            return updated
        target = updated.targets[0].target
        if isinstance(target, cst.Name):
            self._scopes[-1][target.value] = _tensor_kind(self.kind(updated.value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `hidden_states, gate = tf.split(x, 2, axis=1)`: every part has x's kind
            value = updated.value
            func = dotted(value.func) if isinstance(value, cst.Call) else None
            kind = _tensor_kind(self.kind(value)) if func in ("tf.split", "torch_split", "tf.unstack") else None
            for element in target.elements:
                if isinstance(element.value, cst.Name):
                    self._scopes[-1][element.value.value] = kind
        return updated

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> cst.AugAssign | cst.Assign:
        """`causal_mask *= arange > cache_position` (paligemma): a float tensor times a boolean one, promoted as
        the operator would be (`x = torch_mul(x, ...)`); the name's kind follows."""
        if not self._scopes or not isinstance(updated.target, cst.Name):
            return updated
        raw = {self.kind(updated.target), self.kind(updated.value)}
        kinds = {_arith(k) for k in raw}
        if "float" in kinds or "float_number" in kinds:
            self._scopes[-1][updated.target.value] = "float" if "int" in kinds or "float" in kinds else None
        helper = AUGMENTED.get(type(updated.operator))
        boolean = "bool" in raw and raw != {"bool"}  # TF has no arithmetic on booleans
        if helper is not None and self.cursor.in_body and (("float" in kinds and "int" in kinds) or boolean):
            value = self.call(helper, updated.target, updated.value.with_changes(lpar=(), rpar=()))
            return cst.Assign(targets=[cst.AssignTarget(updated.target)], value=value)
        return updated

    def leave_BinaryOperation(self, original: cst.BinaryOperation, updated: cst.BinaryOperation) -> cst.BaseExpression:
        if not self._scopes or not self.cursor.in_body:
            return updated
        left, right = updated.left.with_changes(lpar=(), rpar=()), updated.right.with_changes(lpar=(), rpar=())
        raw = {self.kind(updated.left), self.kind(updated.right)}
        op = BITWISE.get(type(updated.operator))
        if op is not None:
            # a boolean with an integer tensor (or one of unknown dtype): torch promotes (bool | int32 -> int32),
            # TF refuses mixed dtypes
            known = raw & {"int", "bool"}
            if known and (raw == {"int", "bool"} or None in raw) and not _literal(updated.left, updated.right):
                return self.call("torch_bitwise", cst.SimpleString(f'"{op}"'), left, right)
            return updated
        kinds = {_arith(k) for k in raw}
        helper = OPERATORS.get(type(updated.operator))
        if helper is None:
            return updated
        mixed = "int" in kinds and ("float" in kinds or "float_number" in kinds)
        # a mask by its name times a tensor of unknown dtype (`data * observed_indicator`): the mask may be
        # boolean, which TF cannot multiply (torch promotes it)
        masked = (
            isinstance(updated.operator, cst.Multiply)
            and None in raw
            and not _literal(updated.left, updated.right)
            and any(self._mask_name(side) for side in (left, right))
        )
        # a boolean tensor (`(x > 0) * y`) in arithmetic: TF has none on booleans, torch promotes
        boolean = "bool" in raw and raw != {"bool"} and not isinstance(updated.operator, cst.Power)
        mixed = mixed or masked or boolean
        # torch divides integer tensors into float32 (TF's `/` of int32 is float64, and int32 / a Python int too)
        integers = isinstance(updated.operator, cst.Divide) and "int" in kinds
        if not (mixed or integers):
            return updated
        return self.call(helper, left, right)

    def _mask_name(self, node: cst.BaseExpression) -> bool:
        """A mask parameter by transformers' conventions (`attention_mask`, `observed_indicator`), maybe boolean."""
        return (
            isinstance(node, cst.Name)
            and node.value.endswith(("_mask", "_indicator"))
            and self._names.get(node.value) in ("int", "bool")
        )

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`torch.log(torch.arange(1, n + 1))` (mamba2's A_log): torch computes a float function of an integer
        tensor in float32; TF's kernels refuse integers."""
        if self._scopes and dotted(updated.func) in ("tf.concat", "tf.stack"):
            return self._concatenated(updated)
        if (
            self._scopes
            and dotted(updated.func) in UNARY_FLOAT_FUNCTIONS
            and len(updated.args) == 1
            and updated.args[0].keyword is None
            and _arith(self.kind(updated.args[0].value)) == "int"
        ):
            cast = self.call("tf.cast", updated.args[0].value, self.expr("tf.float32"))
            return updated.with_changes(args=[updated.args[0].with_changes(value=cast)])
        return updated

    def _concatenated(self, updated: cst.Call) -> cst.Call:
        """`torch.cat([ones, attention_mask])` (flava's float image mask with integer text masks): torch promotes
        the parts to one dtype; TF refuses mixed dtypes: the parts go through `torch_promote_all`, which decides
        at run time (a wrong guess here costs a no-op)."""
        items = updated.args[0].value if updated.args else None
        if not isinstance(items, (cst.List, cst.Tuple)) or not items.elements:
            return updated
        kinds = {_arith(_tensor_kind(self.kind(e.value))) for e in items.elements}
        if "float" not in kinds or "int" not in kinds:
            return updated
        promoted = self.call("torch_promote_all", items)
        return updated.with_changes(args=[updated.args[0].with_changes(value=promoted), *updated.args[1:]])

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        """`attention_mask != 0.0`, `float_ids <= int_max`: torch compares in the promoted dtype."""
        if not self._scopes or not self.cursor.in_body or len(updated.comparisons) != 1:
            return updated
        op = COMPARISONS.get(type(updated.comparisons[0].operator))
        right = updated.comparisons[0].comparator
        if op is None:
            return updated
        # torch compares in the promoted dtype: bool < integer < floating (TF refuses, or casts a float to int)
        categories = {CATEGORY[k] for k in (self.kind(updated.left), self.kind(right)) if k is not None}
        if len(categories) < 2:
            return updated
        return self.call(
            "torch_compare",
            cst.SimpleString(f'"{op}"'),
            updated.left.with_changes(lpar=(), rpar=()),
            right.with_changes(lpar=(), rpar=()),
        ).with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def kind(self, node: cst.BaseExpression) -> Kind:
        """What the translated expression is: an integer (or boolean) tensor, a floating tensor, a Python float,
        or unknown (None; a Python int is unknown too: it mixes with any tensor)."""
        if isinstance(node, cst.Float):
            return "float_number"
        if isinstance(node, cst.Name):
            return self._names.get(node.value)
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Call)
            and node.attr.value in ("values", "indices")
        ):
            # torch_max(x, dim).values has x's kind, .indices are integers
            if dotted(node.value.func) in VALUES_INDICES and node.value.args:
                return "int" if node.attr.value == "indices" else _tensor_kind(self.kind(node.value.args[0].value))
            return None
        if dotted(node) in PYTHON_FLOAT_CONSTANTS:
            return "float_number"
        if (
            isinstance(node, cst.Attribute)
            and node.attr.value in ("min", "max")
            and isinstance(node.value, cst.Call)
            and dotted(node.value.func) in ("tf.as_dtype", "tf.experimental.numpy.finfo")
        ):
            return "float_number"  # `torch.finfo(dtype).min`: a Python float
        if isinstance(node, cst.Attribute) and dotted(node.value) == "self":
            sub = self._sublayer(node.attr.value)
            return "float" if sub is not None and sub.kind == "parameter" else None
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self.kind(node.expression)
        if isinstance(node, cst.Subscript):
            return _tensor_kind(self.kind(node.value))
        if isinstance(node, cst.Comparison):
            # a boolean tensor (or a Python bool: the twins leave Python values to Python)
            return "bool" if all(type(c.operator) in COMPARISONS for c in node.comparisons) else None
        if isinstance(node, cst.IfExp):
            kinds = {self.kind(node.body), self.kind(node.orelse)}
            return kinds.pop() if len(kinds) == 1 else None
        if isinstance(node, cst.BinaryOperation):
            return self._binary_kind(node)
        if isinstance(node, cst.Call):
            return self._call_kind(node)
        return None

    def _sublayer(self, attr: str) -> SubLayer | None:
        cls = self.ctx.current_class()
        return None if cls is None else cls.sublayers.get(attr)

    def _binary_kind(self, node: cst.BinaryOperation) -> Kind:
        left, right = self.kind(node.left), self.kind(node.right)
        if isinstance(node.operator, (cst.BitOr, cst.BitAnd, cst.BitXor)):
            return _bitwise_kind(left, right)
        left, right = _arith(left), _arith(right)
        if (
            isinstance(node.operator, cst.Divide)
            and left in (None, "float_number")
            and right in (None, "float_number")
        ):
            # `1 / n`, `1.0 / (base ** k)`: a number divided is a Python float (or a floating tensor)
            return (
                "float_number" if isinstance(node.left, (cst.Integer, cst.Float)) or left == "float_number" else None
            )
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
        if func in PYTHON_FLOATS:
            return "float_number"
        if func == "torch_promote_all" and first is not None and isinstance(first, (cst.List, cst.Tuple)):
            kinds = {_arith(_tensor_kind(self.kind(e.value))) for e in first.elements}
            return "float" if "float" in kinds else None
        if func in ("max", "min", "scalar_max", "scalar_min") and node.args:
            kinds = {self.kind(a.value) for a in node.args}
            # a Python float among Python numbers (an int is unknown): the result is a number, a float if it wins
            return "float_number" if kinds == {"float_number"} or kinds == {"float_number", None} else None
        if func in LOGICAL_FUNCTIONS:
            return "bool"
        if func == "torch_bitwise" and len(node.args) == 3:
            return _bitwise_kind(self.kind(node.args[1].value), self.kind(node.args[2].value))
        if func == "torch_compare":
            return "bool"
        if func is not None and func.startswith("self.") and func.count(".") == 1:
            sub = self._sublayer(func[len("self.") :])
            if sub is not None and sub.kind in FLOAT_LAYER_KINDS:
                return "float"  # `self.in_proj(x)`: a torch layer with weights computes in floating point
            if sub is not None and sub.kind in SAME_KIND_LAYERS and first is not None:
                return _tensor_kind(self.kind(first))  # `self.act(x)`, `self.dropout(x)`: x's kind
            cls = self.cursor.class_name
            return self._methods.get((cls, func[len("self.") :])) if cls is not None else None
        if func is not None and func in self._functions:
            return self._functions[func]
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
        if func == "tf.fill" and len(node.args) == 2:
            return _tensor_kind(self.kind(node.args[1].value))
        if func in CREATION:
            dtype = _keyword(node, "dtype")
            if dtype is not None:
                return _dtype_kind(dtype, self._names)
            if func == "tf.constant":
                if isinstance(first, cst.Float):
                    return "float"
                return "bool" if first is not None and dotted(first) in ("True", "False") else None
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
