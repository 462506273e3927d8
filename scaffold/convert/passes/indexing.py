"""Indexing and immutability: torch's tensor indexing (`x[mask]`, `x[idx_a, idx_b]`) goes through the
`torch_index` twin; item assignment (`x[key] = v`, `x[key] += v`, `x.masked_fill_(...)`) rebinds the name to a
new tensor, since TF tensors are immutable."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos

AUGMENTED = {
    "AddAssign": cst.Add,
    "SubtractAssign": cst.Subtract,
    "MultiplyAssign": cst.Multiply,
    "DivideAssign": cst.Divide,
    "FloorDivideAssign": cst.FloorDivide,
    "ModuloAssign": cst.Modulo,
    "PowerAssign": cst.Power,
}


def _subscript_key(elements: Sequence[cst.SubscriptElement]) -> cst.BaseExpression | None:
    """The key `x[...]` passes to __setitem__, as an expression: `[:, 1:]` -> `(slice(None), slice(1, None))`."""
    keys: list[cst.BaseExpression] = []
    for element in elements:
        item = element.slice
        if isinstance(item, cst.Index):
            if item.star is not None:
                return None
            keys.append(item.value)
        else:
            assert isinstance(item, cst.Slice)
            # `slice(1)` would be a stop: `:` is slice(None), `1:` slice(1, None)
            bounds = [item.lower, item.upper, item.step]
            if item.step is None:
                bounds.pop()
                if item.upper is None and item.lower is None:
                    bounds.pop()
            keys.append(
                cst.Call(
                    func=cst.Name("slice"),
                    args=[cst.Arg(b if b is not None else cst.Name("None")) for b in bounds],
                )
            )
    if len(keys) == 1:
        return keys[0]
    return cst.Tuple([cst.Element(k) for k in keys])


def _mask_key(elements: Sequence[cst.SubscriptElement]) -> cst.BaseExpression | None:
    """`[m, :]` / `[:, m]` / `[..., m]`: one variable among full slices (and a `...`), as the key torch_index
    takes; else None."""
    names = [
        e.slice for e in elements if isinstance(e.slice, cst.Index) and not isinstance(e.slice.value, cst.Ellipsis)
    ]
    if len(elements) < 2 or len(names) != 1 or names[0].star is not None or not isinstance(names[0].value, cst.Name):
        return None
    if names[0].value.value in ("None", "True", "False"):
        return None
    if not all(
        isinstance(e.slice, cst.Index)
        or (isinstance(e.slice, cst.Slice) and e.slice.lower is e.slice.upper is e.slice.step is None)
        for e in elements
    ):
        return None
    if len(elements) - len(names) > 1 and any(
        isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.Ellipsis) for e in elements
    ):
        return None  # `[..., :, m]`: left to TF
    return _subscript_key(elements)


def _is_tf_call(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and (dotted(node.func) or "").startswith("tf.")


def _is_ids(node: cst.BaseExpression) -> bool:
    """A name that holds integer ids by transformers' conventions (`position_ids`, `cache_position`,
    `vision_start_indices` and `vision_start_indices + 1`), or a comparison (a boolean mask: `x[mask == 1]`)."""
    if isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.BinaryOperation):
        return _is_ids(node.left) or _is_ids(node.right)
    return isinstance(node, cst.Name) and (node.value.endswith(("_ids", "_indices")) or node.value == "cache_position")


def _tensor_index_key(elements: Sequence[cst.SubscriptElement]) -> cst.BaseExpression | None:
    """The key of `x[...]` when it indexes with tensors, for torch_index (TF slicing takes none of these), else
    None: `table[index.view(-1)]` (an integer tensor: a gather), `embed_positions[position_ids]` (ids by name),
    `logits[tf.range(b), last]` / `attention_mask[batch_idx, kv_idx]` (several indices picking elements, torch's
    advanced indexing),
    `hidden_states[eos_mask, :]` (a variable among `:` may be a boolean mask; torch_index indexes as TF does when
    it is an int)."""
    indices = [e.slice for e in elements if isinstance(e.slice, cst.Index)]
    if (
        len(elements) == 1
        and indices
        and indices[0].star is None
        and (_is_tf_call(indices[0].value) or _is_ids(indices[0].value))
    ):
        return indices[0].value
    if (
        len(elements) > 1
        and len(indices) == len(elements)
        and all(i.star is None for i in indices)
        and (
            any(_is_tf_call(i.value) for i in indices)
            # masking_utils' mask functions: `attention_mask[batch_idx, kv_idx]` on broadcast index tensors
            or all(isinstance(i.value, cst.Name) and i.value.value.endswith("_idx") for i in indices)
        )
    ):
        return cst.Tuple([cst.Element(i.value) for i in indices])
    return _mask_key(elements)


def _tuple_of_rows(elements: Sequence[cst.SubscriptElement]) -> bool:
    """`x[tuple(t)]`: one index, `tuple(...)` of one argument."""
    if len(elements) != 1 or not isinstance(elements[0].slice, cst.Index):
        return False
    value = elements[0].slice.value
    return (
        isinstance(value, cst.Call)
        and dotted(value.func) == "tuple"
        and len(value.args) == 1
        and not value.args[0].star
    )


def _one_literal(element: cst.SubscriptElement) -> int | None:
    """`[k]` (a list of one integer literal) as an index: k, else None."""
    item = element.slice
    if not (isinstance(item, cst.Index) and isinstance(item.value, cst.List) and len(item.value.elements) == 1):
        return None
    value = item.value.elements[0].value
    text = cst.Module([]).code_for_node(value).replace(" ", "")
    return int(text) if isinstance(value, (cst.Integer, cst.UnaryOperation)) and text.lstrip("-").isdigit() else None


def _as_slice(element: cst.SubscriptElement) -> cst.SubscriptElement:
    k = _one_literal(element)
    if k is None:
        return element
    upper = (
        None
        if k == -1
        else cst.Integer(str(k + 1))
        if k >= 0
        else cst.UnaryOperation(cst.Minus(), cst.Integer(str(-(k + 1))))
    )
    lower = cst.Integer(str(k)) if k >= 0 else cst.UnaryOperation(cst.Minus(), cst.Integer(str(-k)))
    return element.with_changes(slice=cst.Slice(lower=lower, upper=upper))


# in-place tensor methods written as statements of their own: their number of arguments
IN_PLACE = {"zero_": 0, "fill_": 1, "copy_": 1}
IN_PLACE_MARK = "_scaffold_in_place_"


class IndexingPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._targets = 0  # inside an assignment target (`x[i] = ...` stays a subscript for leave_Assign)
        self._in_place_calls: set[int] = set()  # `x.zero_()` / `.fill_(v)` / `.copy_(src)` calls as statements

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets += 1

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget) -> cst.AssignTarget:
        self._targets -= 1
        return updated

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets += 1

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        if self.cursor.in_body and any(_one_literal(e) is not None for e in updated.slice):
            # `x[..., [-2], :]`: one index in a list keeps its dim, as the slice `-2:-1` does
            updated = updated.with_changes(slice=[_as_slice(e) for e in updated.slice])
        key = _tensor_index_key(updated.slice) if self.cursor.in_body and not self._targets else None
        if key is None and self.cursor.in_body and not self._targets and _tuple_of_rows(updated.slice):
            # superpoint's `scores[0][tuple(keypoints.t())]`: the rows of an index tensor, one per leading dim
            # (torch's advanced indexing); tf.unstack splits them where iterating a traced tensor cannot
            rows = updated.slice[0].slice.value.args[0].value  # type: ignore[attr-defined]
            return self.call("torch_index", updated.value, self.expr("tuple(tf.unstack({rows}))", rows=rows))
        if key is not None:
            return self.call("torch_index", updated.value, key)
        return updated

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr | cst.Assign:
        """`x.masked_fill_(mask, value)` as a statement -> `x = tf.where(mask, value, x)`."""
        call = original.value
        if (
            self.cursor.in_body
            and isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "masked_fill_"
            and isinstance(call.func.value, cst.Name)
            and len(call.args) == 2
            and all(a.keyword is None for a in call.args)
        ):
            translated = updated.value if isinstance(updated.value, cst.Call) else call
            target = call.func.value
            value = self.call("tf.where", translated.args[0].value, translated.args[1].value, target)
            return cst.Assign(targets=[cst.AssignTarget(target)], value=value)
        return self._in_place(original, updated)

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if (
            self.cursor.in_body
            and isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in IN_PLACE
            and all(a.keyword is None and a.star == "" for a in call.args)
            and len(call.args) == IN_PLACE[call.func.attr.value]
        ):
            self._in_place_calls.add(id(call))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """An in-place statement's call keeps a name of its own until its statement is rewritten (leave_Expr)."""
        if id(original) in self._in_place_calls and isinstance(updated.func, cst.Attribute):
            return updated.with_changes(
                func=updated.func.with_changes(attr=cst.Name(IN_PLACE_MARK + updated.func.attr.value))
            )
        return updated

    def _in_place(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr | cst.Assign:
        """`x.zero_()`, `x.fill_(v)`, `x.copy_(src)` as a statement, on a name, an attribute or an item
        (`cache.ssm_states[i].copy_(state)`) -> the name rebound (the item set: torch_setitem) to zeros, or to `v` /
        `src` cast to x's dtype and broadcast to its shape, as torch writes them in place."""
        new = updated.value
        if id(original.value) not in self._in_place_calls:
            return updated
        self._in_place_calls.discard(id(original.value))
        assert isinstance(new, cst.Call) and isinstance(new.func, cst.Attribute)
        method = new.func.attr.value[len(IN_PLACE_MARK) :]
        target = new.func.value
        key: cst.BaseExpression | None = None
        if isinstance(target, cst.Subscript):
            key = _subscript_key(target.slice)
            supported = key is not None and dotted(target.value) is not None and not isinstance(key, cst.SimpleString)
        else:
            supported = dotted(target) is not None
        if not supported:
            self.untranslated(f".{method}()", "in place on this expression: TF tensors are immutable")
            return updated.with_changes(value=new.with_changes(func=new.func.with_changes(attr=cst.Name(method))))
        value: cst.BaseExpression
        if method == "zero_":
            value = self.call("tf.zeros_like", target)
        else:
            value = self.expr(
                "tf.broadcast_to(tf.cast({source}, {target}.dtype), tf.shape({target}))",
                source=new.args[0].value,
                target=target,
            )
        if isinstance(target, cst.Subscript):
            assert key is not None
            return cst.Assign(
                targets=[cst.AssignTarget(target.value)],  # type: ignore[arg-type]
                value=self.call("torch_setitem", target.value, key, value),
            )
        return cst.Assign(targets=[cst.AssignTarget(target)], value=value)  # type: ignore[arg-type]

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        """`x[key] = value` -> `x = torch_setitem(x, key, value)`: a tensor gets a new tensor (TF tensors are
        immutable), a list or dict is updated as before. A string key (a dict entry) stays as it is."""
        target = updated.targets[0].target if len(updated.targets) == 1 else None
        if not self.cursor.in_body or not isinstance(target, cst.Subscript):
            return updated
        key = _subscript_key(target.slice)
        if key is None:
            return updated
        if isinstance(key, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return updated
        if dotted(target.value) is None:
            self.todo("assignment into an indexed expression: TF tensors are immutable; rewrite it by hand")
            return updated
        value = self.call("torch_setitem", target.value, key, updated.value)
        return updated.with_changes(targets=[cst.AssignTarget(target.value)], value=value)  # type: ignore[arg-type]

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> cst.AugAssign | cst.Assign:
        """`x[key] += v` -> `x = torch_setitem(x, key, x[key] + v)`."""
        self._targets -= 1
        target = updated.target
        if not self.cursor.in_body or not isinstance(target, cst.Subscript) or dotted(target.value) is None:
            return updated
        key = _subscript_key(target.slice)
        operator = AUGMENTED.get(type(updated.operator).__name__)
        if key is None or operator is None or isinstance(key, (cst.SimpleString, cst.FormattedString)):
            return updated
        right = updated.value
        if not isinstance(right, (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.Call, cst.Subscript)):
            right = right.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        value = cst.BinaryOperation(left=target, operator=operator(), right=right)  # type: ignore[abstract]
        return cst.Assign(
            targets=[cst.AssignTarget(target.value)],  # type: ignore[arg-type]
            value=self.call("torch_setitem", target.value, key, value),
        )
