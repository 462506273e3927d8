"""`training` reaches every Dropout and every sub-layer whose `call` takes it (porting checklist item 1).

Inside a layer's methods: `self.training` -> `training`; calls of sub-layers made by the file's own classes,
of Dropout layers, and of items of layer lists (`for layer in self.layer: layer(...)`) get `training=training`.
A helper method that calls such sub-layers (BERT's `feed_forward_chunk`) takes `training` too.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import ClassInfo, SubLayer
from ..context import ConvertContext
from ..names import dotted
from ..nodes import arg
from ..pipeline import NodePass
from ..todos import Todos
from .modules import add_training_param

TAKES_TRAINING = {"custom", "Dropout"}


def _training_attrs(cls: ClassInfo) -> set[str]:
    attrs = set()
    for attr, sub in cls.sublayers.items():
        if sub.kind in TAKES_TRAINING or (
            sub.kind in ("list", "sequential") and any(i.kind in TAKES_TRAINING for i in sub.items)
        ):
            attrs.add(attr)
    return attrs


class _SelfCalls(cst.CSTVisitor):
    """What a method calls on self (`self.x(...)`), and whether it reads `self.training`."""

    def __init__(self) -> None:
        self.attributes: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        name = dotted(node.func) or ""
        if name.startswith("self.") and name.count(".") == 1:
            self.attributes.add(name[len("self.") :])

    def visit_For(self, node: cst.For) -> None:
        name = dotted(node.iter.args[0].value if isinstance(node.iter, cst.Call) and node.iter.args else node.iter)
        if name and name.startswith("self.") and name.count(".") == 1:
            self.attributes.add(name[len("self.") :])

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if dotted(node) == "self.training":
            self.attributes.add("training")


def training_methods(cls: ClassInfo) -> set[str]:
    """Helper methods (not call/forward/__init__) that need `training` because they reach a training layer."""
    attrs = _training_attrs(cls) | {"training"}
    uses: dict[str, set[str]] = {}
    for statement in cls.node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value not in ("__init__", "forward", "build"):
            visitor = _SelfCalls()
            statement.visit(visitor)
            uses[statement.name.value] = visitor.attributes
    needing = {name for name, used in uses.items() if used & attrs}
    changed = True
    while changed:
        changed = False
        for name, used in uses.items():
            if name not in needing and used & needing:
                needing.add(name)
                changed = True
    return needing


def _has_keyword(call: cst.Call, keyword: str) -> bool:
    return any(a.keyword is not None and a.keyword.value == keyword for a in call.args)


def _add_training(call: cst.Call) -> cst.Call:
    if _has_keyword(call, "training") or any(a.star == "**" for a in call.args):
        return call
    args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in call.args]
    return call.with_changes(args=[*args, arg(cst.Name("training"), "training")])


class TrainingPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._methods: dict[str, set[str]] = {}
        self._layer_vars: list[set[str]] = []

    def _class(self) -> ClassInfo | None:
        cls = self.ctx.current_class()
        if cls is None or cls.role not in ("layer", "model") or not self.cursor.functions:
            return None
        if self.cursor.functions[0] in ("__init__", "build"):
            return None
        return cls

    def _helpers(self, cls: ClassInfo) -> set[str]:
        if cls.name not in self._methods:
            self._methods[cls.name] = training_methods(cls)
        return self._methods[cls.name]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._layer_vars.append(set())

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self._layer_vars.pop()
        cls = self._class()
        if cls is not None and self.cursor.in_method and original.name.value in self._helpers(cls):
            return updated.with_changes(params=add_training_param(updated.params))
        return updated

    def visit_For(self, node: cst.For) -> None:
        cls = self._class()
        if cls is None or not self._layer_vars:
            return
        iterable, target = node.iter, node.target
        if isinstance(iterable, cst.Call) and dotted(iterable.func) == "enumerate" and iterable.args:
            iterable = iterable.args[0].value
            if isinstance(target, cst.Tuple) and len(target.elements) == 2:
                target = target.elements[1].value  # type: ignore[assignment]
        if isinstance(iterable, cst.Subscript):
            iterable = iterable.value
        name = dotted(iterable) or ""
        if name.startswith("self.") and name[5:] in _training_attrs(cls) and isinstance(target, cst.Name):
            self._layer_vars[-1].add(target.value)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if dotted(original) == "self.training" and self._class() is not None:
            return cst.Name("training")
        return updated

    def _first_argument_passed(self, sub: SubLayer | None, call: cst.Call) -> cst.Call:
        """`self.encoder(inputs_embeds=..., ...)` (decision_transformer's GPT-2): keras needs the first argument
        of a layer's `call` passed; torch's forward leaves it at its default None, as the layer's is."""
        owner = self.info.classes.get(sub.cls or "") if sub is not None and sub.kind == "custom" else None
        forward = owner.method("forward") if owner is not None else None
        if forward is None or any(a.keyword is None for a in call.args):
            return call
        params = [p for p in forward.params.params if p.name.value != "self"]
        first = params[0] if params else None
        if first is None or first.default is None or dotted(first.default) != "None":
            return call
        if any(a.keyword is not None and a.keyword.value == first.name.value for a in call.args):
            return call
        return call.with_changes(args=[arg(cst.Name("None"), first.name.value), *call.args])

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        cls = self._class()
        if cls is None:
            return updated
        name = dotted(original.func) or ""
        head, _, rest = name.partition(".")
        sub = cls.sublayers.get(rest) if head == "self" else None
        if sub is not None and sub.kind == "sequential" and len(updated.args) == 1:
            return cst.Call(
                self.expr("call_sequential"),
                [
                    cst.Arg(updated.func, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    updated.args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    arg(cst.Name("training"), "training"),
                ],
            )
        if sub is not None and sub.sub_model and not any(a.keyword is None and not a.star for a in updated.args):
            # a keras Model needs its first `call` argument passed: torch's calls often give inputs_embeds only
            return _add_training(
                updated.with_changes(func=self.expr("call_model"), args=[cst.Arg(updated.func), *updated.args])
            )
        if head == "self" and "." not in rest:
            updated = self._first_argument_passed(sub, updated)
            if rest in _training_attrs(cls) or rest in self._helpers(cls):
                return _add_training(updated)
        elif head and not rest and any(head in scope for scope in self._layer_vars):
            return _add_training(updated)
        return updated
