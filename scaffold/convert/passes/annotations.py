"""Type annotations: torch tensor types -> `tf.Tensor`, Cache types -> `tuple`; an annotation naming another
torch-only type (one the TF file cannot import) is dropped. An annotated assignment inside a function
(`inputs_embeds: torch.Tensor = ...`) becomes a plain one: autograph refuses a function whose converted control
flow assigns an annotated name ("annotated name can't be nonlocal"), so tf.function and XLA could not run it."""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..pipeline import NodePass
from ..todos import Todos
from ..translate.dtypes import is_tensor_type


class AnnotationsPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._torch_only = self.info.torch_only_names

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
        return updated.with_changes(annotation=self._retype(updated.annotation))

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign | cst.Assign:
        if updated.value is None or not self.cursor.functions:
            return updated
        return cst.Assign(targets=[cst.AssignTarget(updated.target)], value=updated.value)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        if self._torch_only_annotation(updated.annotation):
            return updated.with_changes(annotation=None)
        return updated

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if self._torch_only_annotation(updated.returns):
            return updated.with_changes(returns=None)
        return updated

    def _torch_only_annotation(self, annotation: cst.Annotation | None) -> bool:
        return annotation is not None and bool(_names(annotation.annotation) & self._torch_only)

    def _retype(self, node: cst.BaseExpression) -> cst.BaseExpression:
        qualified = self.info.imports.resolve(node)
        if qualified and qualified.startswith("transformers.cache_utils."):
            return self.expr("tuple")  # TF ports pass past key/values as tuples of tensors
        if is_tensor_type(qualified):
            return self.expr("tf.Tensor")
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
        if isinstance(node, cst.SimpleString) and node.evaluated_value in self.info.classes:
            # `module: "XAttention"` (a forward reference): the TF class of the file
            quote = node.value[0]
            return cst.SimpleString(f"{quote}{self.ctx.tf_name(str(node.evaluated_value))}{quote}")
        return node


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


def _names(node: cst.CSTNode) -> set[str]:
    """The names an annotation refers to (the heads of dotted names)."""
    collector = _NameCollector()
    node.visit(collector)
    return collector.names
