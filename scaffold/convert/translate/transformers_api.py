"""transformers' torch-side machinery met in forward bodies: sharding checks, Cache objects, chunking, mask
builders, tracing checks."""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..snippets import snippets
from .registry import Args, Context, clean, function

MASK_MODULES = {"transformers.masking_utils", "transformers.modeling_attn_mask_utils"}
CACHE_MODULE = "transformers.cache_utils."


@function(match=lambda q: q.rpartition(".")[2] in ("is_deepspeed_zero3_enabled", "is_fsdp_managed_module"))
def sharding(a: Args, cx: Context) -> cst.BaseExpression:
    return cst.Name("False")  # no torch sharding in a TF port


# transformers' caches with a TF twin in snippets/tf_cache.py (the same API inside a forward, legacy tuples between
# calls); every other cache (static, hybrid, sliding-window, offloaded, quantized, Mamba's) has none yet
CACHE_TWINS = ("Cache", "DynamicCache", "EncoderDecoderCache")
# keywords the twins may ignore: they only steer where and how torch allocates the cache
CACHE_IGNORED_KEYWORDS = {"config", "offloading", "offload_only_non_sliding"}


def _cache_twin(qualified: str) -> str | None:
    name = qualified[len(CACHE_MODULE) :] if qualified.startswith(CACHE_MODULE) else ""
    return name if name in CACHE_TWINS else None


