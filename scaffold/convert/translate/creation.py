"""New tensors: zeros/ones/ranges/constants/random, `*_like`, `new_*`, copies, and reading values back."""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from .registry import Args, Context, arg, function, method, renamed_call, table

INTEGER_DTYPES = frozenset(
    f"{m}.{t}" for m in ("torch", "tf") for t in ("int8", "int16", "int32", "int64", "uint8", "long", "int")
)


@function("torch.arange")
def arange(a: Args, cx: Context) -> cst.BaseExpression:
    """`torch.arange(start, end, step, dtype=)` -> tf.range(start, limit, delta, dtype=): torch's `end=` /
    `step=` keywords are TF's `limit` / `delta` (rt_detr's `torch.arange(end=height)`: tf.range's first
    argument, alone, is the limit); with an integer dtype, whole float bounds are ints
    (`torch.arange(0, n, 1.0, dtype=torch.int64)`: funnel's; tf.range refuses a float with an integer dtype)."""
    positional = [x.value for x in a.positional]
    keywords = dict(a.keywords)
    if not positional and "end" in keywords:
        positional = [keywords.pop("start")] if "start" in keywords else []
        positional.append(keywords.pop("end"))
    if dotted(keywords.get("dtype", cst.Name("None"))) in INTEGER_DTYPES:
        positional = [
            cst.Integer(str(int(float(x.value)))) if isinstance(x, cst.Float) and float(x.value).is_integer() else x
            for x in positional
        ]
    renames = {"start": "start", "end": "limit", "step": "delta"}
    return cx.call("tf.range", *positional, *[arg(v, renames.get(k, k)) for k, v in keywords.items()])


table("torch.zeros_like", "torch.empty_like", to="tf.zeros_like")  # empty: any values; zeros are some
table("torch.ones_like", to="tf.ones_like")


