"""`TF` prefix on every class the file defines, and on every reference to one.

Attribute names (`x.BertLayer`) and keyword names are not references and keep their spelling.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import ClassInfo
from ..names import dotted
from ..pipeline import NodePass


class RenamePass(NodePass):
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value in self.info.classes:
            return updated.with_changes(value=self.ctx.tf_name(original.value))
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if updated.attr.value != original.attr.value:
            updated = updated.with_changes(attr=original.attr)
        # `self.output` -> `self.bert_output`: keras reserves the name (the weight keeps name="output")
        cls = self.ctx.current_class()
        if cls is not None and cls.renamed and isinstance(original.value, cst.Name) and original.value.value == "self":
            new = cls.renamed.get(original.attr.value)
            if new is not None:
                return updated.with_changes(attr=cst.Name(new))
            return updated
        # `self.encoder.layer[0].output`, `block.attention.output`: another layer's renamed attribute
        owner = self._layer_class(original.value, cls) if self._any_renamed else None
        if owner is not None and not isinstance(owner, list):
            new = owner.renamed.get(original.attr.value)
            if new is not None:
                return updated.with_changes(attr=cst.Name(new))
        return updated

    @property
    def _any_renamed(self) -> bool:
        return any(c.renamed for c in self.info.classes.values())

    def _layer_class(self, node: cst.BaseExpression, cls: ClassInfo | None) -> ClassInfo | list[ClassInfo] | None:
        """The file's layer class `node` holds (a one-element list: a list of layers of that class), followed
        through sub-layers from `self`; a chain from a name torch code does not type (a loop variable: `block`)
        is followed from its last attribute when every class of the file that has a sub-layer of that name
        makes it of one class."""
        if isinstance(node, cst.Name):
            return cls if node.value == "self" else None
        if isinstance(node, cst.Subscript):
            held = self._layer_class(node.value, cls)
            return held[0] if isinstance(held, list) and held else None
        if not isinstance(node, cst.Attribute):
            return None
        owner = self._layer_class(node.value, cls)
        if isinstance(owner, list):
            return None
        attr = node.attr.value
        owners = [owner] if owner is not None else [c for c in self.info.classes.values() if attr in c.sublayers]
        found = [self._held(o, attr) for o in owners]
        if not found or any(h is None for h in found):
            return None
        first = found[0]
        same = all(
            (h[0] is first[0]) if isinstance(h, list) and isinstance(first, list) else h is first for h in found
        )
        return first if same else None

    def _held(self, owner: ClassInfo, attr: str) -> ClassInfo | list[ClassInfo] | None:
        sub = owner.sublayers.get(attr)
        if sub is None:
            return None
        if sub.kind == "custom" and sub.cls in self.info.classes:
            return self.info.classes[sub.cls]
        if sub.kind == "list" and sub.items:
            classes = {item.cls for item in sub.items if item.kind == "custom"}
            if len(classes) == 1 and all(item.kind == "custom" for item in sub.items):
                (name,) = classes
                return [self.info.classes[name]] if name in self.info.classes else None
        return None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        # `hasattr(self, "weights")` asks about the attribute renamed above
        cls = self.ctx.current_class()
        if (
            cls is not None
            and cls.renamed
            and dotted(original.func) in ("hasattr", "getattr", "setattr")
            and len(original.args) >= 2
            and dotted(original.args[0].value) == "self"
            and isinstance(original.args[1].value, cst.SimpleString)
        ):
            new = cls.renamed.get(original.args[1].value.evaluated_value)  # type: ignore[arg-type]
            if new is not None:
                args = list(updated.args)
                args[1] = args[1].with_changes(value=cst.SimpleString(f'"{new}"'))
                return updated.with_changes(args=args)
        return updated

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        if original.keyword is not None and updated.keyword is not original.keyword:
            return updated.with_changes(keyword=original.keyword)
        return updated

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        if updated.name.value != original.name.value:
            return updated.with_changes(name=original.name)
        return updated
