"""Checklist item 6: the port is registered where the repository expects it. Pure: file texts in, findings out.

A registration is present exactly when `scaffold port`'s own edit for that file has nothing left to add, so the
check and the edit cannot disagree about what "registered" means.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..edits import auto, docs, inits
from .checklist import Finding, Item


@dataclass
class RegistrationFiles:
    model: str
    layout: str  # "modern" or "legacy"
    tf_classes: list[str]  # the TF file's __all__
    pt_classes: list[str]  # the PyTorch file's __all__
    package_init: str
    toplevel_init: str | None = None  # legacy layout only
    dummies: str | None = None  # legacy layout only
    tf_auto: str | None = None
    pt_auto: str | None = None
    doc_name: str | None = None  # the model_doc page's stem, None when there is no page
    doc_page: str | None = None
    doc_index: str | None = None
    test_file: str | None = None  # its path relative to the root, None when it does not exist


def check_registration(files: RegistrationFiles) -> tuple[Item, dict[int, str]]:
    """The item, and for each finding index the file it is about (findings carry line 0: the file as a whole)."""
    item = Item(6, "registration: package init, TF auto mapping, docs entry, test file")
    where: dict[int, str] = {}
    model = files.model

    def problem(path: str, message: str, warning: bool = False) -> None:
        where[len(item.findings)] = path
        item.findings.append(Finding(0, message, warning))

    item.checked += 1
    init_path = f"src/transformers/models/{model}/__init__.py"
    if files.layout == "modern":
        if inits.modern_model_init(files.package_init, model) != files.package_init:
            problem(init_path, f"does not import modeling_tf_{model} under TYPE_CHECKING")
    else:
        if inits.legacy_model_init(files.package_init, model, files.tf_classes) != files.package_init:
            problem(init_path, f"_import_structure lacks modeling_tf_{model} or some of its classes")
        top = files.toplevel_init or ""
        if inits.legacy_toplevel_init(top, model, files.tf_classes) != top:
            problem("src/transformers/__init__.py", f"does not list every TF class of {model} in both halves")
        if files.dummies is not None and inits.tf_dummy_objects(top) != files.dummies:
            problem("src/transformers/utils/dummy_tf_objects.py", "out of date (utils/check_dummies.py would fail)")

    item.checked += 1
    auto_path = "src/transformers/models/auto/modeling_tf_auto.py"
    if files.tf_auto is None or files.pt_auto is None:
        problem(auto_path, "missing: no TF auto mappings to check")
    else:
        # utils/check_repo.py: every public TF model sits in some auto mapping, the base model in TF_MODEL_MAPPING
        mapped, pt_mapped = auto.mapped_classes(files.tf_auto), auto.mapped_classes(files.pt_auto)
        models = [c for c in files.tf_classes if c.endswith("Model") or "For" in c]
        base = min((c for c in models if c.endswith("Model")), key=len, default=None)
        for cls in models:
            if cls.endswith(("PreTrainedModel", "PretrainedModel")):
                continue
            if cls not in mapped:  # utils/check_repo.py lets a class off where its PyTorch twin is off too
                twin_unmapped = cls[2:] not in pt_mapped
                note = " (nor does modeling_auto.py its PyTorch twin)" if twin_unmapped else ""
                problem(auto_path, f"lists {cls} in no TF auto mapping{note}", warning=twin_unmapped)
            elif cls == base and "TF_MODEL_MAPPING_NAMES" not in mapped[cls]:
                problem(auto_path, f"TF_MODEL_MAPPING_NAMES lacks {cls}")
        # mappings whose PyTorch twin lists the model and the TF one does not: worth a look, not a failure
        _, absent = auto.tf_auto_mappings(files.tf_auto, files.pt_auto, set(files.pt_classes), set(files.tf_classes))
        for entry in absent:
            problem(auto_path, f"lacks {entry}, which its PyTorch twin lists", warning=True)

    item.checked += 1
    documented = [c for c in files.tf_classes if not c.endswith(("MainLayer", "PreTrainedModel", "PretrainedModel"))]
    if files.doc_page is None:
        problem(f"docs/source/en/model_doc/{model}.md", "missing: document the TF classes there")
    else:
        page_path = f"docs/source/en/model_doc/{files.doc_name}.md"
        absent = [c for c in documented if docs.model_doc_page(files.doc_page, [c]) != files.doc_page]
        if absent:
            problem(page_path, f"has no [[autodoc]] section for {', '.join(absent)}")
        if files.doc_index is not None:
            new_index, found = docs.index_row(files.doc_index, files.doc_name)
            if not found:
                problem("docs/source/en/index.md", f"has no row linking model_doc/{files.doc_name}", warning=True)
            elif new_index != files.doc_index:
                problem("docs/source/en/index.md", f"shows ❌ for TensorFlow in the {files.doc_name} row")

    item.checked += 1
    if files.test_file is None:
        problem(f"tests/models/{model}/test_modeling_tf_{model}.py", "missing: add the TF test file")
    return item, where
