"""`models/<m>/__init__.py` (both layouts), and for the legacy layout the top-level `__init__.py` and
`utils/dummy_tf_objects.py`.

Modern inits (`define_import_structure`) only need `from .modeling_tf_<m> import *` under TYPE_CHECKING; the
lazy module reads `__all__` itself. Legacy inits list every name twice, in `_import_structure` and under
TYPE_CHECKING (utils/check_inits.py fails if the halves differ); the top-level init mirrors them, and the
dummy objects are derived from its TYPE_CHECKING TF branch exactly as utils/check_dummies.py derives them.
All edits are idempotent: what is present is not added again.
"""

from __future__ import annotations

import re

from ..errors import ScaffoldError
from ..templates import render

_TRY_TF = re.compile(r"^(?P<indent>\s*)if not is_tf_available\(\):")


# -- models/<m>/__init__.py --------------------------------------------------------------------------------------


def modern_model_init(text: str, model: str) -> str:
    line = f"    from .modeling_tf_{model} import *\n"
    if line in text:
        return text
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("if TYPE_CHECKING:"))
    except StopIteration:
        raise ScaffoldError(
            f"models/{model}/__init__.py: no `if TYPE_CHECKING:` block to add the TF import to"
        ) from None
    end = start + 1
    while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
        end += 1
    imports = [i for i in range(start + 1, end) if lines[i].startswith("    from .")]
    position = next(
        (i for i in imports if lines[i] > line), _statement_end(lines, imports[-1]) if imports else start + 1
    )
    lines.insert(position, line)
    return "".join(lines)


def _statement_end(lines: list[str], first: int) -> int:
    """The index after the import statement starting at `first` (`from .x import (` spans lines to its `)`)."""
    end = first
    if lines[first].rstrip().endswith("("):
        while end + 1 < len(lines) and not lines[end].strip().startswith(")"):
            end += 1
    return end + 1


def legacy_model_init(text: str, model: str, names: list[str]) -> str:
    """Add the TF try-block after the torch one in both halves of a legacy model init."""
    if f'_import_structure["modeling_tf_{model}"]' in text:
        return text
    text = _with_tf_available_import(text, model)
    lines = text.splitlines(keepends=True)
    first = _block_end(lines, f'_import_structure["modeling_{model}"]', model)
    block = render("init_tf_structure.py.jinja", indent="", type_checking=False, model=model, names=names)
    lines[first:first] = ["\n", *block.splitlines(keepends=True)]
    second = _block_end(lines, f"from .modeling_{model} import", model)
    block = render("init_tf_structure.py.jinja", indent="    ", type_checking=True, model=model, names=names)
    lines[second:second] = ["\n", *block.splitlines(keepends=True)]
    return "".join(lines)


def _block_end(lines: list[str], marker: str, model: str) -> int:
    """The index just after the statement block holding `marker` (the first line indented less, minus blanks)."""
    try:
        at = next(i for i, line in enumerate(lines) if marker in line)
    except StopIteration:
        raise ScaffoldError(f"models/{model}/__init__.py: cannot find `{marker}` (legacy layout)") from None
    indent = _indent(lines[at])
    end = at + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= indent):
        end += 1
    while end > at and not lines[end - 1].strip():
        end -= 1
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _with_tf_available_import(text: str, model: str) -> str:
    if re.search(r"\bis_tf_available\b", text):
        return text
    match = re.search(r"from \.\.\.utils import \(\n(?P<names>(?:    [^\n]*\n)+)\)", text)
    if match is None:
        match = re.search(r"from \.\.\.utils import (?P<single>[^\n(]+)\n", text)
        if match is None:
            raise ScaffoldError(f"models/{model}/__init__.py: no `from ...utils import` to add is_tf_available to")
        names = sorted({*map(str.strip, match.group("single").split(",")), "is_tf_available"}, key=_import_order)
        return text[: match.start()] + f"from ...utils import {', '.join(names)}\n" + text[match.end() :]
    names = [n.strip().rstrip(",") for n in match.group("names").splitlines() if n.strip()]
    names = sorted({*names, "is_tf_available"}, key=_import_order)
    body = "".join(f"    {n},\n" for n in names)
    return text[: match.start("names")] + body + text[match.end("names") :]


