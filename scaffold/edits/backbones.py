"""The backbone of a port (`load_tf_backbone(config, ...)`, the twin of torch's `load_backbone(config)`): which
model type the config's `backbone_config` defaults to, and where its TF backbone class comes from.

`load_tf_backbone` builds `TF<X>Backbone` (`X` from torch's MODEL_FOR_BACKBONE_MAPPING_NAMES) from
`models/<m>/modeling_tf_<m>.py`, else from `models/<m>/modeling_tf_<m>_backbone.py`. For the default type:

- `TF<X>Backbone` defined in the checkout already: nothing to do;
- the backbone class is in `modeling_<m>.py` of a model with no TF port yet (Dinov2, BEiT, VitDet): a note, port
  it first (`scaffold port dinov2`: that port has the backbone class, as every class of the file);
- otherwise (transformers' own TF ResNet and Swin have no backbone class; RT-DETR's ResNet is in another file of
  the port's own folder) the port writes `modeling_tf_<m>_backbone.py`: scaffold's conversion of the file that
  defines the torch backbone class, exporting that class only (the hand-written TF file stays as it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .sub_models import _mapped, default_type, module_of_type

LOADER_CALL = "load_tf_backbone("
_CONFIG_CLASS_DEFAULT = re.compile(r"backbone_config\s*=\s*(\w+Config)\(")
_TYPE_NAMED = re.compile(r"backbone_model_type\s*=\s*\"([\w-]+)\"")
_IMPORT = re.compile(r"^from (\.+)([\w.]*) import (?:\(([^)]*)\)|([^(\n]+)$)", re.M)
_ALL = re.compile(r"^__all__ = \[.*?\]\n", re.M | re.S)


@dataclass
class BackbonePlan:
    model_type: str | None = None
    pt_class: str | None = None
    source: Path | None = None  # the torch file defining the backbone class, to convert
    target: Path | None = None  # where its TF conversion goes
    port_first: str | None = None  # the model folder to `scaffold port` first
    notes: list[str] = field(default_factory=list)


def uses_backbone(tf_code: str) -> bool:
    return LOADER_CALL in tf_code


def backbone_type(model: str, config_source: str, read_config_folder: Callable[[str], Iterable[str]]) -> str | None:
    """The model type `backbone_config` defaults to: `CONFIG_MAPPING["resnet"](...)` (DETR), or a config class
    made by name (`SwinConfig(...)` in MaskFormer, `RTDetrResNetConfig(...)` from RT-DETR's own folder)."""
    found = default_type("backbone_config", config_source, read_config_folder)
    if found is not None:
        return found
    named = _TYPE_NAMED.search(config_source)
    if named is not None:  # `backbone_model_type = "hgnet_v2"`, then `CONFIG_MAPPING[backbone_model_type](...)`
        return named.group(1)
    match = _CONFIG_CLASS_DEFAULT.search(config_source)
    if match is None:
        return None
    cls = match.group(1)
    texts = [config_source]
    for dots, path, grouped, names in _IMPORT.findall(config_source):
        if re.search(rf"\b{cls}\b", grouped or names):
            texts.extend(read_config_folder(model if len(dots) == 1 else path.partition(".")[0]))
    for text in texts:
        type_match = re.search(rf"^class {cls}\(.*?^\s+model_type = \"([\w-]+)\"", text, re.M | re.S)
        if type_match:
            return type_match.group(1)
    return None


def backbone_types(
    model: str,
    config_source: str,
    modeling_source: str,
    pt_auto: str,
    read_config_folder: Callable[[str], Iterable[str]],
) -> list[str | None]:
    """The backbone types a port may build: the config's default, then the backbone config classes the modeling
    file itself uses (MaskFormer turns its default Swin config into a `MaskFormerSwinConfig`)."""
    types = [backbone_type(model, config_source, read_config_folder)]
    mapped = _mapped(pt_auto, "MODEL_FOR_BACKBONE_MAPPING_NAMES")
    for dots, path, grouped, names in _IMPORT.findall(modeling_source):
        folder = model if len(dots) == 1 else path.partition(".")[0]
        for cls in re.findall(r"\b(\w+Config)\b", grouped or names):
            for text in read_config_folder(folder):
                found = re.search(rf"^class {cls}\(.*?^\s+model_type = \"([\w-]+)\"", text, re.M | re.S)
                if found and found.group(1) in mapped and found.group(1) not in types:
                    types.append(found.group(1))
    return types


def plan_backbone(
    model: str,
    models_dir: Path,
    model_type: str | None,
    pt_auto: str,
    config_auto: str,
    tf_classes_defined: set[str],
    read: Callable[[Path], str | None],
) -> BackbonePlan:
    """Where the TF backbone of a backbone type comes from (see the module docstring)."""
    plan = BackbonePlan()
    plan.model_type = model_type
    if plan.model_type is None:
        plan.notes.append(
            "`load_backbone(config)` is ported as `load_tf_backbone`: the default backbone type of the config was "
            "not found; its TF backbone class must exist (TF + the class of MODEL_FOR_BACKBONE_MAPPING_NAMES)"
        )
        return plan
    plan.pt_class = _mapped(pt_auto, "MODEL_FOR_BACKBONE_MAPPING_NAMES").get(plan.model_type, [None])[0]
    if plan.pt_class is None:
        plan.notes.append(f"backbone type '{plan.model_type}' has no entry in MODEL_FOR_BACKBONE_MAPPING_NAMES")
        return plan
    tf_class = f"TF{plan.pt_class}"
    module = module_of_type(plan.model_type, config_auto)
    folder = models_dir / module
    if tf_class in tf_classes_defined and any(
        re.search(rf"^class {tf_class}\(", read(folder / f"modeling_tf_{name}.py") or "", re.M)
        for name in (module, f"{module}_backbone")
    ):
        return plan  # where load_tf_backbone looks for it
    defining = next(
        (
            path
            for path in sorted(folder.glob("modeling_*.py"))
            if not path.name.startswith("modeling_tf_")
            and re.search(rf"^class {plan.pt_class}\(", read(path) or "", re.M)
        ),
        None,
    )
    if defining is None:
        plan.notes.append(
            f"backbone type '{plan.model_type}': no models/{module}/modeling_*.py defines {plan.pt_class}; "
            f"load_tf_backbone raises for it"
        )
        return plan
    if (
        defining.name == f"modeling_{module}.py"
        and module != model
        and read(folder / f"modeling_tf_{module}.py") is None
    ):
        plan.port_first = module
        plan.notes.append(
            f"`config.backbone_config` defaults to model type '{plan.model_type}', whose backbone {plan.pt_class} "
            f"has no TF port: load_tf_backbone cannot build it. Port it first (`scaffold port {module}`) or use a "
            f"backbone_config whose model has one"
        )
        return plan
    plan.source = defining
    plan.target = folder / f"modeling_tf_{module}_backbone.py"
    plan.notes.append(
        f"`config.backbone_config` defaults to model type '{plan.model_type}', whose backbone {plan.pt_class} has no "
        f"TF class: {tf_class} is converted from {defining.name} into {plan.target.name} (load_tf_backbone finds "
        f"it there)"
    )
    return plan


def backbone_only(tf_code: str, tf_class: str) -> str:
    """A converted modeling file that exports its backbone class only (the model's TF port, hand-written or
    not, exports the rest)."""
    return _ALL.sub(f'__all__ = ["{tf_class}"]\n', tf_code, count=1)
