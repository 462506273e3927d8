"""torch.nn.functional and friends: softmax, dropout, activations, interpolation, padding, norms."""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..tables import NN_ACTIVATIONS
from .registry import Args, Context, arg, clean, function, method, renamed_call

ACTIVATION_FUNCTIONS = {
    "torch.nn.functional.gelu": "gelu",
    "torch.nn.functional.silu": "silu",
    "torch.nn.functional.relu": "relu",
    "torch.nn.functional.tanh": "tanh",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.nn.functional.mish": "mish",
}


@function("torch.nn.functional.softmax", "torch.softmax")
def softmax(a: Args, cx: Context) -> cst.BaseExpression:
    # stable_softmax computes in the input's dtype (float32 models are unchanged): torch's dtype= is dropped
    args = [x for x in a.args if x.keyword is None or x.keyword.value != "dtype"]
    return renamed_call(cx, "stable_softmax", args, {"dim": "axis"})


@method("softmax", tensor_only=True)
def softmax_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    one = a.positional[0].value if len(a.positional) == 1 and not a.keywords else None
    dim = one or a.keywords.get("dim")
    if dim is None or len(a.args) != 1:
        return None
    return cx.call("stable_softmax", a.receiver, arg(dim, "axis"))


@function("torch.nn.functional.log_softmax", "torch.log_softmax", signature=("input", "dim", "_stacklevel", "dtype"))
def log_softmax(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`log_softmax(x, dim=-1, dtype=torch.float32)`: the cast first, as torch casts before it computes."""
    if "input" not in a or "dim" not in a or not set(a.bound) <= {"input", "dim", "_stacklevel", "dtype"}:
        return None
    x = a["input"] if "dtype" not in a else cx.call("tf.cast", a["input"], a["dtype"])
    return cx.call("tf.nn.log_softmax", x, arg(a["dim"], "axis"))


@method("log_softmax", signature=("dim", "dtype"), tensor_only=True)
def log_softmax_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "dim" not in a or not set(a.bound) <= {"dim", "dtype"}:
        return None
    x = a.receiver if "dtype" not in a else cx.call("tf.cast", a.receiver, a["dtype"])
    return cx.call("tf.nn.log_softmax", x, arg(a["dim"], "axis"))


@function(*ACTIVATION_FUNCTIONS)
def activation(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`F.gelu(x)` -> `get_tf_activation("gelu")(x)`."""
    if not a.args:
        return None
    name = cst.SimpleString(f'"{ACTIVATION_FUNCTIONS[a.name]}"')
    return cst.Call(func=cx.call("get_tf_activation", name), args=clean(a.args[:1]))


@function("transformers.activations.get_activation")
def get_activation(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("get_tf_activation", *a.args) if len(a.args) == 1 else None


@function(match=lambda qualified: qualified.startswith("torch.nn.") and qualified.rpartition(".")[2][:1].isupper())
def module_on_the_spot(a: Args, cx: Context) -> cst.BaseExpression | None:
    """A torch.nn module made in a forward body: `nn.ReLU()(x)` is an activation; a loss with a twin is registered
    by name (`losses.py`), any other has no translation."""
    if cx.function_name == "__init__":
        return a.call  # a layer constructor: the layers pass swaps it or marks it
    kind = a.name.rpartition(".")[2]
    if kind in NN_ACTIVATIONS and not a.args:
        return cx.call("get_tf_activation", cst.SimpleString(f'"{NN_ACTIVATIONS[kind]}"'))
    if a.name.endswith("Loss"):
        cx.untranslated(kind, f"{a.name} has no TF twin in scaffold (snippets/tf_losses.py)")
        return a.call
    return None


@function("torch.nn.functional.dropout", signature=("input", "p", "training"))
def dropout(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.args:
        return None
    positional = [x.value for x in a.positional]
    rate = a.keywords.get("p", positional[1] if len(positional) > 1 else cx.expr("0.5"))
    training = a.keywords.get("training", cst.Name("False") if len(positional) < 3 else positional[2])
    dropped = cx.call("tf.nn.dropout", positional[0], arg(rate, "rate"))
    if (
        isinstance(training, cst.Attribute)
        and training.attr.value == "training"
        and dotted(training) != "self.training"
    ):
        # `training=module.training` in a module-level attention function: the caller already passes
        # dropout=0.0 outside training, and tf.nn.dropout at rate 0 is the identity
        return dropped
    return cst.IfExp(
        test=training,
        body=dropped,
        orelse=positional[0],
        whitespace_before_if=cst.SimpleWhitespace(" "),
        whitespace_after_if=cst.SimpleWhitespace(" "),
        whitespace_before_else=cst.SimpleWhitespace(" "),
        whitespace_after_else=cst.SimpleWhitespace(" "),
    )


@function("torch.nn.functional.interpolate")
def interpolate(a: Args, cx: Context) -> cst.BaseExpression | None:
    # a twin with torch's parameters: channels-first, size= with bilinear/nearest (else it raises)
    return cx.call("torch_interpolate", *a.args) if a.args else None


@function("torch.nn.functional.linear", signature=("input", "weight", "bias"))
def linear(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`F.linear(x, w, b)` = x @ w.T + b, w in torch's (out, in) layout; batch dimensions broadcast."""
    if "input" not in a or "weight" not in a or not set(a.bound) <= {"input", "weight", "bias"}:
        return None
    product = cx.expr("tf.matmul({x}, {w}, transpose_b=True)", x=a["input"], w=a["weight"])
    bias = a.get("bias")
    if bias is None or (isinstance(bias, cst.Name) and bias.value == "None"):
        return product
    return cx.call("tf.nn.bias_add", product, bias)


@function("torch.nn.functional.pad")
def pad(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("torch_pad", *a.args) if a.args else None  # torch's pad spec is flat, from the last dim


@function("torch.linalg.vector_norm")
def vector_norm(a: Args, cx: Context) -> cst.BaseExpression | None:
    if not a.positional or not set(a.keywords) <= {"ord", "dim", "keepdim", "dtype"}:
        return None
    return cx.call("torch_vector_norm", *a.args)  # the twin's parameters are named like torch's


@function("torch.unique_consecutive")
def unique_consecutive(a: Args, cx: Context) -> cst.BaseExpression | None:
    # no return_inverse / return_counts / dim
    return cx.call("torch_unique_consecutive", *a.args) if len(a.args) == 1 and a.positional else None
