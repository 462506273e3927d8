"""What a pass could not do faithfully: one record type (`Todo`), produced through one API, rendered in one place.

Node passes produce TODOs with `NodePass.todo(message)` (translated, but check this) and
`NodePass.untranslated(construct, message)` (no faithful TF translation: the statement raises in a forward
body); a class-level pass writes them with `comments(messages)`. Either way the code gets the same marker,
`# TODO(scaffold): <message>` (`marker`), and `find_todos` reads the markers back from the converted code: the
CLI, `scaffold port`, the benchmarks and the tests count TODOs with that one function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst

TODO_MARK = "TODO(scaffold)"
_MARKER = re.compile(rf"#\s*{re.escape(TODO_MARK)}:\s*(.*)")
_EMPTY = cst.Module(body=[])
# the statements a TODO is attached to (as comments above them)
STATEMENTS = (
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
STATEMENT_NAMES = frozenset(t.__name__ for t in STATEMENTS)


@dataclass(frozen=True)
class Todo:
    """One TODO: what and why (`message`), the construct without a TF translation when it blocks the statement
    (`construct`), and where its marker is in the converted code (`line`, 1-based; None until the code exists)."""

    message: str
    construct: str | None = None
    line: int | None = None


def one_line(text: str, limit: int = 160) -> str:
    """Text for a `#` comment: one line (code in a message may span several), cut to `limit`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def marker(message: str) -> str:
    """The comment a TODO is written as: the one rendering of a TODO."""
    return f"# {TODO_MARK}: {one_line(message)}"


def comments(messages: Iterable[str]) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(comment=cst.Comment(marker(m))) for m in messages]


def find_todos(code: str) -> tuple[Todo, ...]:
    """The TODOs of converted code, with their lines (a marker read back carries no construct)."""
    return tuple(
        Todo(match.group(1).strip(), line=number)
        for number, line in enumerate(code.splitlines(), start=1)
        if (match := _MARKER.search(line))
    )


class Todos:
    """TODOs raised while a statement is being converted, attached to that statement as comments.

    A TODO about a construct with no TF translation (`construct`) also turns the statement, inside a forward
    body, into `raise NotImplementedError(...)` naming the construct: a port that cannot compute a value says
    so when it gets there, never computes something else. `produced` keeps every TODO in the order the passes
    raised it (the pass tests compare it).
    """

    def __init__(self) -> None:
        self._stack: list[list[Todo]] = []
        self.produced: list[Todo] = []

    def push(self) -> None:
        self._stack.append([])

    def add(self, todo: Todo) -> None:
        if self._stack and all(todo.message != t.message for t in self._stack[-1]):
            self._stack[-1].append(todo)
            self.produced.append(todo)

    def pop_into(self, original: cst.CSTNode, updated: cst.CSTNode, raises: bool = False) -> cst.CSTNode:
        entries = self._stack.pop()
        if not entries or type(updated).__name__ not in STATEMENT_NAMES:
            if entries and self._stack:  # an expression-level TODO under a non-statement: the parent takes it
                self._stack[-1].extend(entries)
            return updated
        lines = comments(t.message for t in entries)
        lines += [cst.EmptyLine(comment=cst.Comment(f"#   PyTorch: {line}")) for line in _source_lines(original)]
        blocking = [t.construct for t in entries if t.construct]
        leading: Sequence[cst.EmptyLine] = getattr(updated, "leading_lines", ())
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
                leading_lines=[*leading, *lines],
            )
        return updated.with_changes(leading_lines=[*leading, *lines])


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
