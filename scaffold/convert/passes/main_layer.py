"""Split the base model in two, as every TF port does.

`TF<X>MainLayer(keras.layers.Layer)` takes the base model's body (its `__init__` and `call`, and every other
method); `TF<X>Model(TF<X>PreTrainedModel)` only creates `self.<base_model_prefix> = TF<X>MainLayer(...)`
and delegates `call` to it. Heads already hold the MainLayer (the layer pass swapped their constructor).
"""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from ..nodes import statement_fragment
from .classes import find_class, is_docstring, is_super_init, replace_class
from .decorators import with_output_flags


def _main_layer_init(init: cst.FunctionDef) -> cst.FunctionDef:
    """The base model's __init__, as a keras layer's: `super().__init__(**kwargs)`, `self.config = config`."""
    params = init.params.with_changes(star_arg=cst.MaybeSentinel.DEFAULT)
    body: list[cst.BaseStatement] = []
    has_config = False
    for statement in init.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            small = statement.body[0]
            if isinstance(small, cst.Assign) and dotted(small.targets[0].target) == "self.config":
                has_config = True
                break
            if not is_super_init(statement) and "self.config" in cst.Module([]).code_for_node(statement):
                break  # big_bird reads self.config (PreTrainedModel set it) before assigning it again: set it first
    for statement in init.body.body:
        if is_super_init(statement):  # type: ignore[arg-type]
            statement = statement_fragment("super().__init__(**kwargs)").with_changes(
                leading_lines=statement.leading_lines  # type: ignore[union-attr]
            )
        body.append(statement)  # type: ignore[arg-type]
    if not has_config:
        position = next((i + 1 for i, s in enumerate(body) if is_super_init(s)), 0)
        body.insert(position, statement_fragment("self.config = config"))
    return init.with_changes(params=params, body=init.body.with_changes(body=body))


def _wrapper_init(init: cst.FunctionDef, attr: str, scope: str, main_layer: str) -> cst.FunctionDef:
    """`__init__(self, config, <the base model's other parameters>, *inputs, **kwargs)` creating the MainLayer."""
    params = init.params
    own = [p for p in (*params.params, *params.kwonly_params) if p.name.value not in ("self", "config")]
    arguments = ", ".join(["config", *(f"{p.name.value}={p.name.value}" for p in own), f'name="{scope}"'])
    template = statement_fragment(
        "def __init__(self, config, *inputs, **kwargs):\n"
        "    super().__init__(config, *inputs, **kwargs)\n"
        f"    self.{attr} = {main_layer}({arguments})\n"
    )
    assert isinstance(template, cst.FunctionDef)
    positional = [p for p in params.params if p.name.value != "self"]
    if not any(p.name.value == "config" for p in positional):
        positional.insert(0, cst.Param(cst.Name("config")))
    signature = template.params.with_changes(
        params=[template.params.params[0], *[p.with_changes(comma=cst.MaybeSentinel.DEFAULT) for p in positional]],
        kwonly_params=[p.with_changes(comma=cst.MaybeSentinel.DEFAULT) for p in params.kwonly_params],
    )
    return template.with_changes(params=signature)


def _delegating_call(call: cst.FunctionDef, attr: str) -> cst.FunctionDef:
    params = call.params
    keywords = [
        f"{p.name.value}={p.name.value}" for p in (*params.params, *params.kwonly_params) if p.name.value != "self"
    ]
    if isinstance(params.star_arg, cst.Param):
        keywords.insert(0, f"*{params.star_arg.name.value}")
    if isinstance(params.star_kwarg, cst.Param):
        keywords.append(f"**{params.star_kwarg.name.value}")
    body = cst.parse_module(f"outputs = self.{attr}({', '.join(keywords)})\nreturn outputs\n").body
    return call.with_changes(body=cst.IndentedBlock(body=body), decorators=[])


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    if info.base_model_class is None or info.main_layer_class is None:
        return module
    model = find_class(module, ctx.tf_name(info.base_model_class))
    if model is None:
        return module
    init = next((s for s in model.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
    call = next((s for s in model.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "call"), None)
    if init is None or call is None:
        return module

    call_with_flags = with_output_flags(call)  # both halves take the flags unpack_inputs reads, and pass them on
    main_body = [
        _main_layer_init(s) if s is init else call_with_flags if s is call else s
        for s in model.body.body
        if not is_docstring(s)  # type: ignore[arg-type]
    ]
    main_layer = cst.ClassDef(
        name=cst.Name(info.main_layer_class),
        bases=[cst.Arg(ctx.expr("keras.layers.Layer"))],
        body=cst.IndentedBlock(body=main_body),  # type: ignore[arg-type]
    )
    wrapper_init = _wrapper_init(init, info.base_attr, info.base_scope, info.main_layer_class)
    docstring = [s for s in model.body.body if is_docstring(s)]  # type: ignore[arg-type]
    body = [*docstring, wrapper_init, _delegating_call(call_with_flags, info.base_attr)]
    wrapper = model.with_changes(body=model.body.with_changes(body=body))
    return replace_class(module, model.name.value, [main_layer, wrapper])