def _import_order(name: str):
    """isort's order (force-sort-within-sections off): CONSTANTS, Classes, functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


# -- src/transformers/__init__.py (legacy) ----------------------------------------------------------------------


def _tf_branches(lines: list[str]) -> list[tuple[int, int, int]]:
    """(first body line, end, try indent) of each `try: if not is_tf_available(): ... else:` body."""
    found = []
    for i, line in enumerate(lines):
        match = _TRY_TF.match(line)
        if not match:
            continue
        try_indent = len(match.group("indent")) - 4
        j = i
        while not (lines[j].startswith(" " * try_indent + "else:") and _indent(lines[j]) == try_indent):
            j += 1
        start = j + 1
        end = start
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > try_indent):
            end += 1
        while not lines[end - 1].strip():
            end -= 1
        found.append((start, end, try_indent))
    return found


def _toplevel_halves(lines: list[str]) -> list[tuple[int, int, int]]:
    branches = _tf_branches(lines)
    halves = [b for b in branches if b[2] == 0][:1] + [b for b in branches if b[2] == 4][:1]
    if len(halves) != 2:
        raise ScaffoldError(
            "src/transformers/__init__.py: cannot find both `is_tf_available` branches (legacy layout)"
        )
    return halves


def legacy_toplevel_names(text: str, model: str) -> tuple[list[str], list[str]]:
    """The TF names the top-level init lists for `model`: in its `_import_structure` half and in its
    TYPE_CHECKING half (`from .models.<m> import A, B` on one line or in parentheses)."""
    lines = text.splitlines(keepends=True)
    (first_start, first_end, _), (second_start, second_end, _) = _toplevel_halves(lines)
    first_text = "".join(lines[first_start:first_end])
    first: list[str] = []
    key = re.escape(f'_import_structure["models.{model}"]')
    for match in re.finditer(rf"^    {key}[^\n]*\n(?:(?:        |    \])[^\n]*\n)*", first_text, re.M):
        first += re.findall(r'"(\w+)"', match.group(0)[len(f'    _import_structure["models.{model}"]') :])
    second_text = "".join(lines[second_start:second_end])
    second: list[str] = []
    pattern = rf"^        from \.models\.{re.escape(model)} import (?:\((?P<multi>[^)]*)\)|(?P<single>[^\n]+))"
    for match in re.finditer(pattern, second_text, re.M):
        second += re.findall(r"\w+", match.group("multi") or match.group("single"))
    return first, second


def legacy_toplevel_init(text: str, model: str, names: list[str]) -> str:
    if not names:
        return text
    first, second = legacy_toplevel_names(text, model)
    if set(names) <= set(first) and set(names) <= set(second):
        return text  # both halves list the TF classes already
    lines = text.splitlines(keepends=True)
    halves = _toplevel_halves(lines)
    # the TYPE_CHECKING half first, so that the first half's line numbers stay valid
    for (start, end, _), type_checking, pattern in (
        (halves[1], True, re.compile(r"^        from \.models\.(\w+)")),
        (halves[0], False, re.compile(r'^    _import_structure\["models\.(\w+)(?:\.\w+)?"\]')),
    ):
        entry = render("toplevel_tf_entry.py.jinja", type_checking=type_checking, model=model, names=names)
        starts = [i for i in range(start, end) if pattern.match(lines[i])]
        after = [i for i in starts if pattern.match(lines[i]).group(1) > model]
        position = after[0] if after else end
        lines[position:position] = entry.splitlines(keepends=True)
    return "".join(lines)


def tf_dummy_objects(toplevel_init: str) -> str:
    """utils/dummy_tf_objects.py for a top-level init: the objects of its TYPE_CHECKING TF branch, in order."""
    lines = toplevel_init.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("if TYPE_CHECKING"))
    objects: list[str] = []
    i = start
    while i < len(lines):
        match = _TRY_TF.match(lines[i])
        if match and match.group("indent") == " " * 8:
            while not lines[i].startswith("    else:"):
                i += 1
            i += 1
            while i < len(lines) and (len(lines[i]) <= 1 or lines[i].startswith(" " * 8)):
                single = re.search(r"\s+from\s+\S*\s+import\s+([^\(\s].*)\n", lines[i])
                if single:
                    objects.extend(single.group(1).split(", "))
                elif lines[i].startswith(" " * 12):
                    objects.append(lines[i][12:-2])
                i += 1
            break
        i += 1
    return render("dummy_tf_objects.py.jinja", objects=objects)
