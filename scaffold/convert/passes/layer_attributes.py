"""Attributes of sub-layers, in keras' terms: a torch layer's attributes are not its keras twin's.

`self.emb.weight` of an Embedding -> `self.emb.embeddings`; `self.x.weight.dtype` -> `self.x.compute_dtype`;
a Dropout's `.p` -> `.rate`; an Embedding's `num_embeddings` / `embedding_dim` -> `input_dim` / `output_dim`;
a Linear's `.weight` -> `tf.transpose(.kernel)` (torch's layout); a Conv's `.weight` stays: the ChannelsFirstConv
twins have torch's `weight` (the kernel in torch's layout), `stride`, `dilation`, `in_channels` and `out_channels`
(read off layers passed around, as mobilenet's `apply_tf_padding(x, conv)` does). The layer knowledge comes from the
analysis of each class's `__init__` (the sub-layers the layers pass swaps).
"""

from __future__ import annotations

import libcst as cst

from ..analysis import ClassInfo, embedding_size, sublayer_at
from ..context import ConvertContext
from ..names import dotted
from ..pipeline import NodePass
from ..todos import Todos

# a torch conv's attributes under their keras names (kernel_size and groups are the same)
CONV_ATTRIBUTES = {
    kind: {"stride": "strides", "dilation": "dilation_rate", "out_channels": "filters"}
    for kind in ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d")
}


class LayerAttributesPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._targets = 0  # inside an assignment target: `self.dense.weight = ...` is not a value

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool | None:
        self._targets += 1
        return None

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget) -> cst.AssignTarget:
        self._targets -= 1
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return self._layer_attribute(original, updated) or updated

    def _layer_attribute(self, node: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression | None:
        name = dotted(node) or ""
        parts = name.split(".")
        cls = self.ctx.current_class()
        if cls is None:
            return None
        if parts[0] != "self" or len(parts) > 3:
            reached = self._reached_weight(node, updated, cls)
            if reached is not None or parts[0] != "self":
                return reached
        if len(parts) >= 4 and parts[-2:] == ["weight", "dtype"]:
            return self.expr(".".join(["self", cls.tf_attr(parts[1]), *parts[2:-2], "compute_dtype"]))
        sub = cls.sublayers.get(parts[1]) if len(parts) > 1 else None
        if len(parts) == 3 and parts[2] == "p" and sub is not None and sub.kind == "Dropout":
            return self.expr(f"self.{cls.tf_attr(parts[1])}.rate")
        if len(parts) == 3 and parts[2] == "weight":
            keras_base = self.info.classes[sub.cls].keras_base if sub and sub.cls in self.info.classes else None
            if sub is not None and (sub.kind == "Embedding" or keras_base == "Embedding"):
                return self.expr(f"self.{cls.tf_attr(parts[1])}.embeddings")
        conv = sub is not None and sub.kind in CONV_ATTRIBUTES
        if len(parts) == 3 and conv and parts[2] in CONV_ATTRIBUTES[sub.kind]:  # type: ignore[union-attr]
            # whisper's `self.conv1.stride[0]`: keras' Conv1D calls it `strides`
            return self.expr(f"self.{cls.tf_attr(parts[1])}.{CONV_ATTRIBUTES[sub.kind][parts[2]]}")  # type: ignore[union-attr]
        if len(parts) == 3 and parts[2] == "weight" and sub is not None and sub.kind == "Linear" and not self._targets:
            # a Dense kernel is (in, out), torch's weight (out, in): its transpose is torch's weight, exactly
            # (4.46 llama's `pretraining_tp > 1` branches split it and call F.linear on the slices)
            return self.call("tf.transpose", self.expr(f"self.{cls.tf_attr(parts[1])}.kernel"))
        if len(parts) == 3 and parts[2] == "weight" and conv and not self._targets:
            return None  # the conv twins' `weight` is the kernel in torch's layout (a read-only view)
        if len(parts) == 3 and parts[2] == "weight" and sub is not None and sub.kind in ("Linear", "Conv1d", "Conv2d"):
            self.todo(f"`{name}`: keras keeps this as `.kernel`, transposed from torch's layout")
            return self.expr(f"self.{cls.tf_attr(parts[1])}.kernel")
        if len(parts) == 2 and parts[1] == "weight" and cls.keras_base == "Embedding":
            return self.expr("self.embeddings")
        size = embedding_size(self.info, cls, name)  # `self.model.shared.num_embeddings` -> `.input_dim`
        return self.expr(size) if size is not None else None

    def _reached_weight(
        self, node: cst.Attribute, updated: cst.Attribute, cls: ClassInfo
    ) -> cst.BaseExpression | None:
        """`block.attention.output.weight` / `self.encoder.layer[0].dense.weight`: another layer's Linear weight
        (followed through the sub-layers, `analysis.sublayer_at`) is its kernel transposed, as `self.dense.weight`."""
        if node.attr.value != "weight" or self._targets or not isinstance(node.value, cst.Attribute):
            return None
        if not isinstance(updated.value, cst.Attribute):
            return None
        sub = sublayer_at(self.info, node.value, cls)
        if sub is None or sub.kind != "Linear":
            return None
        return self.call("tf.transpose", cst.Attribute(value=updated.value, attr=cst.Name("kernel")))
