"""Mixture-of-experts dispatch: the expert loops of MoE blocks (mixtral, qwen2_moe, gpt_oss, ...) in forms that
run eagerly and under tf.function.

PyTorch loops over the experts some token is routed to, a data-dependent loop over a tensor:

    expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
    for expert_idx in expert_hit:                          # rows of one element
        expert_layer = self.experts[expert_idx]
        idx, top_x = torch.where(expert_mask[expert_idx].squeeze(0))
        current_state = hidden_states[None, top_x].reshape(-1, hidden_dim)
        ...
        final_hidden_states.index_add_(0, top_x, current_hidden_states)

TF cannot index a list of layers with a tensor, nor trace a loop over one. The loop goes over every expert
instead (`moe_expert_indices`: Python ints, the length of the expert mask); an expert no token is routed to
gathers no rows and adds nothing, so the result is the same, value for value. Where the loop variable stood for a
one-element index tensor, `t[expert_idx]` keeps that dim (`t[expert_idx : expert_idx + 1]`), as torch's does; a
loop that first takes `expert_idx = expert_idx[0]` (gpt_oss) uses the int as it is.

Also here, because the dispatch is where they occur (`x.index_add_(...)` / `scatter_` are rewritten out of
place with every other in-place method: passes/indexing.py):
- indexing with the integer tensors `torch.where(mask)` returns (`hidden_states[None, top_x]`,
  `routing_weights[top_x, idx, None]`, `hidden_states[token_idx]`) -> `torch_index`, which reads them as torch does;
- `x.device.type` (gpt_oss takes its expert loop on the CPU) -> torch_device_type(x).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m

from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos


def _is_nonzero(node: cst.BaseExpression) -> bool:
    """`x.nonzero()` / `torch.nonzero(x)` (no `as_tuple`)."""
    if not isinstance(node, cst.Call) or any(a.keyword is not None for a in node.args):
        return False
    if isinstance(node.func, cst.Attribute) and node.func.attr.value == "nonzero":
        return not node.args if dotted(node.func.value) != "torch" else len(node.args) == 1
    return False


def _nonzero_receiver(node: cst.Call) -> cst.BaseExpression:
    assert isinstance(node.func, cst.Attribute)
    return node.args[0].value if node.args else node.func.value


def _loop_source(node: cst.For) -> str | None:
    """`for v in h:` / `for v in h[:]:` -> "h"."""
    it = node.iter
    if isinstance(it, cst.Subscript) and len(it.slice) == 1:
        s = it.slice[0].slice
        if isinstance(s, cst.Slice) and s.lower is s.upper is s.step is None:
            it = it.value
    return it.value if isinstance(it, cst.Name) else None


def _is_torch_where_of_one(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and dotted(node.func) == "torch.where"
        and len(node.args) == 1
        and node.args[0].keyword is None
    )


def _index_results(node: cst.BaseExpression) -> tuple[int, ...] | None:
    """Where a call's result holds integer index tensors: `torch.where(mask)` (every part), `x.sort(...)` /
    `torch.topk(...)` ((values, indices): the second), `x.argsort()` (the whole result: position -1)."""
    if not isinstance(node, cst.Call):
        return None
    if _is_torch_where_of_one(node):
        return (0, 1, 2, 3, 4, 5, 6, 7)
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else None
    if name in ("sort", "topk") and node.args:
        return (1,)
    if name == "argsort":
        return (-1,)
    return None


def _derived_index(node: cst.BaseExpression, known: set[str]) -> bool:
    """An index tensor divided with rounding: `i.div(k, rounding_mode=...)`, `torch.div(i, k, rounding_mode=...)`,
    `i // k`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.FloorDivide):
        return isinstance(node.left, cst.Name) and node.left.value in known
    if not isinstance(node, cst.Call) or not any(
        a.keyword is not None and a.keyword.value == "rounding_mode" for a in node.args
    ):
        return False
    if dotted(node.func) == "torch.div":
        first = node.args[0].value if node.args else None
    elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("div", "divide"):
        first = node.func.value
    else:
        return False
    return isinstance(first, cst.Name) and first.value in known


def _names_loaded(node: cst.CSTNode) -> list[cst.Name]:
    return [n for n in m.findall(node, m.Name()) if isinstance(n, cst.Name)]


@dataclass
class _Loop:
    var: str
    scalar: bool  # the body starts with `var = var[0]`: the loop variable is used as an int


@dataclass
class _Function:
    hit_calls: set[int] = field(default_factory=set)  # id() of the `.nonzero()` calls that become expert ranges
    hit_names: set[str] = field(default_factory=set)
    index_names: set[str] = field(default_factory=set)  # names bound to integer index tensors (torch.where(x))


