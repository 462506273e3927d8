"""Shape checks that raise become TF assertions, which hold in graph mode too.

`if attn_weights.size() != (bsz, self.num_heads, q_len, kv_len): raise ValueError(msg)` (every 4.46 eager
attention, many 4.57 ones) compares a shape with a tuple as a Python bool. Once `.size()` is
`tuple(shape_list(x))`, a dimension unknown at trace time (keras save, a serving signature with a None batch)
is a symbolic tensor, and `!=` on it cannot be a Python bool: the layer fails to trace. The TF ports write
`tf.debugging.assert_equal(shape_list(x), [...], message=msg)`: the same check, eagerly and traced.
"""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..pipeline import NodePass


def _is_shape(node: cst.BaseExpression) -> bool:
    """`x.size()`, `x.shape`, `tuple(x.shape)` / `tuple(x.size())` as the PyTorch file has them."""
    if isinstance(node, cst.Call) and dotted(node.func) == "tuple" and len(node.args) == 1:
        node = node.args[0].value
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not node.args:
        return node.func.attr.value == "size"
    return isinstance(node, cst.Attribute) and node.attr.value == "shape"


def _raised_message(body: cst.BaseSuite) -> cst.BaseExpression | None | bool:
    """The message of the one `raise SomeError(message)` a block holds; None without a message; False when the
    block is anything else."""
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
        return False
    line = body.body[0]
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(line.body[0], cst.Raise):
        return False
    exc = line.body[0].exc
    if isinstance(exc, cst.Name) and line.body[0].cause is None:
        return None  # `raise ValueError`
    if not isinstance(exc, cst.Call) or line.body[0].cause is not None:
        return False
    positional = [a for a in exc.args if a.keyword is None and not a.star]
    return positional[0].value if len(positional) == 1 and len(exc.args) == 1 else None


class ShapeChecksPass(NodePass):
    def leave_If(self, original: cst.If, updated: cst.If) -> cst.BaseStatement:
        test = original.test
        if (
            not self.cursor.in_body
            or updated.orelse is not None
            or not isinstance(test, cst.Comparison)
            or len(test.comparisons) != 1
            or not isinstance(test.comparisons[0].operator, cst.NotEqual)
            or not _is_shape(test.left)
            or not isinstance(test.comparisons[0].comparator, (cst.Tuple, cst.List))
            or not isinstance(updated.test, cst.Comparison)
        ):
            return updated
        message = _raised_message(updated.body)
        if message is False:
            return updated
        actual, expected = updated.test.left, updated.test.comparisons[0].comparator
        if message is None:
            check = self.expr("tf.debugging.assert_equal({a}, {e})", a=actual, e=expected)
        else:
            check = self.expr("tf.debugging.assert_equal({a}, {e}, message={m})", a=actual, e=expected, m=message)  # type: ignore[arg-type]
        return cst.SimpleStatementLine(body=[cst.Expr(check)], leading_lines=updated.leading_lines)
