"""Translators of torch functions and tensor methods, one module per family, registered by name.

    @function("torch.roll")                      # qualified names, as the module's imports resolve them
    def roll(a: Args, cx: Context) -> cst.BaseExpression | None:
        ...                                      # a node, or None: no faithful translation of this form

    @method("unsqueeze")                         # tensor method names
    def unsqueeze(a: Args, cx: Context) -> cst.BaseExpression | None:
        return cx.call("tf.expand_dims", a.receiver, *a.positional) if len(a.positional) == 1 else None

    table("torch.tanh", to="tf.math.tanh")       # same arguments, keywords renamed: one line

See `registry.py` for `Args` (the arguments, bound once) and `Context` (`cx.expr` / `cx.call` write TF code and
schedule what it uses; `cx.todo` / `cx.untranslated` mark the statement).
"""

from __future__ import annotations

from . import creation, dtypes, functional, losses, math, moe, shapes, transformers_api  # noqa: F401  (they register)
from .registry import DROPPED_KEYWORDS, FUNCTIONS, METHODS, Args, Context, Translator, untranslated_methods

# tensor methods with no translation yet (marked wherever they are called)
untranslated_methods("fill_", "copy_", "zero_", "narrow")


def tensor_only_methods() -> frozenset[str]:
    """The tensor methods a call of which, when no translator takes it, is marked untranslated (derived from
    the registry: the methods registered `tensor_only`, translated in some forms or in none)."""
    return frozenset(name for t in METHODS for name in t.names if t.tensor_only)


__all__ = [
    "DROPPED_KEYWORDS",
    "FUNCTIONS",
    "METHODS",
    "Args",
    "Context",
    "Translator",
    "tensor_only_methods",
]
