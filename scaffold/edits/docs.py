"""Docs: `model_doc/<m>.md` gets `[[autodoc]] TF... - call` sections mirroring the PyTorch ones (inside a
`<tf>` framework block where the page uses them); `index.md` shows ✅ in the TensorFlow column of the
model's row; `utils/documentation_tests.txt` lists the new file where that file exists."""

from __future__ import annotations

import ast
import re

from ..templates import render

# utils/check_repo.py's ignore_undocumented: public objects left undocumented on purpose (by name)
UNDOCUMENTED_SUFFIXES = ("PreTrainedModel", "Decoder", "Encoder", "Layer", "Embeddings", "Attention", "OnnxConfig")


def needs_documentation(name: str) -> bool:
    """Whether transformers' own rule wants an `[[autodoc]]` section for this public class."""
    return not (name.isupper() or name.endswith(UNDOCUMENTED_SUFFIXES))


_AUTODOC = re.compile(r"^\[\[autodoc\]\] (?P<name>[\w.]+)", re.M)


def autodoc_names(page: str) -> list[str]:
    """The objects a page documents, as utils/check_repo.py reads them (`transformers.TFX` is `TFX`)."""
    return [name.rpartition(".")[2] for name in re.findall(r"\[\[autodoc\]\]\s+(\S+)\s+", page)]


def doc_classes(page: str, tf_classes: list[str]) -> list[str]:
    """The TF classes to document, in the order of their PyTorch twins on the page, then the rest."""
    documented = autodoc_names(page)
    ordered = [f"TF{name}" for name in documented if f"TF{name}" in tf_classes]
    return ordered + [c for c in tf_classes if c not in ordered]


def model_doc_page(page: str, tf_classes: list[str]) -> str:
    present = set(autodoc_names(page))
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


def _literal_pairs(source: str | None, name: str) -> dict[str, str]:
    """A module-level `NAME = {...}` or `NAME = OrderedDict([(k, v), ...])` of strings, read without importing."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if not isinstance(target, ast.Name) or target.id != name:
            continue
        value = node.value
        if isinstance(value, ast.Call) and value.args:  # OrderedDict([...]) / OrderedDict[str, str]([...])
            value = value.args[0]
        try:
            literal = ast.literal_eval(value)
        except ValueError:
            return {}
        pairs = literal.items() if isinstance(literal, dict) else literal
        return {str(k): str(v) for k, v in pairs}
    return {}


def table_names(config_class: str | None, configuration_auto: str | None, check_table: str | None) -> set[str]:
    """The names of every index-table row `utils/check_table.py` derives from this model's config class: each
    model type mapped to that config (llama, code_llama: "LLaMA", "CodeLlama"), plus the names its
    MODEL_NAMES_WITH_SAME_CONFIG maps to one of those ("Llama2", "Llama3"). Read from the checkout's
    `configuration_auto.py` and `utils/check_table.py` (either may be missing: fewer names, never an error)."""
    if not config_class:
        return set()
    configs = _literal_pairs(configuration_auto, "CONFIG_MAPPING_NAMES")
    display = _literal_pairs(configuration_auto, "MODEL_NAMES_MAPPING")
    names = {display[t] for t, c in configs.items() if c == config_class and t in display}
    same = _literal_pairs(check_table, "MODEL_NAMES_WITH_SAME_CONFIG")
    return names | {n for n, original in same.items() if original in names}


ROW_NAME = re.compile(r"^\|\s*\[(?P<name>[^\]]+)\]\(model_doc/(?P<doc>[\w.-]+)\)")


def index_rows(index: str, doc_name: str, names: set[str] = frozenset()) -> tuple[str, list[str]]:
    """Tick the TensorFlow column of the model's rows: the one linking model_doc/<doc_name> and every row named in
    `names` (see table_names), as `make fix-copies` would. (new text, the names of the rows found); no rows found
    when the index has no model table (4.5x+ dropped it)."""
    lines = index.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if "TensorFlow support" in line and line.startswith("|")), None)
    if header is None:
        return index, []
    column = [c.strip() for c in lines[header].split("|")].index("TensorFlow support")
    found = []
    for i, line in enumerate(lines):
        match = ROW_NAME.match(line)
        if match and (match.group("doc") == doc_name or match.group("name") in names):
            cells = line.split("|")
            cells[column] = cells[column].replace("❌", "✅")  # same display width: the centring holds
            lines[i] = "|".join(cells)
            found.append(match.group("name"))
    return "".join(lines), found


def has_model_table(index: str) -> bool:
    return any("TensorFlow support" in line and line.startswith("|") for line in index.splitlines())


def documentation_tests(listing: str, path: str) -> str:
    entries = listing.splitlines()
    if path in entries:
        return listing
    entries.append(path)
    return "\n".join(sorted(e for e in entries if e)) + "\n"
