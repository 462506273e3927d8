"""torch.nn layers and their keras twins: argument binding, the keras constructor, and the build input shape.

Shared by the layer-swap pass (constructor) and the build pass (input shape), so both read a torch
constructor the same way.
"""

from __future__ import annotations

import libcst as cst

from .nodes import fragment

# torch.nn layer classes with a snippet twin that takes torch's own constructor arguments: where a modeling
# file passes the class around (`norm_layer=nn.LayerNorm`, a dict of classes, a subclass), the twin stands in
TORCH_SIGNATURE_TWINS = {"LayerNorm": "TorchLayerNorm", "MultiheadAttention": "TorchMultiheadAttention"}

_TRANSPOSED = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "output_padding",
    "groups",
    "bias",
    "dilation",
    "padding_mode",
)
# torch constructor signatures (positional order), enough to bind the arguments modeling files pass
SIGNATURES = {
    "Linear": ("in_features", "out_features", "bias"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
    "RMSNorm": ("normalized_shape", "eps", "elementwise_affine"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "GroupNorm": ("num_groups", "num_channels", "eps", "affine"),
    "Dropout": ("p", "inplace"),
    "Conv1D": ("nf", "nx"),
    "Softmax": ("dim",),
    "LeakyReLU": ("negative_slope", "inplace"),
    "GELU": ("approximate",),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AdaptiveAvgPool2d": ("output_size",),
    "AdaptiveAvgPool1d": ("output_size",),
    "Flatten": ("start_dim", "end_dim"),
    "PixelShuffle": ("upscale_factor",),
    "Conv3d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"),
    "ConvTranspose1d": _TRANSPOSED,
    "ConvTranspose2d": _TRANSPOSED,
    "MaxPool1d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool1d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "Upsample": ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
    "GLU": ("dim",),
    "ZeroPad1d": ("padding",),
    "ZeroPad2d": ("padding",),
    "ConstantPad1d": ("padding", "value"),
    "ConstantPad2d": ("padding", "value"),
    "Dropout1d": ("p", "inplace"),
    "Dropout2d": ("p", "inplace"),
    "Unfold": ("kernel_size", "dilation", "padding", "stride"),
    "MultiheadAttention": (
        "embed_dim",
        "num_heads",
        "dropout",
        "bias",
        "add_bias_kv",
        "add_zero_attn",
        "kdim",
        "vdim",
        "batch_first",
    ),
}
# the torch.nn layers above that hold no weight: made without `name=` (as keras' Dropout is)
WEIGHTLESS = frozenset(
    {
        "Dropout",
        "MaxPool2d",
        "AvgPool2d",
        "AdaptiveAvgPool2d",
        "AdaptiveAvgPool1d",
        "Flatten",
        "MaxPool1d",
        "AvgPool1d",
        "Upsample",
        "GLU",
        "ZeroPad1d",
        "ZeroPad2d",
        "ConstantPad1d",
        "ConstantPad2d",
        "Dropout1d",
        "Dropout2d",
        "Unfold",
    }
)


def bind(kind: str, call: cst.Call) -> dict[str, cst.BaseExpression]:
    names = SIGNATURES.get(kind, ())
    bound: dict[str, cst.BaseExpression] = {}
    position = 0
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg.value
        elif position < len(names):
            bound[names[position]] = arg.value
            position += 1
    return bound


def _shape(*dims: cst.BaseExpression | None) -> cst.List:
    return cst.List([cst.Element(d if d is not None else cst.Name("None")) for d in dims])


def input_shape(kind: str, call: cst.Call | None) -> cst.BaseExpression | None:
    """The `build()` input shape the torch constructor implies; None where the layer needs none."""
    if call is None:
        return None
    args = bind(kind, call)
    dim = {
        "Linear": "in_features",
        "LayerNorm": "normalized_shape",
        "RMSNorm": "normalized_shape",
        "Conv1d": "in_channels",
        "Conv1D": "nx",
    }.get(kind)
    if dim is not None and dim in args:
        return _shape(None, None, args[dim])
    if kind in ("Conv2d", "ConvTranspose2d") and "in_channels" in args:
        return _shape(None, None, None, args["in_channels"])
    if kind == "ConvTranspose1d" and "in_channels" in args:
        return _shape(None, None, args["in_channels"])
    if kind == "Conv3d" and "in_channels" in args:
        return _shape(None, None, None, None, args["in_channels"])
    # norms over the channel axis of channels-first tensors (keras axis=1)
    if kind in ("BatchNorm1d", "GroupNorm"):
        channels = args.get("num_features", args.get("num_channels"))
        return _shape(None, channels, None) if channels is not None else None
    if kind == "BatchNorm2d" and "num_features" in args:
        return _shape(None, args["num_features"], None, None)
    return None


def _is_false(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def _is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _padding_mode(a: dict[str, cst.BaseExpression], kind: str, notes: list[str]) -> None:
    mode = a.get("padding_mode")
    if isinstance(mode, cst.SimpleString) and mode.evaluated_value == "zeros":
        return
    if mode is not None:
        notes.append(f"{kind}(padding_mode=...): the twin pads with zeros; pad the input to match")


def _number(expr: cst.BaseExpression | None) -> float | None:
    if isinstance(expr, (cst.Float, cst.Integer)):
        return float(expr.evaluated_value)
    return None


def keras_constructor(
    kind: str, call: cst.Call, initializer: cst.BaseExpression | None
) -> tuple[str, list[tuple[str, cst.BaseExpression]], list[str]]:
    """(keras callable, keyword arguments, TODO notes) for a torch layer constructor."""
    a = bind(kind, call)
    kw: list[tuple[str, cst.BaseExpression]] = []
    notes: list[str] = []

    def put(name: str, value: cst.BaseExpression | None) -> None:
        if value is not None:
            kw.append((name, value))

    if kind == "Linear":
        put("units", a.get("out_features"))
        if "bias" in a:
            put("use_bias", a["bias"])
        put("kernel_initializer", initializer)
        return "keras.layers.Dense", kw, notes
    if kind == "LayerNorm":
        put("epsilon", a.get("eps", fragment("1e-05")))
        if _is_false(a.get("elementwise_affine")):
            kw += [("center", fragment("False")), ("scale", fragment("False"))]
        elif _is_false(a.get("bias")):
            put("center", fragment("False"))
        shape = a.get("normalized_shape")
        if isinstance(shape, (cst.Tuple, cst.List)) and len(shape.elements) > 1:
            notes.append("LayerNorm over several trailing dims: set keras axis= to match")
        return "keras.layers.LayerNormalization", kw, notes
    if kind == "RMSNorm":
        for name in SIGNATURES["RMSNorm"]:
            put(name, a.get(name))
        return "TorchRMSNorm", kw, notes
    if kind == "Dropout":
        put("rate", a.get("p", fragment("0.5")))
        return "keras.layers.Dropout", kw, notes
    if kind == "Embedding":
        put("input_dim", a.get("num_embeddings"))
        put("output_dim", a.get("embedding_dim"))
        put("embeddings_initializer", initializer)
        return "keras.layers.Embedding", kw, notes
    if kind in ("ConvTranspose1d", "ConvTranspose2d"):
        # torch's padding crops the full output, output_padding adds to its end: the helper layer does both
        groups = a.get("groups")
        if groups is not None and _number(groups) != 1:
            notes.append(f"{kind}(groups=...): keras' transposed convs have no groups; the layer raises")
            put("groups", groups)
        put("in_channels", a.get("in_channels"))  # the twin builds from it where build() knows no input shape
        put("filters", a.get("out_channels"))
        put("kernel_size", a.get("kernel_size"))
        put("strides", a.get("stride"))
        put("dilation_rate", a.get("dilation"))
        if "bias" in a:
            put("use_bias", a["bias"])
        if a.get("padding") is not None and _number(a["padding"]) != 0:
            kw.append(("torch_padding", a["padding"]))
        put("output_padding", a.get("output_padding"))
        _padding_mode(a, kind, notes)
        return f"ChannelsFirstConvTranspose{kind[-2]}D", kw, notes
    if kind in ("Conv1d", "Conv2d", "Conv3d"):
        _padding_mode(a, kind, notes)
        # torch convs are channels-first with numeric padding: the helper layers keep both at the call
        put("in_channels", a.get("in_channels"))  # the twin builds from it where build() knows no input shape
        put("filters", a.get("out_channels"))
        put("kernel_size", a.get("kernel_size"))
        put("strides", a.get("stride"))
        put("dilation_rate", a.get("dilation"))
        put("groups", a.get("groups"))
        if "bias" in a:
            put("use_bias", a["bias"])
        padding = a.get("padding")
        if isinstance(padding, cst.SimpleString):
            kw.append(("padding", padding))
        elif padding is not None and _number(padding) != 0:
            kw.append(("torch_padding", padding))
        return f"ChannelsFirst{kind[:-1]}D", kw, notes
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        put("epsilon", a.get("eps", fragment("1e-05")))
        momentum = _number(a.get("momentum")) if "momentum" in a else 0.1
        if momentum is None:
            notes.append("BatchNorm momentum is not a literal: keras momentum = 1 - torch momentum")
            momentum = 0.1
        kw.append(("momentum", fragment(repr(round(1 - momentum, 10)))))
        kw.append(("axis", fragment("1")))  # torch normalises the channel axis of channels-first tensors
        # BatchNorm1d takes [batch, channels] and [batch, channels, length] alike (levit flattens to 2-D)
        return "TorchBatchNorm1d" if kind == "BatchNorm1d" else "keras.layers.BatchNormalization", kw, notes
    if kind == "GroupNorm":
        put("groups", a.get("num_groups"))
        put("epsilon", a.get("eps", fragment("1e-05")))
        if _is_false(a.get("affine")):
            kw += [("center", fragment("False")), ("scale", fragment("False"))]
        kw.append(("axis", fragment("1")))  # torch groups the channel axis of channels-first tensors
        return "TorchGroupNorm", kw, notes
    if kind == "Conv1D":
        return "TFConv1D", [], notes
    if kind in ("MaxPool1d", "AvgPool1d", "MaxPool2d", "AvgPool2d"):
        put("pool_size", a.get("kernel_size"))
        put("strides", a.get("stride", a.get("kernel_size")))
        padding = a.get("padding")
        if padding is not None and _number(padding) != 0:
            kw.append(("torch_padding", padding))
        if not _is_false(a.get("ceil_mode")) and "ceil_mode" in a and kind.endswith("2d"):
            put("ceil_mode", a["ceil_mode"])  # the 2-D twins pool the last partial window as torch does
        elif not _is_false(a.get("ceil_mode")) and "ceil_mode" in a:
            notes.append(f"{kind}(ceil_mode=True): keras pools with floor; pad the input to match")
        if kind.startswith("Avg") and "count_include_pad" in a and not _is_true(a["count_include_pad"]):
            put("count_include_pad", a["count_include_pad"])  # poolformer's pooling: the padding not counted
        return f"ChannelsFirst{kind[:3]}Pool{kind[-2]}D", kw, notes
    if kind == "Upsample":
        for name in SIGNATURES["Upsample"]:
            put(name, a.get(name))
        return "TorchUpsample", kw, notes
    if kind == "Unfold":
        for name in SIGNATURES["Unfold"]:
            put(name, a.get(name))
        return "TorchUnfold", kw, notes
    if kind == "GLU":
        put("dim", a.get("dim"))
        return "TorchGLU", kw, notes
    if kind in ("ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d"):
        put("padding", a.get("padding"))
        put("value", a.get("value"))
        kw.append(("rank", fragment(kind[-2])))
        return "TorchConstantPad", kw, notes
    if kind in ("Dropout1d", "Dropout2d"):
        # channel dropout: the identity at inference, as torch's
        put("rate", a.get("p", fragment("0.5")))
        kw.append(("data_format", cst.SimpleString('"channels_first"')))
        return f"keras.layers.SpatialDropout{kind[-2]}D", kw, notes
    if kind in ("AdaptiveAvgPool2d", "AdaptiveAvgPool1d"):
        size = a.get("output_size")
        code = cst.Module([]).code_for_node(size).replace(" ", "") if size is not None else ""
        if code not in ("1", "(1,1)", "1,"):
            # any other size: torch's adaptive average (its "area" interpolation)
            put("output_size", size)
            kw.append(("rank", fragment(kind[-2])))
            return "TorchAdaptiveAvgPool", kw, notes
        kw += [("data_format", cst.SimpleString('"channels_first"')), ("keepdims", fragment("True"))]
        return f"keras.layers.GlobalAveragePooling{kind[-2:-1]}D", kw, notes
    if kind == "Flatten":
        start = a.get("start_dim")
        if start is not None and _number(start) != 1 or "end_dim" in a:
            notes.append("nn.Flatten with start_dim/end_dim other than 1/-1: reshape by hand")
        return "keras.layers.Flatten", kw, notes
    if kind == "PixelShuffle":
        put("upscale_factor", a.get("upscale_factor"))
        return "ChannelsFirstPixelShuffle", kw, notes
    raise KeyError(kind)
