"""Dtypes: the dtype table, casts (`.to(dtype)`, `.float()`, `.type_as(y)`), torch's typed tensor constructors."""

from __future__ import annotations

import libcst as cst

from .registry import Args, Context, arg, clean, code, function, method

DTYPES = {
    "torch.float": "tf.float32",
    "torch.float32": "tf.float32",
    "torch.float16": "tf.float16",
    "torch.half": "tf.float16",
    "torch.bfloat16": "tf.bfloat16",
    "torch.float64": "tf.float64",
    # TF does not promote int32 and int64 into each other, and its shapes, ranges and ids are int32: index
    # tensors stay int32 (values far below 2**31), as the hand-written ports keep them
    "torch.long": "tf.int32",
    "torch.int64": "tf.int32",
    "torch.int": "tf.int32",
    "torch.int32": "tf.int32",
    "torch.bool": "tf.bool",
    "torch.uint8": "tf.uint8",
    "torch.int8": "tf.int8",  # t5's `self.wo.weight.dtype != torch.int8` (a quantised checkpoint's check)
    "torch.int16": "tf.int16",
    "torch.complex64": "tf.complex64",
    "torch.cfloat": "tf.complex64",
    "torch.complex128": "tf.complex128",
}
TENSOR_TYPES = {"Tensor", "FloatTensor", "LongTensor", "BoolTensor", "IntTensor", "HalfTensor", "ByteTensor"}
CAST_METHODS = {"float": "tf.float32", "half": "tf.float16", "long": "tf.int32", "bool": "tf.bool", "int": "tf.int32"}


def is_tensor_type(qualified: str | None) -> bool:
    """`torch.Tensor`, `torch.LongTensor`, ...: annotations and constructors of torch tensors."""
    return qualified is not None and qualified.startswith("torch.") and qualified.rpartition(".")[2] in TENSOR_TYPES


@method("to")
def to(a: Args, cx: Context) -> cst.BaseExpression:
    """`.to(dtype)` casts, `.to(device)` is a no-op in TF; what cannot be told apart gets a TODO."""
    dtype = a.keywords.get("dtype")
    # `.to(dtype)`, `.to(device)`, `.to(device, dtype)`: each positional is a dtype or a device
    for argument in a.positional if dtype is None else ():
        text = code(argument.value)
        if text.startswith("tf.") or text.endswith(("dtype", "_type")):
            dtype = argument.value
        elif not text.endswith(("device", "device)")) and "device" not in text and text != "None":
            # (`None`: a device the attributes pass dropped, `.to(self.device)`: torch's `.to(None)` is a no-op)
            cx.untranslated(f".to({text})", f"`.to({text})`: a dtype (cast) or a device (drop)? scaffold cannot tell")
            return a.call
    if dtype is None:
        return a.receiver
    return cx.call("tf.cast", a.receiver, dtype)


@method(*CAST_METHODS)
def cast(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`.float()`, `.long()`, ...: a cast (long and int are int32, as DTYPES says)."""
    if a.args:
        return None
    return cx.call("tf.cast", a.receiver, cx.expr(CAST_METHODS[a.name]))


@method("type")
def type_(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 1:
        return None
    return cx.call("tf.cast", a.receiver, a.positional[0])


@method("type_as")
def type_as(a: Args, cx: Context) -> cst.BaseExpression | None:
    if len(a.positional) != 1:
        return None
    return cx.call("tf.cast", a.receiver, cst.Attribute(a.positional[0].value, cst.Name("dtype")))


@function("torch.get_default_dtype")
def default_dtype(a: Args, cx: Context) -> cst.BaseExpression | None:
    # torch's default float dtype is float32 unless set; keras' floatx is its counterpart
    return None if a.args else cx.expr("tf.as_dtype(keras.backend.floatx())")


@function("torch.finfo")
def finfo(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.args:
        return None
    return a.call.with_changes(func=cx.expr("tf.experimental.numpy.finfo"), args=clean(a.args[:1]))


@function(match=is_tensor_type)
def typed_tensor(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.LongTensor(values)` -> `tf.constant(values, dtype=tf.int32)`."""
    if len(a.args) != 1:
        return None
    dtype = {"LongTensor": "tf.int32", "IntTensor": "tf.int32", "BoolTensor": "tf.bool"}.get(
        a.name.rpartition(".")[2], "tf.float32"
    )
    return cx.call("tf.constant", a.args[0], arg(cx.expr(dtype), "dtype"))
