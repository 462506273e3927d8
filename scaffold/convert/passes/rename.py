"""`TF` prefix on every class the file defines, and on every reference to one.

Attribute names (`x.BertLayer`) and keyword names are not references and keep their spelling.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import layer_class
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
        owner = layer_class(self.info, original.value, cls) if self._any_renamed else None
        if owner is not None and not isinstance(owner, list):
            new = owner.renamed.get(original.attr.value)
            if new is not None:
                return updated.with_changes(attr=cst.Name(new))
        return updated

    @property
    def _any_renamed(self) -> bool:
        return any(c.renamed for c in self.info.classes.values())

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
