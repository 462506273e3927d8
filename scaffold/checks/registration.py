"""Checklist item 6: the port is registered where the repository expects it. Pure: file texts in, findings out.

A registration is present exactly when `scaffold port`'s own edit for that file has nothing left to add, so the
check and the edit cannot disagree about what "registered" means.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..edits import auto, docs, inits
from ..errors import ScaffoldError
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
    config_class: str | None = None  # the model's config class, whose every index row check_table ticks
    configuration_auto: str | None = None  # models/auto/configuration_auto.py
    check_table: str | None = None  # utils/check_table.py (MODEL_NAMES_WITH_SAME_CONFIG)
    rules: RepoRules = field(default_factory=lambda: RepoRules())  # utils/check_repo.py's exemptions
    # names -> those of them some other docs page documents (check_repo reads every page); None: the page only
    documented_elsewhere: Callable[[list[str]], set[str]] | None = None


def _model_classes(names: list[str]) -> list[str]:
    """The model classes among public names: `TFXModel`, `TFXFor<Task>` (not `TFRoFormerLayer`)."""
    return [c for c in names if (c.endswith("Model") or re.search(r"For[A-Z]", c)) and not c.endswith("MainLayer")]


@dataclass(frozen=True)
class RepoRules:
    """The exemptions the checkout's `utils/check_repo.py` keeps as lists (none when it has no such script)."""

    not_auto_configured: frozenset[str] = frozenset()  # IGNORE_NON_AUTO_CONFIGURED
    undocumented: frozenset[str] = frozenset()  # DEPRECATED_OBJECTS, UNDOCUMENTED_OBJECTS, SHOULD_HAVE_...

    @classmethod
    def parse(cls, source: str | None) -> RepoRules:
        try:
            tree = ast.parse(source or "")
        except SyntaxError:
            return cls()
        lists: dict[str, list[str]] = {}

        def value(node: ast.expr) -> list[str] | None:
            """A list of strings built from literals, other lists, `.copy()` and `+`."""
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if isinstance(node, ast.Name):
                return lists.get(node.id)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "copy":
                return value(node.func.value)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                left, right = value(node.left), value(node.right)
                return left + right if left is not None and right is not None else None
            return None

        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                found = value(node.value)
                if found is not None:
                    lists[node.targets[0].id] = found
        undocumented = ("DEPRECATED_OBJECTS", "UNDOCUMENTED_OBJECTS", "SHOULD_HAVE_THEIR_OWN_PAGE")
        return cls(
            frozenset(lists.get("IGNORE_NON_AUTO_CONFIGURED", [])),
            frozenset(n for name in undocumented for n in lists.get(name, [])),
        )


