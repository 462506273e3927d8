"""torch.nn.functional and friends: softmax, dropout, activations, interpolation, padding, norms."""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..tables import NN_ACTIVATIONS, TF_ACTIVATIONS
from ..torch_layers import WEIGHTLESS, keras_constructor
from .registry import Args, Context, arg, clean, code, function, is_integer, method, renamed_call, table

ACTIVATION_FUNCTIONS = {
    "torch.nn.functional.gelu": "gelu",
    "torch.nn.functional.silu": "silu",
    "torch.nn.functional.relu": "relu",
    "torch.nn.functional.tanh": "tanh",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.nn.functional.mish": "mish",
}


def activation_getter(name: cst.BaseExpression) -> str:
    """Which function gives PyTorch's `ACT2FN[name]` in TF: transformers' `get_tf_activation` for a literal name its
    TF ACT2FN has, else the snippets' `torch_activation` (TF's where it has the name, twins of PyTorch's others:
    `gelu_pytorch_tanh`, `relu2`, `relu6`, ...), since a name read from the config can be any of PyTorch's."""
    if isinstance(name, cst.SimpleString) and name.evaluated_value in TF_ACTIVATIONS:
        return "get_tf_activation"
    return "torch_activation"


@function("torch.nn.functional.softmax", "torch.softmax")
def softmax(a: Args, cx: Context) -> cst.BaseExpression:
    # stable_softmax computes in the input's dtype (float32 models are unchanged): torch's dtype= is dropped
    args = [x for x in a.args if x.keyword is None or x.keyword.value != "dtype"]
    return renamed_call(cx, "stable_softmax", args, {"dim": "axis"})


