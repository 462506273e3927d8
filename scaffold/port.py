"""`scaffold port <model>`: plan every change a TF port makes to a transformers checkout.

Reads the checkout (through `Checkout`), computes each target file's new text with the pure functions in
`scaffold.edits`, and returns a `Plan`; writing is the Plan's job, never this module's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .checkout import Checkout
from .convert import ConversionResult, ModelSummary, convert_source, find_todos
from .edits import auto, backbones, docs, inits, sub_models, tests_file
from .errors import ScaffoldError
from .files import read_python_source
from .formatting import format_source
from .plan import Plan


@dataclass
class PortReport:
    model: str
    layout: str
    prefix: str = ""
    todos: int = 0
    auto_entries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def config_attributes(source: str | None, config_class: str | None) -> set[str]:
    """The parameters of the config class's __init__ (what a tiny test config may set)."""
    if not source or not config_class:
        return set()
    for statement in cst.parse_module(source).body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == config_class:
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef) and item.name.value == "__init__":
                    return {p.name.value for p in (*item.params.params, *item.params.kwonly_params)}
    return set()


def tf_test_file(
    checkout: Checkout,
    summary: ModelSummary,
    source: str,
    tf_classes: list[str],
    support: tests_file.TestSupport,
    existing: str | None = None,
    tf_source: str | None = None,
) -> str:
    """The TF test file for the classes `tf_classes` of the port (benchmarks/mixin.py renders it for a
    hand-written port's classes too), formatted with the checkout's settings."""
    model = checkout.model
    config_source = checkout.read(checkout.model_dir / f"configuration_{model}.py")
    text = tests_file.test_file(
        model=model,
        prefix=summary.prefix or model.capitalize(),
        config_class=summary.config_class or f"{summary.prefix}Config",
        config_attributes=config_attributes(config_source, summary.config_class),
        tf_classes=tf_classes,
        main_input=summary.main_input_name,
        is_encoder_decoder="decoder_input_ids" in summary.base_model_inputs,
        pt_test=checkout.read(checkout.tests_dir / f"test_modeling_{model}.py"),
        base_model_inputs=summary.base_model_inputs,
        config_source=config_source,
        pt_source=source,
        support=support,
        year=tests_file.copyright_year(existing),
        tf_source=tf_source,
    )
    return format_source(text, settings=checkout.ruff_settings)


def checkout_test_support(checkout: Checkout) -> tests_file.TestSupport:
    return tests_file.support_of(
        checkout.read(checkout.root / "tests/test_modeling_tf_common.py"),
        checkout.read(checkout.src / "testing_utils.py"),
    )


def _plan_backbone(checkout: Checkout, plan: Plan, report: PortReport, force: bool, source: str) -> None:
    """`load_backbone(config)` -> `load_tf_backbone`: the TF class of each backbone type the port may build,
    written as `modeling_tf_<m>_backbone.py` where no TF file has it (edits/backbones.py)."""
    pt_auto = checkout.read(checkout.src / "models/auto/modeling_auto.py") or ""
    types = backbones.backbone_types(
        checkout.model,
        checkout.read(checkout.model_dir / f"configuration_{checkout.model}.py") or "",
        source,
        pt_auto,
        checkout.config_sources,
    )
    for model_type in types:
        found = backbones.plan_backbone(
            checkout.model,
            checkout.src / "models",
            model_type,
            pt_auto,
            checkout.read(checkout.src / "models/auto/configuration_auto.py") or "",
            checkout.tf_classes_defined(),
            checkout.read,
        )
        report.notes += found.notes
        if found.source is None or found.target is None or found.pt_class is None:
            continue
        converted = convert_source(
            read_python_source(found.source),
            found.source.stem.removeprefix("modeling_"),
            filename=checkout.rel(found.source),
            format_code=False,
            layers_source=checkout.read(checkout.src / "modeling_layers.py"),
        )
        code = backbones.backbone_only(
            format_source(converted.code, settings=checkout.ruff_settings, filename=found.target.name),
            f"TF{found.pt_class}",
        )
        existing = checkout.read(found.target)
        if existing is not None and existing != code and not force:
            plan.kept.append((found.target, "differs from scaffold's (--force replaces it)"))
            continue
        plan.add(found.target, existing, code)


