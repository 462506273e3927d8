"""Elementwise math, reductions, comparisons and products: torch functions and tensor methods."""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..nodes import number_literal
from .registry import Args, Context, arg, code, function, is_integer, method, renamed_call, table

table("torch.matmul", "torch.bmm", to="tf.matmul")
table("torch.tanh", to="tf.math.tanh")
table("torch.sigmoid", to="tf.math.sigmoid")
table("torch.exp", to="tf.math.exp")
table("torch.log", to="tf.math.log")
table("torch.sqrt", to="tf.math.sqrt")
table("torch.rsqrt", to="tf.math.rsqrt")
table("torch.abs", to="tf.math.abs")
table("torch.sin", to="tf.math.sin")
table("torch.cos", to="tf.math.cos")
table("torch.acos", "torch.arccos", to="tf.math.acos")  # yoso's angles
table("torch.maximum", to="tf.math.maximum")
table("torch.minimum", to="tf.math.minimum")
table("torch.erf", to="tf.math.erf")
# one-argument elementwise functions: the same values in TF (tests/test_text_twins.py checks each)
table("torch.relu", to="tf.nn.relu")
table("torch.tan", to="tf.math.tan")
table("torch.atan", "torch.arctan", to="tf.math.atan")
table("torch.asin", "torch.arcsin", to="tf.math.asin")
table("torch.sinh", to="tf.math.sinh")
table("torch.cosh", to="tf.math.cosh")
table("torch.log1p", to="tf.math.log1p")
table("torch.log2", to="tf.experimental.numpy.log2")  # swinv2's log-spaced relative coordinates
table("torch.log10", to="tf.experimental.numpy.log10")
table("torch.reciprocal", to="tf.math.reciprocal")
table("torch.neg", "torch.negative", to="tf.math.negative")
table("torch.isfinite", to="tf.math.is_finite")
table("torch.trunc", "torch.fix", to="tf.experimental.numpy.fix")
table("torch.square", to="tf.math.square")
table("torch.isinf", to="tf.math.is_inf")
table("torch.isnan", to="tf.math.is_nan")
table("torch.outer", to="tf.experimental.numpy.outer")
table("torch.mean", to="tf.reduce_mean", dim="axis", keepdim="keepdims")
table("torch.sum", to="torch_sum", dim="axis", keepdim="keepdims")  # booleans sum as integers in torch
table("torch.cumsum", to="tf.math.cumsum", dim="axis")
table("torch.cumprod", to="tf.math.cumprod", dim="axis")
table("torch.argmax", to="tf.math.argmax", dim="axis")
table("torch.argmin", to="tf.math.argmin", dim="axis")

UNARY_MATH = {
    "cos": "cos",
    "acos": "acos",
    "sin": "sin",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "rsqrt": "rsqrt",
    "abs": "abs",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "neg": "negative",
    "square": "square",
    "reciprocal": "reciprocal",
    "floor": "floor",
    "ceil": "ceil",
    "log1p": "log1p",
    "expm1": "expm1",
    "sign": "sign",
    "erf": "erf",
    "tan": "tan",
    "atan": "atan",
}
COMPARISONS = {
    "ne": "not_equal",
    "eq": "equal",
    "gt": "greater",
    "lt": "less",
    "ge": "greater_equal",
    "le": "less_equal",
}


@function("torch.einsum")
def einsum(a: Args, cx: Context) -> cst.BaseExpression:
    if len(a.args) == 2 and isinstance(a.args[1].value, (cst.List, cst.Tuple)):
        # torch also takes the operands as one list; tf.einsum takes them as arguments only
        return cx.call("tf.einsum", a.args[0], *[e.value for e in a.args[1].value.elements])
    return renamed_call(cx, "tf.einsum", a.args)


@function("torch.min", "torch.max")
def min_max(a: Args, cx: Context) -> cst.BaseExpression | None:
    name = a.name[len("torch.") :]
    if len(a.args) == 2 and len(a.positional) == 2 and not is_integer(a.positional[1].value):
        return cx.call(f"tf.math.{'minimum' if name == 'min' else 'maximum'}", *a.args)  # two tensors: elementwise
    if len(a.args) == 1:
        return cx.call(f"tf.reduce_{name}", *a.args)
    dim = a.keywords.get("dim") or (a.positional[1].value if len(a.positional) == 2 else None)
    if dim is None or not (is_integer(dim) or "dim" in a.keywords):  # a second tensor, or nothing
        return None
    if set(a.keywords) <= {"dim", "keepdim"} and len(a.positional) <= 2:
        keepdim = [arg(a.keywords["keepdim"], "keepdim")] if "keepdim" in a.keywords else []
        return cx.call(f"torch_{name}", a.positional[0].value, dim, *keepdim)  # (values, indices), as torch
    return None


