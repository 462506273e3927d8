"""Checklist items 7 and 8, statically: the TF module imports, and has no undefined names. Pure.

Item 7 resolves every `from transformers...` / relative import of the file against the checkout's own sources
(through `lookup(dotted module) -> source | None`, which reads `<module>.py` or `<module>/__init__.py`): the
module exists and defines, imports or lazily exports each imported name. Third-party imports (tensorflow,
numpy) are not judged: they are whatever the environment has, and `check` never imports them. Undefined names
(ruff's F821, found by the caller) in code that runs on import (module level, class bodies, decorators, default
values) are import failures too; the rest, inside function bodies, are item 8.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .checklist import Finding, Item

Lookup = Callable[[str], "str | None"]  # `a.b` -> the text of a/b.py or a/b/__init__.py; `a.b.__init__` -> the latter


def _handles_import_errors(node: ast.Try) -> bool:
    for handler in node.handlers:
        caught = ast.unparse(handler.type) if handler.type is not None else "Exception"
        if any(name in caught for name in ("ImportError", "ModuleNotFoundError", "Exception")):
            return True
    return False


def _imports(body: list[ast.stmt], guarded: bool = False):
    """(import statement, whether a `try` around it handles ImportError), through statements only (imports are
    statements: no need to walk expressions)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, guarded
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if not isinstance(inner, list):
                continue
            inside = guarded or (field == "body" and isinstance(node, ast.Try) and _handles_import_errors(node))
            for child in inner:
                yield from _imports(child.body if isinstance(child, ast.ExceptHandler) else [child], inside)


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join(base + ([module] if module else []))


class ModuleIndex:
    """The names transformers modules define or export, parsed once each."""

    def __init__(self, lookup: Lookup):
        self.lookup = lookup
        self._names: dict[str, tuple[set[str], bool] | None] = {}

    def exists(self, dotted: str) -> bool:
        return self.lookup(dotted) is not None

    def names(self, dotted: str, seen: frozenset = frozenset()) -> tuple[set[str], bool] | None:
        """(names the module provides, whether it provides any name lazily); None when there is no such module."""
        if dotted in self._names:
            return self._names[dotted]
        source = self.lookup(dotted)
        if source is None or dotted in seen:
            return None
        try:
            tree = ast.parse(source)
        except SyntaxError:
            self._names[dotted] = (set(), True)  # another file's problem: do not report names from it
            return self._names[dotted]
        names: set[str] = set()
        # a lazy module (_LazyModule, define_import_structure) or a module-level __getattr__ provides names on demand
        lazy = "_LazyModule" in source or any(
            isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body
        )
        is_package = self.lookup(dotted + ".__init__") is not None
        package = dotted if is_package else dotted.rpartition(".")[0]
        for node in _module_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, ast.Import):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name != "*":
                        names.add(alias.asname or alias.name)
                        continue
                    star = self.names(_absolute(node.module, node.level, package), seen | {dotted})
                    if star is not None:
                        names |= star[0]
                        lazy = lazy or star[1]
        if lazy:  # the strings of _import_structure name what the lazy module exports
            names.update(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        self._names[dotted] = (names, lazy)
        return self._names[dotted]


def _module_level(body: list[ast.stmt]):
    """The statements that run at import: module level, through if/try/with blocks (not into defs or classes)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or not inner:
                continue
            for child in inner:
                if isinstance(child, ast.ExceptHandler):
                    yield from _module_level(child.body)
                else:
                    yield from _module_level([child])


def import_time_lines(tree: ast.Module) -> Callable[[int], bool]:
    """line -> whether code on that line runs when the module is imported (not inside a function body)."""
    bodies = [
        (node.body[0].lineno, node.end_lineno or node.body[-1].lineno)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return lambda line: not any(start <= line <= end for start, end in bodies)


def check_imports(tree: ast.Module, module_name: str, lookup: Lookup, undefined: list[tuple[int, str]] | None) -> Item:
    """Item 7. `module_name`: the file's dotted name (`transformers.models.llama.modeling_tf_llama`)."""
    item = Item(7, "the module imports: its transformers imports resolve, no undefined name runs on import")
    index = ModuleIndex(lookup)
    package = module_name.rpartition(".")[0]
    for node, guarded in _imports(tree.body):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node.module, node.level, package)
            if target.split(".")[0] != "transformers" or guarded:
                continue
            item.checked += 1
            shown = "." * node.level + (node.module or "")
            provided = index.names(target)
            if provided is None:
                item.findings.append(Finding(node.lineno, f"`from {shown} import ...`: no module {target}"))
                continue
            names, _ = provided
            for alias in node.names:
                if alias.name == "*" or alias.name in names or index.exists(f"{target}.{alias.name}"):
                    continue
                item.findings.append(
                    Finding(node.lineno, f"`from {shown} import {alias.name}`: {target} has no {alias.name}")
                )
        else:
            for alias in node.names:
                if alias.name.split(".")[0] != "transformers" or guarded:
                    continue
                item.checked += 1
                if not index.exists(alias.name):
                    item.findings.append(Finding(node.lineno, f"`import {alias.name}`: no such module"))
    if undefined:
        runs_on_import = import_time_lines(tree)
        for line, name in undefined:
            if runs_on_import(line):
                item.findings.append(Finding(line, f"undefined name `{name}` at import time (NameError)"))
    return item


def check_undefined_names(tree: ast.Module, undefined: list[tuple[int, str]] | None) -> Item:
    """Item 8: undefined names inside function bodies (ruff F821): a NameError when that code runs."""
    item = Item(8, "no undefined names (ruff F821)")
    if undefined is None:
        item.note = "ruff could not run"
        return item
    item.checked = 1
    runs_on_import = import_time_lines(tree)
    for line, name in undefined:
        if not runs_on_import(line):
            item.findings.append(Finding(line, f"undefined name `{name}`"))
    return item
