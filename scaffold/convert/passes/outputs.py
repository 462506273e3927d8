"""Output classes: `modeling_outputs.X` -> `modeling_tf_outputs.TFX`; the file's own ModelOutput dataclasses are
renamed by the rename pass and typed by the ops pass."""

from __future__ import annotations

import libcst as cst

from ..pipeline import NodePass
from ..tables import TF_OUTPUTS

OUTPUTS_MODULE = "transformers.modeling_outputs"
TF_OUTPUTS_MODULE = "transformers.modeling_tf_outputs"


class OutputsPass(NodePass):
    def leave_Name(self, original: cst.Name, updated: cst.Name):
        origin = self.info.imports.origins.get(original.value, "")
        if origin.rpartition(".")[0] != OUTPUTS_MODULE or original.value == "ModelOutput":
            return updated
        tf_name = "TF" + original.value
        if tf_name in TF_OUTPUTS:
            self.ctx.imports.need(TF_OUTPUTS_MODULE, tf_name)
            return updated.with_changes(value=tf_name)
        self.todo(f"modeling_tf_outputs has no TF{original.value}: define it here as a ModelOutput dataclass")
        return updated
