"""Build libcst nodes cheaply. `cst.parse_expression` costs about a millisecond a call, which a file with
hundreds of rewrites cannot afford: dotted names are built directly, other fragments are parsed once and
reused (libcst nodes are immutable, so a parsed fragment can stand in many places)."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst


def dotted_expr(name: str) -> cst.BaseExpression:
    """`a.b.c` -> Attribute(Attribute(Name(a), b), c), without parsing."""
    head, *rest = name.split(".")
    node: cst.BaseExpression = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


@lru_cache(maxsize=8192)
def fragment(code: str) -> cst.BaseExpression:
    """Any expression fragment, parsed once."""
    if code.replace(".", "").replace("_", "").isalnum() and not code[0].isdigit():
        return dotted_expr(code)
    return cst.parse_expression(code)


@lru_cache(maxsize=2048)
def statement_fragment(code: str) -> cst.BaseStatement:
    """A statement fragment, parsed once."""
    return cst.parse_statement(code)
