"""Imports: drop torch-only modules and unused names, add what the passes scheduled.

`UsagePass` runs last in the batched traversal and records every name the converted code still uses;
`apply` then rewrites the module's import block once: nothing here edits import text by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import libcst as cst

from ..context import ConvertContext
from ..names import ImportTable, dotted, names_in
from ..nodes import statement_fragment
from ..pipeline import NodePass
from ..tables import TORCH_ONLY_MODULES

# Order of the scheduled `from ... import` lines, after the kept ones
SCHEDULED_ORDER = (
    "transformers.activations_tf",
    "transformers.modeling_tf_outputs",
    "transformers.modeling_tf_utils",
    "transformers.tf_utils",
    "transformers.utils",
)


class UsagePass(NodePass):
    def visit_Import(self, node: cst.Import) -> bool | None:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool | None:
        return False

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        self.ctx.imports.used[updated.value] += 1
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        # (not an import concern, but this pass already sees every name: classes that read self.config)
        if self.cursor.class_name and (dotted(original) or "").startswith("self.config"):
            self.ctx.config_readers.add(self.cursor.class_name)
        return updated


def _qualified_module(node: cst.ImportFrom, table: ImportTable) -> str:
    base = dotted(node.module) if node.module is not None else ""
    if node.relative:
        return table.prefix(len(node.relative)) + ("." + base if base else "")
    return base or ""


def _torch_only(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in TORCH_ONLY_MODULES)


def _keep(small: cst.BaseSmallStatement, used: Counter[str], table: ImportTable) -> cst.BaseSmallStatement | None:
    if isinstance(small, cst.Import):
        names = []
        for alias in small.names:
            full = dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname is not None else full.split(".")[0]  # type: ignore[union-attr]
            if not _torch_only(full) and used[local] > 0:
                names.append(alias)
        return small.with_changes(names=_commas(names)) if names else None
    if isinstance(small, cst.ImportFrom):
        module = _qualified_module(small, table)
        if _torch_only(module) or isinstance(small.names, cst.ImportStar):
            return None if _torch_only(module) else small
        if module == "__future__":
            return small
        names = [a for a in small.names if used[a.asname.name.value if a.asname is not None else dotted(a.name)] > 0]  # type: ignore[index, union-attr]
        return small.with_changes(names=_commas(names)) if names else None
    return small


def _commas(aliases):
    aliases = list(aliases)
    return [
        a.with_changes(
            comma=cst.MaybeSentinel.DEFAULT
            if i == len(aliases) - 1
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        for i, a in enumerate(aliases)
    ]


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    plan = ctx.imports
    table = ctx.info.imports
    used = plan.used
    needed = {m: set(names) for m, names in plan.needed.items()}
    # a guard whose imports all go (`if is_flash_attn_available(): from <torch-only> import ...`) goes too;
    # the names its test uses are then used once less
    dropped_guards = set()
    for statement in module.body:
        if (
            isinstance(statement, cst.If)
            and _only_imports(statement)
            and not _kept_guard_lines(statement, used, table)
        ):
            dropped_guards.add(id(statement))
            for name in names_in(statement.test):
                used[name] -= 1
    body: list[cst.BaseStatement] = []
    last_import = -1
    for statement in module.body:
        if _is_import_line(statement):
            kept = []
            for small in statement.body:  # type: ignore[union-attr]
                small = _keep(small, used, table)
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    # fold scheduled names into an existing `from <module> import ...`
                    extra = needed.pop(_qualified_module(small, table), set())
                    present = {dotted(a.name) for a in small.names}
                    more = [cst.ImportAlias(cst.Name(n)) for n in sorted(extra - present)]
                    if more:
                        small = small.with_changes(names=_commas([*small.names, *more]))
                if isinstance(small, cst.Import):  # `import math` is there: a helper that needs it has it
                    needed.get("", set()).difference_update(dotted(a.name) for a in small.names if a.asname is None)
                if small is not None:
                    kept.append(small)
            if kept:
                body.append(statement.with_changes(body=kept))
                last_import = len(body) - 1
            continue
        if isinstance(statement, cst.If) and _only_imports(statement):
            # `if is_torch_available(): import torch` / `if is_flash_attn_available(): from ... import ...`
            if id(statement) not in dropped_guards:
                kept_lines = _kept_guard_lines(statement, used, table)
                body.append(statement.with_changes(body=statement.body.with_changes(body=kept_lines)))
            continue
        body.append(statement)
    scheduled = []
    plain = needed.pop("", set())  # `import tensorflow as tf` ("tf"), `import math`
    if "tf" in plain:
        scheduled.append(statement_fragment("import tensorflow as tf"))
    scheduled += [statement_fragment(f"import {name}") for name in sorted(plain - {"tf"})]
    for module_name in sorted(needed, key=lambda m: (SCHEDULED_ORDER.index(m) if m in SCHEDULED_ORDER else 99, m)):
        names = ", ".join(sorted(needed[module_name]))
        scheduled.append(statement_fragment(f"from {table.relative(module_name)} import {names}"))
    position = last_import + 1 if last_import >= 0 else _after_docstring(body)
    body[position:position] = scheduled
    return module.with_changes(body=body)


def _kept_guard_lines(statement: cst.If, used: Counter[str], table: ImportTable) -> list[cst.SimpleStatementLine]:
    if "is_torch_available" in cst.Module([]).code_for_node(statement.test):
        return []
    lines = [
        line.with_changes(body=[k for k in (_keep(s, used, table) for s in line.body) if k])  # type: ignore[union-attr]
        for line in statement.body.body
        if not _is_pass_line(line)
    ]
    return [line for line in lines if line.body]  # type: ignore[misc, union-attr]


def _only_imports(statement: cst.If) -> bool:
    return (
        statement.orelse is None
        and isinstance(statement.body, cst.IndentedBlock)
        and all(_is_import_line(line) or _is_pass_line(line) for line in statement.body.body)
    )


def _is_pass_line(statement: cst.CSTNode) -> bool:
    """`if is_flash_attn_available(): pass` (modular's leftover of a guarded import)."""
    return isinstance(statement, cst.SimpleStatementLine) and all(isinstance(s, cst.Pass) for s in statement.body)


def _after_docstring(body: Sequence[cst.BaseStatement]) -> int:
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        return 1
    return 0
