"""Helpers the class-level passes share: find, replace and extend module-level classes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from ..names import dotted


def is_docstring(statement: cst.BaseStatement) -> bool:
    """A statement that is a bare string: a docstring where it comes first."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def find_class(module: cst.Module, name: str) -> cst.ClassDef | None:
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == name:
            return indented(statement)
    return None


def classes(module: cst.Module) -> list[cst.ClassDef]:
    return [s for s in module.body if isinstance(s, cst.ClassDef)]


def replace_class(module: cst.Module, name: str, replacement: Sequence[cst.BaseStatement]) -> cst.Module:
    body: list[cst.BaseStatement] = []
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == name:
            body.extend(replacement)
        else:
            body.append(statement)
    return module.with_changes(body=body)


def indented(class_def: cst.ClassDef) -> cst.ClassDef:
    """`class X(Y): ...` on one line -> an indented body, so that passes can add methods to it."""
    if isinstance(class_def.body, cst.SimpleStatementSuite):
        line = cst.SimpleStatementLine(body=class_def.body.body)
        return class_def.with_changes(body=cst.IndentedBlock(body=[line]))
    return class_def


def map_classes(module: cst.Module, change: Callable[[cst.ClassDef], cst.ClassDef]) -> cst.Module:
    """Apply `change(class_def) -> class_def` to every module-level class."""
    return module.with_changes(body=[change(indented(s)) if isinstance(s, cst.ClassDef) else s for s in module.body])


def method(class_def: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for statement in class_def.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def with_decorator(function: cst.FunctionDef | cst.ClassDef, name: str) -> cst.FunctionDef | cst.ClassDef:
    if any(isinstance(d.decorator, cst.Name) and d.decorator.value == name for d in function.decorators):
        return function
    return function.with_changes(decorators=[cst.Decorator(cst.Name(name)), *function.decorators])


def is_super_init(statement: cst.BaseStatement) -> bool:
    """`super().__init__(...)` as a statement of its own."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    func = small.value.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "__init__"
        and isinstance(func.value, cst.Call)
        and dotted(func.value.func) == "super"
    )
