"""Sub-models of a composite port (`TFAutoModel.from_config(config.text_config)`): which model type each
sub-config defaults to, and whether transformers' TF auto classes can build it.

A type TF maps already is fine. A type whose PyTorch class has a TF twin in the checkout but no TF mapping entry
(`clip_vision_model` -> `TFCLIPVisionModel`) gets one. A type with no TF twin at all (`llama` under LLaVA) cannot
be built: the report says which and what to port first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .auto import _blocks, _entries, _insert

# `TFAutoModel.from_config(config.text_config, name=...)` in a generated file
_SUB_MODEL = re.compile(r"\bTF(AutoModel\w*)\.from_config\(\s*(?:config\s*=\s*)?(?:self\.)?config\.(\w+)")
_AUTO_MAPPING = re.compile(r"^class (\w+)\(_BaseAutoModelClass\):\s*\n\s*_model_mapping = (\w+)", re.M)
_CONFIG_IMPORT = re.compile(r"^from \.\.(\w+)(?:\.configuration_\w+)? import (?:\(([^)]*)\)|([^(\n]+)$)", re.M)


@dataclass
class SubModelReport:
    tf_auto: str
    added: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sub_models(tf_code: str) -> list[tuple[str, str]]:
    """(auto class, config attribute) of each sub-model the generated file builds, in order, once each."""
    return list(dict.fromkeys((m.group(1), m.group(2)) for m in _SUB_MODEL.finditer(tf_code)))


def _model_type_of(config_class: str, source: str) -> str | None:
    match = re.search(rf"^class {config_class}\(.*?^\s+model_type = \"(\w+)\"", source, re.M | re.S)
    return match.group(1) if match else None


def default_type(key: str, config_source: str, read_config_folder: Callable[[str], Iterable[str]]) -> str | None:
    """The model type the config's `key` (`text_config`) defaults to: `CONFIG_MAPPING["llama"]` assigned to it,
    else the config class `sub_configs` names for it (this file's, or one it imports from a sibling folder,
    read through `read_config_folder(folder)`)."""
    match = re.search(rf"(?:self\.)?{key}\s*=\s*CONFIG_MAPPING\[\"(\w+)\"\]", config_source)
    if match:
        return match.group(1)
    match = re.search(rf"sub_configs\s*=\s*\{{[^}}]*\"{key}\":\s*(\w+)", config_source)
    if match is None or match.group(1) == "AutoConfig":
        return None
    cls = match.group(1)
    found = _model_type_of(cls, config_source)
    if found:
        return found
    for folder, grouped, names in _CONFIG_IMPORT.findall(config_source):
        if re.search(rf"\b{cls}\b", grouped or names):
            for text in read_config_folder(folder):
                found = _model_type_of(cls, text)
                if found:
                    return found
    return None


def module_of_type(model_type: str, config_auto: str) -> str:
    """The models/ folder of a model type (configuration_auto's SPECIAL_MODEL_TYPE_TO_MODULE_NAME, else the type
    with `-` as `_`): `scaffold port` takes the folder."""
    match = re.search(
        rf'\("{re.escape(model_type)}",\s*"(\w+)"\)', config_auto.partition("SPECIAL_MODEL_TYPE_TO_MODULE_NAME")[2]
    )
    return match.group(1) if match else model_type.replace("-", "_")


def _mapping_names(auto_text: str) -> dict[str, str]:
    """Auto class -> the `..._MAPPING_NAMES` it reads."""
    return {cls: f"{mapping}_NAMES" for cls, mapping in _AUTO_MAPPING.findall(auto_text)}


def _mapped(auto_text: str, mapping: str) -> dict[str, list[str]]:
    blocks = _blocks(auto_text)
    if mapping not in blocks:
        return {}
    start, end = blocks[mapping]
    return dict(_entries(auto_text[start:end]))


def plan_sub_models(
    tf_code: str,
    config_source: str,
    tf_auto: str,
    pt_auto: str,
    tf_classes_defined: set[str],
    read_config_folder: Callable[[str], Iterable[str]],
    config_auto: str = "",
) -> SubModelReport:
    """The TF auto mapping entries the sub-models need (added where the TF twin exists) and notes for those no
    TF class can build. `tf_auto`: the TF auto file with this port's own entries (Gemma 3's text model is one);
    `tf_classes_defined`: every `TF...` class the checkout's TF modeling files define."""
    report = SubModelReport(tf_auto)
    pt_mappings, tf_mappings = _mapping_names(pt_auto), _mapping_names(tf_auto)
    for auto_class, key in sub_models(tf_code):
        model_type = default_type(key, config_source, read_config_folder)
        pt_mapping, tf_mapping = pt_mappings.get(auto_class), tf_mappings.get(f"TF{auto_class}")
        if model_type is None or pt_mapping is None or tf_mapping is None:
            report.notes.append(
                f"`config.{key}` is built with TF{auto_class}: check that its model type has a TF port"
            )
            continue
        if model_type in _mapped(report.tf_auto, tf_mapping):
            continue
        pt_classes = _mapped(pt_auto, pt_mapping).get(model_type, [])
        twin = next((f"TF{c}" for c in pt_classes if f"TF{c}" in tf_classes_defined), None)
        if twin is None:
            report.notes.append(
                f"`config.{key}` defaults to model type '{model_type}', which has no TF port: TF{auto_class} "
                f"cannot build it. Port it first (`scaffold port {module_of_type(model_type, config_auto)}`) or "
                f"use a {key} whose model has one"
            )
            continue
        start, end = _blocks(report.tf_auto)[tf_mapping]
        block = report.tf_auto[start:end]
        report.tf_auto = report.tf_auto[:start] + _insert(block, tf_mapping, model_type, twin) + report.tf_auto[end:]
        report.added.append(f"{tf_mapping}: ({model_type!r}, {twin!r})")
    return report