@function("torch.tensor", signature=("data", "dtype"))
def tensor(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.tensor(data)` -> `tf.constant(data)`; data held in a variable may be a list of scalar tensors
    (Qwen2-VL's `mrope_position_deltas`), which tf.constant refuses: the twin stacks those."""
    if "data" not in a or not set(a.bound) <= {"data", "dtype"}:
        return None
    data = a["data"]
    variable = isinstance(data, cst.Name) and data.value not in ("True", "False", "None")
    func = "torch_tensor" if variable else "tf.constant"
    return cx.call(func, a["data"], *([arg(a["dtype"], "dtype")] if "dtype" in a else []))


table("torch.clone", to="tf.identity")  # roc_bert (memory_format= is dropped)


@function("torch.zeros", "torch.ones", "torch.empty")
def zeros_ones(a: Args, cx: Context) -> cst.BaseExpression:
    """`torch.zeros(2, 3)` -> `tf.zeros([2, 3])`: torch takes the dims as arguments too."""
    name = f"tf.{a.name[len('torch.') :]}".replace("empty", "zeros")  # torch.empty's values are any: zeros are
    if len(a.positional) > 1 or any(x.star == "*" for x in a.positional):
        # `torch.zeros(*shape)` (rwkv's states): the starred sizes inside the list
        shape = cst.List(
            [cst.StarredElement(x.value) if x.star == "*" else cst.Element(x.value) for x in a.positional]
        )
        return cx.call(name, shape, *[x for x in a.args if x.keyword is not None])
    return renamed_call(cx, name, a.args)


# a single size argument that is a number, not a shape: `torch.randn(config.hidden_size)`
SCALAR_SIZES = (cst.Integer, cst.BinaryOperation, cst.UnaryOperation)


@function("torch.rand", "torch.randn")
def random(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.randn(2, 3)` / `torch.rand(n)` / `torch.rand(shape, dtype=d)` -> `tf.random.normal([2, 3])` /
    `tf.random.uniform([n])` / `tf.random.uniform(shape, dtype=d)`: torch takes the dims as arguments too, where
    tf.random wants one shape vector. A torch generator has no TF counterpart (its numbers are its own)."""
    name = "tf.random.uniform" if a.name == "torch.rand" else "tf.random.normal"
    if any(x.star for x in a.positional) or not set(a.keywords) <= {"dtype", "size"}:
        return None
    if bool(a.positional) == ("size" in a.keywords):
        return None  # no size, or both spellings
    dims = [x.value for x in a.positional] if a.positional else [a.keywords["size"]]
    if len(dims) == 1 and not _scalar_size(dims[0]):
        shape: cst.BaseExpression = dims[0]  # a tuple, a list, `x.shape`, a local holding a shape
    else:
        shape = cst.List([cst.Element(d) for d in dims])
    return cx.call(name, shape, *([arg(a.keywords["dtype"], "dtype")] if "dtype" in a.keywords else []))


def _scalar_size(size: cst.BaseExpression) -> bool:
    """`n`-like sizes (`config.hidden_size`, `2 * n + 1`, `3`, `x.size(0)`, `shape[0]`, `len(x)`), not a shape
    (`x.shape`, `(b, n)`, `x.size()`, a local holding a shape)."""
    if isinstance(size, SCALAR_SIZES):
        return True
    if isinstance(size, cst.Attribute):
        return size.attr.value != "shape"
    if isinstance(size, cst.Subscript):
        return len(size.slice) == 1 and isinstance(size.slice[0].slice, cst.Index)
    if isinstance(size, cst.Call):
        func = size.func
        named = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        return named in ("len", "int") or (named == "size" and bool(size.args))
    return False


@function("torch.full", signature=("size", "fill_value"))
def full(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.full(size, value)` / `fill_value=` (git's boolean padding mask), with a dtype or the value's."""
    if not {"size", "fill_value"} <= set(a.bound) or not set(a.bound) <= {"size", "fill_value", "dtype"}:
        return None
    value = a["fill_value"]
    if "dtype" in a:
        value = cx.call("tf.constant", value, arg(a["dtype"], "dtype"))
    return cx.call("tf.fill", a["size"], value)


@function("torch.full_like")
def full_like(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 2:
        return None
    like, value = a.positional[0].value, a.positional[1].value
    dtype = a.keywords.get("dtype") or cst.Attribute(like, cst.Name("dtype"))  # dtype= was translated already
    return cx.expr("tf.fill(tf.shape({like}), tf.cast({value}, {dtype}))", like=like, value=value, dtype=dtype)


@function("torch.linspace")
def linspace(a: Args, cx: Context) -> cst.BaseExpression | None:
    # tf.linspace wants float bounds where torch takes ints
    if len(a.positional) < 3:
        return None
    return cx.call(
        "tf.linspace", cx.call("float", a.positional[0]), cx.call("float", a.positional[1]), a.positional[2]
    )


@method("new_zeros", "new_ones", tensor_only=True)
def new_filled(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 1 or a.keywords:
        return None
    dtype = cst.Attribute(a.receiver, cst.Name("dtype"))
    return cx.call(f"tf.{a.name[len('new_') :]}", a.positional[0], arg(dtype, "dtype"))


@method("clone", tensor_only=True)
def clone(a: Args, cx: Context) -> cst.BaseExpression | None:
    return None if a.args else cx.call("tf.identity", a.receiver)


@method("requires_grad_", tensor_only=True)
def requires_grad(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.requires_grad_()` (mra): TF's tape records what it needs; the tensor itself. `parameter.requires_grad_(
    False)` on a weight of `named_parameters()` (DETR's frozen backbone stages) makes it non-trainable."""
    if not a.args:
        return a.receiver
    if len(a.args) != 1 or a.args[0].keyword not in (None,) and a.args[0].keyword.value != "requires_grad":
        return None
    return cx.call("torch_requires_grad_", a.receiver, a.args[0].value)


@method("named_parameters", tensor_only=True)
def named_parameters(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`module.named_parameters()` -> (torch name, weight) of a built keras layer's weights (torch's parameters)."""
    return None if a.args else cx.call("torch_named_parameters", a.receiver)


@method("parameters", tensor_only=True)
def parameters(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`module.parameters()` -> its weights, in order; before build() (swinv2's `next(mlp.parameters()).dtype` in
    `__init__`) one stand-in per layer carrying only the dtype its weights will take."""
    return None if a.args else cx.call("torch_parameters", a.receiver)


@method("get_submodule", tensor_only=True)
def get_submodule(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`module.get_submodule("layers.3.block.1")` -> the keras layer at torch's dotted path (mimi's encoder)."""
    return cx.call("torch_get_submodule", a.receiver, a.positional[0]) if len(a.args) == 1 and a.positional else None


@method("eval", tensor_only=True)
def eval_mode(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`module.eval()` (janus' frozen VQ model, in `__init__`): keras layers have no mode; `training` is passed
    at each call, False by default, which is what torch's eval mode computes. The layer itself."""
    return None if a.args else cx.call("torch_eval", a.receiver)


@method("detach", tensor_only=True)
def detach(a: Args, cx: Context) -> cst.BaseExpression | None:
    return None if a.args else cx.call("tf.stop_gradient", a.receiver)


@method("numel", tensor_only=True)
def numel(a: Args, cx: Context) -> cst.BaseExpression | None:
    return None if a.args else cx.call("tf.size", a.receiver)


def _numpy_value(node: cst.BaseExpression) -> bool:
    """An expression computed by numpy: its innermost call is `np.*` / `numpy.*` (`np.ceil(x).astype("int")`)."""
    while isinstance(node, (cst.Call, cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Call):
            name = dotted(node.func)
            if name is not None and name.startswith(("np.", "numpy.")):
                return True
            node = node.func
        else:
            node = node.value
    return False


@method("tolist", "item")
def eager_value(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.tolist()` / `x.item()`: the eager value, through numpy (torch's .item() of a scalar tensor); `tolist`
    traces too (torch_tolist: the symbolic values, as MoE routers hand expert sizes to `split`)."""
    if a.args:
        return None
    if a.name == "tolist":
        return cx.call("torch_tolist", a.receiver)
    if _numpy_value(a.receiver):
        return a.call  # `np.ceil(np.log1p(n)).astype("int").item()` (informer): numpy's own item()
    numpy = cst.Call(cst.Attribute(a.receiver, cst.Name("numpy")))
    return cst.Call(cst.Attribute(numpy, cst.Name(a.name)))


@function("torch.as_tensor", signature=("data", "dtype"))
def as_tensor(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.as_tensor(shapes_list, dtype=torch.long)` (the DETR family's spatial shapes): a tensor of `data`,
    cast to `dtype` where one is given (device= is dropped)."""
    if "data" not in a or not set(a.bound) <= {"data", "dtype"}:
        return None
    if "dtype" in a:
        return cx.call("tf.cast", a["data"], a["dtype"])
    return cx.call("tf.convert_to_tensor", a["data"])


@function("torch.eye", signature=("n", "m"))
def eye(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "n" not in a or not set(a.bound) <= {"n", "m", "dtype"}:
        return None
    rest = ([a["m"]] if "m" in a else []) + ([arg(a["dtype"], "dtype")] if "dtype" in a else [])
    return cx.call("tf.eye", a["n"], *rest)


@function("torch.rand_like", "torch.randn_like", signature=("input",))
def random_like(a: Args, cx: Context) -> cst.BaseExpression | None:
    if set(a.bound) != {"input"}:
        return None
    kind = "uniform" if a.name == "torch.rand_like" else "normal"
    return cx.expr(f"tf.random.{kind}(tf.shape({{x}}), dtype={{x}}.dtype)", x=a["input"])


@function("torch.normal", signature=("mean", "std"))
def normal(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.normal(mean, std, size=shape)` with numbers for mean and std: draws of the same distribution (the
    tensor forms, one mean or std per element, are not taken)."""
    if set(a.bound) != {"mean", "std", "size"} or any(
        not isinstance(a[n], (cst.Integer, cst.Float, cst.Name, cst.Attribute, cst.UnaryOperation))
        for n in ("mean", "std")
    ):
        return None
    return cx.call("tf.random.normal", a["size"], arg(a["mean"], "mean"), arg(a["std"], "stddev"))


@function("torch.scalar_tensor", signature=("s",))
def scalar_tensor(a: Args, cx: Context) -> cst.BaseExpression | None:
    """A 0-d tensor (float32 unless dtype= says otherwise, as torch's)."""
    if "s" not in a or not set(a.bound) <= {"s", "dtype"}:
        return None
    return cx.call("tf.constant", a["s"], arg(a.get("dtype") or cx.expr("tf.float32"), "dtype"))
