"""`scaffold check` at the edge: read the TF file, its PyTorch twin and the registration files, run the pure
checklist (`scaffold.checks.checklist`, `scaffold.checks.registration`), render ✓/✗ per item with file:line."""

from __future__ import annotations

from pathlib import Path

from .checkout import Checkout
from .checks.checklist import Item, TFModule, check_modeling, parse_or_none, public_names
from .checks.registration import RegistrationFiles, check_registration
from .errors import ScaffoldError
from .files import read_python_source


def run_check(repo: Path | None, model: str) -> tuple[str, int]:
    checkout = Checkout.open(repo, model)
    tf_path = checkout.model_dir / f"modeling_tf_{model}.py"
    if not tf_path.is_file():
        raise ScaffoldError(f"no {checkout.rel(tf_path)}: run `scaffold port {model}` first, then check")
    try:
        module = TFModule(read_python_source(tf_path))
    except SyntaxError as error:
        where = f"{checkout.rel(tf_path)}:{error.lineno}:{error.offset}"
        return f"scaffold check {model}: {where}: syntax error: {error.msg}; fix it, then check again\n", 1
    pt_tree = parse_or_none(checkout.read(checkout.model_dir / f"modeling_{model}.py"))

    def lookup(dotted_module: str) -> str | None:
        return checkout.read(checkout.src.parent / (dotted_module.replace(".", "/") + ".py"))

    items = check_modeling(module, pt_tree, lookup)
    page = checkout.doc_page()
    test_path = checkout.tests_dir / f"test_modeling_tf_{model}.py"
    files = RegistrationFiles(
        model=model,
        layout=checkout.layout,
        tf_classes=public_names(module.tree),
        pt_classes=public_names(pt_tree),
        package_init=checkout.read(checkout.model_dir / "__init__.py") or "",
        toplevel_init=checkout.read(checkout.src / "__init__.py") if checkout.layout == "legacy" else None,
        dummies=checkout.read(checkout.src / "utils/dummy_tf_objects.py") if checkout.layout == "legacy" else None,
        tf_auto=checkout.read(checkout.src / "models/auto/modeling_tf_auto.py"),
        pt_auto=checkout.read(checkout.src / "models/auto/modeling_auto.py"),
        doc_name=page.stem if page else None,
        doc_page=checkout.read(page) if page else None,
        doc_index=checkout.read(checkout.doc_index),
        test_file=checkout.rel(test_path) if test_path.is_file() else None,
    )
    registration, registration_files = check_registration(files)
    return render(model, checkout.rel(tf_path), [*items, registration], registration_files)


def render(model: str, tf_file: str, items: list[Item], registration_files: dict[int, str]) -> tuple[str, int]:
    lines = [f"scaffold check {model}: {tf_file}"]
    for item in items:
        mark = "✓" if item.ok else "✗"
        lines.append(f"{mark} {item.number}. {item.title} ({item.checked} checked)")
        for index, finding in enumerate(item.findings):
            path = registration_files.get(index, tf_file) if item.number == 6 else tf_file
            where = f"{path}:{finding.line}" if finding.line else path
            lines.append(f"    {'warning: ' if finding.warning else ''}{where}: {finding.message}")
    failed = [i for i in items if not i.ok]
    lines.append(f"FAIL: {len(failed)} of {len(items)} items" if failed else f"PASS: all {len(items)} items")
    return "\n".join(lines) + "\n", 1 if failed else 0
