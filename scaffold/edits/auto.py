"""`models/auto/modeling_tf_auto.py`: the TF base mapping and every head mapping whose PyTorch twin in
`modeling_auto.py` lists the model, each entry in the alphabetical position the file keeps."""

from __future__ import annotations

import re

_MAPPING = re.compile(r"^(?P<name>(?:TF_)?MODEL(?:_\w+?)?_MAPPING_NAMES) = OrderedDict\(", re.M)
_ENTRY = re.compile(r'\(\s*"(?P<key>[^"]+)",\s*(?P<value>"[^"]*"|\([^)]*\))\s*\)')


def _blocks(text: str) -> dict[str, tuple[int, int]]:
    """Mapping name -> (start, end) offsets of its `NAME = OrderedDict(...)` statement."""
    return {m.group("name"): (m.start(), _closing(text, m.end() - 1) + 1) for m in _MAPPING.finditer(text)}


def _closing(text: str, open_at: int) -> int:
    """The offset of the parenthesis closing the one at `open_at`, skipping strings and comments."""
    depth, i = 0, open_at
    while i < len(text):
        char = text[i]
        if char == "#":
            i = text.index("\n", i)
            continue
        if char in "\"'":
            i = text.index(char, i + 1) + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced parentheses")


def _entries(block: str) -> list[tuple[str, list[str]]]:
    return [(m.group("key"), re.findall(r'"([^"]+)"', m.group("value"))) for m in _ENTRY.finditer(block)]


def mapped_classes(auto_text: str) -> dict[str, list[str]]:
    """Class -> the mappings of an auto file that list it."""
    found: dict[str, list[str]] = {}
    for name, (start, end) in _blocks(auto_text).items():
        for _, classes in _entries(auto_text[start:end]):
            for cls in classes:
                found.setdefault(cls, []).append(name)
    return found


def pt_entries(pt_auto: str, pt_classes: set[str]) -> dict[str, list[tuple[str, str]]]:
    """PyTorch mapping name -> (model type, class) entries naming one of `pt_classes`."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, (start, end) in _blocks(pt_auto).items():
        if name.startswith("TF_"):
            continue
        for key, classes in _entries(pt_auto[start:end]):
            for cls in classes:
                if cls in pt_classes:
                    found.setdefault(name, []).append((key, cls))
    return found


def tf_auto_mappings(tf_auto: str, pt_auto: str, pt_classes: set[str], tf_classes: set[str]) -> tuple[str, list[str]]:
    """The new modeling_tf_auto.py text and the `mapping: (type, class)` lines added."""
    added = []
    for pt_name, entries in pt_entries(pt_auto, pt_classes).items():
        tf_name = "TF_" + pt_name
        for key, cls in entries:
            if "TF" + cls not in tf_classes:
                continue
            blocks = _blocks(tf_auto)
            if tf_name not in blocks:
                continue
            start, end = blocks[tf_name]
            block = tf_auto[start:end]
            if any(k == key and "TF" + cls in v for k, v in _entries(block)):
                continue
            tf_auto = tf_auto[:start] + _insert(block, tf_name, key, "TF" + cls) + tf_auto[end:]
            added.append(f"{tf_name}: ({key!r}, 'TF{cls}')")
    return tf_auto, added


def _insert(block: str, name: str, key: str, cls: str) -> str:
    entries = _entries(block)
    if "\n" not in block.strip():  # `X = OrderedDict([("a", "A")])`: rewrite multi-line
        entries = sorted([*((k, v[0]) for k, v in entries), (key, cls)])
        lines = "".join(f'        ("{k}", "{v}"),\n' for k, v in entries)
        return f"{name} = OrderedDict(\n    [\n{lines}    ]\n)"
    lines = block.splitlines(keepends=True)
    entry_lines = [i for i, line in enumerate(lines) if _ENTRY.search(line) and line.lstrip().startswith("(")]
    new = f'        ("{key}", "{cls}"),\n'
    after = [i for i in entry_lines if _ENTRY.search(lines[i]).group("key") > key]
    if after:
        position = after[0]
    elif entry_lines:
        position = entry_lines[-1] + 1
    else:
        position = next(i for i, line in enumerate(lines) if line.strip() == "[") + 1
    lines.insert(position, new)
    return "".join(lines)