def import_structure_names(package_init: str, submodule: str) -> list[str]:
    """`_import_structure["modeling_tf_bart"] = [...]` in a legacy package init: the public names of a module
    written before files had `__all__` (transformers < 4.47)."""
    try:
        tree = ast.parse(package_init)
    except SyntaxError:
        return []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and isinstance(node.targets[0].slice, ast.Constant)
            and node.targets[0].slice.value == submodule
        ):
            try:
                return [str(name) for name in ast.literal_eval(node.value)]
            except ValueError:
                return []
    return []


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
        try:
            first, second = inits.legacy_toplevel_names(top, model)
        except ScaffoldError as error:
            problem("src/transformers/__init__.py", error.message.partition(": ")[2])
        else:
            # utils/check_repo.py wants every model class in the main init; utils/check_inits.py equal halves
            missing = [c for c in _model_classes(files.tf_classes) if c not in first or c not in second]
            if missing:
                problem("src/transformers/__init__.py", f"does not list {', '.join(missing)} in both halves")
            elif sorted(first) != sorted(second):
                problem(
                    "src/transformers/__init__.py",
                    f"lists other TF names of {model} in its two halves (utils/check_inits.py would fail)",
                )
        if files.dummies is not None and inits.tf_dummy_objects(top) != files.dummies:
            problem("src/transformers/utils/dummy_tf_objects.py", "out of date (utils/check_dummies.py would fail)")

    item.checked += 1
    auto_path = "src/transformers/models/auto/modeling_tf_auto.py"
    if files.tf_auto is None or files.pt_auto is None:
        problem(auto_path, "missing: no TF auto mappings to check")
    else:
        # utils/check_repo.py: every public TF model sits in some auto mapping, the base model in TF_MODEL_MAPPING
        mapped, pt_mapped = auto.mapped_classes(files.tf_auto), auto.mapped_classes(files.pt_auto)
        models = _model_classes(files.tf_classes)
        base = min((c for c in models if c.endswith("Model")), key=len, default=None)
        for cls in models:
            if cls.endswith(("PreTrainedModel", "PretrainedModel")) or cls in files.rules.not_auto_configured:
                continue  # the last: utils/check_repo.py's IGNORE_NON_AUTO_CONFIGURED
            if cls not in mapped:  # utils/check_repo.py lets a class off where its PyTorch twin is off too
                twin_unmapped = cls[2:] not in pt_mapped
                note = " (nor does modeling_auto.py its PyTorch twin)" if twin_unmapped else ""
                problem(auto_path, f"lists {cls} in no TF auto mapping{note}", warning=twin_unmapped)
            elif (
                cls == base
                and "TF_MODEL_MAPPING_NAMES" not in mapped[cls]
                and "MODEL_MAPPING_NAMES" in pt_mapped.get(cls[2:], ())  # composites: no base mapping either
            ):
                problem(auto_path, f"TF_MODEL_MAPPING_NAMES lacks {cls}")
        # mappings whose PyTorch twin lists the model and the TF one does not: worth a look, not a failure
        _, absent = auto.tf_auto_mappings(files.tf_auto, files.pt_auto, set(files.pt_classes), set(files.tf_classes))
        for entry in absent:
            problem(auto_path, f"lacks {entry}, which its PyTorch twin lists", warning=True)

    item.checked += 1
    # utils/check_repo.py's rule: by name (Embeddings, Layer, ... are left undocumented) and by its own lists
    documented = [c for c in files.tf_classes if docs.needs_documentation(c) and c not in files.rules.undocumented]
    if files.doc_page is None:
        problem(f"docs/source/en/model_doc/{model}.md", "missing: document the TF classes there")
    else:
        page_path = f"docs/source/en/model_doc/{files.doc_name}.md"
        on_page = set(docs.autodoc_names(files.doc_page))  # what model_doc_page would not add again
        absent = [c for c in documented if c not in on_page]
        if absent and files.documented_elsewhere is not None:  # check_repo reads every page of the docs
            elsewhere = files.documented_elsewhere(absent)
            absent = [c for c in absent if c not in elsewhere]
        if absent:
            problem(page_path, f"has no [[autodoc]] section for {', '.join(absent)}")
        # 4.5x+ indexes have no model table: nothing to tick, nothing to say
        if files.doc_index is not None and docs.has_model_table(files.doc_index):
            names = docs.table_names(files.config_class, files.configuration_auto, files.check_table)
            new_index, found = docs.index_rows(files.doc_index, files.doc_name, names)
            if not found:
                problem("docs/source/en/index.md", f"has no row linking model_doc/{files.doc_name}", warning=True)
            elif new_index != files.doc_index:
                old_lines, new_lines = files.doc_index.splitlines(), new_index.splitlines()
                rows = [
                    match.group("name")
                    for old, new in zip(old_lines, new_lines)
                    if old != new and (match := docs.ROW_NAME.match(old))
                ]
                problem(
                    "docs/source/en/index.md",
                    f"shows ❌ for TensorFlow in the {', '.join(rows)} row{'s' if len(rows) > 1 else ''} "
                    "(utils/check_table.py would fail)",
                )

    item.checked += 1
    if files.test_file is None:
        problem(f"tests/models/{model}/test_modeling_tf_{model}.py", "missing: add the TF test file")
    return item, where
