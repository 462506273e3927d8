"""Resolve the names a modeling file uses to what they mean, through its imports.

`nn.Linear`, `torch.nn.Linear` and `from torch.nn import Linear` all resolve to `torch.nn.Linear`; a class the
file defines itself stays unresolved (None), so a user's own `Linear` is never mistaken for torch's.

This is a module-level import table, not libcst's QualifiedNameProvider: scope analysis costs about ten
parses on a large modeling file, and modeling files do not shadow their imported module names.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

RELATIVE_ROOT = "transformers"


def _import_froms(module: cst.Module) -> Iterator[cst.ImportFrom]:
    for statement in module.body:
        bodies = [statement] if isinstance(statement, cst.SimpleStatementLine) else []
        if isinstance(statement, (cst.If, cst.Try)):
            bodies = [s for s in statement.body.body if isinstance(s, cst.SimpleStatementLine)]
        for line in bodies:
            for small in line.body:
                if isinstance(small, cst.ImportFrom):
                    yield small


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` as a string, or None when the expression is not a plain attribute chain."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    return "" if node is None else (dotted(node) or "")


class ImportTable:
    """Maps each name bound by a module-level import to its fully qualified origin."""

    def __init__(self, module: cst.Module):
        self.origins: dict[str, str] = {}
        self.aliases: set[str] = set()  # module-level `X = torch.y` names (in origins too)
        # how many dots lead from this file to the transformers package: 3 in models/<m>/, 4 in
        # models/deprecated/<m>/ (the deepest relative import the file makes)
        self.root_dots = max((len(s.relative) for s in _import_froms(module) if s.relative), default=3)
        for statement in module.body:
            self._collect(statement)
        for statement in module.body:
            self._collect_alias(statement)

    def _collect_alias(self, statement: cst.CSTNode) -> None:
        """`LayoutLMLayerNorm = nn.LayerNorm` at module level: another local name for a torch object."""
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
            return
        small = statement.body[0]
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
            return
        target = small.targets[0].target
        if isinstance(target, cst.Name) and isinstance(small.value, (cst.Name, cst.Attribute)):
            origin = self.resolve(small.value)
            if origin is not None and origin.startswith("torch.") and target.value not in self.origins:
                self.origins[target.value] = origin
                self.aliases.add(target.value)

    def prefix(self, dots: int) -> str:
        """The package a relative import with `dots` dots lands in."""
        up = self.root_dots - dots
        if up <= 0:
            return RELATIVE_ROOT
        return RELATIVE_ROOT + ".models" + ".<model>" * (up - 1)

    def relative(self, qualified: str) -> str:
        """`transformers.modeling_tf_utils` -> `...modeling_tf_utils` (as many dots as this file needs)."""
        if qualified.startswith(RELATIVE_ROOT + "."):
            return "." * self.root_dots + qualified[len(RELATIVE_ROOT) + 1 :]
        return qualified

    def _collect(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        full = _module_name(alias.name)
                        if alias.asname is not None:
                            self.origins[_bound_name(alias.asname)] = full
                        else:
                            head = full.split(".")[0]
                            self.origins[head] = head
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    base = _module_name(small.module)
                    if small.relative:
                        # `from ...utils import x` inside transformers/models/<m>/ means transformers.utils.x
                        base = self.prefix(len(small.relative)) + ("." + base if base else "")
                    for alias in small.names:
                        name = alias.name.value if isinstance(alias.name, cst.Name) else _module_name(alias.name)
                        local = _bound_name(alias.asname) if alias.asname is not None else name
                        self.origins[local] = f"{base}.{name}" if base else name
        elif isinstance(statement, (cst.If, cst.Try)):
            # `if is_torch_available(): import ...` and try/except import blocks
            for inner in statement.body.body:
                self._collect(inner)

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute chain whose head is imported, else None."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        origin = self.origins.get(head)
        if origin is None:
            return None
        return f"{origin}.{rest}" if rest else origin


def _bound_name(asname: cst.AsName) -> str:
    """The name `as x` binds (an import alias is always a plain name)."""
    assert isinstance(asname.name, cst.Name)
    return asname.name.value


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.found.append(node.value)


def names_in(node: cst.CSTNode) -> list[str]:
    """Every Name in `node`, one entry per occurrence (attribute names included)."""
    collector = _NameCollector()
    node.visit(collector)
    return collector.found


# layers of another model's torch file that a file imports (no TF port of that model need exist) and that are a
# torch.nn layer under another name, same arguments, weights and values: Qwen2RMSNorm(hidden_size, eps) is
# nn.RMSNorm(hidden_size, eps) computed in float32 (Qwen2-VL, Qwen2.5-VL, Qwen2.5-Omni import it)
TRANSFORMERS_NN_LAYERS = {"transformers.models.qwen2.modeling_qwen2.Qwen2RMSNorm": "RMSNorm"}


def torch_nn_name(qualified: str | None) -> str | None:
    """`torch.nn.Linear` / `torch.nn.modules.linear.Linear` -> `Linear` (and the `TRANSFORMERS_NN_LAYERS`); None for
    anything else."""
    if qualified in TRANSFORMERS_NN_LAYERS:
        return TRANSFORMERS_NN_LAYERS[qualified]
    if not qualified or not qualified.startswith("torch.nn."):
        return None
    rest = qualified[len("torch.nn.") :]
    if rest.startswith("modules."):
        rest = rest.rpartition(".")[2]
    return rest if "." not in rest else None
