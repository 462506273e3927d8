"""Run the conversion passes: one batched traversal for the node-level passes, then the class-level ones.

Node-level passes are ordinary classes with libcst-style `visit_<Node>` / `leave_<Node>` hooks, one pass per
file. Running each as its own transformer would cost a full traversal apiece (0.3 s on modeling_bert.py);
the runner below dispatches every node once to the hooks of all passes, in pipeline order, the way Fixit
batches lint rules. A `visit_` hook that returns False prunes the subtree for every pass (used for code that
is dropped anyway). A `leave_` hook that returns a node of another type ends that node's chain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import libcst as cst

from .context import ConvertContext
from .nodes import clean
from .todos import STATEMENT_NAMES, Todo, Todos


class NodePass:
    """Base of the passes that run inside the batched traversal."""

    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        self.ctx = ctx
        self.info = ctx.info
        self.cursor = ctx.cursor
        self.todos = todos

    def todo(self, message: str) -> None:
        """Mark the enclosing statement with a note: translated, but check this."""
        self.todos.add(Todo(message))

    def untranslated(self, construct: str, message: str) -> None:
        """Mark the enclosing statement: `construct` has no faithful TF translation. In a forward body the
        statement becomes `raise NotImplementedError` naming it; elsewhere it stays, marked."""
        self.todos.add(Todo(message, construct))

    def expr(self, code: str, **nodes: cst.BaseExpression) -> cst.BaseExpression:
        """TF code this pass writes (`{name}` placeholders for nodes), its imports and helpers scheduled."""
        return self.ctx.expr(code, **nodes)

    def call(self, func: str, *args: cst.Arg | cst.BaseExpression) -> cst.Call:
        """A new call `func(*args)` of TF code (arguments as nodes or `cst.Arg`s), what `func` uses scheduled."""
        return cst.Call(
            func=self.expr(func), args=clean(a if isinstance(a, cst.Arg) else cst.Arg(_grouped(a)) for a in args)
        )


def _grouped(node: cst.BaseExpression) -> cst.BaseExpression:
    """An argument made from an expression: a bare tuple (`x[k] = a, b`'s value) is one argument, in parentheses."""
    if isinstance(node, cst.Tuple) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


class _Batched(cst.CSTTransformer):
    def __init__(self, passes: Sequence[NodePass], ctx: ConvertContext, todos: Todos):
        super().__init__()
        self.ctx = ctx
        self.todos = todos
        self.visits: dict[str, list[Callable]] = defaultdict(list)
        self.leaves: dict[str, list[Callable]] = defaultdict(list)
        for p in passes:
            for attr in dir(type(p)):
                if attr.startswith("visit_"):
                    self.visits[attr[len("visit_") :]].append(getattr(p, attr))
                elif attr.startswith("leave_"):
                    self.leaves[attr[len("leave_") :]].append(getattr(p, attr))

    # libcst's per-field hooks (visit_<Node>_<field>) are not used: skip their dispatch cost
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node).__name__
        cursor = self.ctx.cursor
        if kind == "ClassDef":
            cursor.classes.append(node.name.value)  # type: ignore[attr-defined]
        elif kind == "FunctionDef":
            cursor.functions.append(node.name.value)  # type: ignore[attr-defined]
        elif kind == "Decorator":
            cursor.decorators += 1
        if kind in STATEMENT_NAMES:
            self.todos.push()
        descend = True
        for hook in self.visits.get(kind, ()):
            if hook(node) is False:
                descend = False
        return descend

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Any:  # a node, a sentinel
        kind = type(original).__name__
        parens = getattr(updated, "lpar", None), getattr(updated, "rpar", None)
        for hook in self.leaves.get(kind, ()):
            try:
                updated = hook(original, updated)
            except Exception as error:  # a pass bug leaves this node as it was, marked, instead of crashing
                owner = type(getattr(hook, "__self__", hook)).__name__
                self.todos.add(
                    Todo(f"scaffold internal error in {owner} ({type(error).__name__}: {error}); please report it")
                )
                continue
            if type(updated).__name__ != kind:
                break
        if parens[0] and getattr(updated, "lpar", None) == ():
            # a pass replaced a parenthesised expression: the parentheses (and the line breaks they allow) stay
            updated = updated.with_changes(lpar=parens[0], rpar=parens[1])
        if kind in STATEMENT_NAMES:
            functions = self.ctx.cursor.functions
            raises = bool(functions) and functions[0] not in ("__init__", "build") and kind == "SimpleStatementLine"
            updated = self.todos.pop_into(original, updated, raises)
        cursor = self.ctx.cursor
        if kind == "ClassDef":
            cursor.classes.pop()
        elif kind == "FunctionDef":
            cursor.functions.pop()
        elif kind == "Decorator":
            cursor.decorators -= 1
        return updated


def run_node_passes(
    module: cst.Module, pass_types: Sequence[type[NodePass]], ctx: ConvertContext, todos: Todos
) -> cst.Module:
    passes = [pass_type(ctx, todos) for pass_type in pass_types]
    return module.visit(_Batched(passes, ctx, todos))
