"""Indexing and immutability: torch's tensor indexing (`x[mask]`, `x[idx_a, idx_b]`) goes through the
`torch_index` twin; item assignment (`x[key] = v`, `x[key] += v`) and in-place methods rebind the name to a new
tensor, since TF tensors are immutable.

In-place methods, one mechanism for all of them:
- as a statement of their own, on a name, an attribute or an item (`x.clamp_(min=0)`,
  `final_hidden_states.index_add_(0, top_x, h)`, `cache.ssm_states[i].copy_(state)`): the name is rebound to the
  out-of-place result (the item set through `torch_setitem`);
- on a fresh tensor no one else sees (`torch.zeros_like(logits).scatter_(1, idx, v)`): the out-of-place result;
- the out-of-place result is the method without its `_` where the translator registry knows that method
  (`masked_fill`, `index_add`, `scatter`, `clamp`, `mul`, ...); `zero_` / `fill_(v)` / `copy_(src)` have no such
  method: zeros, or `v` / `src` cast to x's dtype and broadcast to its shape.
Elsewhere (`y = x.add_(1)`: two names for one tensor) TF has no tensor to update: the registry leaves a TODO."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..analysis import sublayer_at
from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos
from ..translate import METHODS

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


# in-place methods with no out-of-place torch method: their number of arguments
IN_PLACE_VALUES = {"zero_": 0, "fill_": 1, "copy_": 1}
# `x.add_(y)`: the operator (a set's `.add` keeps `add` out of the method registry)
IN_PLACE_OPERATORS = {"add_": cst.Add}
SCALED = {"mul_": "*", "div_": "/"}  # a Linear's weight scaled in place (rwkv)
IN_PLACE_MARK = "_scaffold_in_place_"


def _scales_a_weight(call: cst.Call) -> bool:
    """`<layer>.weight.mul_(k)` / `.div_(k)`: a weight scaled in place (rwkv), which `_scaled_kernel` rewrites."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in SCALED
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value == "weight"
        and len(call.args) == 1
        and call.args[0].keyword is None
    )


def in_place_method(call: cst.Call) -> str | None:
    """`x.<name>_(...)` when scaffold rewrites it out of place: the method's name."""
    if not isinstance(call.func, cst.Attribute):
        return None
    name = call.func.attr.value
    plain = all(a.keyword is None and a.star == "" for a in call.args)
    if name in IN_PLACE_VALUES:
        return name if plain and len(call.args) == IN_PLACE_VALUES[name] else None
    if name in IN_PLACE_OPERATORS:
        return name if plain and len(call.args) == 1 else None
    if name.endswith("_") and not name.startswith("_") and METHODS.lookup(name[:-1]) is not None:
        return name
    return None


class IndexingPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._targets = 0  # inside an assignment target (`x[i] = ...` stays a subscript for leave_Assign)
        # id() of the in-place calls rewritten out of place -> their receiver, before translation (None: a fresh
        # tensor, nothing to rebind)
        self._in_place_calls: dict[int, cst.BaseExpression | None] = {}
        self._in_place_statements: set[int] = set()

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

    def _scaled_kernel(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr | None:
        """`block.attention.output.weight.div_(k)` (rwkv rescales its Linear weights in place, once, at inference)
        -> `layer.kernel.assign(layer.kernel / k)`: a Dense kernel is torch's weight transposed, and scaling by a
        number does not see the layout; the variable is updated as torch's parameter is."""
        call, new = original.value, updated.value
        if not (self.cursor.in_body and isinstance(call, cst.Call) and isinstance(new, cst.Call)):
            return None
        if not _scales_a_weight(call):
            return None
        func = call.func
        assert isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)
        owner, new_weight = func.value.value, new.func.value if isinstance(new.func, cst.Attribute) else None
        sub = sublayer_at(self.info, owner, self.ctx.current_class()) if isinstance(owner, cst.Attribute) else None
        if sub is None or sub.kind != "Linear":
            return None
        # the layer attributes pass made the weight `tf.transpose(<layer>.kernel)`
        if not (isinstance(new_weight, cst.Call) and dotted(new_weight.func) == "tf.transpose"):
            return None
        kernel = new_weight.args[0].value
        if not (isinstance(kernel, cst.Attribute) and kernel.attr.value == "kernel"):
            return None
        value = self.expr(f"{{k}} {SCALED[func.attr.value]} {{s}}", k=kernel, s=_parenthesized(new.args[0].value))
        return updated.with_changes(value=self.expr("{k}.assign({v})", k=kernel, v=value))

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if self.cursor.in_body and isinstance(call, cst.Call) and in_place_method(call) is not None:
            if _scales_a_weight(call):
                return  # a Linear's weight scaled in place: _scaled_kernel
            self._in_place_statements.add(id(call))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """An in-place call rewritten out of place: renamed here, before the registry translates it (the
        zero_/fill_/copy_ ones keep a name of their own until their statement is rewritten: leave_Expr)."""
        if not self.cursor.in_body or not isinstance(updated.func, cst.Attribute):
            return updated
        statement = id(original) in self._in_place_statements
        # a fresh tensor in torch's code (`torch.zeros_like(x).scatter_(...)`), not one a translation made a call
        fresh = isinstance(original.func, cst.Attribute) and isinstance(original.func.value, cst.Call)
        method = in_place_method(original) if statement or fresh else None
        if method is None or (fresh and not statement and method in IN_PLACE_VALUES):
            return updated
        self._in_place_statements.discard(id(original))
        self._in_place_calls[id(original)] = updated.func.value if statement else None
        if method in IN_PLACE_OPERATORS:
            right = updated.args[0].value
            if not isinstance(right, (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.Call, cst.Subscript)):
                right = right.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return cst.BinaryOperation(
                left=updated.func.value,
                operator=IN_PLACE_OPERATORS[method](),
                right=right,
                lpar=[cst.LeftParen()],
                rpar=[cst.RightParen()],
            )
        name = IN_PLACE_MARK + method if method in IN_PLACE_VALUES else method[:-1]
        return updated.with_changes(func=updated.func.with_changes(attr=cst.Name(name)))

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr | cst.Assign:
        """An in-place statement -> its target rebound (an item: set through torch_setitem) to the out-of-place
        result."""
        scaled = self._scaled_kernel(original, updated)
        if scaled is not None:
            return scaled
        if id(original.value) not in self._in_place_calls:
            return updated
        target = self._in_place_calls.pop(id(original.value))
        assert target is not None
        method = original.value.func.attr.value  # type: ignore[attr-defined]
        key: cst.BaseExpression | None = None
        if isinstance(target, cst.Subscript):
            key = _subscript_key(target.slice)
            supported = key is not None and dotted(target.value) is not None and not isinstance(key, cst.SimpleString)
        else:
            supported = dotted(target) is not None
        new = updated.value
        if not supported:
            self.untranslated(f".{method}()", "in place on this expression: TF tensors are immutable")
            if isinstance(new, cst.Call) and isinstance(new.func, cst.Attribute) and method in IN_PLACE_VALUES:
                return updated.with_changes(value=new.with_changes(func=new.func.with_changes(attr=cst.Name(method))))
            return updated
        value: cst.BaseExpression
        if method == "zero_":
            value = self.call("tf.zeros_like", target)
        elif method in IN_PLACE_VALUES:
            assert isinstance(new, cst.Call)
            value = self.expr(
                "tf.broadcast_to(tf.cast({source}, {target}.dtype), tf.shape({target}))",
                source=new.args[0].value,
                target=target,
            )
        else:
            value = new.with_changes(lpar=[], rpar=[]) if isinstance(new, cst.BinaryOperation) else new
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
            nested = self._nested_setitem(target, key, updated.value)
            if nested is not None:
                return updated.with_changes(targets=[cst.AssignTarget(nested[0])], value=nested[1])  # type: ignore[arg-type]
            self.todo("assignment into an indexed expression: TF tensors are immutable; rewrite it by hand")
            return updated
        value = self.call("torch_setitem", target.value, key, updated.value)
        return updated.with_changes(targets=[cst.AssignTarget(target.value)], value=value)  # type: ignore[arg-type]

    def _nested_setitem(
        self, target: cst.Subscript, key: cst.BaseExpression, value: cst.BaseExpression
    ) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
        """`state[2][:, :, i] = v` (rwkv's per-layer states, a list of tensors) -> `state = torch_setitem(state, 2,
        torch_setitem(state[2], (slice(None), slice(None), i), v))`: the item is replaced, as torch writes it."""
        outer = target.value
        if not isinstance(outer, cst.Subscript) or dotted(outer.value) is None:
            return None
        outer_key = _subscript_key(outer.slice)
        if outer_key is None or isinstance(outer_key, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return None
        inner = self.call("torch_setitem", outer, key, value)
        return outer.value, self.call("torch_setitem", outer.value, outer_key, inner)

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


def _parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` as the right operand of `*` or `/`: in parentheses unless it is a name, a literal, a call or an item."""
    if isinstance(node, (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.Call, cst.Subscript)):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