class MoePass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._functions: list[_Function] = []
        self._loops: list[_Loop | None] = []
        self._targets = 0

    # --- what the function binds, read once from the original function

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        facts = _Function(index_names=self._index_names(node, self.cursor.class_name, 0))
        assigned: dict[str, list[cst.BaseExpression]] = {}
        for assign in m.findall(node.body, m.Assign()):
            assert isinstance(assign, cst.Assign)
            for target in assign.targets:
                if isinstance(target.target, cst.Name):
                    assigned.setdefault(target.target.value, []).append(assign.value)
        loop_sources = {_loop_source(f) for f in m.findall(node.body, m.For()) if isinstance(f, cst.For)}
        for name, values in assigned.items():
            if name in loop_sources and len(values) == 1 and _is_nonzero(values[0]) and self._only_looped(node, name):
                facts.hit_names.add(name)
                facts.hit_calls.add(id(values[0]))
        self._functions.append(facts)

    def _index_names(self, function: cst.FunctionDef, class_name: str | None, depth: int) -> set[str]:
        """The names `function` binds only to integer index tensors: parts of `torch.where(mask)`, the indices of
        `sort` / `topk`, `argsort`'s result, such a name divided with rounding (`.div(k, rounding_mode=...)`,
        `// k`), and what a sub-layer's forward returns at such positions (`_, batch_index, ... = self.router(x)`)."""
        index_bound: set[str] = set()
        other_bound: set[str] = set()
        for assign in m.findall(function.body, m.Assign()):
            assert isinstance(assign, cst.Assign)
            for target in assign.targets:
                if isinstance(target.target, cst.Tuple):
                    positions = (
                        _index_results(assign.value)
                        or self._returned_indices(assign.value, class_name, depth)
                        or self._packed_indices(assign.value, function, class_name, depth)
                    )
                    for p, e in enumerate(target.target.elements):
                        if isinstance(e.value, cst.Name):
                            (index_bound if p in positions else other_bound).add(e.value.value)
                elif isinstance(target.target, cst.Name):
                    is_index = _index_results(assign.value) == (-1,) or _derived_index(assign.value, index_bound)
                    (index_bound if is_index else other_bound).add(target.target.value)
        return index_bound - other_bound

    def _packed_indices(
        self, value: cst.BaseExpression, function: cst.FunctionDef, class_name: str | None, depth: int
    ) -> tuple[int, ...]:
        """`a, b = topo_info`, a parameter another method of the class packed (`topo_info = (order, tokens)`,
        jetmoe's map/reduce): the positions that method packed index tensors at."""
        cls = self.info.classes.get(class_name or "")
        if depth > 2 or cls is None or not isinstance(value, cst.Name):
            return ()
        if value.value not in {p.name.value for p in function.params.params}:
            return ()
        for method in cls.node.body.body:
            if not isinstance(method, cst.FunctionDef) or method is function:
                continue
            for assign in m.findall(method.body, m.Assign(targets=[m.AssignTarget(m.Name(value.value))])):
                assert isinstance(assign, cst.Assign)
                if isinstance(assign.value, cst.Tuple):
                    names = self._index_names(method, class_name, depth + 1)
                    return tuple(
                        p
                        for p, e in enumerate(assign.value.elements)
                        if isinstance(e.value, cst.Name) and e.value.value in names
                    )
        return ()

    def _returned_indices(self, value: cst.BaseExpression, class_name: str | None, depth: int) -> tuple[int, ...]:
        """`self.router(x)`: the positions of the sub-layer's returned tuple that are index tensors."""
        name = dotted(value.func) if isinstance(value, cst.Call) else None
        cls = self.info.classes.get(class_name or "")
        if depth > 2 or cls is None or name is None or not name.startswith("self.") or name.count(".") != 1:
            return ()
        sub = cls.sublayers.get(name[len("self.") :])
        owner = self.info.classes.get(sub.cls or "") if sub is not None and sub.kind == "custom" else None
        forward = owner.method("forward") if owner is not None else None
        if owner is None or forward is None:
            return ()
        returns = [r for r in m.findall(forward.body, m.Return()) if isinstance(r, cst.Return)]
        if not returns or not isinstance(returns[-1].value, cst.Tuple):
            return ()
        names = self._index_names(forward, owner.name, depth + 1)
        elements = returns[-1].value.elements
        return tuple(p for p, e in enumerate(elements) if isinstance(e.value, cst.Name) and e.value.value in names)

    @staticmethod
    def _only_looped(function: cst.FunctionDef, name: str) -> bool:
        """Every load of `name` is a loop's iterable (its assignment aside)."""
        loads = [n for n in _names_loaded(function.body) if n.value == name]
        uses = 1  # the assignment target
        for loop in m.findall(function.body, m.For()):
            assert isinstance(loop, cst.For)
            if _loop_source(loop) == name:
                uses += 1
        return len(loads) == uses

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self._functions.pop()
        return updated

    # --- the loop over the experts some token is routed to

    def visit_For(self, node: cst.For) -> None:
        facts = self._functions[-1] if self._functions else None
        source = _loop_source(node)
        if facts is None or source not in facts.hit_names or not isinstance(node.target, cst.Name):
            self._loops.append(None)
            return
        var = node.target.value
        body = node.body.body
        first = body[0] if body else None
        scalar = (
            isinstance(first, cst.SimpleStatementLine)
            and len(first.body) == 1
            and m.matches(
                first.body[0],
                m.Assign(
                    targets=[m.AssignTarget(m.Name(var))],
                    value=m.Subscript(value=m.Name(var), slice=[m.SubscriptElement(m.Index(m.Integer("0")))]),
                ),
            )
        )
        self._loops.append(_Loop(var, scalar))

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        loop = self._loops.pop()
        if loop is None or not loop.scalar:
            return updated
        # `expert_idx = expert_idx[0]`: the loop variable is an int already
        body = updated.body.body[1:] or [cst.SimpleStatementLine([cst.Pass()])]
        return updated.with_changes(body=updated.body.with_changes(body=body))

    def _loop_var(self) -> _Loop | None:
        return next((loop for loop in reversed(self._loops) if loop is not None), None)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        facts = self._functions[-1] if self._functions else None
        if facts is not None and id(original) in facts.hit_calls and self.cursor.in_body:
            assert isinstance(updated.func, cst.Attribute)
            receiver = updated.args[0].value if updated.args else updated.func.value
            return self.call("moe_expert_indices", receiver)
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        """`x.device.type` (gpt_oss picks its expert loop on the CPU) -> torch_device_type(x); `self.device.type`
        (modernbert's compile check) too: a layer is not on a GPU by itself."""
        inner = updated.value
        if (
            self.cursor.in_body
            and updated.attr.value == "type"
            and isinstance(inner, cst.Attribute)
            and inner.attr.value == "device"
            and dotted(inner.value) not in (None, "torch")
        ):
            return self.call("torch_device_type", inner.value)
        return updated

    # --- indexing with the loop variable and with integer index tensors

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets += 1

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget) -> cst.AssignTarget:
        self._targets -= 1
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        if not self.cursor.in_body or self._targets:
            return updated
        loop = self._loop_var()
        elements = updated.slice
        if loop is not None and not loop.scalar and self._is_loop_index(elements, loop.var):
            if not self._is_layer_list(updated.value):
                # a one-element index tensor keeps its dim: t[i] -> t[i : i + 1]
                var = cst.Name(loop.var)
                upper = cst.BinaryOperation(left=var, operator=cst.Add(), right=cst.Integer("1"))
                return updated.with_changes(slice=[cst.SubscriptElement(cst.Slice(lower=var, upper=upper))])
            return updated
        facts = self._functions[-1] if self._functions else None
        if facts is None or not facts.index_names:
            return updated
        indices = [e.slice for e in elements]
        if not all(isinstance(i, cst.Index) and i.star is None for i in indices):
            return updated
        values = [i.value for i in indices if isinstance(i, cst.Index)]
        if not any(isinstance(v, cst.Name) and v.value in facts.index_names for v in values):
            return updated
        key = values[0] if len(values) == 1 else cst.Tuple([cst.Element(v) for v in values])
        return self.call("torch_index", updated.value, key)

    @staticmethod
    def _is_loop_index(elements: Sequence[cst.SubscriptElement], var: str) -> bool:
        if len(elements) != 1:
            return False
        item = elements[0].slice
        return isinstance(item, cst.Index) and isinstance(item.value, cst.Name) and item.value.value == var

    def _is_layer_list(self, node: cst.BaseExpression) -> bool:
        """`self.experts`: a list of layers (torch indexes a ModuleList with a one-element tensor as an int)."""
        name = dotted(node)
        if name is None or not name.startswith("self.") or name.count(".") != 1:
            return False
        cls = self.info.classes.get(self.cursor.class_name or "")
        sub = cls.sublayers.get(name[len("self.") :]) if cls is not None else None
        return sub is not None and sub.kind in ("list", "sequential")