@function("torch.clamp", "torch.clip", signature=("input", "min", "max"))
def clamp(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional:
        return None
    result = a["input"]
    if "min" in a:
        result = cx.call("tf.math.maximum", result, a["min"])
    if "max" in a:
        result = cx.call("tf.math.minimum", result, a["max"])
    return result


@method("clamp", "clip", signature=("min", "max"), tensor_only=True)
def clamp_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.clamp(0, n)`: a bound that is not a literal takes x's dtype (TF does not mix int32 and int64)."""
    if not a.args or not set(a.bound) <= {"min", "max"}:
        return None
    result = a.receiver
    for name, tf_name in (("min", "tf.math.maximum"), ("max", "tf.math.minimum")):
        bound = a.get(name)
        if bound is None or (isinstance(bound, cst.Name) and bound.value == "None"):
            continue
        if not isinstance(bound, (cst.Integer, cst.Float, cst.UnaryOperation)):
            bound = cx.expr("tf.cast({bound}, {x}.dtype)", bound=bound, x=a.receiver)
        result = cx.call(tf_name, result, bound)
    return result


def _one_bound(a: Args, cx: Context, name: str, tf_name: str) -> cst.BaseExpression | None:
    bound = a.get(name)
    if bound is None or set(a.bound) != {name}:
        return None
    if not isinstance(bound, (cst.Integer, cst.Float, cst.UnaryOperation)):
        bound = cx.expr("tf.cast({bound}, {x}.dtype)", bound=bound, x=a.receiver)
    return cx.call(tf_name, a.receiver, bound)


@method("clamp_min", signature=("min",), tensor_only=True)
def clamp_min(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.clamp_min(1.0)` (patchtsmixer's scaler): clamp with a lower bound only, as `clamp_method`."""
    return _one_bound(a, cx, "min", "tf.math.maximum")


@method("clamp_max", signature=("max",), tensor_only=True)
def clamp_max(a: Args, cx: Context) -> cst.BaseExpression | None:
    return _one_bound(a, cx, "max", "tf.math.minimum")


@function("torch.clamp_min", "torch.clamp_max", signature=("input", "bound"))
def clamp_bound(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) != {"input", "bound"}:
        return None
    return cx.call("tf.math.maximum" if a.name.endswith("min") else "tf.math.minimum", a["input"], a["bound"])


@function("torch.histc", signature=("input", "bins", "min", "max"))
def histc(a: Args, cx: Context) -> cst.BaseExpression | None:
    return (
        cx.call("torch_histc", *a.args) if "input" in a and set(a.bound) <= {"input", "bins", "min", "max"} else None
    )


@function("torch.tril", "torch.triu", signature=("input", "diagonal"))
def tril_triu(a: Args, cx: Context) -> cst.BaseExpression | None:
    """The main diagonal and below (tril) / above (triu); with a diagonal offset (`torch.tril(x, -k)`) the twin
    (band_part takes no offset)."""
    if len(a.args) == 1 and a.positional:
        return cx.call("tf.linalg.band_part", a.args[0], *_band(a.name.endswith("tril"), cx))
    if set(a.bound) == {"input", "diagonal"}:
        return cx.call(f"torch_{a.name[len('torch.') :]}", a["input"], a["diagonal"])
    return None


def _band(lower: bool, cx: Context) -> list[cst.BaseExpression]:
    return [cx.expr("-1" if lower else "0"), cx.expr("0" if lower else "-1")]


@function("torch.div", "torch.true_divide")
def divide(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 2:
        return None
    rounding = a.keywords.get("rounding_mode")
    if rounding is None:
        return cx.call("tf.math.divide", *a.positional)
    if isinstance(rounding, cst.SimpleString) and rounding.evaluated_value == "floor":
        return cx.call("tf.math.floordiv", *a.positional)
    return None


@function("torch.ceil", "torch.floor", "torch.round")
def rounding(a: Args, cx: Context) -> cst.BaseExpression:
    return cx.call(f"tf.math.{a.name[len('torch.') :]}", *a.args)


@method("tril", "triu", signature=("diagonal",), tensor_only=True)
def tril_triu_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) == {"diagonal"}:
        return cx.call(f"torch_{a.name}", a.receiver, a["diagonal"])
    return None if a.args else cx.call("tf.linalg.band_part", a.receiver, *_band(a.name == "tril", cx))


@method(*UNARY_MATH)
def unary(a: Args, cx: Context) -> cst.BaseExpression | None:
    return None if a.args else cx.call(f"tf.math.{UNARY_MATH[a.name]}", a.receiver)


@method(*COMPARISONS)
def comparison(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 1:
        return None
    return cx.call(f"tf.math.{COMPARISONS[a.name]}", a.receiver, *a.positional)


def _fill_value(value: cst.Arg | cst.BaseExpression, tensor: cst.BaseExpression, cx: Context) -> cst.BaseExpression:
    """masked_fill's value as torch uses it, in the filled tensor's dtype: a number literal is cast (tf.where takes
    `0` as int32 and `0.0` as float32 when traced, which a float, int64 or int32 tensor refuses; torch casts the
    value to the tensor's dtype). Tensors stay as written."""
    value = value.value if isinstance(value, cst.Arg) else value
    plain = tensor.value if isinstance(tensor, cst.Subscript) else tensor  # `x[:, :n]`: x's dtype, read twice
    if number_literal(value) and isinstance(plain, (cst.Name, cst.Attribute)):
        return cx.expr("tf.cast({v}, {x}.dtype)", v=value, x=tensor)
    return value


@method("masked_fill")
def masked_fill(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 2:
        return None
    return cx.call("tf.where", a.positional[0], _fill_value(a.positional[1], a.receiver, cx), a.receiver)


@method("masked_scatter", tensor_only=True)
def masked_scatter(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.masked_scatter(mask, source)` (image features into placeholder tokens): `torch_masked_scatter`."""
    if len(a.positional) != 2 or a.keywords:
        return None
    return cx.call("torch_masked_scatter", a.receiver, a.positional[0], a.positional[1])


@method("mean", "sum", "max", "min", "prod")
def reduction(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not all(x.keyword is None or x.keyword.value in ("dim", "keepdim") for x in a.args):
        return None
    if a.name in ("max", "min") and (a.positional or "dim" in a.keywords):
        # over a dim torch returns (values, indices): the twin does; `x.max(other)` (elementwise) is untold apart
        dim = a.keywords.get("dim") or a.positional[0].value
        if dim is not None and len(a.positional) <= 1 and (is_integer(dim) or "dim" in a.keywords):
            keepdim = [arg(a.keywords["keepdim"], "keepdim")] if "keepdim" in a.keywords else []
            return cx.call(f"torch_{a.name}", a.receiver, dim, *keepdim)
        cx.untranslated(
            f".{a.name}(dim)",
            f"torch .{a.name}(dim) returns (values, indices), .{a.name}(tensor) the elementwise {a.name}: "
            "scaffold cannot tell this one",
        )
        return a.call
    renamed = [
        x.with_changes(keyword=cst.Name({"dim": "axis", "keepdim": "keepdims"}[x.keyword.value]))
        if x.keyword is not None
        else arg(x.value, "axis")
        for x in a.args
    ]
    if a.name == "sum":  # booleans sum as integers in torch
        return cx.call("torch_sum", a.receiver, *renamed)
    return cx.call(f"tf.reduce_{a.name}", a.receiver, *renamed)


def _spread(a: Args, cx: Context, tensor: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    """torch's std / var arguments -> torch_std / torch_var's (`unbiased=False` is `correction=0`)."""
    if not set(a.bound) <= {"input", "dim", "unbiased", "keepdim", "correction"}:
        return None
    rest: list[cst.Arg] = []
    if "dim" in a:
        rest.append(arg(a["dim"], "axis"))
    if "keepdim" in a:
        rest.append(arg(a["keepdim"], "keepdims"))
    if "correction" in a:
        rest.append(arg(a["correction"], "correction"))
    elif "unbiased" in a:
        unbiased = dotted(a["unbiased"])
        if unbiased not in ("True", "False"):
            return None
        rest.append(arg(cst.Integer("1" if unbiased == "True" else "0"), "correction"))
    return cx.call(f"torch_{name}", tensor, *rest)


@function("torch.cosine_similarity", "torch.nn.functional.cosine_similarity", signature=("x1", "x2", "dim", "eps"))
def cosine_similarity(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.cosine_similarity(x1, x2, dim=-1)` (wav2vec2's contrastive logits) -> torch_cosine_similarity."""
    if not {"x1", "x2"} <= set(a.bound) or not set(a.bound) <= {"x1", "x2", "dim", "eps"}:
        return None
    rest = [arg(a[k], k) for k in ("dim", "eps") if k in a]
    return cx.call("torch_cosine_similarity", a["x1"], a["x2"], *rest)


@function("torch.std", "torch.var", signature=("input", "dim", "unbiased", "keepdim"))
def spread_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.std(x, dim=-1, keepdim=True, unbiased=False)` -> torch_std (Bessel's correction unless told)."""
    return _spread(a, cx, a["input"], a.name[len("torch.") :]) if "input" in a else None


@method("std", "var", signature=("dim", "unbiased", "keepdim"), tensor_only=True)
def spread_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.std(dim=1)`, `x.var(dim=-1, keepdim=True)` -> torch_std / torch_var."""
    if a.positional and dotted(a.positional[0].value) in ("True", "False"):
        return None  # `x.std(False)`: the legacy unbiased-first form
    return _spread(a, cx, a.receiver, a.name)


@method("any", "all", signature=("dim", "keepdim"))
def any_all(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.all()` / `x.any(dim, keepdim=)` (rt_detr's `valid_mask.all(-1, keepdim=True)`); not tensor-only (Python
    has builtins of those names, never as methods with other arguments)."""
    if not set(a.bound) <= {"dim", "keepdim"}:
        return None
    rest = ([arg(a["dim"], "axis")] if "dim" in a else []) + (
        [arg(a["keepdim"], "keepdims")] if "keepdim" in a else []
    )
    return cx.call(f"tf.reduce_{a.name}", cx.call("tf.cast", a.receiver, cx.expr("tf.bool")), *rest)


@method("argmax", "argmin")
def argmax(a: Args, cx: Context) -> cst.BaseExpression | None:
    # torch's argmax over a dim (indices as int64, as TF's default); over all elements it flattens
    dim = _one(a) or a.keywords.get("dim")
    if len(a.args) > 1 or dim is None:
        return None
    return cx.call(f"tf.math.{a.name}", a.receiver, arg(dim, "axis"))


@method("matmul", "bmm", tensor_only=True)
def matmul(a: Args, cx: Context) -> cst.BaseExpression | None:
    one = _one(a)
    return None if one is None else cx.call("tf.matmul", a.receiver, a.positional[0])


@method("pow")
def power(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("tf.pow", a.receiver, *a.positional) if len(a.positional) == 1 else None


def _one(a: Args) -> cst.BaseExpression | None:
    """The single positional argument of a call that has no keyword arguments."""
    return a.positional[0].value if len(a.positional) == 1 and not a.keywords else None


# -- text models: comparisons and arithmetic as functions, products with a bias, top-k (MoE routing) --------------

table("torch.eq", to="tf.math.equal")  # 4.46 heads: `torch.eq(input_ids, pad_token_id).int().argmax(-1)`
table("torch.ne", "torch.not_equal", to="tf.math.not_equal")
table("torch.gt", "torch.greater", to="tf.math.greater")
table("torch.ge", "torch.greater_equal", to="tf.math.greater_equal")
table("torch.lt", "torch.less", to="tf.math.less")
table("torch.le", "torch.less_equal", to="tf.math.less_equal")
table("torch.mm", to="tf.matmul")
table("torch.prod", to="tf.reduce_prod", dim="axis", keepdim="keepdims")
table("torch.flip", to="tf.reverse", dims="axis")
table("torch.expm1", to="tf.math.expm1")
table("torch.sign", to="tf.math.sign")
table("torch.atan2", to="tf.math.atan2")
table("torch.floor_divide", to="tf.math.floordiv")


@function("torch.mul", "torch.multiply", "torch.add", "torch.sub", "torch.subtract")
def arithmetic(a: Args, cx: Context) -> cst.BaseExpression | None:
    """Two operands (no `alpha=`, no `out=`): the operator, so Python numbers and tensors mix as in torch."""
    if len(a.positional) != 2 or a.keywords:
        return None
    op = {"mul": "*", "multiply": "*", "add": "+", "sub": "-", "subtract": "-"}[a.name[len("torch.") :]]
    return cx.expr(f"({{x}} {op} {{y}})", x=a.positional[0].value, y=a.positional[1].value)


@method("mul", "multiply", "sub", "subtract")
def arithmetic_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.mul(y)`, `x.sub(y)` (one operand, no `alpha=`): the operator, as torch.mul / torch.sub. (`.add` is not
    taken: a set's `add` reads the same.)"""
    if len(a.positional) != 1 or a.keywords:
        return None
    op = {"mul": "*", "multiply": "*", "sub": "-", "subtract": "-"}[a.name]
    return cx.expr(f"({{x}} {op} {{y}})", x=a.receiver, y=a.positional[0].value)


@function("torch.all", "torch.any", signature=("input", "dim", "keepdim"))
def all_any(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "input" not in a or not set(a.bound) <= {"input", "dim", "keepdim"}:
        return None
    reduce = f"tf.reduce_{a.name[len('torch.') :]}"
    rest = ([arg(a["dim"], "axis")] if "dim" in a else []) + (
        [arg(a["keepdim"], "keepdims")] if "keepdim" in a else []
    )
    return cx.call(reduce, cx.call("tf.cast", a["input"], cx.expr("tf.bool")), *rest)


@function("torch.baddbmm", signature=("input", "batch1", "batch2", "beta", "alpha"))
def baddbmm(a: Args, cx: Context) -> cst.BaseExpression | None:
    """beta * input + alpha * (batch1 @ batch2), through the twin (beta 0 ignores input, as torch)."""
    if not {"input", "batch1", "batch2"} <= set(a.bound) or not set(a.bound) <= set(a.signature):
        return None
    return cx.call("torch_baddbmm", *[arg(a[n], n) if n in a.keywords else a[n] for n in a.signature if n in a])


@method("baddbmm", signature=("batch1", "batch2", "beta", "alpha"), tensor_only=True)
def baddbmm_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not {"batch1", "batch2"} <= set(a.bound) or not set(a.bound) <= set(a.signature):
        return None
    return cx.call("torch_baddbmm", a.receiver, *[arg(a[n], n) for n in a.signature if n in a])


@function("torch.polar", signature=("abs", "angle"))
def polar(a: Args, cx: Context) -> cst.BaseExpression | None:
    """abs * (cos(angle) + i sin(angle)): a complex tensor (complex64 from float32, as torch)."""
    if set(a.bound) != {"abs", "angle"}:
        return None
    return cx.expr("tf.complex({r} * tf.math.cos({theta}), {r} * tf.math.sin({theta}))", r=a["abs"], theta=a["angle"])


@function("torch.view_as_complex", signature=("input",))
def view_as_complex(a: Args, cx: Context) -> cst.BaseExpression | None:
    """The last dim of size 2 read as (real, imaginary) (deepseek_v2's and llama4's rotary embeddings)."""
    if set(a.bound) != {"input"}:
        return None
    return cx.call("torch_view_as_complex", a["input"])


@function("torch.view_as_real", signature=("input",))
def view_as_real(a: Args, cx: Context) -> cst.BaseExpression | None:
    """A complex tensor as a trailing (real, imaginary) dim of size 2."""
    if set(a.bound) != {"input"}:
        return None
    return cx.call("torch_view_as_real", a["input"])


@function("torch.isin", "transformers.pytorch_utils.isin_mps_friendly", signature=("elements", "test_elements"))
def isin(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) != {"elements", "test_elements"}:
        return None
    return cx.call("torch_isin", a["elements"], a["test_elements"])


@function("torch.topk", signature=("input", "k", "dim", "largest", "sorted"))
def topk(a: Args, cx: Context) -> cst.BaseExpression | None:
    return _topk(a, cx, a.get("input"))


@method("topk", signature=("k", "dim", "largest", "sorted"), tensor_only=True)
def topk_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    return _topk(a, cx, a.receiver)


def _topk(a: Args, cx: Context, x: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """(values, indices) of the k largest (or smallest) along `dim`, sorted: the twin (tf.math.top_k works on the
    last axis only; the twin moves `dim` there and back)."""
    if x is None or "k" not in a or not set(a.bound) <= {"input", "k", "dim", "largest", "sorted"}:
        return None
    rest = [arg(a[n], n) for n in ("dim", "largest", "sorted") if n in a]
    return cx.call("torch_topk", x, a["k"], *rest)


@function("torch.bitwise_xor", "torch.bitwise_and", "torch.bitwise_or", signature=("input", "other"))
def bitwise(a: Args, cx: Context) -> cst.BaseExpression | None:
    """Booleans (masks) are logical_*, integers bitwise_*: the twin picks by dtype, as torch's one function does."""
    if set(a.bound) != {"input", "other"}:
        return None
    return cx.call("torch_bitwise", cst.SimpleString(f'"{a.name.rpartition("_")[2]}"'), a["input"], a["other"])


@function("torch.pow", signature=("input", "exponent"))
def pow_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """With torch's type promotion (an integer tensor and a float: the float dtype), through the twin."""
    if set(a.bound) != {"input", "exponent"}:
        return None
    return cx.call("torch_pow", a["input"], a["exponent"])


@method("cumsum", "cumprod", signature=("dim", "dtype"), tensor_only=True)
def cumulative(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "dim" not in a or not set(a.bound) <= {"dim", "dtype"}:
        return None
    x = a.receiver if "dtype" not in a else cx.call("tf.cast", a.receiver, a["dtype"])
    return cx.call(f"tf.math.{a.name}", x, arg(a["dim"], "axis"))


@function("torch.where")
def where(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.where(cond, x, y)` is tf.where's; `torch.where(cond)` is torch.nonzero(cond, as_tuple=True): one
    index tensor per dim (tf.where of one argument returns them as the columns of one [N, rank] tensor)."""
    if len(a.args) == 1 and a.positional:
        return cx.expr("tuple(tf.unstack(tf.cast(tf.where({c}), tf.int32), axis=1))", c=a.args[0].value)
    return renamed_call(cx, "tf.where", a.args)


@function("torch.masked_fill", signature=("input", "mask", "value"))
def masked_fill_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.masked_fill(x, mask, value)` (cpmant), as the method: value where mask, x elsewhere."""
    if set(a.bound) != {"input", "mask", "value"}:
        return None
    return cx.call("tf.where", a["mask"], _fill_value(a["value"], a["input"], cx), a["input"])


table("torch.fft.fft", to="torch_fft", axis="dim")  # numpy's axis=, which torch takes too
table("torch.fft.fftn", to="torch_fftn", axes="dim")
table("torch.fft.rfft", to="torch_rfft")
table("torch.fft.irfft", to="torch_irfft")
table("torch.conj", to="tf.math.conj")


def _as_bool(node: cst.BaseExpression, cx: Context) -> cst.BaseExpression:
    """torch's logical ops take any dtype (nonzero is True), TF's only booleans: a cast, unless the operand is
    a comparison or a logical op already."""
    if isinstance(node, cst.Comparison) or (
        isinstance(node, cst.Call)
        and (code(node.func).startswith("tf.math.logical_") or code(node).replace(" ", "").endswith(",tf.bool)"))
    ):
        return node
    return cx.call("tf.cast", node, cx.expr("tf.bool"))


@function("torch.logical_and", "torch.logical_or", "torch.logical_xor", "torch.logical_not")
def logical(a: Args, cx: Context) -> cst.BaseExpression | None:
    """longt5's `torch.logical_and(mask, locality)` on an integer mask."""
    arity = 1 if a.name.endswith("_not") else 2
    if len(a.args) != arity or a.keywords:
        return None
    return cx.call(f"tf.math.{a.name[len('torch.') :]}", *[_as_bool(x.value, cx) for x in a.args])


@method("logical_not", "logical_and", "logical_or", "logical_xor", tensor_only=True)
def logical_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`mask.logical_not()` (cpmant), `x.logical_and(y)`."""
    arity = 0 if a.name == "logical_not" else 1
    if len(a.args) != arity or a.keywords:
        return None
    return cx.call(f"tf.math.{a.name}", _as_bool(a.receiver, cx), *[_as_bool(x.value, cx) for x in a.args])
