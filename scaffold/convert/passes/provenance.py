"""`# Copied from transformers.<...>.modeling_<x>.<Obj>` -> `# Adapted from ...` in the generated TF file.

A `# Copied from` comment is an enforced copy marker (transformers' `utils/check_copies.py`, and item 2 of
`scaffold check`): the object below it must equal its target after the `A->B` replacements. In a converted
file the object below is TF code while the target is the PyTorch object it came from, so the marker would fail
every time; it becomes a provenance note check_copies does not read. Markers pointing at TF objects
(`modeling_tf_<x>`, `modeling_tf_utils`) keep their meaning and are left alone.
"""

from __future__ import annotations

import re
from typing import TypeVar

import libcst as cst

from ..pipeline import NodePass

COPIED_FROM = re.compile(r"^#(\s*)Copied from(\s+transformers\.(\S+)\.\S+.*)$", re.DOTALL)
_TF_MODULE = re.compile(r"(^|\.)(modeling_tf_\w+|tf_utils|modeling_tf_utils)$")


def provenance(comment: str) -> str | None:
    """The provenance form of a `# Copied from` comment pointing at a non-TF object, else None."""
    match = COPIED_FROM.match(comment)
    if match is None or _TF_MODULE.search(match.group(3)):
        return None
    return f"#{match.group(1)}Adapted from{match.group(2)}"


class ProvenancePass(NodePass):
    def leave_Comment(self, original: cst.Comment, updated: cst.Comment) -> cst.Comment:
        new = provenance(updated.value)
        return updated if new is None else updated.with_changes(value=new)


Definition = TypeVar("Definition", cst.FunctionDef, cst.ClassDef)


def with_provenance(node: Definition) -> Definition:
    """The node with its own `# Copied from` comments (above it, between decorators and def) in provenance form:
    for nodes a pass rebuilt from the original after pruning its subtree, which this pass never visited."""

    def lines(empty_lines):
        return [
            line.with_changes(comment=line.comment.with_changes(value=provenance(line.comment.value)))
            if line.comment is not None and provenance(line.comment.value) is not None
            else line
            for line in empty_lines
        ]

    return node.with_changes(
        leading_lines=lines(node.leading_lines), lines_after_decorators=lines(node.lines_after_decorators)
    )
