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

import libcst as cst

from .context import ConvertContext

TODO_MARK = "TODO(scaffold)"
_EMPTY = cst.Module(body=[])
_STATEMENTS = (
    cst.SimpleStatementLine,
    cst.If,
    cst.For,
    cst.While,
    cst.With,
    cst.Try,
    cst.FunctionDef,
    cst.ClassDef,
)
# isinstance() against libcst's abstract node classes is slow; the runner dispatches on type names
_STATEMENT_NAMES = frozenset(t.__name__ for t in _STATEMENTS)


def one_line(text: str, limit: int = 160) -> str:
    """Text for a `#` comment: one line (code in a message may span several), cut to `limit`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def todo_comment(message: str) -> cst.EmptyLine:
    return cst.EmptyLine(comment=cst.Comment(f"# {TODO_MARK}: {one_line(message)}"))


class Todos:
    """TODOs raised while a statement is being converted, attached to that statement as comments.

    A TODO about a construct with no TF translation (`blocking`) also turns the statement, inside a forward
    body, into `raise NotImplementedError(...)` naming the construct: a port that cannot compute a value says
    so when it gets there, never computes something else.
    """

    def __init__(self) -> None:
        self._stack: list[list[tuple[str, str | None]]] = []

    def push(self) -> None:
        self._stack.append([])

    def add(self, message: str, blocking: str | None = None) -> None:
        if self._stack and all(message != m for m, _ in self._stack[-1]):
            self._stack[-1].append((message, blocking))

    def pop_into(self, original: cst.CSTNode, updated: cst.CSTNode, raises: bool = False) -> cst.CSTNode:
        entries = self._stack.pop()
        if not entries or type(updated).__name__ not in _STATEMENT_NAMES:
            if entries and self._stack:  # an expression-level TODO under a non-statement: the parent takes it
                self._stack[-1].extend(entries)
            return updated
        lines = [todo_comment(m) for m, _ in entries]
        lines += [cst.EmptyLine(comment=cst.Comment(f"#   PyTorch: {line}")) for line in _source_lines(original)]
        blocking = [b for _, b in entries if b]
        if raises and blocking and isinstance(updated, cst.SimpleStatementLine):
            message = one_line(f"scaffold: no TF translation for {', '.join(blocking)} (see the TODO above)", 110)
            return cst.SimpleStatementLine(
                body=[
                    cst.Raise(
                        exc=cst.Call(
                            cst.Name("NotImplementedError"),
                            [cst.Arg(cst.SimpleString('"' + message.replace('"', "'").replace("\\", "") + '"'))],
                        )
                    )
                ],
                leading_lines=[*updated.leading_lines, *lines],
            )
        return updated.with_changes(leading_lines=[*updated.leading_lines, *lines])


def _source_lines(node: cst.CSTNode, limit: int = 4) -> list[str]:
    if isinstance(node, cst.SimpleStatementLine):
        node = node.with_changes(leading_lines=[])
        lines = [line.strip() for line in _EMPTY.code_for_node(node).strip().splitlines()]
    else:
        header = node.with_changes(leading_lines=[]) if hasattr(node, "leading_lines") else node
        if hasattr(header, "decorators"):
            header = header.with_changes(decorators=[])
        lines = [_EMPTY.code_for_node(header).strip().splitlines()[0]]
    lines = [line for line in lines if line]
    return lines[:limit] + (["..."] if len(lines) > limit else [])


class NodePass:
    """Base of the passes that run inside the batched traversal."""

    def __init__(self, ctx: ConvertContext, todos: Todos):
        self.ctx = ctx
        self.info = ctx.info
        self.cursor = ctx.cursor
        self.todos = todos

    def todo(self, message: str) -> None:
        """Mark the enclosing statement with a note: translated, but check this."""
        self.todos.add(message)

    def untranslated(self, construct: str, message: str) -> None:
        """Mark the enclosing statement: `construct` has no faithful TF translation. In a forward body the
        statement becomes `raise NotImplementedError` naming it; elsewhere it stays, marked."""
        self.todos.add(message, blocking=construct)


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
            cursor.classes.append(node.name.value)
        elif kind == "FunctionDef":
            cursor.functions.append(node.name.value)
        if kind in _STATEMENT_NAMES:
            self.todos.push()
        descend = True
        for hook in self.visits.get(kind, ()):
            if hook(node) is False:
                descend = False
        return descend

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        kind = type(original).__name__
        parens = getattr(updated, "lpar", None), getattr(updated, "rpar", None)
        for hook in self.leaves.get(kind, ()):
            try:
                updated = hook(original, updated)
            except Exception as error:  # a pass bug leaves this node as it was, marked, instead of crashing
                owner = type(hook.__self__).__name__
                self.todos.add(
                    f"scaffold internal error in {owner} ({type(error).__name__}: {error}); please report it"
                )
                continue
            if type(updated).__name__ != kind:
                break
        if parens[0] and getattr(updated, "lpar", None) == ():
            # a pass replaced a parenthesised expression: the parentheses (and the line breaks they allow) stay
            updated = updated.with_changes(lpar=parens[0], rpar=parens[1])
        if kind in _STATEMENT_NAMES:
            functions = self.ctx.cursor.functions
            raises = bool(functions) and functions[0] not in ("__init__", "build") and kind == "SimpleStatementLine"
            updated = self.todos.pop_into(original, updated, raises)
        cursor = self.ctx.cursor
        if kind == "ClassDef":
            cursor.classes.pop()
        elif kind == "FunctionDef":
            cursor.functions.pop()
        return updated


def run_node_passes(
    module: cst.Module, pass_types: Sequence[type[NodePass]], ctx: ConvertContext, todos: Todos
) -> cst.Module:
    passes = [pass_type(ctx, todos) for pass_type in pass_types]
    return module.visit(_Batched(passes, ctx, todos))
