"""`scaffold check` at the edge: read the TF file, its PyTorch twin and the registration files, run the pure
checklist (`scaffold.checks.checklist`, `scaffold.checks.registration`), render ✓/✗ per item with file:line."""

from __future__ import annotations

import ast
from pathlib import Path

from .checkout import Checkout
from .checks.checklist import Item, TFModule, check_modeling, check_todos, dotted, parse_or_none, public_names
from .checks.imports import check_imports, check_undefined_names
from .checks.registration import RegistrationFiles, RepoRules, check_registration, import_structure_names
from .edits.docs import autodoc_names
from .errors import ScaffoldError
from .files import read_python_source
from .formatting import undefined_names


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
        """`transformers.a.b` -> the text of src/transformers/a/b.py, else of its a/b/__init__.py."""
        base = checkout.src.parent / dotted_module.replace(".", "/")
        text = checkout.read(base.with_name(base.name + ".py"))
        return text if text is not None or base.name == "__init__" else checkout.read(base / "__init__.py")

    items = check_modeling(module, pt_tree, lookup)
    undefined = undefined_names(module.source, filename=tf_path.name)
    module_name = f"transformers.models.{model}.modeling_tf_{model}"
    items += [
        check_imports(module.tree, module_name, lookup, undefined),
        check_undefined_names(module.tree, undefined),
    ]
    config = config_class(module.tree) or config_class(pt_tree)
    page = checkout.doc_page(config)
    test_path = checkout.tests_dir / f"test_modeling_tf_{model}.py"
    package_init = checkout.read(checkout.model_dir / "__init__.py") or ""
    files = RegistrationFiles(
        model=model,
        layout=checkout.layout,
        # files written before __all__ existed (< 4.47) are listed in the package init's _import_structure
        tf_classes=public_names(module.tree) or import_structure_names(package_init, f"modeling_tf_{model}"),
        pt_classes=public_names(pt_tree) or import_structure_names(package_init, f"modeling_{model}"),
        package_init=package_init,
        toplevel_init=checkout.read(checkout.src / "__init__.py") if checkout.layout == "legacy" else None,
        dummies=checkout.read(checkout.src / "utils/dummy_tf_objects.py") if checkout.layout == "legacy" else None,
        tf_auto=checkout.read(checkout.src / "models/auto/modeling_tf_auto.py"),
        pt_auto=checkout.read(checkout.src / "models/auto/modeling_auto.py"),
        doc_name=page.stem if page else None,
        doc_page=checkout.read(page) if page else None,
        doc_index=checkout.read(checkout.doc_index),
        test_file=checkout.rel(test_path) if test_path.is_file() else None,
        config_class=config,
    )
    files.configuration_auto, files.check_table = checkout.table_sources()
    files.rules = RepoRules.parse(checkout.read(checkout.root / "utils/check_repo.py"))
    files.documented_elsewhere = lambda names: documented_in_docs(checkout.root / "docs/source/en", names)
    registration, registration_files = check_registration(files)
    items = sorted([*items, registration, check_todos(module.source)], key=lambda item: item.number)
    return render(model, checkout.rel(tf_path), items, registration_files)


def documented_in_docs(docs: Path, names: list[str]) -> set[str]:
    """Which of `names` some page under docs/ documents (`[[autodoc]] X`), as utils/check_repo.py reads them."""
    wanted, found = set(names), set()
    for page in sorted(docs.rglob("*.md")) if docs.is_dir() else ():
        text = page.read_text(encoding="utf-8", errors="replace")
        if "[[autodoc]]" in text:
            found |= wanted & set(autodoc_names(text))
            if found == wanted:
                break
    return found


def config_class(tree: ast.Module | None) -> str | None:
    """The `config_class = XConfig` a model class of the module sets."""
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and dotted(statement.targets[0]) == "config_class":
                    name = dotted(statement.value)
                    if name:
                        return name.rpartition(".")[2]
    return None


def render(model: str, tf_file: str, items: list[Item], registration_files: dict[int, str]) -> tuple[str, int]:
    """✓/✗ per item (n/a: nothing to check, never a failure), each finding with file:line; exit 1 on any ✗."""
    lines = [f"scaffold check {model}: {tf_file}"]
    for item in items:
        if not item.applicable:
            lines.append(f"- {item.number}. {item.title} (n/a: {item.note or 'nothing to check'})")
        else:
            count = item.note or f"{item.checked} checked"
            lines.append(f"{'✓' if item.ok else '✗'} {item.number}. {item.title} ({count})")
        for index, finding in enumerate(item.findings):
            path = registration_files.get(index, tf_file) if item.number == 6 else tf_file
            where = f"{path}:{finding.line}" if finding.line else path
            lines.append(f"    {'warning: ' if finding.warning else ''}{where}: {finding.message}")
    applicable = [i for i in items if i.applicable]
    failed = [i for i in applicable if not i.ok]
    skipped = f" ({len(items) - len(applicable)} n/a)" if len(applicable) < len(items) else ""
    verdict = f"FAIL: {len(failed)} of {len(applicable)} items" if failed else f"PASS: all {len(applicable)} items"
    return "\n".join(lines) + "\n" + verdict + skipped + "\n", 1 if failed else 0
