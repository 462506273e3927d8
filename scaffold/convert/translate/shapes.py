"""Shapes and layout: reshapes, transposes, broadcasts, splits, joins, sizes, gathers."""

from __future__ import annotations

import libcst as cst

from .registry import Args, Context, arg, clean, code, function, is_integer, method, table


@function("torch.cat", "torch.concat", "torch.concatenate", signature=("tensors", "dim"))
def cat(a: Args, cx: Context) -> cst.BaseExpression | None:
    """torch joins along dim 0 by default; tf.concat's axis has no default (`torch.cat((q_bias, v_bias))`)."""
    if "tensors" not in a or not set(a.bound) <= {"tensors", "dim", "axis"}:
        return None
    dim = a.get("dim", a.get("axis"))
    return cx.call("tf.concat", a["tensors"], arg(dim if dim is not None else cst.Integer("0"), "axis"))


table("torch.stack", to="tf.stack", dim="axis")


def shape_tuple(tensor: cst.BaseExpression, cx: Context) -> cst.Call:
    """torch.Size is a tuple (`size()[:-1] + (n,)` works), so a whole shape becomes `tuple(shape_list(x))`."""
    return cx.call("tuple", cx.call("shape_list", tensor))


def _dims(positional: list[cst.Arg]) -> cst.BaseExpression:
    """One argument as it is (a shape or a list of dims), several as a list."""
    return positional[0].value if len(positional) == 1 else cst.List([cst.Element(x.value) for x in positional])


