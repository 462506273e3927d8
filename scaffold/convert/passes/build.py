"""An explicit `build(self, input_shape=None)` on every layer and model class.

transformers builds TF models by name scope with no forward pass (`build_in_name_scope()`), so a sub-layer
that `build()` does not build has no weights to load into. Each sub-layer is built inside
`tf.name_scope(<sub-layer>.name)` with the input shape its torch constructor implies; `nn.Parameter`s become
`add_weight(name=<attr>)`. Shapes written in `__init__`'s terms are lifted into `build()`'s: `config` ->
`self.config`, `__init__` locals are inlined, `__init__` parameters are kept on `self`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import (
    LAYER_KINDS,
    PARAMETER_INITIALIZERS,
    ClassInfo,
    ModuleInfo,
    SubLayer,
    computed_parameter,
    embedding_size,
    held_at,
    layers_passed_in,
    module_dict_literal,
    parameter_creator,
    persistent_buffer,
    saved_buffer_value,
)
from ..context import ConvertContext
from ..names import dotted
from ..nodes import fragment, statement_fragment
from ..todos import comments, marker
from ..torch_layers import input_shape
from .classes import is_super_init, map_classes, method

KERAS_BASE_BUILD = """
def build(self, input_shape=None):
    if self.built:
        return
    super().build(input_shape)
"""


class _NoComments(cst.CSTTransformer):
    def leave_Comment(self, original: cst.Comment, updated: cst.Comment) -> cst.RemovalSentinel:  # type: ignore[override]
        return cst.RemovalSentinel.REMOVE


def _code(node: cst.CSTNode) -> str:
    """An expression's code, on one logical line (comments inside it dropped), to paste into build()."""
    code = cst.Module([]).code_for_node(node.visit(_NoComments()))  # type: ignore[arg-type]
    return f"({code})" if "\n" in code else code


# the prefix of an __init__ argument kept for build() whose own name is an attribute holding something else
INIT_ARGUMENT = "_init_"


class _Statements(cst.CSTVisitor):
    """The small statements of a function body in document order: (statement, inside a loop)."""

    def __init__(self) -> None:
        self.loops = 0
        self.found: list[tuple[cst.BaseSmallStatement, bool]] = []

    def visit_For(self, node: cst.For) -> None:
        self.loops += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self.loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.loops -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a function defined inside __init__ binds its own names

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self.found.extend((small, self.loops > 0) for small in node.body)
        return False


class _Reads(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name, self.found = name, False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # `Embedding(input_dim=...)`: a keyword is no read of a local of that name
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `config.input_dim` neither
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value == self.name


def _reads(node: cst.CSTNode, name: str) -> bool:
    reads = _Reads(name)
    node.visit(reads)
    return reads.found


def _binds(small: cst.BaseSmallStatement, name: str) -> bool:
    if isinstance(small, cst.Assign):
        return any(_reads(t.target, name) and not isinstance(t.target, cst.Attribute) for t in small.targets)
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return isinstance(small.target, cst.Name) and small.target.value == name
    return False


def _sets_self_from(small: cst.BaseSmallStatement, name: str) -> bool:
    """`self.<x> = <a value reading name>`: a sub-layer (or attribute) made from the local."""
    return (
        isinstance(small, cst.Assign)
        and any((dotted(t.target) or "").startswith("self.") for t in small.targets)
        and _reads(small.value, name)
    )


def rebound_locals(cls: ClassInfo) -> dict[str, str]:
    """`__init__` locals bound more than once (`x += ...` too) under conditions, outside loops, before the first
    `self.<attr> = ...` that reads them (lfm2's `intermediate_size`, scaled under `if
    config.block_auto_adjust_ff_dim:`; roc_bert's `input_dim += pronunciation_dim` under `if`s). build() reads
    them off `self`, kept right before that first statement, instead of inlining one of their values.
    name -> the TF attribute that statement sets."""
    if cls.init is None:
        return {}
    cached = _REBOUND.get(id(cls))
    if cached is not None and cached[0] is cls:
        return cached[1]
    walker = _Statements()
    cls.init.body.visit(walker)
    statements = walker.found
    names = {
        t.target.value
        for small, _ in statements
        if isinstance(small, cst.Assign)
        for t in small.targets
        if isinstance(t.target, cst.Name)
    } | {
        small.target.value
        for small, _ in statements
        if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name)
    }
    result: dict[str, str] = {}
    for name in names - set(cls.init_params) - cls.self_attrs:
        binding = [i for i, (small, _) in enumerate(statements) if _binds(small, name)]
        readers = [i for i, (small, _) in enumerate(statements) if _sets_self_from(small, name)]
        if len(binding) < 2 or not readers or any(statements[i][1] for i in binding + readers):
            continue  # a loop's rebinding (`in_dim = out_dim`) differs per item: build() inlines those
        if max(binding) < min(readers):
            first = statements[min(readers)][0]
            assert isinstance(first, cst.Assign)
            target = next(
                dotted(t.target) or "" for t in first.targets if (dotted(t.target) or "").startswith("self.")
            )
            result[name] = "self." + cls.tf_attr(target[len("self.") :])
    _REBOUND[id(cls)] = (cls, result)
    return result


