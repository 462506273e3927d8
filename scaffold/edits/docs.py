"""Docs: `model_doc/<m>.md` gets `[[autodoc]] TF... - call` sections mirroring the PyTorch ones (inside a
`<tf>` framework block where the page uses them); `index.md` shows ✅ in the TensorFlow column of the
model's row; `utils/documentation_tests.txt` lists the new file where that file exists."""

from __future__ import annotations

import re

from ..templates import render

_AUTODOC = re.compile(r"^\[\[autodoc\]\] (?P<name>[\w.]+)", re.M)


def doc_classes(page: str, tf_classes: list[str]) -> list[str]:
    """The TF classes to document, in the order of their PyTorch twins on the page, then the rest."""
    documented = _AUTODOC.findall(page)
    ordered = [f"TF{name}" for name in documented if f"TF{name}" in tf_classes]
    return ordered + [c for c in tf_classes if c not in ordered]


def model_doc_page(page: str, tf_classes: list[str]) -> str:
    present = set(_AUTODOC.findall(page))
    missing = [c for c in doc_classes(page, tf_classes) if c not in present]
    if not missing:
        return page
    sections = render("doc_tf_sections.md.jinja", classes=missing).strip("\n")
    if "</tf>" in page:
        position = page.index("</tf>")
        return page[:position].rstrip("\n") + "\n\n" + sections + "\n\n" + page[position:]
    if "</pt>" in page:
        position = page.index("</pt>") + len("</pt>")
        return page[:position] + "\n<tf>\n\n" + sections + "\n\n</tf>" + page[position:]
    # flat page: after the last section documenting a torch model's forward
    matches = list(re.finditer(r"^\[\[autodoc\]\] \w+\n    - forward\n", page, re.M))
    if matches:
        position = matches[-1].end()
        return page[:position] + "\n" + sections + "\n" + page[position:]
    return page.rstrip("\n") + "\n\n" + sections + "\n"


def index_row(index: str, doc_name: str) -> tuple[str, bool]:
    """Tick the TensorFlow column of the model's row. (new text, whether the row was found)."""
    lines = index.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if "TensorFlow support" in line and line.startswith("|")), None)
    if header is None:
        return index, False
    column = [c.strip() for c in lines[header].split("|")].index("TensorFlow support")
    for i, line in enumerate(lines):
        if f"](model_doc/{doc_name})" in line and line.startswith("|"):
            cells = line.split("|")
            cells[column] = cells[column].replace("❌", "✅")  # same display width: the centring holds
            lines[i] = "|".join(cells)
            return "".join(lines), True
    return index, False


def documentation_tests(listing: str, path: str) -> str:
    entries = listing.splitlines()
    if path in entries:
        return listing
    entries.append(path)
    return "\n".join(sorted(e for e in entries if e)) + "\n"
