"""Methods a keras layer made from a PreTrainedModel subclass still calls on itself.

In torch, `BartEncoder(BartPreTrainedModel)` inherits helpers such as `_update_full_mask`; as a keras layer it
no longer can (a layer cannot also be a TFPreTrainedModel), so each helper it calls is copied, converted,
from `TF<X>PreTrainedModel` into the layer class. The MainLayer (the base model's body) is treated alike.
"""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from .classes import find_class, is_docstring, map_classes

RECORDED = "_can_record_outputs"


def _class_attribute(class_def: cst.ClassDef, name: str) -> cst.SimpleStatementLine | None:
    for statement in class_def.body.body:
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(
            statement.body[0], (cst.Assign, cst.AnnAssign)
        ):
            small = statement.body[0]
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                return statement
    return None


def _records_outputs(class_def: cst.ClassDef) -> bool:
    """A method decorated with `@check_model_inputs` (or `@check_model_inputs(...)`)."""
    for statement in class_def.body.body:
        if isinstance(statement, cst.FunctionDef):
            for decorator in statement.decorators:
                target = decorator.decorator
                if dotted(target.func if isinstance(target, cst.Call) else target) == "check_model_inputs":
                    return True
    return False


class _SelfCalls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = dotted(node) or ""
        if name.startswith("self.") and name.count(".") == 1:
            self.names.add(name[len("self.") :])


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    if info.pretrained_class is None:
        return module
    pretrained = find_class(module, ctx.tf_name(info.pretrained_class))
    if pretrained is None:
        return module
    methods = {s.name.value: s for s in pretrained.body.body if isinstance(s, cst.FunctionDef)}
    recorded = _class_attribute(pretrained, RECORDED)
    targets = {ctx.tf_name(c.name) for c in info.classes.values() if c.serializable}
    if info.main_layer_class:
        targets.add(info.main_layer_class)

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        if class_def.name.value not in targets:
            return class_def
        if recorded is not None and _records_outputs(class_def) and _class_attribute(class_def, RECORDED) is None:
            body = list(class_def.body.body)
            position = 1 if body and is_docstring(body[0]) else 0  # type: ignore[arg-type]
            body.insert(position, recorded)
            class_def = class_def.with_changes(body=class_def.body.with_changes(body=body))
        own = {s.name.value for s in class_def.body.body if isinstance(s, cst.FunctionDef)}
        copied: list[cst.FunctionDef] = []
        pending = [class_def]
        while pending:
            visitor = _SelfCalls()
            pending.pop().visit(visitor)
            for name in sorted(visitor.names):
                if name in methods and name not in own:
                    own.add(name)
                    copied.append(methods[name])
                    pending.append(methods[name])  # type: ignore[arg-type]
        if not copied:
            return class_def
        return class_def.with_changes(body=class_def.body.with_changes(body=[*class_def.body.body, *copied]))

    return map_classes(module, change)