@method("view", "reshape")
def reshape(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional:
        return None
    first = a.positional[0]
    if len(a.positional) == 1 and not first.star and not is_integer(first.value):
        shape = first.value  # a shape variable or tuple
    else:
        shape = cst.List(
            [cst.StarredElement(x.value) if x.star == "*" else cst.Element(x.value) for x in a.positional]
        )
    return cx.call("tf.reshape", a.receiver, shape)


@method("transpose")
def transpose(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 2:
        return None
    return cx.call("tf.experimental.numpy.swapaxes", a.receiver, *a.positional)


@method("permute")
def permute(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional:
        return None
    return cx.call("tf.transpose", a.receiver, arg(_dims(a.positional), "perm"))


@method("expand")
def expand(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional:
        return None
    target, first = a.receiver, a.positional[0].value
    starred: set[int] = set()  # `x.expand(*y.shape[:-1], -1)`: a starred size stays starred in the list
    if len(a.positional) == 1 and isinstance(first, (cst.Tuple, cst.List)):
        values = [e.value for e in first.elements]
    elif (
        len(a.positional) == 1
        and not isinstance(first, (cst.Integer, cst.UnaryOperation))
        and not a.positional[0].star
    ):
        # a shape variable (a torch.Size) holds no -1; if it did, broadcast_to fails loudly
        return cx.call("tf.broadcast_to", target, a.positional[0])
    else:
        values = [x.value for x in a.positional]
        starred = {i for i, x in enumerate(a.positional) if x.star == "*"}
    # torch's -1 keeps that dim; counted from the end it is the same dim of the input (none starred after it)
    shape: list[cst.BaseElement] = []
    for i, v in enumerate(values):
        if code(v).replace(" ", "") == "-1":
            if any(j > i for j in starred):
                return None
            shape.append(cst.Element(cx.expr(f"shape_list({{x}})[{i - len(values)}]", x=target)))
        else:
            shape.append(cst.StarredElement(v) if i in starred else cst.Element(v))
    return cx.call("tf.broadcast_to", target, cst.List(shape))


@function("torch.broadcast_to", signature=("input", "size"))
def broadcast_to(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.broadcast_to(x, size)` is `x.expand(size)` (a -1 keeps that dim)."""
    if set(a.bound) != {"input", "size"}:
        return None
    size = a["size"]
    return expand(Args("expand", a.call, a.original, [cst.Arg(size)], target=a["input"]), cx)


@method("expand_as", "view_as", "reshape_as")
def as_shape_of(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 1 or a.keywords:
        return None
    func = "tf.broadcast_to" if a.name == "expand_as" else "tf.reshape"
    return cx.call(func, a.receiver, cx.call("tf.shape", a.positional[0]))


@method("repeat", tensor_only=True)
def repeat(a: Args, cx: Context) -> cst.BaseExpression | None:
    """torch repeats per dim: tf.tile when one count per dim. Several counts go through the twin, which puts the
    counts beyond the tensor's rank on new leading dims, as torch does (`arange(n).repeat(batch, 1)`: cpmant, mra)."""
    if len(a.positional) == 1 and a.positional[0].star == "*" and not a.keywords:
        return cx.call("torch_repeat", a.receiver, a.positional[0].value)  # `x.repeat(*counts)`
    if not a.positional or a.keywords or any(x.star for x in a.positional):
        return None
    dims = _dims(a.positional)
    if isinstance(dims, (cst.List, cst.Tuple)) and len(dims.elements) > 1:
        return cx.call("torch_repeat", a.receiver, dims)
    return cx.call("tf.tile", a.receiver, dims)


@method("tile", tensor_only=True)
def tile_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.tile(2)` (dinov3_vit's rotary angles): counts for the trailing dims, through the twin."""
    if not a.positional or a.keywords or any(x.star for x in a.positional):
        return None
    return cx.call("torch_tile", a.receiver, _dims(a.positional))


@function("torch.tile", signature=("input", "dims"))
def tile(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) != {"input", "dims"}:
        return None
    return cx.call("torch_tile", a["input"], a["dims"])


def split(cx: Context, kind: str, target: cst.BaseExpression, args: list[cst.Arg]) -> cst.BaseExpression:
    """`x.split(size, dim)` / `x.chunk(n, dim)` (and `torch.chunk(x, n, dim)`), `args` after the tensor: a chunk
    count is tf.split's; a chunk size goes through the torch_split twin."""
    positional = [x for x in args if x.keyword is None]
    dim = next((x.value for x in args if x.keyword is not None and x.keyword.value == "dim"), None)
    dim = dim or (positional[1].value if len(positional) > 1 else cst.Integer("0"))
    if kind == "chunk":
        return cx.call("tf.split", target, positional[0], arg(dim, "axis"))
    return cx.call("torch_split", target, positional[0], dim)  # torch takes a chunk size where tf.split a count


@method("split", "chunk")
def split_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional or len(a.args) > 2:
        return None
    if isinstance(a.positional[0].value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return None  # `text.split("|")`: a str method (deberta-v2's config strings), no tensor's
    return split(cx, a.name, a.receiver, a.args)


@function("torch.chunk")
def chunk(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) < 2 or len(a.args) > 3:
        return None
    return split(cx, "chunk", a.positional[0].value, a.args[1:])


@function("torch.split")
def split_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    # torch takes a chunk size (or sizes) where tf.split takes a count; the twin's parameters are named like torch's
    return cx.call("torch_split", *a.args) if 2 <= len(a.args) <= 3 else None


def flatten(
    cx: Context, target: cst.BaseExpression, start: cst.BaseExpression | None, end: cst.BaseExpression | None = None
) -> cst.BaseExpression | None:
    """`torch.flatten(x[, start[, end]])` / `x.flatten(...)`: dims start..end (a literal) in one dim."""
    last = end is None or code(end).replace(" ", "") == "-1"
    if start is None and last:
        return cx.call("tf.reshape", target, cx.expr("[-1]"))
    start = start if start is not None else cst.Integer("0")
    if last:
        return cx.expr("tf.reshape({x}, shape_list({x})[:{start}] + [-1])", x=target, start=start)
    try:
        after = int(code(end).replace(" ", "")) + 1  # type: ignore[arg-type]
    except ValueError:  # an end dim that is not a literal (hiera's `flatten(0, len(strides))`): the twin
        assert end is not None
        return cx.call("torch_flatten", target, start, end)
    return cx.expr(
        f"tf.reshape({{x}}, shape_list({{x}})[:{{start}}] + [-1] + shape_list({{x}})[{after}:])", x=target, start=start
    )


def _flatten_dims(a: Args, skip: int = 0) -> tuple[bool, cst.BaseExpression | None, cst.BaseExpression | None]:
    """(ok, start, end) from positionals after `skip` and start_dim= / end_dim= keywords."""
    positional = [x.value for x in a.positional[skip:]]
    if len(positional) > 2 or not set(a.keywords) <= {"start_dim", "end_dim"}:
        return False, None, None
    start = a.keywords.get("start_dim", positional[0] if positional else None)
    end = a.keywords.get("end_dim", positional[1] if len(positional) > 1 else None)
    return True, start, end


@method("flatten", tensor_only=True)
def flatten_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    ok, start, end = _flatten_dims(a)
    return flatten(cx, a.receiver, start, end) if ok else None


@function("torch.flatten")
def flatten_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional:
        return None
    ok, start, end = _flatten_dims(a, skip=1)
    return flatten(cx, a.positional[0].value, start, end) if ok else None


@function("torch.roll")
def roll(a: Args, cx: Context) -> cst.BaseExpression | None:
    # torch.roll(input, shifts, dims) is tf.roll(input, shift, axis); without dims torch rolls the flattened
    # tensor (not translated)
    names = {"shifts": "shift", "dims": "axis"}
    if len(a.args) != 3 or not all(x.keyword is None or x.keyword.value in names for x in a.args):
        return None
    return cx.call(
        "tf.roll", *[x.with_changes(keyword=cst.Name(names[x.keyword.value])) if x.keyword else x for x in a.args]
    )


@method("roll", signature=("shifts", "dims"), tensor_only=True)
def roll_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    # x.roll(shifts, dims): tf.roll(x, shift, axis); without dims torch rolls the flattened tensor (not translated)
    if a["shifts"] is None or a["dims"] is None:
        return None
    return cx.call("tf.roll", a.receiver, a["shifts"], a["dims"])


@function("torch.meshgrid")
def meshgrid(a: Args, cx: Context) -> cst.BaseExpression:
    return a.call.with_changes(func=cx.expr("meshgrid"), args=clean(a.args))


@method("size")
def size(a: Args, cx: Context) -> cst.BaseExpression:
    if a.positional:
        shape = cx.call("shape_list", a.receiver)
        return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(a.positional[0].value))])
    return shape_tuple(a.receiver, cx)


@method("dim")
def dim(a: Args, cx: Context) -> cst.BaseExpression | None:
    return None if a.args else cx.call("len", cx.call("shape_list", a.receiver))


@method("contiguous")
def contiguous(a: Args, cx: Context) -> cst.BaseExpression | None:
    return None if a.args else a.receiver


@method("unsqueeze")
def unsqueeze(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("tf.expand_dims", a.receiver, *a.positional) if len(a.positional) == 1 else None


@method("squeeze")
def squeeze(a: Args, cx: Context) -> cst.BaseExpression:
    return cx.call("tf.squeeze", a.receiver, *[arg(x.value, "axis") for x in a.positional])


@method("gather", signature=("dim", "index"), tensor_only=True)
def gather(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.gather(dim, index)`, by position or keyword (phimoe's `gather(dim=-1, index=...)`)."""
    if set(a.bound) != {"dim", "index"}:
        return None
    return cx.call("tf.experimental.numpy.take_along_axis", a.receiver, a["index"], arg(a["dim"], "axis"))


@method("unfold", signature=("dimension", "size", "step"))
def tensor_unfold(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.unfold(dimension, size, step)`: sliding windows along a dim, the window last (patchtsmixer's patches).
    Not tensor-only: `self.unfold(x)` calls an nn.Unfold layer, left as it is."""
    if set(a.bound) != {"dimension", "size", "step"}:
        return None
    return cx.call("torch_tensor_unfold", a.receiver, a["dimension"], a["size"], a["step"])


@method("masked_select", tensor_only=True)
def masked_select(a: Args, cx: Context) -> cst.BaseExpression | None:
    # the mask broadcasts against the tensor, the result is one-dimensional: the twin does both as torch does
    return cx.call("torch_masked_select", a.receiver, a.positional[0]) if len(a.args) == 1 and a.positional else None


@method("index_select", tensor_only=True)
def index_select(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 2 or a.keywords:
        return None
    dim, index = a.positional
    return cx.call("tf.gather", a.receiver, index, arg(dim.value, "axis"))


@function("torch.repeat_interleave", signature=("input", "repeats", "dim", "output_size"))
def repeat_interleave(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.repeat_interleave(x, n, dim)` is tf.repeat (each element n times; no dim: flattened first, in both).
    `output_size=` only spares torch a sync; the one-argument form (repeats only) has no TF twin."""
    if "input" not in a or "repeats" not in a or not set(a.bound) <= {"input", "repeats", "dim", "output_size"}:
        return None
    args = [a["input"], a["repeats"]] + ([arg(a["dim"], "axis")] if "dim" in a else [])
    return cx.call("tf.repeat", *args)


@method("repeat_interleave", signature=("repeats", "dim", "output_size"), tensor_only=True)
def repeat_interleave_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "repeats" not in a or not set(a.bound) <= {"repeats", "dim", "output_size"}:
        return None
    return cx.call("tf.repeat", a.receiver, a["repeats"], *([arg(a["dim"], "axis")] if "dim" in a else []))


@function("torch.gather", signature=("input", "dim", "index"))
def gather_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) != {"input", "dim", "index"}:
        return None
    return cx.call("tf.experimental.numpy.take_along_axis", a["input"], a["index"], arg(a["dim"], "axis"))


@function("torch.unsqueeze", signature=("input", "dim"))
def unsqueeze_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("tf.expand_dims", a["input"], a["dim"]) if set(a.bound) == {"input", "dim"} else None


@function("torch.squeeze", signature=("input", "dim"))
def squeeze_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "input" not in a or not set(a.bound) <= {"input", "dim"}:
        return None
    return cx.call("tf.squeeze", a["input"], *([arg(a["dim"], "axis")] if "dim" in a else []))


@function("torch.reshape", signature=("input", "shape"))
def reshape_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("tf.reshape", a["input"], a["shape"]) if set(a.bound) == {"input", "shape"} else None


@function("torch.transpose", "torch.swapaxes", signature=("input", "dim0", "dim1"))
def transpose_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) != {"input", "dim0", "dim1"}:
        return None
    return cx.call("tf.experimental.numpy.swapaxes", a["input"], a["dim0"], a["dim1"])


@function("torch.permute", signature=("input", "dims"))
def permute_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("tf.transpose", a["input"], arg(a["dims"], "perm")) if set(a.bound) == {"input", "dims"} else None


@method("nonzero", signature=("as_tuple",), tensor_only=True)
def nonzero_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    return _nonzero(a, cx, a.receiver)


@function("torch.nonzero", signature=("input", "as_tuple"))
def nonzero_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    return _nonzero(a, cx, a.get("input"))


@function("torch.argwhere", signature=("input",))
def argwhere(a: Args, cx: Context) -> cst.BaseExpression | None:
    """torch.argwhere(x) is torch.nonzero(x): [N, rank] indices in row-major order (Qwen2-VL's get_rope_index)."""
    return _nonzero(a, cx, a.get("input")) if set(a.bound) == {"input"} else None


def _nonzero(a: Args, cx: Context, x: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """[N, rank] indices of the nonzero elements (tf.where of one argument; tf.int32, a port's long); `as_tuple=True`
    one index tensor per dim, as torch.where(cond) returns."""
    if x is None or not set(a.bound) <= {"input", "as_tuple"}:
        return None
    as_tuple = a.get("as_tuple")
    indices = cx.expr("tf.cast(tf.where({x}), tf.int32)", x=x)
    if as_tuple is None or (isinstance(as_tuple, cst.Name) and as_tuple.value == "False"):
        return indices
    if isinstance(as_tuple, cst.Name) and as_tuple.value == "True":
        return cx.expr("tuple(tf.unstack({i}, axis=1))", i=indices)
    return None


@method("scatter", signature=("dim", "index", "src", "value"), tensor_only=True)
def scatter_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.scatter(dim, index, src)`: a new tensor (`reduce=` is not taken); the in-place `scatter_` is not."""
    source = a.get("src") or a.get("value")
    if not {"dim", "index"} <= set(a.bound) or source is None or not set(a.bound) <= {"dim", "index", "src", "value"}:
        return None
    return cx.call("torch_scatter", a.receiver, a["dim"], a["index"], source)


@function("torch.scatter", signature=("input", "dim", "index", "src", "value"))
def scatter_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    source = a.get("src") or a.get("value")
    if not {"input", "dim", "index"} <= set(a.bound) or source is None or not set(a.bound) <= set(a.signature):
        return None
    return cx.call("torch_scatter", a["input"], a["dim"], a["index"], source)


@method("t", tensor_only=True)
def t(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.t()`: the transpose of a matrix (torch refuses more than 2 dims; tf.transpose reverses them all)."""
    return None if a.args else cx.call("tf.transpose", a.receiver)


@function("torch.unbind", signature=("input", "dim"))
def unbind(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.unbind(x, dim)` -> the tuple of slices along `dim` (0 by default): `tuple(tf.unstack(x, axis=dim))`."""
    if "input" not in a or not set(a.bound) <= {"input", "dim"}:
        return None
    return cx.call(
        "tuple", cx.call("tf.unstack", a["input"], arg(a["dim"] if "dim" in a else cst.Integer("0"), "axis"))
    )


@method("unbind", tensor_only=True)
def unbind_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.unbind(0)` (vitdet's queries, keys, values): as torch.unbind."""
    if len(a.args) > 1 or (a.args and a.args[0].keyword is not None and a.args[0].keyword.value != "dim"):
        return None
    dim = a.args[0].value if a.args else cst.Integer("0")
    return cx.call("tuple", cx.call("tf.unstack", a.receiver, arg(dim, "axis")))
