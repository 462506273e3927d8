"""Forward-body ops: torch functions and tensor methods with a faithful TF twin, and torch type annotations.

Only translations that keep the numbers are made; a torch call left over gets a TODO naming it.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import ACT2FN_NAMES, embedding_size
from ..names import dotted
from ..nodes import fragment
from ..pipeline import NodePass
from ..snippets import snippets
from ..tables import NN_ACTIVATIONS, TF_ACTIVATIONS

# torch function -> (tf function, {torch keyword: tf keyword}); positional arguments keep their order
FUNCTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "torch.matmul": ("tf.matmul", {}),
    "torch.bmm": ("tf.matmul", {}),
    "torch.einsum": ("tf.einsum", {}),
    "torch.cat": ("tf.concat", {"dim": "axis"}),
    "torch.concat": ("tf.concat", {"dim": "axis"}),
    "torch.stack": ("tf.stack", {"dim": "axis"}),
    "torch.tanh": ("tf.math.tanh", {}),
    "torch.sigmoid": ("tf.math.sigmoid", {}),
    "torch.exp": ("tf.math.exp", {}),
    "torch.log": ("tf.math.log", {}),
    "torch.sqrt": ("tf.math.sqrt", {}),
    "torch.rsqrt": ("tf.math.rsqrt", {}),
    "torch.abs": ("tf.math.abs", {}),
    "torch.pow": ("tf.math.pow", {}),
    "torch.sin": ("tf.math.sin", {}),
    "torch.cos": ("tf.math.cos", {}),
    "torch.where": ("tf.where", {}),
    "torch.maximum": ("tf.math.maximum", {}),
    "torch.minimum": ("tf.math.minimum", {}),
    "torch.erf": ("tf.math.erf", {}),
    "torch.zeros": ("tf.zeros", {}),
    "torch.ones": ("tf.ones", {}),
    "torch.arange": ("tf.range", {}),
    "torch.rand": ("tf.random.uniform", {}),
    "torch.randn": ("tf.random.normal", {}),
    "torch.zeros_like": ("tf.zeros_like", {}),
    "torch.ones_like": ("tf.ones_like", {}),
    "torch.tensor": ("tf.constant", {}),
    "torch.mean": ("tf.reduce_mean", {"dim": "axis", "keepdim": "keepdims"}),
    "torch.sum": ("torch_sum", {"dim": "axis", "keepdim": "keepdims"}),
    "torch.nn.functional.softmax": ("stable_softmax", {"dim": "axis"}),
    "torch.softmax": ("stable_softmax", {"dim": "axis"}),
    "torch.cumsum": ("tf.math.cumsum", {"dim": "axis"}),
    "torch.cumprod": ("tf.math.cumprod", {"dim": "axis"}),
    "torch.argmax": ("tf.math.argmax", {"dim": "axis"}),
    "torch.argmin": ("tf.math.argmin", {"dim": "axis"}),
    "torch.square": ("tf.math.square", {}),
    "torch.isinf": ("tf.math.is_inf", {}),
    "torch.isnan": ("tf.math.is_nan", {}),
    "torch.logical_and": ("tf.math.logical_and", {}),
    "torch.logical_or": ("tf.math.logical_or", {}),
    "torch.logical_not": ("tf.math.logical_not", {}),
    "torch.outer": ("tf.experimental.numpy.outer", {}),
}
DTYPES = {
    "torch.float": "tf.float32",
    "torch.float32": "tf.float32",
    "torch.float16": "tf.float16",
    "torch.half": "tf.float16",
    "torch.bfloat16": "tf.bfloat16",
    "torch.float64": "tf.float64",
    # TF does not promote int32 and int64 into each other, and its shapes, ranges and ids are int32: index
    # tensors stay int32 (values far below 2**31), as the hand-written ports keep them
    "torch.long": "tf.int32",
    "torch.int64": "tf.int32",
    "torch.int": "tf.int32",
    "torch.int32": "tf.int32",
    "torch.bool": "tf.bool",
    "torch.uint8": "tf.uint8",
}
TENSOR_TYPES = {"Tensor", "FloatTensor", "LongTensor", "BoolTensor", "IntTensor", "HalfTensor", "ByteTensor"}
ACTIVATION_FUNCTIONS = {
    "torch.nn.functional.gelu": "gelu",
    "torch.nn.functional.silu": "silu",
    "torch.nn.functional.relu": "relu",
    "torch.nn.functional.tanh": "tanh",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.nn.functional.mish": "mish",
}
MASK_MODULES = {"transformers.masking_utils", "transformers.modeling_attn_mask_utils"}
UNARY_MATH = {
    "cos": "cos",
    "sin": "sin",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "rsqrt": "rsqrt",
    "abs": "abs",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "neg": "negative",
    "square": "square",
    "reciprocal": "reciprocal",
}
COMPARISONS = {
    "ne": "not_equal",
    "eq": "equal",
    "gt": "greater",
    "lt": "less",
    "ge": "greater_equal",
    "le": "less_equal",
}
AUGMENTED = {
    "AddAssign": cst.Add,
    "SubtractAssign": cst.Subtract,
    "MultiplyAssign": cst.Multiply,
    "DivideAssign": cst.Divide,
    "FloorDivideAssign": cst.FloorDivide,
    "ModuloAssign": cst.Modulo,
    "PowerAssign": cst.Power,
}
DROPPED_KEYWORDS = {"device", "layout", "pin_memory", "requires_grad", "non_blocking", "memory_format"}


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        head = node.value
        while isinstance(head, cst.Attribute):
            head = head.value
        if isinstance(head, cst.Name):
            self.names.add(head.value)
        return False

    @classmethod
    def of(cls, node: cst.CSTNode) -> set[str]:
        collector = cls()
        node.visit(collector)
        return collector.names


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


_expr = fragment


def _arg(value: cst.BaseExpression, keyword: str | None = None) -> cst.Arg:
    if keyword is None:
        return cst.Arg(value)
    return cst.Arg(
        value, keyword=cst.Name(keyword), equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    )


def _clean(args) -> list[cst.Arg]:
    return [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]


def _call(func: str, args) -> cst.Call:
    return cst.Call(func=_expr(func), args=_clean(args))


def _shape_tuple(tensor: cst.BaseExpression) -> cst.Call:
    """torch.Size is a tuple (`size()[:-1] + (n,)` works), so a whole shape becomes `tuple(shape_list(x))`."""
    return _call("tuple", [_arg(_call("shape_list", [_arg(tensor)]))])


def _subscript_key(elements) -> cst.BaseExpression | None:
    """The key `x[...]` passes to __setitem__, as an expression: `[:, 1:]` -> `(slice(None), slice(1, None))`."""
    keys = []
    for element in elements:
        item = element.slice
        if isinstance(item, cst.Index):
            if item.star is not None:
                return None
            keys.append(item.value)
        else:
            # `slice(1)` would be a stop: `:` is slice(None), `1:` slice(1, None)
            bounds = [item.lower, item.upper, item.step]
            if item.step is None:
                bounds.pop()
                if item.upper is None and item.lower is None:
                    bounds.pop()
            keys.append(_call("slice", [_arg(b if b is not None else cst.Name("None")) for b in bounds]))
    if len(keys) == 1:
        return keys[0]
    return cst.Tuple([cst.Element(k) for k in keys])


def _mask_key(elements) -> cst.BaseExpression | None:
    """`[m, :]` / `[:, m]`: one variable among full slices, as the key torch_index takes; else None."""
    names = [e.slice for e in elements if isinstance(e.slice, cst.Index)]
    if len(elements) < 2 or len(names) != 1 or names[0].star is not None or not isinstance(names[0].value, cst.Name):
        return None
    if names[0].value.value in ("None", "True", "False"):
        return None
    if not all(
        isinstance(e.slice, cst.Index) or e.slice.lower is e.slice.upper is e.slice.step is None for e in elements
    ):
        return None
    return _subscript_key(elements)


def _is_tf_call(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and (dotted(node.func) or "").startswith("tf.")


def _tensor_index_key(elements) -> cst.BaseExpression | None:
    """The key of `x[...]` when it indexes with tensors, for torch_index (TF slicing takes none of these), else
    None: `table[index.view(-1)]` (an integer tensor: a gather), `logits[tf.range(b), last]` (several indices
    picking elements, torch's advanced indexing), `hidden_states[eos_mask, :]` (a variable among `:` may be a
    boolean mask; torch_index indexes as TF does when it is an int)."""
    indices = [e.slice for e in elements if isinstance(e.slice, cst.Index)]
    if len(elements) == 1 and indices and indices[0].star is None and _is_tf_call(indices[0].value):
        return indices[0].value
    if (
        len(elements) > 1
        and len(indices) == len(elements)
        and all(i.star is None for i in indices)
        and any(_is_tf_call(i.value) for i in indices)
    ):
        return cst.Tuple([cst.Element(i.value) for i in indices])
    return _mask_key(elements)


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


class OpsPass(NodePass):
    _in_fstring = 0

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._in_fstring += 1

    def leave_FormattedString(self, original: cst.FormattedString, updated: cst.FormattedString):
        self._in_fstring -= 1
        return updated

    _in_decorator = 0

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self._in_decorator += 1

    def leave_Decorator(self, original: cst.Decorator, updated: cst.Decorator):
        self._in_decorator -= 1
        return updated

    def _in_body(self) -> bool:
        return bool(self.cursor.functions) and not self._in_decorator

    # annotations: torch.Tensor and friends -> tf.Tensor; one naming another torch-only type is dropped
    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation):
        return updated.with_changes(annotation=self._retype(updated.annotation))

    def _torch_only_annotation(self, annotation: cst.Annotation | None) -> bool:
        if annotation is None:
            return False
        names = _NameCollector.of(annotation.annotation)
        return bool(names & (self._torch_only or set()))

    @property
    def _torch_only(self) -> set[str]:
        if not hasattr(self, "_torch_only_cache"):
            self._torch_only_cache = self.info.torch_only_names
        return self._torch_only_cache

    def leave_Param(self, original: cst.Param, updated: cst.Param):
        if self._torch_only_annotation(updated.annotation):
            return updated.with_changes(annotation=None)
        return updated

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):
        if self._torch_only_annotation(updated.returns):
            return updated.with_changes(returns=None)
        return updated

    def _retype(self, node: cst.BaseExpression) -> cst.BaseExpression:
        qualified = self.info.imports.resolve(node)
        if qualified and qualified.startswith("transformers.cache_utils."):
            # TF ports pass past key/values as tuples of tensors
            return _expr("tuple")
        if qualified and qualified.startswith("torch.") and qualified.rpartition(".")[2] in TENSOR_TYPES:
            self.ctx.imports.need_tf()
            return _expr("tf.Tensor")
        if isinstance(node, cst.Subscript):
            elements = [
                e.with_changes(slice=e.slice.with_changes(value=self._retype(e.slice.value)))
                if isinstance(e.slice, cst.Index)
                else e
                for e in node.slice
            ]
            return node.with_changes(slice=elements)
        if isinstance(node, cst.BinaryOperation):
            return node.with_changes(left=self._retype(node.left), right=self._retype(node.right))
        return node

    def _act2cls(self, call: cst.Call) -> cst.BaseExpression | None:
        """`ACT2CLS["gelu"]()` -> `get_tf_activation("gelu")` (the class instantiated is the activation)."""
        func = call.func
        if (
            isinstance(func, cst.Subscript)
            and self.info.imports.resolve(func.value) == "transformers.activations.ACT2CLS"
            and not call.args
            and isinstance(func.slice[0].slice, cst.Index)
        ):
            self.ctx.imports.need_helper("get_tf_activation")
            return _call("get_tf_activation", [_arg(func.slice[0].slice.value)])
        return None

    _targets = 0  # inside an assignment target (`x[i] = ...` stays a subscript for leave_Assign)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets += 1

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets += 1

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript):
        key = _tensor_index_key(updated.slice) if self._in_body() and not self._targets else None
        if key is not None:
            self.ctx.helpers.add("torch_index")
            return _call("torch_index", [_arg(updated.value), _arg(key)])
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
        # ACT2FN["gelu"] -> get_tf_activation("gelu")
        if self.info.imports.resolve(original.value) in ACT2FN_NAMES and len(updated.slice) == 1:
            index = updated.slice[0].slice
            if isinstance(index, cst.Index):
                self.ctx.imports.need_helper("get_tf_activation")
                return cst.Call(func=cst.Name("get_tf_activation"), args=[cst.Arg(index.value)])
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute):
        finfo = original.value
        if (
            isinstance(finfo, cst.Call)
            and self.info.imports.resolve(finfo.func) == "torch.finfo"
            and original.attr.value in ("min", "max")
            and finfo.args
            and isinstance(updated.value, cst.Call)
        ):
            # tf DTypes carry min/max; as_dtype also takes a keras layer's dtype, which is a string
            self.ctx.imports.need_tf()
            return cst.Attribute(value=_call("tf.as_dtype", [updated.value.args[0]]), attr=original.attr)
        if original.attr.value == "dtype" and _is_first_parameter(original.value):
            # `next(self.parameters()).dtype`: the dtype the layer computes in
            self.ctx.imports.need_tf()
            return _call("tf.as_dtype", [_arg(_expr("self.compute_dtype"))])
        if original.attr.value == "_attn_implementation" and not self._in_fstring:
            return cst.SimpleString('"eager"')  # TF ports have one attention path: eager
        if dotted(original) in ("self.gradient_checkpointing", "self._requires_grad") and self._in_body():
            return cst.Name("False")
        layer_weight = self._layer_weight(original)
        if layer_weight is not None:
            return layer_weight
        qualified = self.info.imports.resolve(original)
        if qualified in DTYPES:
            self.ctx.imports.need_tf()
            return _expr(DTYPES[qualified])
        if self._in_body() and original.attr.value == "shape":
            owner = dotted(original.value)
            if owner is None or (
                owner != "self"
                and not owner.startswith(("self.config", "config"))
                and self.info.imports.resolve(original.value) is None
            ):
                self.ctx.imports.need_helper("shape_list")
                return _shape_tuple(updated.value)
        qualified_type = (qualified or "").rpartition(".")[2]
        if qualified and qualified.startswith("torch.") and qualified_type in TENSOR_TYPES:
            self.ctx.imports.need_tf()
            return _expr("tf.Tensor")
        return updated

    def _layer_weight(self, node: cst.Attribute) -> cst.BaseExpression | None:
        """`self.x.weight.dtype` -> `self.x.compute_dtype`; an Embedding's `.weight` -> `.embeddings`."""
        name = dotted(node) or ""
        parts = name.split(".")
        cls = self.ctx.current_class()
        if cls is None or parts[0] != "self":
            return None
        if len(parts) >= 4 and parts[-2:] == ["weight", "dtype"]:
            return _expr(".".join(["self", cls.tf_attr(parts[1]), *parts[2:-2], "compute_dtype"]))
        sub = cls.sublayers.get(parts[1]) if len(parts) > 1 else None
        if len(parts) == 3 and parts[2] == "p" and sub is not None and sub.kind == "Dropout":
            return _expr(f"self.{cls.tf_attr(parts[1])}.rate")
        if len(parts) == 3 and parts[2] == "weight":
            keras_base = self.info.classes[sub.cls].keras_base if sub and sub.cls in self.info.classes else None
            if sub is not None and (sub.kind == "Embedding" or keras_base == "Embedding"):
                return _expr(f"self.{cls.tf_attr(parts[1])}.embeddings")
        if len(parts) == 3 and parts[2] == "weight" and sub is not None and sub.kind in ("Linear", "Conv1d", "Conv2d"):
            self.todo(f"`{name}`: keras keeps this as `.kernel`, transposed from torch's layout")
            return _expr(f"self.{cls.tf_attr(parts[1])}.kernel")
        if len(parts) == 2 and parts[1] == "weight" and cls.keras_base == "Embedding":
            return _expr("self.embeddings")
        size = embedding_size(self.info, cls, name)  # `self.model.shared.num_embeddings` -> `.input_dim`
        return _expr(size) if size is not None else None

    def leave_Name(self, original: cst.Name, updated: cst.Name):
        name = original.value
        if name not in self._torch_only:
            return updated
        origin = self.info.imports.origins.get(name, "")
        # a torch-side name with a TF twin in the snippets (ROPE_INIT_FUNCTIONS, mask builders): use the twin
        if name in snippets():
            self.ctx.helpers.add(name)
        # activations.gelu & co: the activations_tf function of the same name
        elif origin == f"transformers.activations.{name}" and name in TF_ACTIVATIONS and self._in_body():
            self.ctx.imports.need_helper("get_tf_activation")
            return cst.Call(cst.Name("get_tf_activation"), [cst.Arg(cst.SimpleString(f'"{name}"'))])
        # ModelOutput is re-exported by modeling_outputs (torch-only) but lives in transformers.utils
        elif name == "ModelOutput":
            self.ctx.imports.need_helper("ModelOutput")
        return updated

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr):
        """`x.masked_fill_(mask, value)` as a statement -> `x = tf.where(mask, value, x)`."""
        call = original.value
        if (
            self._in_body()
            and isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "masked_fill_"
            and isinstance(call.func.value, cst.Name)
            and len(call.args) == 2
            and all(a.keyword is None for a in call.args)
        ):
            self.ctx.imports.need_tf()
            translated = updated.value if isinstance(updated.value, cst.Call) else call
            target = call.func.value
            value = _call("tf.where", [_arg(translated.args[0].value), _arg(translated.args[1].value), _arg(target)])
            return cst.Assign(targets=[cst.AssignTarget(target)], value=value)
        return updated

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget):
        self._targets -= 1
        if isinstance(updated.target, cst.SimpleString):  # `self._attn_implementation = ...` stays a target
            return updated.with_changes(target=original.target)
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign):
        """`x[key] = value` -> `x = torch_setitem(x, key, value)`: a tensor gets a new tensor (TF tensors are
        immutable), a list or dict is updated as before. A string key (a dict entry) stays as it is."""
        target = updated.targets[0].target if len(updated.targets) == 1 else None
        if not self._in_body() or not isinstance(target, cst.Subscript):
            return updated
        key = _subscript_key(target.slice)
        if key is None:
            return updated
        if isinstance(key, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return updated
        if dotted(target.value) is None:
            self.todo("assignment into an indexed expression: TF tensors are immutable; rewrite it by hand")
            return updated
        self.ctx.helpers.add("torch_setitem")
        value = _call("torch_setitem", [_arg(target.value), _arg(key), _arg(updated.value)])
        return updated.with_changes(targets=[cst.AssignTarget(target.value)], value=value)

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign):
        """`x[key] += v` -> `x = torch_setitem(x, key, x[key] + v)`."""
        self._targets -= 1
        target = updated.target
        if not self._in_body() or not isinstance(target, cst.Subscript) or dotted(target.value) is None:
            return updated
        key = _subscript_key(target.slice)
        operator = AUGMENTED.get(type(updated.operator).__name__)
        if key is None or operator is None or isinstance(key, (cst.SimpleString, cst.FormattedString)):
            return updated
        right = updated.value
        if not isinstance(right, (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.Call, cst.Subscript)):
            right = right.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        value = cst.BinaryOperation(left=target, operator=operator(), right=right)
        self.ctx.helpers.add("torch_setitem")
        return cst.Assign(
            targets=[cst.AssignTarget(target.value)],
            value=_call("torch_setitem", [_arg(target.value), _arg(key), _arg(value)]),
        )

    def leave_Call(self, original: cst.Call, updated: cst.Call):
        activation = self._act2cls(original)
        if activation is not None:
            return activation
        if not self._in_body():
            return updated
        if dotted(original.func) == "isinstance" and len(original.args) == 2:
            kind = self.info.imports.resolve(original.args[1].value) or ""
            if kind.startswith("transformers.cache_utils."):
                return cst.Name("False")  # no torch Cache object exists in the TF port
        qualified = self.info.imports.resolve(original.func)
        if qualified is not None:
            return self._function(qualified, original, updated)
        if isinstance(updated.func, cst.Attribute):
            return self._method(updated)
        if dotted(original.func) == "apply_chunking_to_forward" and len(updated.args) >= 4:
            # chunking changes memory use, not numbers: call the function on the inputs
            return cst.Call(func=updated.args[0].value, args=_clean(updated.args[3:]))
        return updated

    def _function(self, qualified: str, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        args = [a for a in updated.args if a.keyword is None or a.keyword.value not in DROPPED_KEYWORDS]
        if qualified.rpartition(".")[2] in ("is_deepspeed_zero3_enabled", "is_fsdp_managed_module"):
            return cst.Name("False")  # no torch sharding in a TF port
        if qualified.startswith("transformers.cache_utils."):
            # torch Cache objects have no TF twin; TF ports pass past key/values as tuples
            self.todo("past_key_values caching is not ported (TF ports use tuples): this runs without a cache")
            return cst.Name("None")
        if qualified == "isinstance" or qualified == "builtins.isinstance":
            return updated
        positional = [a for a in args if a.keyword is None]
        if qualified == "torch.einsum" and len(args) == 2 and isinstance(args[1].value, (cst.List, cst.Tuple)):
            # torch also takes the operands as one list; tf.einsum takes them as arguments only
            self.ctx.imports.need_tf()
            return _call("tf.einsum", [args[0], *[_arg(e.value) for e in args[1].value.elements]])
        if qualified in ("torch.min", "torch.max") and len(args) == 2 and len(positional) == 2:
            second = positional[1].value
            if not isinstance(second, (cst.Integer, cst.UnaryOperation)):  # two tensors: elementwise
                self.ctx.imports.need_tf()
                return _call(f"tf.math.{'minimum' if qualified == 'torch.min' else 'maximum'}", args)
        if qualified in ("torch.min", "torch.max") and len(args) == 1:
            self.ctx.imports.need_tf()
            return _call(f"tf.reduce_{qualified[6:]}", args)
        if qualified == "torch.full" and len(positional) == 2:
            self.ctx.imports.need_tf()
            dtype = next((a.value for a in args if a.keyword is not None and a.keyword.value == "dtype"), None)
            value = positional[1].value
            if dtype is not None:
                value = _call("tf.constant", [_arg(value), _arg(dtype, "dtype")])
            return _call("tf.fill", [positional[0], _arg(value)])
        if qualified == "torch.full_like" and len(positional) == 2:
            self.ctx.imports.need_tf()
            like = _code(positional[0].value)
            dtype = next((a.value for a in args if a.keyword is not None and a.keyword.value == "dtype"), None)
            dtype = _code(dtype) if dtype is not None else f"{like}.dtype"  # dtype= was translated already
            return _expr(f"tf.fill(tf.shape({like}), tf.cast({_code(positional[1].value)}, {dtype}))")
        if qualified == "torch.clamp" and positional:
            keywords = {a.keyword.value: a.value for a in args if a.keyword is not None}
            low = keywords.get("min", positional[1].value if len(positional) > 1 else None)
            high = keywords.get("max", positional[2].value if len(positional) > 2 else None)
            result = positional[0].value
            self.ctx.imports.need_tf()
            if low is not None:
                result = _call("tf.math.maximum", [_arg(result), _arg(low)])
            if high is not None:
                result = _call("tf.math.minimum", [_arg(result), _arg(high)])
            return result
        if qualified in ("torch.tril", "torch.triu") and len(args) == 1:
            # the main diagonal and below (tril) / above (triu)
            self.ctx.imports.need_tf()
            bounds = "-1, 0" if qualified == "torch.tril" else "0, -1"
            return _call("tf.linalg.band_part", [args[0], *[_arg(_expr(b)) for b in bounds.split(", ")]])
        if qualified == "transformers.pytorch_utils.apply_chunking_to_forward" and len(args) >= 4:
            return cst.Call(func=args[0].value, args=_clean(args[3:]))
        if qualified.rpartition(".")[0] in MASK_MODULES and qualified.rpartition(".")[2] in snippets():
            # mask builders: the file gets their TF twin under the same name
            helper = qualified.rpartition(".")[2]
            self.ctx.helpers.add(helper)
            return updated.with_changes(func=cst.Name(helper), args=_clean(args))
        if qualified in FUNCTIONS:
            tf_name, keywords = FUNCTIONS[qualified]
            if tf_name == "torch_sum":
                self.ctx.helpers.add("torch_sum")
            elif tf_name == "stable_softmax":  # computes in the input's dtype; float32 models are unchanged
                args = [a for a in args if a.keyword is None or a.keyword.value != "dtype"]
            if tf_name == "torch_sum":
                self.ctx.helpers.add("torch_sum")
            elif tf_name == "stable_softmax":
                self.ctx.imports.need_helper("stable_softmax")
            else:
                self.ctx.imports.need_tf()
            renamed = [
                a.with_changes(keyword=cst.Name(keywords[a.keyword.value]))
                if a.keyword is not None and a.keyword.value in keywords
                else a
                for a in args
            ]
            if qualified in ("torch.zeros", "torch.ones") and len([a for a in renamed if a.keyword is None]) > 1:
                dims = [a for a in renamed if a.keyword is None]
                rest = [a for a in renamed if a.keyword is not None]
                shape = cst.List([cst.Element(a.value) for a in dims])
                renamed = [_arg(shape), *rest]
            return _call(tf_name, renamed)
        if qualified == "transformers.activations.get_activation" and len(args) == 1:
            self.ctx.imports.need_helper("get_tf_activation")
            return _call("get_tf_activation", args)
        if qualified.rpartition(".")[2] in TENSOR_TYPES and qualified.startswith("torch.") and len(args) == 1:
            dtype = {"LongTensor": "tf.int32", "IntTensor": "tf.int32", "BoolTensor": "tf.bool"}.get(
                qualified.rpartition(".")[2], "tf.float32"
            )
            self.ctx.imports.need_tf()
            return _call("tf.constant", [args[0], _arg(_expr(dtype), "dtype")])
        if qualified == "torch.nn.functional.interpolate" and args:
            # a twin with torch's parameters: channels-first, size= with bilinear/nearest (else it raises)
            self.ctx.helpers.add("torch_interpolate")
            return _call("torch_interpolate", args)
        if qualified == "torch.nn.functional.pad" and args:
            self.ctx.helpers.add("torch_pad")  # torch's pad spec is flat and starts at the last dim
            return _call("torch_pad", args)
        if qualified in ("torch.div", "torch.true_divide") and len(positional) == 2:
            rounding = next(
                (a.value for a in args if a.keyword is not None and a.keyword.value == "rounding_mode"), None
            )
            self.ctx.imports.need_tf()
            if rounding is None:
                return _call("tf.math.divide", positional)
            if isinstance(rounding, cst.SimpleString) and rounding.evaluated_value == "floor":
                return _call("tf.math.floordiv", positional)
        if qualified == "torch.linspace" and len(positional) >= 3:
            # tf.linspace wants float bounds where torch takes ints
            self.ctx.imports.need_tf()
            bounds = [_arg(_call("float", [positional[0]])), _arg(_call("float", [positional[1]]))]
            return _call("tf.linspace", [*bounds, positional[2]])
        if qualified in ("torch.ceil", "torch.floor", "torch.round"):
            self.ctx.imports.need_tf()
            return _call(f"tf.math.{qualified[6:]}", args)
        if qualified == "torch.flatten" and positional and len(args) == len(positional) <= 2:
            return self._flatten(positional[0].value, positional[1].value if len(positional) > 1 else None)
        if qualified == "torch.roll" and len(args) == 3:
            # torch.roll(input, shifts, dims) is tf.roll(input, shift, axis); without dims torch rolls the
            # flattened tensor (not translated)
            self.ctx.imports.need_tf()
            names = {"shifts": "shift", "dims": "axis"}
            if all(a.keyword is None or a.keyword.value in names for a in args):
                renamed = [a.with_changes(keyword=cst.Name(names[a.keyword.value])) if a.keyword else a for a in args]
                return _call("tf.roll", renamed)
        if qualified == "torch.split" and 2 <= len(args) <= 3:
            # torch takes a chunk size (or sizes) where tf.split takes a count
            self.ctx.helpers.add("torch_split")
            return _call("torch_split", args)  # the twin's parameters are named like torch's
        if qualified == "torch.chunk" and len(positional) >= 2 and len(args) <= 3:
            return self._split("chunk", positional[0].value, args[1:], positional[1:])
        if qualified == "torch.unique_consecutive" and len(args) == 1 and positional:
            self.ctx.helpers.add("torch_unique_consecutive")  # no return_inverse / return_counts / dim
            return _call("torch_unique_consecutive", args)
        if (
            qualified == "torch.linalg.vector_norm"
            and positional
            and all(a.keyword is None or a.keyword.value in ("ord", "dim", "keepdim", "dtype") for a in args)
        ):
            self.ctx.helpers.add("torch_vector_norm")  # the twin's parameters are named like torch's
            return _call("torch_vector_norm", args)
        if qualified == "torch.meshgrid":
            self.ctx.helpers.add("meshgrid")
            return updated.with_changes(func=cst.Name("meshgrid"), args=_clean(args))
        if qualified == "torch.get_default_dtype" and not args:
            # torch's default float dtype is float32 unless set; keras' floatx is its counterpart
            self.ctx.imports.need_tf()
            self.ctx.imports.need_helper("keras")
            return _expr("tf.as_dtype(keras.backend.floatx())")
        if qualified == "torch.jit.is_tracing":
            return cst.Name("False")
        if qualified in ACTIVATION_FUNCTIONS and args:
            self.ctx.imports.need_helper("get_tf_activation")
            return cst.Call(
                func=_call("get_tf_activation", [_arg(cst.SimpleString(f'"{ACTIVATION_FUNCTIONS[qualified]}"'))]),
                args=_clean(args[:1]),
            )
        if qualified == "torch.nn.functional.dropout" and args:
            keywords = {a.keyword.value: a.value for a in args if a.keyword is not None}
            positional = [a.value for a in args if a.keyword is None]
            rate = keywords.get("p", positional[1] if len(positional) > 1 else _expr("0.5"))
            training = keywords.get("training", cst.Name("False") if len(positional) < 3 else positional[2])
            self.ctx.imports.need_tf()
            if (
                isinstance(training, cst.Attribute)
                and training.attr.value == "training"
                and dotted(training) != "self.training"
            ):
                # `training=module.training` in a module-level attention function: the caller already passes
                # dropout=0.0 outside training, and tf.nn.dropout at rate 0 is the identity
                return _call("tf.nn.dropout", [_arg(positional[0]), _arg(rate, "rate")])
            return cst.IfExp(
                test=training,
                body=_call("tf.nn.dropout", [_arg(positional[0]), _arg(rate, "rate")]),
                orelse=positional[0],
                whitespace_before_if=cst.SimpleWhitespace(" "),
                whitespace_after_if=cst.SimpleWhitespace(" "),
                whitespace_before_else=cst.SimpleWhitespace(" "),
                whitespace_after_else=cst.SimpleWhitespace(" "),
            )
        if qualified == "torch.finfo" and args:
            return updated.with_changes(func=_expr("tf.experimental.numpy.finfo"), args=_clean(args[:1]))
        if qualified.startswith("torch.nn.") and qualified.rpartition(".")[2][:1].isupper():
            if self.cursor.function_name == "__init__":
                return updated  # a layer constructor: the layers pass swaps it or marks it
            kind = qualified.rpartition(".")[2]
            if kind in NN_ACTIVATIONS and not args:
                # `nn.ReLU()(x)`: an activation module made and applied on the spot
                self.ctx.imports.need_helper("get_tf_activation")
                return _call("get_tf_activation", [_arg(cst.SimpleString(f'"{NN_ACTIVATIONS[kind]}"'))])
            if qualified.endswith("Loss"):
                name = qualified.rpartition(".")[2]
                self.untranslated(
                    name, f"{qualified}: compute the loss with the TF loss mixin of this head (hf_compute_loss)"
                )
                return updated
        if qualified.startswith("torch."):
            self.untranslated(qualified, f"no TF translation for {qualified} yet")
        return updated

    def _simple_method(self, name, target, args, positional) -> cst.BaseExpression | None:
        """Tensor methods with a one-call TF twin that keeps the numbers."""
        keywords = {a.keyword.value: a.value for a in args if a.keyword is not None}
        one = positional[0] if len(positional) == 1 and not keywords else None
        t = _arg(target)
        made = None
        if name == "expand_as" and one:
            made = _call("tf.broadcast_to", [t, _arg(_call("tf.shape", [one]))])
        elif name in ("view_as", "reshape_as") and one:
            made = _call("tf.reshape", [t, _arg(_call("tf.shape", [one]))])
        elif name == "repeat" and positional and not keywords and not any(a.star for a in positional):
            # torch repeats per dim (= tf.tile when one count per dim; more counts fail loudly in TF)
            repeats = (
                positional[0].value if len(positional) == 1 else cst.List([cst.Element(a.value) for a in positional])
            )
            made = _call("tf.tile", [t, _arg(repeats)])
        elif name == "clone" and not args:
            made = _call("tf.identity", [t])
        elif name == "detach" and not args:
            made = _call("tf.stop_gradient", [t])
        elif name in ("new_zeros", "new_ones") and one:
            made = _call(f"tf.{name[4:]}", [one, _arg(cst.Attribute(target, cst.Name("dtype")), "dtype")])
        elif name in ("any", "all") and not args:
            made = _call(f"tf.reduce_{name}", [_arg(_call("tf.cast", [t, _arg(_expr("tf.bool"))]))])
        elif name == "tolist" and not args:
            return cst.Call(cst.Attribute(cst.Call(cst.Attribute(target, cst.Name("numpy"))), cst.Name("tolist")))
        elif name == "item" and not args:
            # eager value of a scalar tensor (torch's .item())
            return cst.Call(cst.Attribute(cst.Call(cst.Attribute(target, cst.Name("numpy"))), cst.Name("item")))
        elif name == "numel" and not args:
            made = _call("tf.size", [t])
        elif name == "gather" and len(positional) == 2 and not keywords:
            made = _call(
                "tf.experimental.numpy.take_along_axis", [t, positional[1], _arg(positional[0].value, "axis")]
            )
        elif name == "index_select" and len(positional) == 2 and not keywords:
            made = _call("tf.gather", [t, positional[1], _arg(positional[0].value, "axis")])
        elif name == "softmax" and (one or "dim" in keywords) and len(args) == 1:
            self.ctx.imports.need_helper("stable_softmax")
            return _call("stable_softmax", [t, _arg(one.value if one else keywords["dim"], "axis")])
        elif name in ("argmax", "argmin") and len(args) <= 1 and (one or "dim" in keywords):
            # torch's argmax over a dim (indices as int64, as TF's default); over all elements it flattens
            made = _call(f"tf.math.{name}", [t, _arg(one.value if one else keywords["dim"], "axis")])
        elif name in ("matmul", "bmm") and one:
            made = _call("tf.matmul", [t, one])
        elif name in ("tril", "triu") and not args:
            made = _call(
                "tf.linalg.band_part",
                [t, _arg(_expr("-1" if name == "tril" else "0")), _arg(_expr("0" if name == "tril" else "-1"))],
            )
        if made is not None:
            self.ctx.imports.need_tf()
        return made

    def _flatten(self, target: cst.BaseExpression, start: cst.BaseExpression | None) -> cst.BaseExpression:
        """`torch.flatten(x[, start])` / `x.flatten([start])`: everything from `start` on in one dim."""
        self.ctx.imports.need_tf()
        if start is None:
            return _call("tf.reshape", [_arg(target), _arg(_expr("[-1]"))])
        self.ctx.imports.need_helper("shape_list")
        return _expr(f"tf.reshape({_code(target)}, shape_list({_code(target)})[:{_code(start)}] + [-1])")

    def _split(self, name: str, target: cst.BaseExpression, args, positional) -> cst.BaseExpression:
        """`x.split(size, dim)` / `x.chunk(n, dim)` (and `torch.chunk(x, n, dim)`), `args` after the tensor: a
        chunk count is tf.split's; a chunk size goes through the torch_split twin."""
        dim = next((a.value for a in args if a.keyword is not None and a.keyword.value == "dim"), None)
        dim = dim or (positional[1].value if len(positional) > 1 else cst.Integer("0"))
        if name == "chunk":
            self.ctx.imports.need_tf()
            return _call("tf.split", [_arg(target), positional[0], _arg(dim, "axis")])
        self.ctx.helpers.add("torch_split")  # torch takes a chunk size where tf.split takes a count
        return _call("torch_split", [_arg(target), positional[0], _arg(dim)])

    def _to(self, call, target, args, positional) -> cst.BaseExpression:
        """`.to(dtype)` casts, `.to(device)` is a no-op in TF; what cannot be told apart gets a TODO."""
        dtype = next((a.value for a in args if a.keyword is not None and a.keyword.value == "dtype"), None)
        # `.to(dtype)`, `.to(device)`, `.to(device, dtype)`: each positional is a dtype or a device
        for argument in positional if dtype is None else ():
            code = _code(argument.value)
            if code.startswith("tf.") or code.endswith(("dtype", "_type")):
                dtype = argument.value
            elif not code.endswith(("device", "device)")) and "device" not in code:
                self.untranslated(
                    f".to({code})", f"`.to({code})`: a dtype (cast) or a device (drop)? scaffold cannot tell"
                )
                return call
        if dtype is None:
            return target
        self.ctx.imports.need_tf()
        return _call("tf.cast", [_arg(target), _arg(dtype)])

    def _method(self, call: cst.Call) -> cst.BaseExpression:
        func = call.func
        assert isinstance(func, cst.Attribute)
        name, target = func.attr.value, func.value
        if dotted(target) == "self" or (isinstance(target, cst.Call) and dotted(target.func) == "super"):
            return call
        args = [a for a in call.args if a.keyword is None or a.keyword.value not in DROPPED_KEYWORDS]
        positional = [a for a in args if a.keyword is None]
        if name in ("view", "reshape") and positional:
            if (
                len(positional) == 1
                and not positional[0].star
                and not isinstance(positional[0].value, cst.Integer | cst.UnaryOperation)
            ):
                shape = positional[0].value  # a shape variable or tuple
            else:
                shape = cst.List(
                    [cst.StarredElement(a.value) if a.star == "*" else cst.Element(a.value) for a in positional]
                )
            self.ctx.imports.need_tf()
            return _call("tf.reshape", [_arg(target), _arg(shape)])
        if name == "transpose" and len(positional) == 2:
            self.ctx.imports.need_tf()
            return _call("tf.experimental.numpy.swapaxes", [_arg(target), *positional])
        if name == "permute" and positional:
            perm = (
                positional[0].value if len(positional) == 1 else cst.List([cst.Element(a.value) for a in positional])
            )
            self.ctx.imports.need_tf()
            return _call("tf.transpose", [_arg(target), _arg(perm, "perm")])
        if name == "expand" and positional:
            first = positional[0].value
            if len(positional) == 1 and isinstance(first, (cst.Tuple, cst.List)):
                values = [e.value for e in first.elements]
            elif len(positional) == 1 and not isinstance(first, (cst.Integer, cst.UnaryOperation)):
                # a shape variable (a torch.Size) holds no -1; if it did, broadcast_to fails loudly
                self.ctx.imports.need_tf()
                return _call("tf.broadcast_to", [_arg(target), positional[0]])
            else:
                values = [a.value for a in positional]
            # torch's -1 keeps that dim; counted from the end it is the same dim of the input
            shape = [
                _expr(f"shape_list({_code(target)})[{i - len(values)}]") if _code(v).replace(" ", "") == "-1" else v
                for i, v in enumerate(values)
            ]
            if any(_code(v).replace(" ", "") == "-1" for v in values):
                self.ctx.imports.need_helper("shape_list")
            self.ctx.imports.need_tf()
            return _call("tf.broadcast_to", [_arg(target), _arg(cst.List([cst.Element(d) for d in shape]))])
        if name in ("split", "chunk") and positional and len(args) <= 2:
            return self._split(name, target, args, positional)
        simple = self._simple_method(name, target, args, positional)
        if simple is not None:
            return simple
        if name == "dim" and not args:
            self.ctx.imports.need_helper("shape_list")
            return _call("len", [_arg(_call("shape_list", [_arg(target)]))])
        if name == "contiguous" and not args:
            return target
        if name == "size":
            self.ctx.imports.need_helper("shape_list")
            if positional:
                shape = _call("shape_list", [_arg(target)])
                return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(positional[0].value))])
            return _shape_tuple(target)
        if name == "flatten" and len(positional) <= 1 and len(args) == len(positional):
            return self._flatten(target, positional[0].value if positional else None)
        if name == "unsqueeze" and len(positional) == 1:
            self.ctx.imports.need_tf()
            return _call("tf.expand_dims", [_arg(target), *positional])
        if name == "squeeze":
            self.ctx.imports.need_tf()
            return _call("tf.squeeze", [_arg(target), *[_arg(a.value, "axis") for a in positional]])
        if name == "to":
            return self._to(call, target, args, positional)
        if name in ("float", "half", "long", "bool", "int") and not args:
            dtype = {
                "float": "tf.float32",
                "half": "tf.float16",
                "long": "tf.int32",
                "bool": "tf.bool",
                "int": "tf.int32",
            }[name]
            self.ctx.imports.need_tf()
            return _call("tf.cast", [_arg(target), _arg(_expr(dtype))])
        if name in UNARY_MATH and not args:
            self.ctx.imports.need_tf()
            return _call(f"tf.math.{UNARY_MATH[name]}", [_arg(target)])
        if name in COMPARISONS and len(positional) == 1:
            self.ctx.imports.need_tf()
            return _call(f"tf.math.{COMPARISONS[name]}", [_arg(target), *positional])
        if name == "masked_fill" and len(positional) == 2:
            self.ctx.imports.need_tf()
            return _call("tf.where", [positional[0], positional[1], _arg(target)])
        if name == "type" and len(positional) == 1:
            return _call("tf.cast", [_arg(target), positional[0]])
        if name == "type_as" and len(positional) == 1:
            return _call("tf.cast", [_arg(target), _arg(cst.Attribute(positional[0].value, cst.Name("dtype")))])
        if name in ("mean", "sum", "max", "min") and all(
            a.keyword is None or a.keyword.value in ("dim", "keepdim") for a in args
        ):
            if name in ("max", "min") and (positional or any(a.keyword and a.keyword.value == "dim" for a in args)):
                self.untranslated(
                    f".{name}(dim)",
                    f"torch .{name}(dim) returns (values, indices); tf.reduce_{name} returns values only",
                )
                return call
            renamed = [
                a.with_changes(keyword=cst.Name({"dim": "axis", "keepdim": "keepdims"}[a.keyword.value]))
                if a.keyword is not None
                else _arg(a.value, "axis")
                for a in args
            ]
            if name == "sum":  # booleans sum as integers in torch
                self.ctx.helpers.add("torch_sum")
                return _call("torch_sum", [_arg(target), *renamed])
            self.ctx.imports.need_tf()
            return _call(f"tf.reduce_{name}", [_arg(target), *renamed])
        if name == "pow" and len(positional) == 1:
            return _call("tf.pow", [_arg(target), *positional])
        if name in (
            "repeat",
            "scatter",
            "gather",
            "index_select",
            "new_zeros",
            "new_ones",
            "fill_",
            "copy_",
            "detach",
            "clone",
            "numel",
            "flatten",
            "narrow",
            "tril",
            "triu",
            "softmax",
            "matmul",
            "bmm",
        ):
            self.untranslated(f".{name}()", f"tensor method .{name}() is not translated yet")
        return call