_REBOUND: dict[int, tuple[ClassInfo, dict[str, str]]] = {}  # per class: rebound_locals reads __init__ once


class _KeepBefore(cst.CSTTransformer):
    """Insert `self.<name> = <name>` before the first statement that sets `target` (the sub-layer made from it)."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__()
        self.name, self.target = name, target
        self.done = False

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        body = list(updated.body)
        for i, statement in enumerate(body):
            if self.done:
                break
            if isinstance(statement, cst.SimpleStatementLine) and any(
                isinstance(small, cst.Assign) and any(dotted(t.target) == self.target for t in small.targets)
                for small in statement.body
            ):
                body.insert(i, statement_fragment(f"self.{self.name} = {self.name}"))
                self.done = True
        return updated.with_changes(body=body)


def _lift(
    expr: cst.BaseExpression,
    cls: ClassInfo,
    stored: set[str],
    depth: int = 0,
    params_only: frozenset = frozenset(),
    info: ModuleInfo | None = None,
) -> cst.BaseExpression:
    """Rewrite an expression from `__init__` scope into `build()` scope (only chain heads are names to lift).
    `params_only`: names that mean the parameter, not the local rebinding it (`x = x or default`). A local holding
    a layer the class keeps is read where it is kept (never made again in build())."""
    if isinstance(expr, cst.Name):
        name = expr.value
        if name == "config":
            stored.add("config")
            return fragment("self.config")
        if name in rebound_locals(cls) and name not in params_only:
            stored.add(name)
            return fragment(f"self.{name}")
        local_value = cls.init_locals.get(name)
        if isinstance(local_value, cst.Call) and name not in params_only:
            held = held_at(name, cls, info)
            if held is not None:
                return fragment(held)
        if name in cls.init_locals and name not in params_only and depth < 4:
            value = _lift(cls.init_locals[name], cls, stored, depth + 1, params_only | {name}, info)
            simple = isinstance(value, (cst.Name, cst.Attribute, cst.Integer, cst.Call, cst.Subscript))
            return value if simple else fragment(f"({_code(value)})")
        if name in cls.init_params and name != "self":
            kept = cls.self_values.get(name)
            if name in cls.self_attrs and not (isinstance(kept, cst.Name) and kept.value == name):
                # pvt's `cls_token: bool` parameter beside its `self.cls_token` weight: kept apart
                name = f"{INIT_ARGUMENT}{name}"
            stored.add(name)
            return fragment(f"self.{name}")
        return expr

    def lift(node):
        return _lift(node, cls, stored, depth, params_only, info)

    if isinstance(expr, cst.Attribute):
        return expr.with_changes(value=lift(expr.value))
    if isinstance(expr, cst.Call):
        return expr.with_changes(func=lift(expr.func), args=[a.with_changes(value=lift(a.value)) for a in expr.args])
    if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        return expr.with_changes(left=lift(expr.left), right=lift(expr.right))
    if isinstance(expr, cst.UnaryOperation):
        return expr.with_changes(expression=lift(expr.expression))
    if isinstance(expr, cst.IfExp):
        return expr.with_changes(test=lift(expr.test), body=lift(expr.body), orelse=lift(expr.orelse))
    if isinstance(expr, cst.Comparison):
        return expr.with_changes(
            left=lift(expr.left), comparisons=[c.with_changes(comparator=lift(c.comparator)) for c in expr.comparisons]
        )
    if isinstance(expr, (cst.List, cst.Tuple)):
        return expr.with_changes(elements=[e.with_changes(value=lift(e.value)) for e in expr.elements])
    if isinstance(expr, cst.Subscript):
        # `config.hidden_sizes[layer_idx]`: the index is in __init__'s terms too
        elements = [
            e.with_changes(slice=e.slice.with_changes(value=lift(e.slice.value)))
            if isinstance(e.slice, cst.Index)
            else e
            for e in expr.slice
        ]
        return expr.with_changes(value=lift(expr.value), slice=elements)
    return expr


class _Names(cst.CSTVisitor):
    """The names an expression reads (the heads of attribute chains), or, with `targets`, the names `for` loops
    and comprehensions bind."""

    def __init__(self, targets: bool = False) -> None:
        self.names: set[str] = set()
        self.targets = targets

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `self.config.x`: only the head is a name
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if not self.targets:
            self.names.add(node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target)

    def _bind(self, target: cst.BaseExpression) -> None:
        if self.targets:
            finder = _Names()
            target.visit(finder)
            self.names |= finder.names


def _loop_names(cls: ClassInfo) -> set[str]:
    finder = _Names(targets=True)
    if cls.init is not None:
        cls.init.visit(finder)
    return finder.names


def _free_names(code: str, cls: ClassInfo) -> set[str]:
    """The loop and comprehension variables of `__init__` a shape reads: build() does not have them."""
    if code == "None":
        return set()
    finder = _Names()
    cst.parse_expression(code).visit(finder)
    return finder.names & _loop_names(cls)


def _shape_code(sub: SubLayer, cls: ClassInfo, stored: set[str], info: ModuleInfo | None = None) -> str:
    """The input shape to build `sub` with, in build()'s terms ("None" where it reads a loop's variable)."""
    for candidate in (sub, *sub.alternatives):
        # `self.dense = nn.Linear(...)` in one branch, a layer of the file's in the other: the shape the torch
        # layer implies (the file's own layers take any)
        code = _bound_shape_code(candidate, cls, stored, info)
        if code != "None" and not _free_names(code, cls):
            return code
    return "None"


def _append_loop(attr: str, cls: ClassInfo) -> tuple[str, cst.BaseExpression] | None:
    """(variable, iterable) of the one `for variable in iterable:` loop of `__init__` whose body appends to
    `self.<attr>` once, unconditionally, and nothing else does; else None."""
    loops = cls.append_loops.get(attr, [])
    loop = loops[0] if len(loops) == 1 else None
    if loop is None or not isinstance(loop.target, cst.Name) or loop.orelse is not None:
        return None
    appends = [
        small
        for statement in loop.body.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and dotted(small.value.func) == f"self.{attr}.append"
    ]
    if len(appends) != 1:
        return None
    iterable = _lift(loop.iter, cls, set())
    if _free_names(_code(iterable), cls):
        return None
    return loop.target.value, loop.iter


def _comprehension_index(sub: SubLayer) -> str | None:
    """`i` for `nn.ModuleList([X(..., dims[i]) for i in range(n)])` (or `for i, d in enumerate(...)`)."""
    source = sub.call.args[0].value if sub.call is not None and sub.call.args else None
    if isinstance(source, cst.GeneratorExp):
        source = cst.ListComp(elt=source.elt, for_in=source.for_in)
    if not isinstance(source, cst.ListComp) or source.for_in.ifs or source.for_in.inner_for_in is not None:
        return None
    target, iterable = source.for_in.target, source.for_in.iter
    call = dotted(iterable.func) if isinstance(iterable, cst.Call) else None
    if call == "range" and isinstance(target, cst.Name) and len(iterable.args) == 1:  # type: ignore[attr-defined]
        return target.value
    if call == "enumerate" and isinstance(target, cst.Tuple) and isinstance(target.elements[0].value, cst.Name):
        return target.elements[0].value.value
    return None


def _bound_shape_code(sub: SubLayer, cls: ClassInfo, stored: set[str], info: ModuleInfo | None = None) -> str:
    if sub.call is None:
        return "None"
    kind = sub.kind
    if kind == "custom":
        # a file's subclass of a torch layer (`XLayerNorm(nn.LayerNorm)`) is built like that layer
        base = info.classes[sub.cls].keras_base if info is not None and sub.cls in info.classes else None
        if base not in ("LayerNorm", "Linear", "Conv1d", "Conv2d"):
            return "None"
        kind = base
    shape = input_shape(kind, sub.call)
    if shape is None:
        return "None"
    return _code(_lift(shape, cls, stored, info=info))


def _embedding_size(dim: cst.BaseExpression, cls: ClassInfo, ctx: ConvertContext) -> cst.BaseExpression:
    """`self.model.shared.num_embeddings` -> `self.model.shared.input_dim` (keras' Embedding)."""
    size = embedding_size(ctx.info, cls, dotted(dim) or "")
    return fragment(size) if size is not None else dim


def _parameter(sub: SubLayer, cls: ClassInfo, stored: set[str], ctx: ConvertContext) -> list[str]:
    """`self.<attr> = self.add_weight(...)` for `self.<attr> = nn.Parameter(torch.zeros(...))`."""
    call = sub.call
    assert call is not None
    trainable = "True"
    for arg in call.args[1:]:
        if arg.keyword is not None and arg.keyword.value == "requires_grad":
            trainable = _code(arg.value)
    if computed_parameter(call, ctx.info.imports):
        # `nn.Parameter(torch.log(A))`: __init__ keeps the translated value in `self.<attr>`; the weight starts
        # at it, with its shape and dtype
        ctx.need("keras")
        return [
            f"value = tf.convert_to_tensor(self.{sub.attr})",
            f"self.{sub.attr} = self.add_weight(",
            f'    name="{sub.attr}", shape=value.shape, dtype=value.dtype,',
            f"    initializer=keras.initializers.Constant(value), trainable={trainable}",
            ")",
        ]
    # `config.layer_scale_init_value * torch.ones(dim)`: the creator gives the shape, the factor the value;
    # torch.Tensor(n).uniform_() / torch.empty(n).normal_(): the creator gives the shape
    value, scale, in_place = parameter_creator(call, ctx.info.imports)
    if not isinstance(value, cst.Call):
        return [
            marker(f"give `{sub.attr}` its shape and initial value (torch: {_code(call)})"),
            f'self.{sub.attr} = self.add_weight(name="{sub.attr}", shape=None, trainable={trainable})',
        ]
    creator = ctx.info.imports.resolve(value.func) or ""
    dims = [a.value for a in value.args if a.keyword is None]
    normal = None
    if creator == "torch.normal" and len(dims) == 2:
        # `torch.normal(mean, std, size=(n,))` (diffllama's lambdas): numbers from a normal distribution
        size = next((a.value for a in value.args if a.keyword is not None and a.keyword.value == "size"), None)
        if size is not None:
            mean, std = (_code(_lift(d, cls, stored)) for d in dims)
            normal = f"keras.initializers.RandomNormal(mean={mean}, stddev={std})"
            dims = [size]
    if len(dims) == 1 and isinstance(dims[0], (cst.Tuple, cst.List)):
        dims = [e.value for e in dims[0].elements]
    dims = [_embedding_size(d, cls, ctx) for d in dims]
    shape = ", ".join(_code(_lift(d, cls, stored)) for d in dims)
    if len(dims) == 1:
        shape += ","
    initializer = PARAMETER_INITIALIZERS.get(creator, "missing") if normal is None else normal
    if in_place in ("uniform_", "normal_") and initializer != "missing":
        initializer = None if in_place == "normal_" else '"uniform"'

    if initializer == "missing":
        return [
            marker(f"`{sub.attr}` starts as {_code(value)}: give its shape and initializer"),
            f'self.{sub.attr} = self.add_weight(name="{sub.attr}", shape=None, trainable={trainable})',
        ]
    if normal is not None:
        ctx.need("keras")
    if scale is not None:
        ctx.need("keras")
        initializer = f"keras.initializers.Constant({_code(_lift(scale, cls, stored))})"
    if initializer is None:
        ctx.need("get_initializer")
        range_ = "self.config.initializer_range" if "config" in cls.init_params else ""
        if range_ and ctx.info.initializer_range != "config.initializer_range":
            # the file's configs may lack `initializer_range` (a composite config, T5's): torch's default rule
            range_ = "config_initializer_range(self.config)"
            ctx.need("config_initializer_range")
        if range_:
            stored.add("config")
        initializer = f"get_initializer({range_})"
    return [
        f'self.{sub.attr} = self.add_weight(name="{sub.attr}", shape=({shape}), initializer={initializer}, trainable={trainable})'
    ]


def _condition(sub: SubLayer, cls: ClassInfo, stored: set[str]) -> str | None:
    """`self.x = nn.Parameter(...) if cond else None` -> `cond`, lifted into build() terms."""
    value = cls.self_values.get(sub.attr)
    if isinstance(value, cst.IfExp) and isinstance(value.orelse, cst.Name) and value.orelse.value == "None":
        return _code(_lift(value.test, cls, stored))
    return None


def _statement_condition(sub: SubLayer, cls: ClassInfo, stored: set[str]) -> str | None:
    """Created under `if cond:` (or its `else:`) in __init__ -> `cond` (or `not (cond)`), lifted; the other
    branch of __init__ keeps whatever it sets there."""
    return _code(_lift(sub.condition, cls, stored)) if sub.condition is not None else None


def _has_item(attr: str, index: int) -> str:
    """build()'s test that the list `self.<attr>` has an item at `index` (some branches of __init__ make fewer)."""
    return f'if len(getattr(self, "{attr}", None) or []) > {index}:'


def _shaped_at_init(sub: SubLayer) -> cst.BaseExpression | None:
    """The input shape a torch layer's constructor implies, in `__init__`'s terms, for a layer made once."""
    if sub.kind not in LAYER_KINDS or sub.call is None or sub.alternatives or sub.items:
        return None
    return input_shape(sub.kind, sub.call)


class _ShapedAtInit(cst.CSTTransformer):
    """`self.<attr> = <keras layer>(...)` -> `self.<attr> = torch_shaped(<keras layer>(...), <torch's shape>)`."""

    def __init__(self, shaped: dict[str, cst.BaseExpression], cls: ClassInfo) -> None:
        super().__init__()
        self.shaped = {cls.tf_attr(attr): shape for attr, shape in shaped.items()}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node.name.value == "__init__"  # not a nested function

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        target = dotted(updated.targets[0].target) or "" if len(updated.targets) == 1 else ""
        shape = self.shaped.get(target[len("self.") :]) if target.startswith("self.") else None
        if shape is None or not isinstance(updated.value, cst.Call):
            return updated
        return updated.with_changes(value=cst.Call(cst.Name("torch_shaped"), [cst.Arg(updated.value), cst.Arg(shape)]))


def build_method(
    cls: ClassInfo,
    sublayers: dict[str, SubLayer],
    ctx: ConvertContext,
    shaped: dict[str, cst.BaseExpression] | None = None,
) -> tuple[cst.FunctionDef, set[str]]:
    stored: set[str] = set()
    lines = ["if self.built:", "    return", "self.built = True"]
    notes: list[str] = []
    for sub in sublayers.values():
        saved = saved_buffer_value(sub.call, ctx.info.imports) if sub.kind == "buffer" and sub.call else None
        if saved is not None:
            # a buffer torch saves: a non-trainable weight of that name, so that from_pretrained loads it
            requires_grad = cst.Arg(cst.Name("False"), keyword=cst.Name("requires_grad"))
            sub = SubLayer(
                attr=sub.attr,
                kind="parameter",
                call=cst.Call(cst.Name("Parameter"), [cst.Arg(saved), requires_grad]),
                optional=sub.optional,
                condition=sub.condition,
            )
        if saved is None and sub.kind == "buffer" and sub.call is not None and persistent_buffer(sub.call):
            # a buffer torch saves, computed in __init__ (swin's relative_position_index): a non-trainable weight
            # starting at that value, so that from_pretrained finds it a home
            ctx.need("keras")
            attr = cls.tf_attr(sub.attr)
            lines += [
                f'if getattr(self, "{attr}", None) is not None:',
                f"    value = tf.convert_to_tensor(self.{attr})",
                f"    self.{attr} = self.add_weight(",
                f'        name="{sub.attr}", shape=value.shape, dtype=value.dtype,',
                "        initializer=keras.initializers.Constant(value), trainable=False",
                "    )",
            ]
            continue
        if sub.kind == "parameter":
            block = _parameter(sub, cls, stored, ctx)
            condition = _condition(sub, cls, stored)
            branch = _statement_condition(sub, cls, stored) if condition is None else None
            if sub.optional and condition is not None:
                lines.append(f"if {condition}:")
                lines += [f"    {line}" for line in block]
                lines += ["else:", f"    self.{sub.attr} = None"]
            elif sub.optional and branch is not None:
                lines.append(f"if {branch}:")
                lines += [f"    {line}" for line in block]
            else:
                if sub.optional:
                    lines.append(marker(f"`{sub.attr}` is optional in torch: create it only when torch does"))
                lines += block
    passed_in = layers_passed_in(cls, ctx.info)
    for attr, sub in sublayers.items():
        if sub.weighted_activation:
            # `torch_activation(config.hidden_act, name=...)`: a layer with weights for xIELU, else a function
            attr = cls.tf_attr(attr)
            lines += [
                f'if isinstance(getattr(self, "{attr}", None), keras.layers.Layer):',
                f"    with tf.name_scope(self.{attr}.name):",
                f"        self.{attr}.build(None)",
            ]
            continue
        value = cls.self_values.get(attr)
        if sub.kind == "other" and isinstance(value, cst.Name) and value.value in passed_in:
            # a layer made by the class that creates this one and passed in (`XConvModel(conv_encoder, ...)`):
            # built here, where torch's weight names put it (`backbone.conv_encoder.model...`)
            attr = cls.tf_attr(attr)
            lines += [
                f'if isinstance(getattr(self, "{attr}", None), keras.layers.Layer):',
                f"    with tf.name_scope(self.{attr}.name):",
                f"        self.{attr}.build(None)",
            ]
            ctx.need("keras")
            continue
        if not sub.has_weights or sub.kind == "parameter":
            continue
        attr = cls.tf_attr(attr)
        # `self.conv = nn.Conv2d(...)` in one branch, `nn.Sequential(...)` in the other: one layer either way
        # (TorchSequential), built as one
        mixed = sub.kind == "sequential" and any(
            a.kind not in ("sequential", "list") and a.has_weights for a in sub.alternatives
        )
        if sub.kind == "sequential" and not mixed and not sub.appended and (sub.call is None or sub.call.args):
            # items differ (conv, norm, activation): each is built with its own input shape, by index
            for index, item in enumerate(sub.items):
                if item.has_weights:
                    # items of `nn.Sequential(*parts)`: some may be absent (a conditional part)
                    lines += [
                        _has_item(attr, index) if sub.starred else f'if getattr(self, "{attr}", None) is not None:',
                        f"    with tf.name_scope(self.{attr}[{index}].name):",
                        f"        self.{attr}[{index}].build({_shape_code(item, cls, stored)})",
                    ]
            continue
        if sub.kind == "dict":
            # nn.ModuleDict: each layer with weights built by key, with its own input shape
            mapping = module_dict_literal(sub.call.args[0].value) if sub.call is not None and sub.call.args else None
            if isinstance(mapping, cst.Name) and sub.has_weights:
                # a local dict filled by key in __init__: every layer, with the shape they share (else None)
                shapes = {_shape_code(item, cls, stored, ctx.info) for item in sub.items}
                lines += [
                    f'if getattr(self, "{attr}", None) is not None:',
                    f"    for layer in self.{attr}.values():",
                    "        with tf.name_scope(layer.name):",
                    f"            layer.build({shapes.pop() if len(shapes) == 1 else 'None'})",
                ]
                continue
            elements = mapping.elements if isinstance(mapping, cst.Dict) else ()
            for element, item in zip(elements, sub.items):
                if item.has_weights and isinstance(element, cst.DictElement):
                    key = cst.Module([]).code_for_node(element.key)
                    lines += [
                        f'if getattr(self, "{attr}", None) is not None:',
                        f"    with tf.name_scope(self.{attr}[{key}].name):",
                        f"        self.{attr}[{key}].build({_shape_code(item, cls, stored, ctx.info)})",
                    ]
            continue
        if sub.kind == "list" or (sub.kind == "sequential" and not mixed):  # a Sequential filled later: a list
            if sub.items and all(item.kind == "list" for item in sub.items):
                # a list of lists (funnel's blocks, segformer's block): each inner list's layers
                inner = [i for item in sub.items for i in item.items]
                shapes = {_shape_code(item, cls, stored) for item in inner} or {"None"}
                shape = shapes.pop() if len(shapes) == 1 else "None"
                if shapes:
                    notes.append(f"items of `{attr}` differ in input shape: check the shape each one is built with")
                lines += [
                    f'if getattr(self, "{attr}", None) is not None:',
                    f"    for layers in self.{attr}:",
                    "        for layer in layers:",
                    "            with tf.name_scope(layer.name):",
                    f"                layer.build({shape})",
                ]
                continue
            shapes = {_bound_shape_code(item, cls, stored) for item in sub.items} or {"None"}
            listed = sub.call.args[0].value if sub.call is not None and sub.call.args else None
            if (
                len(shapes) > 1
                and isinstance(listed, (cst.List, cst.Tuple))
                and len(listed.elements) == len(sub.items)
            ):
                # a literal list of different layers (convnext's [norm, conv]): each built by index with its shape
                for index, item in enumerate(sub.items):
                    if item.has_weights:
                        lines += [
                            _has_item(attr, index),
                            f"    with tf.name_scope(self.{attr}[{index}].name):",
                            f"        self.{attr}[{index}].build({_shape_code(item, cls, stored, ctx.info)})",
                        ]
                continue
            shape = shapes.pop() if len(shapes) == 1 else "None"
            if len(shapes) > 0:
                notes.append(f"items of `{attr}` differ in input shape: check the shape each one is built with")
            counter = _comprehension_index(sub)
            if counter is not None and _free_names(shape, cls) == {counter} and counter != "_":
                # each item's shape reads the comprehension's index (`dims[i]`): built item by item
                lines += [
                    f'if getattr(self, "{attr}", None) is not None:',
                    f"    for {counter}, layer in enumerate(self.{attr}):",
                    "        with tf.name_scope(layer.name):",
                    f"            layer.build({shape})",
                ]
                continue
            loop = _append_loop(attr, cls)
            if loop is not None and _free_names(shape, cls) == {loop[0]}:
                # appended once per pass of `for channel in sizes:`, each item's shape reads `channel`
                lines += [
                    f'if getattr(self, "{attr}", None) is not None:',
                    f"    for layer, {loop[0]} in zip(self.{attr}, {_code(_lift(loop[1], cls, stored, info=ctx.info))}):",
                    "        with tf.name_scope(layer.name):",
                    f"            layer.build({shape})",
                ]
                continue
            shape = "None" if _free_names(shape, cls) else shape
            layers = f"self.{attr}"
            if any(alternative.kind != "list" for alternative in sub.alternatives):
                # a list in one branch, one layer in the other (bridgetower's cross-modal transforms)
                layers = f"(self.{attr} if isinstance(self.{attr}, list) else [self.{attr}])"
            if all(item.has_weights for item in sub.items):
                lines += [
                    f'if getattr(self, "{attr}", None) is not None:',
                    f"    for layer in {layers}:",
                    "        with tf.name_scope(layer.name):",
                    f"            layer.build({shape})",
                ]
            else:  # some items are plain functions (nn.Identity, activations): build the layers only
                ctx.need("keras")
                lines += [
                    f'if getattr(self, "{attr}", None) is not None:',
                    f"    for layer in {layers}:",
                    "        if isinstance(layer, keras.layers.Layer):",
                    "            with tf.name_scope(layer.name):",
                    f"                layer.build({shape})",
                ]
            continue
        # a tied layer is another layer's object, which keras would build (and give weights) a second time
        guard = f" and not self.{attr}.built" if sub.tied else ""
        shape = _shape_code(sub, cls, stored, ctx.info)
        if shape == "None" and _shaped_at_init(sub) is not None and shaped is not None:
            # the shape reads a local of __init__ (janus' `block_in`, changed in a loop): __init__ records it
            # with the layer (torch_shaped), build() reads it back
            shaped[sub.attr] = _shaped_at_init(sub)  # type: ignore[assignment]
            shape = f'getattr(self.{attr}, "_torch_input_shape", None)'
        lines += [
            f'if getattr(self, "{attr}", None) is not None{guard}:',
            f"    with tf.name_scope(self.{attr}.name):",
            f"        self.{attr}.build({shape})",
        ]
    if cls.registers_modules:
        # layers torch registers with `self.add_module(name, layer)` (torch_add_module keeps them), under that name
        ctx.need("torch_build_added_modules")
        lines += ["torch_build_added_modules(self)"]
    for owner, param in cls.bias_ties.items():
        if owner in sublayers and param in sublayers:
            # torch's `self.<owner>.bias = self.<param>`: the Dense adds this layer's bias variable
            lines += [f"self.{cls.tf_attr(owner)}.bias = self.{param}", f"self.{cls.tf_attr(owner)}.use_bias = True"]
    source = "def build(self, input_shape=None):\n" + "".join(f"    {line}\n" for line in lines)
    function = statement_fragment(source)
    assert isinstance(function, cst.FunctionDef)
    if notes:
        function = function.with_changes(leading_lines=comments(notes))
    return function, stored


def _store_params(init: cst.FunctionDef, cls: ClassInfo, stored: set[str]) -> cst.FunctionDef:
    """Keep on `self` the __init__ parameters that build() reads (`self.config = config`)."""
    assigned = set()
    for line in init.body.body:
        if isinstance(line, cst.SimpleStatementLine) and isinstance(line.body[0], cst.Assign):
            target = dotted(line.body[0].targets[0].target) or ""
            if target.startswith("self."):
                assigned.add(target[len("self.") :])
    # `self.<name>` already set in __init__ (to the parameter or to something else: the lifted shape reads
    # whatever torch's code put there) needs nothing more
    rebound = rebound_locals(cls)
    missing = [
        statement_fragment(f"self.{name} = {name.removeprefix(INIT_ARGUMENT)}")
        for name in sorted(stored - assigned - cls.self_attrs)
        if name not in rebound
    ]
    for name in sorted(stored & set(rebound)):
        # a local rebound under conditions: kept as the first sub-layer made from it sees it
        init = init.visit(_KeepBefore(name, rebound[name]))  # type: ignore[assignment]
    body = list(init.body.body)
    if missing:
        position = next((i + 1 for i, s in enumerate(body) if is_super_init(s)), 0)  # type: ignore[arg-type]
        body[position:position] = missing
    return init.with_changes(body=init.body.with_changes(body=body))


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        name = class_def.name.value
        if method(class_def, "build") is not None:
            return class_def
        if name == info.main_layer_class:
            cls = info.classes[info.base_model_class]  # type: ignore[index]
            sublayers = cls.sublayers
        elif info.base_model_class and name == ctx.tf_name(info.base_model_class):
            cls = info.classes[info.base_model_class]
            sublayers = {info.base_attr: SubLayer(attr=info.base_attr, kind="custom")}
        else:
            cls = info.classes.get(name[2:]) if name.startswith("TF") else None  # type: ignore[assignment]
            if cls is None or cls.role not in ("layer", "model"):
                return class_def
            if cls.keras_base:
                # keras' own build() re-creates its weights when called again (a layer shared with a
                # parent, as tied embeddings are, is built by both): build once
                guard = statement_fragment(KERAS_BASE_BUILD)
                return class_def.with_changes(body=class_def.body.with_changes(body=[*class_def.body.body, guard]))
            sublayers = cls.sublayers
        shaped: dict[str, cst.BaseExpression] = {}
        function, stored = build_method(cls, sublayers, ctx, shaped)
        if shaped:
            ctx.need("torch_shaped")
        if cls.name in ctx.config_readers and "config" in cls.init_params:
            stored.add("config")  # its methods read self.config (a torch PreTrainedModel had it for free)
        body = []
        for statement in class_def.body.body:
            if (
                isinstance(statement, cst.FunctionDef)
                and statement.name.value == "__init__"
                and name != ctx.tf_name(info.base_model_class or "")
            ):
                statement = _store_params(statement, cls, stored)
                if shaped:
                    statement = statement.visit(_ShapedAtInit(shaped, cls))  # type: ignore[assignment]
            body.append(statement)
        body.append(function)
        return class_def.with_changes(body=class_def.body.with_changes(body=body))

    return map_classes(module, change)
