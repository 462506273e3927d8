"""nn.Module classes become keras layers: bases, `__init__(**kwargs)`, `forward` -> `call(..., training=False)`.

PreTrainedModel subclasses keep their (renamed) local base and take `*inputs, **kwargs` like every TF model.
A class that subclasses a torch layer (`class XPositionalEmbedding(nn.Embedding)`) subclasses the keras twin.
"""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..nodes import fragment
from ..pipeline import NodePass

KERAS_BASES = {
    "Embedding": "TorchEmbedding",
    "LayerNorm": "TorchLayerNorm",
    "Linear": "TorchLinear",
    "Conv2d": "TorchConv2d",
    "GroupNorm": "TorchNNGroupNorm",
}
# Bases that are snippets taking torch's own constructor arguments: `super().__init__(...)` keeps them all
TORCH_SIGNATURE_BASES = set(KERAS_BASES.values())
LAYER_ROLES = ("layer",)
MODEL_ROLES = ("model",)


def _param(name: str, default: str | None = None, annotation: str | None = None) -> cst.Param:
    return cst.Param(
        name=cst.Name(name),
        annotation=cst.Annotation(fragment(annotation)) if annotation else None,
        default=fragment(default) if default is not None else None,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(" " if annotation else ""),
            whitespace_after=cst.SimpleWhitespace(" " if annotation else ""),
        )
        if default is not None
        else cst.MaybeSentinel.DEFAULT,
    )


def add_training_param(params: cst.Parameters) -> cst.Parameters:
    names = {p.name.value for p in (*params.params, *params.kwonly_params)}
    if "training" in names:
        return params
    training = _param("training", "False", "bool")
    if isinstance(params.star_arg, cst.Param):
        return params.with_changes(kwonly_params=[*params.kwonly_params, training])
    return params.with_changes(params=[*params.params, training])


class _Rename(cst.CSTTransformer):
    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.new) if updated.value == self.old else updated


def _kwargs_named_kwargs(function: cst.FunctionDef) -> cst.FunctionDef:
    """`forward(..., **deprecated_arguments)` -> `call(..., **kwargs)`: transformers' TF input processing
    (`@unpack_inputs`) takes extra keywords only under that name (bloom, mpt)."""
    star = function.params.star_kwarg
    if not isinstance(star, cst.Param) or star.name.value == "kwargs":
        return function
    names = {n.value for n in _names_in(function)}
    if "kwargs" in names:
        return function
    renamed = function.visit(_Rename(star.name.value, "kwargs"))
    assert isinstance(renamed, cst.FunctionDef)
    return renamed.with_changes(name=function.name)


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(Collect())
    return found


BACKBONE_MIXINS = {"transformers.utils.backbone_utils.BackboneMixin", "transformers.utils.BackboneMixin"}


class ModulesPass(NodePass):
    def _role(self) -> str | None:
        cls = self.ctx.current_class()
        return None if cls is None else cls.role

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef | cst.RemovalSentinel:
        if any(self.info.imports.resolve(base.value) == "torch.autograd.Function" for base in original.bases):
            # static forward(ctx, ...) / backward(ctx, ...): the twin runs them under tf.custom_gradient
            return updated.with_changes(bases=[cst.Arg(self.expr("TorchAutogradFunction"))])
        cls = self.info.classes.get(original.name.value)
        if cls is None or cls.role not in ("layer", "model", "pretrained"):
            return updated
        positional = [arg for arg in updated.bases if arg.keyword is None]
        local = [(arg, name) for arg, name in zip(positional, cls.bases) if name in self.info.classes]
        if cls.role == "pretrained":
            bases = [cst.Arg(self.expr("TFPreTrainedModel"))]
        elif cls.role == "model":
            bases = [arg for arg, _ in local] or [cst.Arg(cst.Name("TFPreTrainedModel"))]
            mixins = [
                name
                for name, node in zip(cls.bases, cls.base_nodes)
                if (self.info.imports.resolve(node) or "").startswith("transformers.modeling_layers.")
            ]
            if mixins:
                self.todo(
                    f"{', '.join(mixins)} (torch's generic head) has no TF twin: write this head's layers and call"
                )
            if any(self.info.imports.resolve(node) in BACKBONE_MIXINS for node in cls.base_nodes):
                # torch's BackboneMixin reads only the config (stage names, out_features): TF keeps it as is
                bases.append(cst.Arg(self.expr("BackboneMixin")))
        else:
            bases = [arg for arg, name in local if self.info.classes[name].role == "layer"]
            if not bases:
                keras_base = KERAS_BASES.get(cls.keras_base or "", "keras.layers.Layer")
                bases = [cst.Arg(self.expr(keras_base))]
        bases = [b.with_changes(comma=cst.MaybeSentinel.DEFAULT) for b in bases]
        return updated.with_changes(bases=bases)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        role = self._role()
        if role not in ("layer", "model", "pretrained") or not self.cursor.in_method:
            return updated
        name = original.name.value
        params = updated.params
        if name == "__init__":
            if role in MODEL_ROLES and params.star_arg is cst.MaybeSentinel.DEFAULT:
                params = params.with_changes(star_arg=cst.Param(cst.Name("inputs")))
            if params.star_kwarg is None:
                params = params.with_changes(star_kwarg=cst.Param(cst.Name("kwargs")))
            return updated.with_changes(params=params)
        if name == "forward":
            updated = _kwargs_named_kwargs(updated)
            return updated.with_changes(name=cst.Name("call"), params=add_training_param(updated.params))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if not (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Call)
            and dotted(func.value.func) == "super"
            and self.cursor.in_method
        ):
            return updated
        if func.attr.value == "forward":
            return updated.with_changes(func=func.with_changes(attr=cst.Name("call")))
        if func.attr.value != "__init__" or self.cursor.function_name != "__init__":
            return updated
        cls = self.ctx.current_class()
        if cls is None:
            return updated
        args = list(updated.args)
        if cls.role in MODEL_ROLES:
            args = [a for a in args if a.star == ""] + [
                cst.Arg(cst.Name("inputs"), star="*"),
                cst.Arg(cst.Name("kwargs"), star="**"),
            ]
        elif cls.role in LAYER_ROLES:
            local_parent = any(b in self.info.classes and self.info.classes[b].role == "layer" for b in cls.bases)
            if local_parent:
                args = [a for a in args if a.star == ""]
            elif KERAS_BASES.get(cls.keras_base or "") in TORCH_SIGNATURE_BASES:
                args = [a for a in args if a.star != "**"]  # torch's arguments, as they are
            elif cls.keras_base:
                if any(a.star == "" for a in args):
                    self.todo(
                        f"{KERAS_BASES.get(cls.keras_base, cls.keras_base)} takes other "
                        "constructor arguments than torch: check the dropped ones"
                    )
                args = []
            else:
                args = []
            args.append(cst.Arg(cst.Name("kwargs"), star="**"))
        else:
            return updated
        args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]
        return updated.with_changes(args=args)
