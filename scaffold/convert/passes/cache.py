"""Key/value caches between calls: a forward that makes the cache (`past_key_values = DynamicCache(...)`,
`EncoderDecoderCache(...)`) first turns what TF callers pass into the cache twin, and returns it as TF passes it.

TF ports and TF `generate()` pass a cache as legacy tuples (one `(key, value)` tuple per layer, four tensors with
cross-attention); the forward bodies keep torch's cache API (`update`, `get_seq_length`, ...) on the twins of
`snippets/tf_cache.py`. So in that forward:

- `past_key_values = cache_from_legacy(past_key_values, cache_position)` opens the body (`cache_position`, when the
  forward takes it, tells the cache where this step's keys go in TF generate's padded XLA cache);
- the output built with the cache (`...OutputWithPast(past_key_values=...)`) and a tuple return holding it return
  `legacy_cache(...)`: tuples again, which the heads pass on unchanged. A sub-model the forward hands the cache to
  (`self.text_model(..., past_key_values=...)`, built by `AutoModel.from_config`) gets the tuples too. Models TF generate reads with the batch on
  axis 1 (named `TFGPT2*` / `TFCTRL*`) get the stacked form it expects (`legacy_cache(..., stacked=True)`).

The cache constructors themselves become the twins in `translate/transformers_api.py`.

A model file's own cache class (a plain class named `...Cache`: `MambaCache`, the hybrids'
`HybridMambaAttentionDynamicCache`) is returned in outputs as torch returns it (`cache_params=...`): it gets the
base `TracedCache` (`snippets/tf_cache.py`), which makes it a nested structure of tensors to tf.nest, so a traced
call can return it and take it back.
"""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos
from .classes import is_docstring

CACHE_MAKERS = {
    "transformers.cache_utils.DynamicCache",
    "transformers.cache_utils.EncoderDecoderCache",
    "transformers.cache_utils.DynamicCache.from_legacy_cache",
    "transformers.cache_utils.EncoderDecoderCache.from_legacy_cache",
}
OUTPUTS_MODULE = "transformers.modeling_outputs."
CACHE_KEYWORD = "past_key_values"
# TF generate reads the cache of these models with the batch on axis 1 (generation/tf_utils.py, cache_batch_axis)
STACKED_CACHE_PREFIXES = ("TFGPT2", "TFCTRL")


class _CacheTargets(cst.CSTVisitor):
    """The names a function assigns a new cache to (`past_key_values = DynamicCache(...)`, in any branch)."""

    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.names: set[str] = set()
        self.root: cst.FunctionDef | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node is self.root  # not into nested functions

    def visit_Assign(self, node: cst.Assign) -> None:
        finder = _MakerFinder(self.ctx)
        node.value.visit(finder)
        if finder.found:
            self.names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def scan(self, function: cst.FunctionDef) -> set[str]:
        self.root = function
        function.visit(self)
        return self.names


class _MakerFinder(cst.CSTVisitor):
    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.info.imports.resolve(node.func) in CACHE_MAKERS:
            self.found = True


class CachePass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        origins = self.info.imports.origins.values()
        self._enabled = any(o.rpartition(".")[0] == "transformers.cache_utils" for o in origins)
        self._stacked = any(p in ctx.tf_name(c) for c in self.info.classes for p in STACKED_CACHE_PREFIXES)
        # per enclosing function: the parameters it makes a cache in, and every name of the cache (with aliases)
        self._functions: list[tuple[set[str], set[str]]] = []

    @property
    def _names(self) -> set[str]:
        return self._functions[-1][1] if self._functions else set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        names: set[str] = set()
        if self._enabled and self.cursor.in_method:
            params = {p.name.value for p in (*node.params.params, *node.params.kwonly_params)}
            names = _CacheTargets(self.ctx).scan(node) & params
        self._functions.append((names, set(names)))

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        own = self.info.classes.get(original.name.value)
        if len(self.cursor.classes) != 1 or own is None or own.role != "other" or updated.bases:
            return updated
        if not original.name.value.endswith("Cache"):
            return updated
        return updated.with_changes(
            bases=[cst.Arg(self.expr("TracedCache"))], lpar=cst.LeftParen(), rpar=cst.RightParen()
        )

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        names, _ = self._functions.pop()
        if not names or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        params = {p.name.value for p in (*original.params.params, *original.params.kwonly_params)}
        position = ", cache_position" if "cache_position" in params else ""
        opening = [self.ctx.statement(f"{name} = cache_from_legacy({name}{position})\n") for name in sorted(names)]
        body = list(updated.body.body)
        at = 1 if body and is_docstring(body[0]) else 0
        return updated.with_changes(body=updated.body.with_changes(body=[*body[:at], *opening, *body[at:]]))

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        # `next_cache = past_key_values if use_cache else None`: another name for the cache
        if self._names and _is_alias(original.value, self._names):
            self._names.update(t.target.value for t in original.targets if isinstance(t.target, cst.Name))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not self._names or not (self._is_output(original) or self._is_sub_model(original)):
            return updated
        args = [
            a.with_changes(value=self._legacy(a.value))
            if a.keyword is not None and a.keyword.value == CACHE_KEYWORD
            else a
            for a in updated.args
        ]
        return updated.with_changes(args=args)

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if not self._names or updated.value is None or original.value is None:
            return updated
        if isinstance(original.value, cst.Call) and (
            self._is_output(original.value) or self._is_sub_model(original.value)
        ):
            return updated  # wrapped in leave_Call
        return updated.with_changes(value=updated.value.visit(_Wrap(self._names, self._legacy)))

    def _is_sub_model(self, call: cst.Call) -> bool:
        """`self.text_model(..., past_key_values=past_key_values)`: a TF model (AutoModel.from_config) takes the
        cache as TF ports pass it, legacy tuples (its input checks refuse a Python object), and makes its own."""
        head, _, rest = (dotted(call.func) or "").partition(".")
        cls = self.ctx.current_class()
        sub = cls.sublayers.get(rest) if cls is not None and head == "self" else None
        return sub is not None and sub.sub_model

    def _is_output(self, call: cst.Call) -> bool:
        name = dotted(call.func) or ""
        own = self.info.classes.get(name)
        return (self.info.imports.resolve(call.func) or "").startswith(OUTPUTS_MODULE) or (
            own is not None and own.role == "output"
        )

    def _legacy(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if self._stacked:
            return self.expr("legacy_cache({value}, stacked=True)", value=value)
        return self.expr("legacy_cache({value})", value=value)


class _Wrap(cst.CSTTransformer):
    def __init__(self, names: set[str], wrap) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.names = names
        self.wrap = wrap

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.wrap(updated) if updated.value in self.names else updated

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False  # `past_key_values.x` is not the cache itself

    def visit_Arg(self, node: cst.Arg) -> bool:
        return node.keyword is None or node.keyword.value == CACHE_KEYWORD

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)  # the keyword is a name, not the cache


def _is_alias(value: cst.BaseExpression, names: set[str]) -> bool:
    if isinstance(value, cst.Name):
        return value.value in names
    if isinstance(value, cst.IfExp):
        parts = (value.body, value.orelse)
        return any(isinstance(p, cst.Name) and p.value in names for p in parts) and all(
            isinstance(p, cst.Name) and (p.value in names or p.value == "None") for p in parts
        )
    return False
