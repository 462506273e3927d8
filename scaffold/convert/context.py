"""The state every conversion pass shares, passed explicitly: what the analysis found, and where the walk is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from .analysis import ClassInfo, ModuleInfo
from .nodes import template
from .snippets import snippets
from .tables import TF_HELPERS

TF_PREFIX = "TF"
# Standard-library names generated code may use, by module (the transformers ones are tables.TF_HELPERS)
STANDARD_NAMES = {"dataclass": "dataclasses", "Optional": "typing"}


@dataclass
class Cursor:
    """Where the single batched traversal currently is: the enclosing class and function names, and how many
    decorators it is inside."""

    classes: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    decorators: int = 0

    @property
    def class_name(self) -> str | None:
        return self.classes[-1] if self.classes else None

    @property
    def function_name(self) -> str | None:
        return self.functions[-1] if self.functions else None

    @property
    def in_method(self) -> bool:
        """Directly inside a method of a class (not a nested function)."""
        return len(self.classes) == 1 and len(self.functions) == 1

    @property
    def in_body(self) -> bool:
        """Inside a function's body (not in a decorator): where forward-body code is translated."""
        return bool(self.functions) and not self.decorators


@dataclass
class ImportPlan:
    """Imports scheduled by passes (`need`) and names the converted code still uses (`used`)."""

    needed: dict[str, set[str]] = field(default_factory=dict)  # module -> names; "" for `import tensorflow as tf`
    used: Counter[str] = field(default_factory=Counter)  # how often each name is used (a dropped use subtracts)

    def need(self, module: str, name: str) -> None:
        self.needed.setdefault(module, set()).add(name)
        self.used[name] += 1


def needs_something(name: str) -> bool:
    """Whether generated code that uses `name` needs an import or a helper definition for it."""
    return name == "tf" or name in TF_HELPERS or name in STANDARD_NAMES or name in snippets()


@dataclass(frozen=True)
class ConvertContext:
    """Read-only facts for the passes plus the walk position (the cursor object itself is updated in place)."""

    info: ModuleInfo
    cursor: Cursor = field(default_factory=Cursor)
    imports: ImportPlan = field(default_factory=ImportPlan)
    helpers: set[str] = field(default_factory=set)  # module-level TF helper functions the file needs
    config_readers: set[str] = field(default_factory=set)  # classes whose methods read `self.config`
    output_twins: set[str] = field(default_factory=set)  # torch output classes the file must define for TF

    def tf_name(self, pt_class: str) -> str:
        """The TF name of a class the file defines (`BertLayer` -> `TFBertLayer`)."""
        return TF_PREFIX + pt_class

    def current_class(self) -> ClassInfo | None:
        name = self.cursor.class_name
        return None if name is None else self.info.classes.get(name)

    def need(self, *names: str) -> None:
        """What generated code using `names` needs, in the one place that knows: `tf` -> `import tensorflow as
        tf`; a transformers TF name (`shape_list`, `keras`) or a standard one (`dataclass`) -> its import; a
        runtime helper of `snippets/tf_helpers.py` (`torch_split`) -> its definition copied into the file."""
        for name in names:
            if name == "tf":
                self.imports.need("", "tf")
            elif name in TF_HELPERS:
                self.imports.need(TF_HELPERS[name], name)
            elif name in STANDARD_NAMES:
                self.imports.need(STANDARD_NAMES[name], name)
            elif name in snippets():
                self.helpers.add(name)
            else:
                raise KeyError(f"{name}: neither tf, a transformers TF helper nor a snippet")

    def needs_of(self, names: Iterable[str]) -> list[str]:
        return sorted(n for n in names if needs_something(n))

    def expr(self, code: str, **nodes: cst.BaseExpression) -> cst.BaseExpression:
        """A fragment of TF code, `{name}` standing for `nodes[name]`; what the fragment itself uses is scheduled
        (imports, helper definitions), so a pass never schedules by hand what the code it writes needs."""
        t = template(code, tuple(nodes))
        self.need(*self.needs_of(t.names))
        node = t.fill(nodes)
        assert isinstance(node, cst.BaseExpression)
        return node

    def statement(self, code: str) -> cst.BaseStatement:
        """A statement of TF code (no placeholders), what it uses scheduled as for `expr`."""
        t = template(code, statement=True)
        self.need(*self.needs_of(t.names))
        assert isinstance(t.node, cst.BaseStatement)
        return t.node
