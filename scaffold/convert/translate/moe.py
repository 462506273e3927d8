"""Tensor methods of mixture-of-experts dispatch (the expert loop itself is passes/moe.py)."""

from __future__ import annotations

import libcst as cst

from .registry import Args, Context, method


@method("index_add", signature=("dim", "index", "source", "alpha"), tensor_only=True)
def index_add(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.index_add(dim, index, source)` -> torch_index_add (tf.tensor_scatter_nd_add)."""
    if not {"dim", "index", "source"} <= set(a.bound) or not set(a.bound) <= {"dim", "index", "source", "alpha"}:
        return None
    return cx.call("torch_index_add", a.receiver, *a.args)


@method("index_add_", tensor_only=True)
def index_add_inplace(a: Args, cx: Context) -> cst.BaseExpression | None:
    """In place: only as a statement of its own (passes/moe.py rebinds the name); inside an expression TF has
    no tensor to update."""
    return None
