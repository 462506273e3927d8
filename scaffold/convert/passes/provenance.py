"""`# Copied from transformers.<...>.modeling_<x>.<Obj>` -> `# Adapted from ...` in the generated TF file.

A `# Copied from` comment is an enforced copy marker (transformers' `utils/check_copies.py`, and item 2 of
`scaffold check`): the object below it must equal its target after the `A->B` replacements. In a converted
file the object below is TF code while the target is the PyTorch object it came from, so the marker would fail
every time; it becomes a provenance note check_copies does not read. Markers pointing at TF objects
(`modeling_tf_<x>`, `modeling_tf_utils`) keep their meaning and are left alone.
"""

from __future__ import annotations

import re

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
