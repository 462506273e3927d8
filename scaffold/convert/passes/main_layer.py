"""Split the base model in two, as every TF port does.

`TF<X>MainLayer(keras.layers.Layer)` takes the base model's body (its `__init__` and `call`, and every other
method); `TF<X>Model(TF<X>PreTrainedModel)` only creates `self.<base_model_prefix> = TF<X>MainLayer(...)`
and delegates `call` to it. Heads already hold the MainLayer (the layer pass swapped their constructor).
"""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from .classes import find_class, replace_class

TEMPLATE_INIT = """
def __init__(self, {params}*inputs, **kwargs):
    super().__init__(config, *inputs, **kwargs)
    self.{prefix} = {main_layer}({args}name="{prefix}")
"""


def _init_signature(init: cst.FunctionDef) -> tuple[str, str]:
    """(extra parameters with defaults, the matching keyword arguments) of the base model's __init__."""
    params, args = [], []
    for p in init.params.params:
        name = p.name.value
        if name in ("self",):
            continue
        code = cst.Module([]).code_for_node(p).rstrip(", ")
        params.append(code + ", ")
        args.append(f"{name}, " if name == "config" else f"{name}={name}, ")
    return "".join(params), "".join(args)


def _main_layer_init(init: cst.FunctionDef) -> cst.FunctionDef:
    """The base model's __init__, as a keras layer's: `super().__init__(**kwargs)`, `self.config = config`."""
    params = init.params.with_changes(star_arg=cst.MaybeSentinel.DEFAULT)
    body = []
    has_config = False
    for statement in init.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            small = statement.body[0]
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                func = small.value.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call) and dotted(func.value.func) == "super":
                    statement = statement.with_changes(body=[cst.parse_statement("super().__init__(**kwargs)").body[0]])
                    body.append(statement)
                    continue
            if isinstance(small, cst.Assign) and dotted(small.targets[0].target) == "self.config":
                has_config = True
        body.append(statement)
    if not has_config:
        position = next((i + 1 for i, s in enumerate(body) if "super().__init__" in cst.Module([]).code_for_node(s)), 0)
        body.insert(position, cst.parse_statement("self.config = config"))
    return init.with_changes(params=params, body=init.body.with_changes(body=body))


def _delegating_call(call: cst.FunctionDef, prefix: str) -> cst.FunctionDef:
    params = call.params
    keywords = [
        f"{p.name.value}={p.name.value}"
        for p in (*params.params, *params.kwonly_params)
        if p.name.value != "self"
    ]
    if isinstance(params.star_kwarg, cst.Param):
        keywords.append(f"**{params.star_kwarg.name.value}")
    body = cst.parse_module(f"outputs = self.{prefix}({', '.join(keywords)})\nreturn outputs\n").body
    return call.with_changes(body=cst.IndentedBlock(body=body), decorators=[])


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    if info.base_model_class is None or info.main_layer_class is None:
        return module
    model = find_class(module, ctx.tf_name(info.base_model_class))
    if model is None:
        return module
    prefix = info.base_model_prefix or info.model_name
    init = next((s for s in model.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
    call = next((s for s in model.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "call"), None)
    if init is None or call is None:
        return module

    ctx.imports.need_helper("keras")
    main_body = [
        _main_layer_init(s) if s is init else s
        for s in model.body.body
        if not isinstance(s, cst.SimpleStatementLine) or not _is_docstring(s)
    ]
    main_layer = cst.ClassDef(
        name=cst.Name(info.main_layer_class),
        bases=[cst.Arg(cst.parse_expression("keras.layers.Layer"))],
        body=cst.IndentedBlock(body=main_body),
    )
    params, args = _init_signature(init)
    wrapper_init = cst.parse_statement(
        TEMPLATE_INIT.format(params=params, prefix=prefix, main_layer=info.main_layer_class, args=args)
    )
    docstring = [s for s in model.body.body if isinstance(s, cst.SimpleStatementLine) and _is_docstring(s)]
    wrapper = model.with_changes(body=model.body.with_changes(body=[*docstring, wrapper_init, _delegating_call(call, prefix)]))
    return replace_class(module, model.name.value, [main_layer, wrapper])


def _is_docstring(statement: cst.SimpleStatementLine) -> bool:
    small = statement.body[0]
    return isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
