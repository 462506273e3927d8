"""The state every conversion pass shares, passed explicitly: what the analysis found, and where the walk is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .analysis import ModuleInfo
from .tables import TF_HELPERS

TF_PREFIX = "TF"


@dataclass
class Cursor:
    """Where the single batched traversal currently is: the enclosing class and function names."""

    classes: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)

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


@dataclass
class ImportPlan:
    """Imports scheduled by passes (`need`) and names the converted code still uses (`used`)."""

    needed: dict[str, set[str]] = field(default_factory=dict)  # module -> names; "" for `import tensorflow as tf`
    used: Counter[str] = field(default_factory=Counter)  # how often each name is used (a dropped use subtracts)

    def need(self, module: str, name: str) -> None:
        self.needed.setdefault(module, set()).add(name)
        self.used[name] += 1

    def need_helper(self, name: str) -> None:
        self.need(TF_HELPERS[name], name)

    def need_tf(self) -> None:
        self.need("", "tf")


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

    def current_class(self):
        name = self.cursor.class_name
        return None if name is None else self.info.classes.get(name)