@method("softmax", signature=("dim", "dtype"), tensor_only=True)
def softmax_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.softmax(-1)`; `x.softmax(dim=-1, dtype=torch.float32)` casts first, as torch does."""
    if "dim" not in a or not set(a.bound) <= {"dim", "dtype"}:
        return None
    x = a.receiver if "dtype" not in a else cx.call("tf.cast", a.receiver, a["dtype"])
    return cx.call("stable_softmax", x, arg(a["dim"], "axis"))


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


ACTIVATION_CLASSES = {  # transformers.activations' classes made without arguments: ACT2CLS's names for them
    "GELUActivation": "gelu",
    "FastGELUActivation": "gelu_fast",
    "NewGELUActivation": "gelu_new",
    "GELUTanh": "gelu_pytorch_tanh",
    "PytorchGELUTanh": "gelu_pytorch_tanh",
    "AccurateGELUActivation": "gelu_accurate",
    "LaplaceActivation": "laplace",
    "LinearActivation": "linear",
    "MishActivation": "mish",
    "QuickGELUActivation": "quick_gelu",
    "ReLUSquaredActivation": "relu2",
    "SiLUActivation": "silu",
}


@function(*(f"transformers.activations.{name}" for name in ACTIVATION_CLASSES))
def activation_class(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`QuickGELUActivation()` (bridgetower's MLP) -> the activation of that ACT2CLS name."""
    if a.args:
        return None
    name = ACTIVATION_CLASSES[a.name.rpartition(".")[2]]
    return cx.call(activation_getter(cst.SimpleString(f'"{name}"')), cst.SimpleString(f'"{name}"'))


@function("transformers.activations.get_activation")
def get_activation(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call(activation_getter(a.args[0].value), *a.args) if len(a.args) == 1 else None


@function(match=lambda qualified: qualified.startswith("torch.nn.") and qualified.rpartition(".")[2][:1].isupper())
def module_on_the_spot(a: Args, cx: Context) -> cst.BaseExpression | None:
    """A torch.nn module made in a forward body: `nn.ReLU()(x)` is an activation; a loss with a twin is registered
    by name (`losses.py`), any other has no translation."""
    if cx.function_name == "__init__":
        return a.call  # a layer constructor: the layers pass swaps it or marks it
    kind = a.name.rpartition(".")[2]
    if kind in NN_ACTIVATIONS and not a.args:
        return cx.call("get_tf_activation", cst.SimpleString(f'"{NN_ACTIVATIONS[kind]}"'))
    if kind == "Softmax" and set(a.keywords) <= {"dim"} and len(a.args) == 1:
        return cx.expr("(lambda x: stable_softmax(x, axis={dim}))", dim=a.args[0].value)
    if a.name.endswith("Loss"):
        cx.untranslated(kind, f"{a.name} has no TF twin in scaffold (snippets/tf_losses.py)")
        return a.call
    if kind in WEIGHTLESS and kind != "Dropout" and not any(x.star for x in a.args):
        # a layer without weights made and called on the spot (canine's `nn.MaxPool1d(kernel_size=r, stride=r)(x)`)
        keras_call, kwargs, notes = keras_constructor(kind, a.call.with_changes(args=a.args), None)
        for note in notes:
            cx.untranslated(kind, note)
        return cx.call(keras_call, *[arg(value, name) for name, value in kwargs])
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


@function("torch.nn.functional.unfold", signature=("input", "kernel_size", "dilation", "padding", "stride"))
def unfold(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("torch_unfold", *a.args) if a.args else None


@function("torch.nn.functional.grid_sample", signature=("input", "grid", "mode", "padding_mode", "align_corners"))
def grid_sample(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`F.grid_sample(value, grid, mode=..., padding_mode=..., align_corners=...)` -> torch_grid_sample."""
    if not {"input", "grid"} <= set(a.bound) or not set(a.bound) <= set(a.signature):
        return None
    return cx.call("torch_grid_sample", *a.args)


@function(
    "torch.nn.functional.fold", signature=("input", "output_size", "kernel_size", "dilation", "padding", "stride")
)
def fold(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("torch_fold", *a.args) if a.args else None


@function("torch.nn.functional.max_pool2d", "torch.max_pool2d")
def max_pool2d(a: Args, cx: Context) -> cst.BaseExpression | None:
    # a twin with torch's parameters (ceil_mode too); dilation / return_indices raise in it
    return cx.call("torch_max_pool2d", *a.args) if a.args else None


@function("torch.nn.functional.avg_pool2d")
def avg_pool2d(a: Args, cx: Context) -> cst.BaseExpression | None:
    return cx.call("torch_avg_pool2d", *a.args) if a.args else None


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


@function("torch.linalg.norm", "torch.norm", signature=("input", "ord", "dim", "keepdim", "dtype"))
def linalg_norm(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`torch.linalg.norm(x, ord=2, dim=-1, keepdim=True)` (OWL-ViT): a vector norm over an integer dim; with no
    ord, the 2-norm of the entries over `dim` (every dim when None), which is also torch's Frobenius default for
    two dims. Matrix norms with an ord (spectral, nuclear, "fro" spelled out) are not taken. `torch.norm` names its
    order `p`."""
    bound = dict(a.bound)
    if a.name == "torch.norm" and "p" in bound:
        bound["ord"] = bound.pop("p")
    if "input" not in bound or not set(bound) <= {"input", "ord", "dim", "keepdim", "dtype"}:
        return None
    ord_, dim = bound.get("ord"), bound.get("dim")
    no_ord = ord_ is None or (isinstance(ord_, cst.Name) and ord_.value == "None")
    numeric = isinstance(ord_, (cst.Integer, cst.Float)) or (
        isinstance(ord_, cst.UnaryOperation) and isinstance(ord_.expression, (cst.Integer, cst.Float))
    )
    # an order the file computes (DBRX's router: `p=self.moe_normalize_expert_weights`) is a number at run time over
    # one dim; the twin refuses a string there
    computed = isinstance(ord_, (cst.Name, cst.Attribute))
    if not no_ord and not ((numeric or computed) and dim is not None and is_integer(dim)):
        return None
    rest = [arg(bound[n], n) for n in ("dim", "keepdim", "dtype") if n in bound]
    order = [] if no_ord or ord_ is None else [arg(ord_, "ord")]
    return cx.call("torch_vector_norm", bound["input"], *order, *rest)


@function("torch.unique_consecutive")
def unique_consecutive(a: Args, cx: Context) -> cst.BaseExpression | None:
    # `return_counts=True` (xmod's language runs) also; no return_inverse / dim
    if not a.positional or len(a.positional) != 1:
        return None
    keywords = {k.keyword.value: k.value for k in a.args if k.keyword is not None}
    if not keywords:
        return cx.call("torch_unique_consecutive", *a.args)
    counts = keywords.pop("return_counts", None)
    if keywords or not isinstance(counts, cst.Name) or counts.value not in ("True", "False"):
        return None
    if counts.value == "False":
        return cx.call("torch_unique_consecutive", a.args[0].value)
    return cx.call("torch_unique_consecutive", a.args[0].value, arg(counts, "return_counts"))


table("torch.nn.functional.logsigmoid", to="tf.math.log_sigmoid")


@function("torch.nn.functional.softplus", signature=("input", "beta", "threshold"))
def softplus(a: Args, cx: Context) -> cst.BaseExpression | None:
    """log(1 + exp(x)); torch's `threshold` (linear above it) differs from it by below exp(-threshold)."""
    if "input" not in a or not set(a.bound) <= {"input", "beta", "threshold"}:
        return None
    if "beta" not in a:
        return cx.call("tf.math.softplus", a["input"])
    return cx.expr("tf.math.softplus({beta} * {x}) / {beta}", beta=a["beta"], x=a["input"])


@function("torch.nn.functional.leaky_relu", signature=("input", "negative_slope", "inplace"))
def leaky_relu(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "input" not in a or not set(a.bound) <= {"input", "negative_slope", "inplace"}:
        return None
    return cx.call("tf.nn.leaky_relu", a["input"], arg(a.get("negative_slope") or cst.Float("0.01"), "alpha"))


@function("torch.nn.functional.glu", signature=("input", "dim"))
def glu(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "input" not in a or not set(a.bound) <= {"input", "dim"}:
        return None
    return cx.call("torch_glu", a["input"], *([a["dim"]] if "dim" in a else []))


@function("torch.nn.functional.one_hot", signature=("tensor", "num_classes"))
def one_hot(a: Args, cx: Context) -> cst.BaseExpression | None:
    """torch's one-hot is integer (long: tf.int32 in a port); num_classes -1 or absent counts max + 1."""
    if "tensor" not in a or not set(a.bound) <= {"tensor", "num_classes"}:
        return None
    depth = a.get("num_classes")
    if depth is None or (isinstance(depth, cst.UnaryOperation) and code(depth).replace(" ", "") == "-1"):
        depth = cx.expr("tf.cast(tf.reduce_max({x}), tf.int32) + 1", x=a["tensor"])
    return cx.call("tf.one_hot", a["tensor"], depth, arg(cx.expr("tf.int32"), "dtype"))


@function("torch.nn.functional.normalize", signature=("input", "p", "dim", "eps"))
def normalize(a: Args, cx: Context) -> cst.BaseExpression | None:
    if "input" not in a or not set(a.bound) <= {"input", "p", "dim", "eps"}:
        return None
    return cx.call("torch_normalize", *[arg(a[n], n) if n != "input" else a[n] for n in a.signature if n in a])


@function("torch.nn.functional.layer_norm", signature=("input", "normalized_shape", "weight", "bias", "eps"))
def layer_norm(a: Args, cx: Context) -> cst.BaseExpression | None:
    """Over the trailing `normalized_shape` dims, weight and bias optional (OLMo's LayerNorm has neither);
    `F.layer_norm(*args)` (nemotron) passes torch's positional order, which the twin keeps."""
    if len(a.args) == 1 and a.args[0].star == "*":
        return cx.call("torch_layer_norm", a.args[0])
    if not {"input", "normalized_shape"} <= set(a.bound) or not set(a.bound) <= set(a.signature):
        return None
    return cx.call("torch_layer_norm", a["input"], *[arg(a[n], n) for n in a.signature[1:] if n in a])


SDPA_SIGNATURE = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa")


@function("torch.nn.functional.scaled_dot_product_attention", signature=SDPA_SIGNATURE)
def scaled_dot_product_attention(a: Args, cx: Context) -> cst.BaseExpression | None:
    """A twin with torch's parameters (aimv2's attention pooling calls it directly)."""
    if not {"query", "key", "value"} <= set(a.bound) or not set(a.bound) <= set(SDPA_SIGNATURE):
        return None
    qkv = [a["query"], a["key"], a["value"]]
    return cx.call("torch_scaled_dot_product_attention", *qkv, *[arg(a[n], n) for n in SDPA_SIGNATURE[3:] if n in a])


@method("norm", signature=("p", "dim", "keepdim", "dtype"), tensor_only=True)
def norm_method(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`x.norm(p=2, dim=-1, keepdim=True)`: a vector norm (torch's matrix norms over two dims are not taken)."""
    if not set(a.bound) <= {"p", "dim", "keepdim", "dtype"}:
        return None
    p = a.get("p")
    if p is not None and (isinstance(p, cst.SimpleString) or (isinstance(p, cst.Name) and p.value != "None")):
        return None  # "fro" / "nuc" or a p only known at run time: not a vector p-norm for sure
    names = {"p": "ord", "dim": "dim", "keepdim": "keepdim", "dtype": "dtype"}
    return cx.call("torch_vector_norm", a.receiver, *[arg(a[n], names[n]) for n in a.signature if n in a])


@function("torch.nn.functional.embedding", signature=("input", "weight", "padding_idx"))
def embedding(a: Args, cx: Context) -> cst.BaseExpression | None:
    """Rows of `weight` (cpmant's relative position bias); padding_idx only steers torch's gradients. max_norm
    (which renormalises the weight in place) is not taken."""
    if not {"input", "weight"} <= set(a.bound) or not set(a.bound) <= {"input", "weight", "padding_idx"}:
        return None
    return cx.call("tf.gather", a["weight"], a["input"])
