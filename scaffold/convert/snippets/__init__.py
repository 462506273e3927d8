"""Runtime helpers a converted file may need, copied from the `tf_*.py` files here (read as text, never
imported by scaffold): `tf_helpers.py` (masks, indexing, layers, output recording), `tf_losses.py` (torch's
losses), `tf_cache.py` (key/value caches), `tf_model_api.py` (embedding
accessors, resizing, inputs). A name is defined in one of them only.

`Snippets.needed(names)` returns the definitions for `names` and every helper they use, in file order, and
the names each one imports (scheduled through the ImportPlan, never pasted as text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import libcst as cst

from ..names import ImportTable, names_in

FOLDER = Path(__file__).parent
# tf_helpers first: helpers are copied in the order of their files, then of their definitions
SOURCES = (FOLDER / "tf_helpers.py", FOLDER / "tf_losses.py", FOLDER / "tf_cache.py", FOLDER / "tf_model_api.py")


def _defined_name(statement: cst.BaseStatement) -> str | None:
    """The name a top-level def, class or `NAME = ...` defines."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
        target = statement.body[0].targets[0].target
        if isinstance(target, cst.Name):
            return target.value
    return None


class Snippets:
    def __init__(self, *sources: str):
        modules = [cst.parse_module(source) for source in sources]
        self.imports = ImportTable(cst.Module(body=[s for m in modules for s in m.body]))
        self.order: list[str] = []
        self.nodes: dict[str, cst.BaseStatement] = {}
        self.uses: dict[str, set[str]] = {}
        for statement in (s for m in modules for s in m.body):
            name = _defined_name(statement)
            if name is not None:
                if name in self.nodes:
                    raise ValueError(f"snippet {name} is defined twice")
                self.order.append(name)
                self.nodes[name] = statement
                self.uses[name] = set(names_in(statement)) - {name}

    def __contains__(self, name: str) -> bool:
        return name in self.nodes

    def closure(self, names: Iterable[str]) -> list[str]:
        todo, seen = list(names), set[str]()
        while todo:
            name = todo.pop()
            if name in seen or name not in self.nodes:
                continue
            seen.add(name)
            todo.extend(self.uses[name] & set(self.nodes))
        return [n for n in self.order if n in seen]

    def imported_names(self, names: Sequence[str]) -> dict[str, str]:
        """local name -> qualified origin, for the imports the given helpers use."""
        used: set[str] = set().union(*(self.uses[n] for n in names)) if names else set()
        return {local: origin for local, origin in self.imports.origins.items() if local in used}


@lru_cache(maxsize=1)
def snippets() -> Snippets:
    return Snippets(*(source.read_text() for source in SOURCES))
