"""`<X>PreTrainedModel(PreTrainedModel)` -> `TF<X>PreTrainedModel(TFPreTrainedModel)` with `config_class`,
`base_model_prefix` and `main_input_name`. (Its base class is swapped by the modules pass; PyTorch-only
members were dropped by the pytorch_only pass.)"""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from .classes import map_classes
from .decorators import with_class_attribute


def _drop_config_annotation(class_def: cst.ClassDef) -> cst.ClassDef:
    """4.5x PyTorch models declare `config: XConfig`; TF models say `config_class = XConfig`."""
    body = [
        s
        for s in class_def.body.body
        if not (
            isinstance(s, cst.SimpleStatementLine)
            and isinstance(s.body[0], cst.AnnAssign)
            and isinstance(s.body[0].target, cst.Name)
            and s.body[0].target.value == "config"
        )
    ]
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    if info.pretrained_class is None:
        return module
    target = ctx.tf_name(info.pretrained_class)

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        if class_def.name.value != target:
            return class_def
        class_def = _drop_config_annotation(class_def)
        if info.base_model_prefix is None:
            class_def = with_class_attribute(class_def, "base_model_prefix", f'"{info.model_name}"')
        if info.config_class:
            class_def = with_class_attribute(class_def, "config_class", info.config_class)
        return class_def

    return map_classes(module, change)