@function(match=lambda q: q.startswith(CACHE_MODULE))
def cache(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`DynamicCache(config=...)`, `EncoderDecoderCache(self_cache, cross_cache)`, `X.from_legacy_cache(past)`:
    the TF twin of the same name; any other cache is untranslated (it raises in a forward body)."""
    owner, _, member = a.name.rpartition(".")
    twin = _cache_twin(a.name)
    if twin == "DynamicCache" and not a.positional and set(a.keywords) <= CACHE_IGNORED_KEYWORDS:
        return cx.call("DynamicCache")
    if twin == "EncoderDecoderCache" and len(a.positional) == 2 and not a.keywords:
        return a.call.with_changes(func=cx.expr("EncoderDecoderCache"), args=clean(a.args))
    if _cache_twin(owner) in ("DynamicCache", "EncoderDecoderCache") and member == "from_legacy_cache":
        return a.call.with_changes(func=cx.expr(f"{_cache_twin(owner)}.from_legacy_cache"), args=clean(a.args))
    construct = a.name[len(CACHE_MODULE) :]
    cx.untranslated(construct, f"{construct} has no TF twin yet (scaffold's caches: {', '.join(CACHE_TWINS)})")
    return a.call


# torch-only types a TF value never is: `isinstance(attention_mask, BlockMask)` (flex attention) is False
NEVER_IN_TF = {
    "torch.nn.attention.flex_attention.BlockMask",
    "transformers.integrations.flex_attention.BlockMask",
}


@function("isinstance")
def isinstance_(a: Args, cx: Context) -> cst.BaseExpression:
    """`isinstance(x, DynamicCache)` tests the TF twin; a cache class without one is never made in TF: False, as
    for flex attention's BlockMask."""
    if len(a.original.args) == 2:
        qualified = cx.resolve(a.original.args[1].value) or ""
        if qualified in NEVER_IN_TF:
            return cst.Name("False")
        if qualified.startswith(CACHE_MODULE):
            twin = _cache_twin(qualified)
            return a.call.with_changes(args=[a.call.args[0], cst.Arg(cx.expr(twin))]) if twin else cst.Name("False")
    return a.call


@function("builtins.isinstance")
def builtin_isinstance(a: Args, cx: Context) -> cst.BaseExpression:
    return a.call


@function("builtins.list", "list")
def builtin_list(a: Args, cx: Context) -> cst.BaseExpression:
    """`list(image_features)` in a method: torch iterates a tensor along its first dim; a symbolic TF tensor refuses
    iteration under tf.function, so a variable goes through `torch_list` (tf.unstack for a tensor, list otherwise)."""
    if cx.function_name is None or len(a.args) != 1 or a.args[0].keyword or a.args[0].star:
        return a.call
    if not isinstance(a.args[0].value, cst.Name):
        return a.call
    return cx.call("torch_list", a.args[0].value)


@function("builtins.zip", "zip")
def builtin_zip(a: Args, cx: Context) -> cst.BaseExpression:
    """`zip(patch_embeds, image_sizes)` in a method: zip iterates each argument, and torch iterates a tensor along
    its first dim, which a symbolic TF tensor refuses under tf.function; so each variable goes through `torch_list`
    (tf.unstack for a tensor, the same items for a list, tuple or any other iterable)."""
    if cx.function_name is None or any(arg.keyword or arg.star for arg in a.args):
        return a.call
    args = [
        arg.with_changes(value=cx.call("torch_list", arg.value)) if isinstance(arg.value, cst.Name) else arg
        for arg in a.call.args
    ]
    return a.call.with_changes(args=args)


@function("builtins.max", "max", "builtins.min", "min")
def builtin_max_min(a: Args, cx: Context) -> cst.BaseExpression:
    """`max(height, width)` of numbers in a method: keras makes the first argument of a layer's call a tensor (an
    int passed in arrives as a 0-d tensor), and Python's max compares with `bool(tensor)`, refused under
    tf.function; `scalar_max` / `scalar_min` is tf.maximum / tf.minimum where one is a tensor, Python's otherwise.
    One argument (an iterable) or `key=` / `default=` stay Python's."""
    if cx.function_name in (None, "__init__", "build") or len(a.args) < 2:
        return a.call
    if any(arg.keyword or arg.star for arg in a.args):
        return a.call
    name = dotted(a.call.func) or ""
    return a.call.with_changes(func=cx.expr("scalar_max" if name.endswith("max") else "scalar_min"))


@function("transformers.pytorch_utils.apply_chunking_to_forward")
def apply_chunking(a: Args, cx: Context) -> cst.BaseExpression | None:
    # chunking changes memory use, not numbers: call the function on the inputs
    return cst.Call(func=a.args[0].value, args=clean(a.args[3:])) if len(a.args) >= 4 else None


@function("apply_chunking_to_forward")
def apply_chunking_local(a: Args, cx: Context) -> cst.BaseExpression | None:
    """The same, imported in a way the import table does not follow."""
    args = a.call.args
    return cst.Call(func=args[0].value, args=clean(args[3:])) if len(args) >= 4 else None


def _mask_builder(qualified: str) -> bool:
    module, _, name = qualified.rpartition(".")
    return module in MASK_MODULES and name in snippets()


@function(match=_mask_builder)
def mask_builder(a: Args, cx: Context) -> cst.BaseExpression:
    """Mask builders: the file gets their TF twin under the same name."""
    return a.call.with_changes(func=cx.expr(a.name.rpartition(".")[2]), args=clean(a.args))


@function("torch.jit.is_tracing")
def is_tracing(a: Args, cx: Context) -> cst.BaseExpression:
    return cst.Name("False")


@function("torch.is_autocast_enabled")
def is_autocast_enabled(a: Args, cx: Context) -> cst.BaseExpression:
    """A question about torch's autocast state: a TF port never runs under it (nemotron's
    `_cast_if_autocast_enabled` then returns its arguments as they are)."""
    return cst.Name("False")


@function(
    "torch.autocast",
    "torch.amp.autocast",
    "torch.cuda.amp.autocast",
    "torch.no_grad",
    "torch.enable_grad",
    "torch.inference_mode",
)
def torch_context(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`with torch.autocast(..., enabled=False):` / `with torch.no_grad():` only steer torch (precision policy,
    autograd): the pytorch_only pass drops the `with` and keeps its body (4.57's modeling files call these only
    there), so the call is right as it is: nothing to mark."""
    return a.call
