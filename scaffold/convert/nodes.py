"""Build libcst nodes cheaply. `cst.parse_expression` costs about a millisecond a call, which a file with
hundreds of rewrites cannot afford: dotted names are built directly, other fragments are parsed once and
reused (libcst nodes are immutable, so a parsed fragment can stand in many places).

A template is a fragment with `{name}` placeholders for nodes of the code being converted: it is parsed once,
and `Template.names` tells which names the fragment itself writes (what it needs imported or defined), apart
from whatever the nodes put in its placeholders bring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


class _Names(cst.CSTVisitor):
    """The names code refers to: bare names and the heads of attribute chains (not attribute or keyword names)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def referenced_names(node: cst.CSTNode) -> frozenset[str]:
    collector = _Names()
    node.visit(collector)
    return frozenset(collector.names)


_PLACEHOLDER = "__scaffold_{}__"


class _Fill(cst.CSTTransformer):
    def __init__(self, nodes: dict[str, cst.CSTNode]) -> None:
        super().__init__()
        self.nodes = nodes

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        node = self.nodes.get(original.value)
        return node if isinstance(node, cst.BaseExpression) else updated


@dataclass(frozen=True)
class Template:
    node: cst.CSTNode
    placeholders: tuple[str, ...]
    names: frozenset[str]  # the names the template itself refers to (placeholders excluded)

    def fill(self, nodes: dict[str, cst.BaseExpression]) -> cst.CSTNode:
        if not self.placeholders:
            return self.node
        filled = self.node.visit(_Fill({_PLACEHOLDER.format(k): v for k, v in nodes.items()}))
        assert isinstance(filled, cst.CSTNode)
        return filled


@lru_cache(maxsize=4096)
def template(code: str, placeholders: tuple[str, ...] = (), statement: bool = False) -> Template:
    """`code` with each `{name}` of `placeholders` standing for a node given to `fill`."""
    if placeholders:
        code = re.sub(r"\{(\w+)\}", lambda m: _PLACEHOLDER.format(m[1]) if m[1] in placeholders else m[0], code)
    node: cst.CSTNode = statement_fragment(code) if statement else fragment(code)
    markers = {_PLACEHOLDER.format(p) for p in placeholders}
    return Template(node, placeholders, referenced_names(node) - markers)


def code(node: cst.CSTNode) -> str:
    """A node's source code."""
    return cst.Module([]).code_for_node(node)


def arg(value: cst.BaseExpression, keyword: str | None = None) -> cst.Arg:
    """`value` or `keyword=value` (no spaces around `=`)."""
    if keyword is None:
        return cst.Arg(value)
    return cst.Arg(
        value, keyword=cst.Name(keyword), equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    )


def clean(args: Iterable[cst.Arg]) -> list[cst.Arg]:
    """Arguments to place in a new call: their own commas dropped (codegen puts `, ` between them)."""
    return [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]


def number_literal(node: cst.BaseExpression) -> bool:
    """An integer or float literal, possibly negated (`0`, `-1`, `0.5`): not a name, a call or a tensor."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        node = node.expression
    return isinstance(node, (cst.Integer, cst.Float))
