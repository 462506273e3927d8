"""transformers' torch-side machinery met in forward bodies: sharding checks, Cache objects, chunking, mask
builders, tracing checks."""

from __future__ import annotations

import libcst as cst

from ..snippets import snippets
from .registry import Args, Context, clean, function

MASK_MODULES = {"transformers.masking_utils", "transformers.modeling_attn_mask_utils"}
CACHE_MODULE = "transformers.cache_utils."


@function(match=lambda q: q.rpartition(".")[2] in ("is_deepspeed_zero3_enabled", "is_fsdp_managed_module"))
def sharding(a: Args, cx: Context) -> cst.BaseExpression:
    return cst.Name("False")  # no torch sharding in a TF port


@function(match=lambda q: q.startswith(CACHE_MODULE))
def cache(a: Args, cx: Context) -> cst.BaseExpression:
    # torch Cache objects have no TF twin; TF ports pass past key/values as tuples
    cx.todo("past_key_values caching is not ported (TF ports use tuples): this runs without a cache")
    return cst.Name("None")


@function("isinstance")
def isinstance_(a: Args, cx: Context) -> cst.BaseExpression:
    """`isinstance(x, Cache)` is False: no torch Cache object exists in the TF port."""
    if len(a.original.args) == 2 and (cx.resolve(a.original.args[1].value) or "").startswith(CACHE_MODULE):
        return cst.Name("False")
    return a.call


@function("builtins.isinstance")
def builtin_isinstance(a: Args, cx: Context) -> cst.BaseExpression:
    return a.call


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
