"""Torch-side helpers the forward bodies call -> TF twins copied into the generated file.

`self.get_extended_attention_mask(...)`, `self.invert_attention_mask(...)`, `self.get_head_mask(...)` come from
torch's ModuleUtilsMixin, which a keras layer does not have; they become module-level functions.
`self.warn_if_padding_and_no_attention_mask(...)` only warns and is dropped. A module-level function that has a twin there (`shift_tokens_right`) is replaced by it. Other passes ask for helpers
too (mask builders, channels-first convs) through `ctx.helpers`; `apply` copies every requested definition,
and the ones they use, from `snippets/tf_helpers.py`.
"""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from ..nodes import arg, fragment, statement_fragment
from ..pipeline import NodePass
from ..snippets import snippets
from .provenance import with_provenance

SELF_HELPERS = {"get_extended_attention_mask", "invert_attention_mask", "get_head_mask"}
# methods torch models define with sdpa/flash/Cache branches; TF keeps the eager path, from the snippets
METHOD_TWINS = {
    "_update_causal_mask",
    "_update_full_mask",
    "_update_cross_attn_mask",
    "_prepare_4d_causal_attention_mask_with_cache_position",
    "_update_mamba_mask",  # hybrid state-space models: a mask set to None in a tensor-dependent branch
    "_update_linear_attn_mask",
}
# parameters of a method twin's torch original that the twin does not model: PaliGemma's `_update_causal_mask`
# attends to the whole prefix (image and prompt) bidirectionally, and causally only in training (token types)
NOT_MODELLED = {"_update_causal_mask": {"token_type_ids", "is_training"}}
DROPPED_CALLS = {"self.warn_if_padding_and_no_attention_mask"}
# transformers.utils.generic names whose TF twin (same name, same behaviour on keras layers) is in the snippets:
# the output recording of modern models (`@check_model_inputs` + `_can_record_outputs`) and `@can_return_tuple`
GENERIC_TWINS = {"check_model_inputs", "can_return_tuple", "OutputRecorder"}
GENERIC_MODULES = ("transformers.utils.generic.", "transformers.utils.")


def _param_names(function: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in (*function.params.params, *function.params.kwonly_params)]


class ModelHelpersPass(NodePass):
    def _replaced(self, node: cst.FunctionDef) -> bool:
        """A module-level function with a TF twin in the snippets (shift_tokens_right) is replaced by it, when
        it takes the same parameters (mbart's two-argument shift_tokens_right is another function)."""
        if self.cursor.classes or len(self.cursor.functions) != 1 or node.name.value not in snippets():
            return False
        twin = snippets().nodes[node.name.value]
        return isinstance(twin, cst.FunctionDef) and _param_names(twin) == _param_names(node)

    def _delegated(self, node: cst.FunctionDef) -> bool:
        if not self.cursor.in_method or node.name.value not in METHOD_TWINS:
            return False
        # a method taking what the twin does not model makes another mask: its own body is translated
        return not set(_param_names(node)) & NOT_MODELLED.get(node.name.value, set())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        return False if self._replaced(node) or self._delegated(node) else None

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        if self._replaced(original):
            self.ctx.need(original.name.value)
            return cst.RemovalSentinel.REMOVE
        if self._delegated(original):
            return self._delegate(original)
        return updated

    def _delegate(self, method: cst.FunctionDef) -> cst.FunctionDef:
        """The method keeps its signature and calls the module-level TF twin of the same name."""
        name = method.name.value
        self.ctx.need(name)
        params = [p.name.value for p in method.params.params if p.name.value not in ("self", "cls")]
        call = f"{name}({', '.join(f'{p}={p}' for p in params)})"
        body = statement_fragment(f"def _(self):\n    return {call}\n").body  # type: ignore[attr-defined]
        decorators = [d for d in method.decorators if dotted(d.decorator) == "staticmethod"]
        params_node = method.params.with_changes(
            params=[p.with_changes(annotation=None) for p in method.params.params]
        )
        delegated = method.with_changes(body=body, decorators=decorators, params=params_node, returns=None)
        return with_provenance(delegated)  # the subtree was pruned: ProvenancePass did not see its comments

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        for small in original.body:
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                if dotted(small.value.func) in DROPPED_CALLS:
                    return cst.RemovalSentinel.REMOVE
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value in GENERIC_TWINS:
            origin = self.info.imports.origins.get(original.value, "")
            if origin in {m + original.value for m in GENERIC_MODULES}:
                self.ctx.need(original.value)
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = dotted(original.func) or ""
        # `self.get_extended_attention_mask(...)`, or a sub-model's (`self.text_model.get_...`: bridgetower)
        owner, _, helper = name.rpartition(".")
        if not (owner == "self" or owner.startswith("self.")) or helper not in SELF_HELPERS:
            return updated
        self.ctx.need(helper)
        args = [a for a in updated.args if a.keyword is None or a.keyword.value not in ("device", "dtype")]
        if helper == "get_extended_attention_mask":
            args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args[:2]]
            args.append(arg(fragment(f"{owner}.config.is_decoder"), "is_decoder"))
        return cst.Call(func=cst.Name(helper), args=args)


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    """Insert the requested helpers (and those they use) before the file's first class."""
    if not ctx.helpers:
        return module
    library = snippets()
    names = library.closure(ctx.helpers)
    for local, origin in library.imported_names(names).items():  # (`tf`: module "", `import tensorflow as tf`)
        ctx.imports.need(origin.rpartition(".")[0], local)
    for name in names:  # a twin defined in the file replaces the import of the torch original
        if name in ctx.info.imports.origins:
            ctx.imports.used[name] = 0
    definitions = [library.nodes[name] for name in names]
    position = next((i for i, s in enumerate(module.body) if isinstance(s, cst.ClassDef)), len(module.body))
    return module.with_changes(body=[*module.body[:position], *definitions, *module.body[position:]])