def plan_port(checkout: Checkout, force: bool = False) -> tuple[Plan, PortReport]:
    model = checkout.model
    plan = Plan(checkout.root)
    report = PortReport(model=model, layout=checkout.layout)

    # 1. the modeling file
    pt_path = checkout.model_dir / f"modeling_{model}.py"
    source = read_python_source(pt_path)
    result: ConversionResult = convert_source(
        source,
        model,
        filename=checkout.rel(pt_path),
        format_code=False,
        layers_source=checkout.read(checkout.src / "modeling_layers.py"),  # the checkout's own generic heads
    )
    code = format_source(result.code, settings=checkout.ruff_settings, filename=f"modeling_tf_{model}.py")
    report.todos = len(find_todos(code))
    summary = result.summary
    assert summary is not None  # convert_source always describes the model
    report.prefix = summary.prefix or model.capitalize()
    tf_path = checkout.model_dir / f"modeling_tf_{model}.py"
    existing = checkout.read(tf_path)
    if existing is not None and existing != code and not force:
        raise ScaffoldError(
            f"{checkout.rel(tf_path)} already exists and differs from what scaffold generates; "
            "keep it, or pass --force to replace it"
        )
    plan.add(tf_path, existing, code)
    tf_classes = list(summary.tf_public)
    if backbones.uses_backbone(code):
        _plan_backbone(checkout, plan, report, force, source)
    if not tests_file.model_classes(code, tf_classes):
        # nothing to register, document or test: refuse before any file is written
        raise ScaffoldError(
            f"the TF file made from {checkout.rel(checkout.model_dir / f'modeling_{model}.py')} defines no model "
            f"class (public: {', '.join(tf_classes) or 'none'}); convert it with `scaffold convert` and add the "
            "model classes, or report the file to scaffold",
        )

    # 2. package init (and, in the legacy layout, the top-level init and the dummy objects)
    init_path = checkout.model_dir / "__init__.py"
    init_text = checkout.read(init_path) or ""
    if report.layout == "modern":
        plan.add(init_path, init_text, inits.modern_model_init(init_text, model))
    else:
        plan.add(init_path, init_text, inits.legacy_model_init(init_text, model, tf_classes))
        top_path = checkout.src / "__init__.py"
        top_text = checkout.read(top_path) or ""
        new_top = inits.legacy_toplevel_init(top_text, model, tf_classes)
        plan.add(top_path, top_text, new_top)
        dummy_path = checkout.src / "utils" / "dummy_tf_objects.py"
        plan.add(dummy_path, checkout.read(dummy_path), inits.tf_dummy_objects(new_top))

    # 3. auto mappings
    tf_auto_path = checkout.src / "models/auto/modeling_tf_auto.py"
    tf_auto = checkout.read(tf_auto_path)
    pt_auto = checkout.read(checkout.src / "models/auto/modeling_auto.py")
    if tf_auto is None or pt_auto is None:
        report.notes.append("no models/auto/modeling_tf_auto.py (or modeling_auto.py): auto mappings not edited")
    else:
        new_auto, report.auto_entries = auto.tf_auto_mappings(
            tf_auto,
            pt_auto,
            set(summary.pt_public),
            set(tf_classes),
        )
        # sub-models (`TFAutoModel.from_config(config.text_config)`): their model types need TF auto entries
        if sub_models.sub_models(code):
            subs = sub_models.plan_sub_models(
                code,
                checkout.read(checkout.model_dir / f"configuration_{model}.py") or "",
                new_auto,
                pt_auto,
                checkout.tf_classes_defined(),
                checkout.config_sources,
                checkout.read(checkout.src / "models/auto/configuration_auto.py") or "",
            )
            new_auto = subs.tf_auto
            report.auto_entries += subs.added
            report.notes += subs.notes
        plan.add(tf_auto_path, tf_auto, new_auto)

    # 4. docs
    page_path = checkout.doc_page(summary.config_class)
    if page_path is None:
        report.notes.append(f"no docs/source/en/model_doc/{model}.md: document the TF classes by hand")
    else:
        page = checkout.read(page_path) or ""
        plan.add(page_path, page, docs.model_doc_page(page, [c for c in tf_classes if docs.needs_documentation(c)]))
        index = checkout.read(checkout.doc_index)
        if index is not None:
            names = docs.table_names(summary.config_class, *checkout.table_sources())
            new_index, found = docs.index_rows(index, page_path.stem, names)
            if found:
                plan.add(checkout.doc_index, index, new_index)
            elif docs.has_model_table(index):
                report.notes.append(f"docs/source/en/index.md has no row linking model_doc/{page_path.stem}")
    listing = checkout.read(checkout.doctest_list)
    if listing is not None:
        rel = f"src/transformers/models/{model}/modeling_tf_{model}.py"
        plan.add(checkout.doctest_list, listing, docs.documentation_tests(listing, rel))

    # 5. the TF test file (and, where the checkout has no TFModelTesterMixin, scaffold's common tests)
    if (checkout.root / "tests").is_dir():
        support = checkout_test_support(checkout)
        test_path = checkout.tests_dir / f"test_modeling_tf_{model}.py"
        existing_test = checkout.read(test_path)
        if existing_test is not None and not force:
            plan.kept.append((test_path, "exists (--force regenerates it)"))
        else:
            text = tf_test_file(checkout, summary, source, tf_classes, support, existing_test, code)
            plan.add(test_path, existing_test, text)
        if not support.has_mixin:
            common_path = checkout.root / "tests" / f"{tests_file.COMMON_MODULE}.py"
            existing_common = checkout.read(common_path)
            common = format_source(
                tests_file.common_file(tests_file.copyright_year(existing_common)), settings=checkout.ruff_settings
            )
            if existing_common is not None and existing_common != common and not force:
                plan.kept.append((common_path, "differs from scaffold's (--force replaces it)"))
            else:
                plan.add(common_path, existing_common, common)
    return plan, report
