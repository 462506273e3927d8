"""`@keras_serializable` (+ `config_class`) on the MainLayer and on model stacks used as layers;
`@unpack_inputs` on `call` of the MainLayer and of every model class (porting checklist items 3 and 4)."""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..names import dotted, names_in
from ..nodes import fragment, statement_fragment
from .classes import map_classes, with_decorator


def assigns_class_attribute(statement: cst.BaseStatement | cst.BaseSmallStatement, name: str) -> bool:
    """`name = ...` as a statement of a class body."""
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets)
        for small in statement.body
    )


def has_class_attribute(class_def: cst.ClassDef, name: str) -> bool:
    return any(assigns_class_attribute(s, name) for s in class_def.body.body)


def with_class_attribute(class_def: cst.ClassDef, name: str, value: str) -> cst.ClassDef:
    if has_class_attribute(class_def, name):
        return class_def
    body = list(class_def.body.body)
    first = body[0] if body else None
    position = (
        1
        if (
            isinstance(first, cst.SimpleStatementLine)
            and isinstance(first.body[0], cst.Expr)
            and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
        )
        else 0
    )
    body.insert(position, statement_fragment(f"{name} = {value}"))
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


OUTPUT_FLAGS = ("output_hidden_states", "return_dict")
# twins of transformers' decorators that read the call's flags themselves: they wrap `@unpack_inputs`, whose
# wrapper maps positional arguments by the code of the function it decorates
OUTER_DECORATORS = ("check_model_inputs", "can_return_tuple")


def decorator_names(function: cst.FunctionDef) -> list[str]:
    names = []
    for decorator in function.decorators:
        target = decorator.decorator
        names.append(dotted(target.func if isinstance(target, cst.Call) else target) or "")
    return names


def _takes_strings(function: cst.FunctionDef) -> bool:
    """A parameter annotated with `str` (`vision_feature_select_strategy: Optional[str]`)."""
    params = function.params
    return any(
        p.annotation is not None and "str" in names_in(p.annotation.annotation)
        for p in (*params.params, *params.kwonly_params)
    )


def with_unpack_inputs(function: cst.FunctionDef, ctx: ConvertContext | None = None) -> cst.FunctionDef:
    """`@unpack_inputs` on `call`, below the twins of transformers' outer decorators; its twin letting str
    arguments through where the call takes some (transformers' refuses them)."""
    names = decorator_names(function)
    if "unpack_inputs" in names or "unpack_inputs_with_strings" in names:
        return function
    decorator = "unpack_inputs"
    if ctx is not None and _takes_strings(function):
        decorator = "unpack_inputs_with_strings"
        ctx.need(decorator)
    position = max((i + 1 for i, n in enumerate(names) if n in OUTER_DECORATORS), default=0)
    decorators = list(function.decorators)
    decorators.insert(position, cst.Decorator(cst.Name(decorator)))
    return function.with_changes(decorators=decorators)


def params_before_training(call: cst.FunctionDef, new: list[cst.Param]) -> cst.FunctionDef:
    """`call` with `new` parameters inserted before `training` (or last), keyword-only after a `*args`."""
    params = call.params
    slot = "kwonly_params" if isinstance(params.star_arg, cst.Param) else "params"
    existing = list(getattr(params, slot))
    position = next((i for i, p in enumerate(existing) if p.name.value == "training"), len(existing))
    existing[position:position] = new
    return call.with_changes(params=params.with_changes(**{slot: existing}))


def with_output_flags(call: cst.FunctionDef, head: bool = False) -> cst.FunctionDef:
    """unpack_inputs reads `output_hidden_states` and `return_dict` from the signature: newer torch models take
    them through `**kwargs`, so the TF `call` declares them (before `training`); a call recording outputs
    (`@check_model_inputs`) or a head's taking `**kwargs` (which unpack_inputs drops; the model_api pass puts the
    flags back into them) declares `output_attentions` too."""
    params = call.params
    present = {p.name.value for p in (*params.params, *params.kwonly_params)}
    flags = OUTPUT_FLAGS
    if "check_model_inputs" in decorator_names(call) or (head and isinstance(params.star_kwarg, cst.Param)):
        flags = ("output_attentions", *flags)  # type: ignore[assignment]
    missing = [
        cst.Param(
            cst.Name(flag),
            annotation=cst.Annotation(fragment("Optional[bool]")),
            default=cst.Name("None"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(" "), cst.SimpleWhitespace(" ")),
        )
        for flag in flags
        if flag not in present
    ]
    if not missing:
        return call
    return params_before_training(call, missing)


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    serializable = {info.main_layer_class} | {ctx.tf_name(c.name) for c in info.classes.values() if c.serializable}
    models = {ctx.tf_name(c.name) for c in info.classes.values() if c.role == "model"}
    unpack = models | {info.main_layer_class}

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        name = class_def.name.value
        if name in serializable and info.config_class:
            ctx.need("keras_serializable")
            class_def = with_class_attribute(class_def, "config_class", info.config_class)
            class_def = with_decorator(class_def, "keras_serializable")  # type: ignore[assignment]
        if name in unpack:
            body = []
            for statement in class_def.body.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == "call":
                    ctx.need("unpack_inputs", "Optional")
                    head = name in models and name != ctx.tf_name(info.base_model_class or "")
                    statement = with_unpack_inputs(with_output_flags(statement, head), ctx)
                body.append(statement)
            class_def = class_def.with_changes(body=class_def.body.with_changes(body=body))
        return class_def

    return map_classes(module, change)
