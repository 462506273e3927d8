"""Tensor methods of mixture-of-experts dispatch (the expert loop itself is passes/moe.py)."""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from .registry import Args, Context, arg, function, method


@method("index_add", signature=("dim", "index", "source", "alpha"), tensor_only=True)
def index_add(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.index_add(dim, index, source)` -> torch_index_add (tf.tensor_scatter_nd_add)."""
    if not {"dim", "index", "source"} <= set(a.bound) or not set(a.bound) <= {"dim", "index", "source", "alpha"}:
        return None
    return cx.call("torch_index_add", a.receiver, *a.args)


@method("index_copy", signature=("dim", "index", "source"), tensor_only=True)
def index_copy(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.index_copy(dim, index, source)` -> torch_index_copy (tf.tensor_scatter_nd_update)."""
    if set(a.bound) != {"dim", "index", "source"}:
        return None
    return cx.call("torch_index_copy", a.receiver, a["dim"], a["index"], a["source"])


@method("index_add_", "scatter_", "index_copy_", tensor_only=True)
def in_place(a: Args, cx: Context) -> cst.BaseExpression | None:
    """In place: translated (passes/moe.py) as a statement of its own on a name, which is rebound, or on a fresh
    tensor; elsewhere TF has no tensor to update."""
    return None


def _sort_arguments(a: Args) -> list[cst.Arg] | None:
    if not set(a.bound) <= {"input", "dim", "descending", "stable"}:
        return None
    rest = [arg(a[k], k) for k in ("dim", "descending") if k in a]
    return rest


@function("torch.sort", "torch.argsort", signature=("input", "dim", "descending"))
def sort_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.sort(x, dim, descending)` -> torch_sort (values, indices); `torch.argsort` -> torch_argsort."""
    rest = _sort_arguments(a)
    if rest is None or "input" not in a:
        return None
    return cx.call(f"torch_{a.name[len('torch.') :]}", a["input"], *rest)


@method("sort", "argsort", signature=("dim", "descending"))
def sort_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.sort(0)` -> torch_sort. A bare `.sort()` (or `key=` / `reverse=`) is a list's: left as it is."""
    rest = _sort_arguments(a)
    if rest is None or (a.name == "sort" and not a.args):
        return None
    return cx.call(f"torch_{a.name}", a.receiver, *rest)


@method("div", "divide", signature=("other",), tensor_only=True)
def div_rounding(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.div(k)` as torch.div is translated (tf.math.divide: drop_path's `input.div(keep_prob)`), and with
    `rounding_mode="trunc" | "floor"` (MoE routers turn sorted positions into token indices)."""
    mode = a.keywords.get("rounding_mode")
    if set(a.bound) == {"other"}:
        return cx.call("tf.math.divide", a.receiver, a["other"])
    if "other" not in a or not isinstance(mode, cst.SimpleString) or set(a.bound) != {"other", "rounding_mode"}:
        return None
    if mode.evaluated_value == "floor":
        return cx.call("tf.math.floordiv", a.receiver, a["other"])
    if mode.evaluated_value == "trunc":
        return cx.call("torch_trunc_div", a.receiver, a["other"])
    return None


@method("uniform_", signature=("a", "b"), tensor_only=True)
def uniform_fresh(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.empty_like(x).uniform_(lo, hi)` (the routers' training jitter): draws of the same distribution, of
    x's shape and dtype. Only on a fresh tensor (`tf.zeros_like(x)` once translated): a named one is updated in
    place in torch, which TF cannot."""
    receiver = a.receiver
    bounds = [arg(a[k], k2) for k, k2 in (("a", "minval"), ("b", "maxval")) if k in a]
    if (
        isinstance(receiver, cst.Call)
        and dotted(receiver.func) in ("tf.zeros", "tf.ones")
        and set(a.bound) <= {"a", "b"}
    ):
        # `torch.empty(n).uniform_(0, 16)` (qwen3_next's A in __init__): a fresh tensor of that shape and dtype
        return cx.call(
            "tf.random.uniform",
            cx.expr("tf.shape({x})", x=receiver),
            *bounds,
            arg(cx.expr("{x}.dtype", x=receiver), "dtype"),
        )
    if not (
        isinstance(receiver, cst.Call)
        and dotted(receiver.func) in ("tf.zeros_like", "tf.ones_like")
        and len(receiver.args) == 1
        and receiver.args[0].keyword is None
        and set(a.bound) <= {"a", "b"}
    ):
        return None
    x = receiver.args[0].value
    return cx.call(
        "tf.random.uniform", cx.expr("tf.shape({x})", x=x), *bounds, arg(cx.expr("{x}.dtype", x=x), "dtype")
    )
