"""`__all__` names the public TF classes: the TF twins of the PyTorch file's `__all__`, plus the MainLayer."""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..nodes import statement_fragment
from .classes import classes


def public_names(module: cst.Module, ctx: ConvertContext) -> list[str]:
    info = ctx.info
    defined = {c.name.value for c in classes(module)}
    if info.public:
        wanted = [ctx.tf_name(n) for n in sorted(info.public) if n in info.classes]
    else:
        wanted = [ctx.tf_name(c.name) for c in info.classes.values() if c.role in ("model", "pretrained")]
    if info.main_layer_class:
        wanted.append(info.main_layer_class)
    return sorted({n for n in wanted if n in defined})


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    names = public_names(module, ctx)
    statement = statement_fragment("__all__ = [" + ", ".join(f'"{n}"' for n in names) + "]\n")
    body = []
    for s in module.body:
        if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.Assign):
            target = s.body[0].targets[0].target
            if isinstance(target, cst.Name) and target.value == "__all__":
                continue
        body.append(s)
    return module.with_changes(body=[*body, statement])
