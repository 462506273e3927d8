"""Output classes: `modeling_outputs.X` -> `modeling_tf_outputs.TFX`.

Where modeling_tf_outputs has no twin, or one lacking fields of the torch class (TF_OUTPUTS_LACKING), the
converted file defines `TFX` itself, with the torch class's fields (from output_fields.py). The file's own ModelOutput dataclasses are renamed by the rename pass and typed by
the ops pass."""

from __future__ import annotations

import libcst as cst

from ..context import ConvertContext
from ..output_fields import OUTPUT_FIELDS
from ..pipeline import NodePass
from ..tables import TF_OUTPUTS, TF_OUTPUTS_LACKING

OUTPUTS_MODULE = "transformers.modeling_outputs"
TF_OUTPUTS_MODULE = "transformers.modeling_tf_outputs"


class OutputsPass(NodePass):
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        origin = self.info.imports.origins.get(original.value, "")
        if origin.rpartition(".")[0] != OUTPUTS_MODULE or original.value == "ModelOutput":
            return updated
        tf_name = "TF" + original.value
        if tf_name in TF_OUTPUTS and tf_name not in TF_OUTPUTS_LACKING:
            self.ctx.imports.need(TF_OUTPUTS_MODULE, tf_name)
            return updated.with_changes(value=tf_name)
        if original.value in OUTPUT_FIELDS:
            self.ctx.output_twins.add(original.value)
            return updated.with_changes(value=tf_name)
        self.todo(f"no TF twin of {original.value}: define {tf_name} here as a ModelOutput dataclass")
        return updated


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    """Define the TF output dataclasses modeling_tf_outputs lacks, before the file's first class."""
    if not ctx.output_twins:
        return module
    definitions = []
    for name in sorted(ctx.output_twins):
        fields = "".join(f"    {field}: tf.Tensor | None = None\n" for field in OUTPUT_FIELDS[name])
        lacking = TF_OUTPUTS_LACKING.get(f"TF{name}")
        why = (
            f"modeling_tf_outputs' TF{name} lacks {', '.join(lacking)}" if lacking else "modeling_tf_outputs has none"
        )
        source = (
            f"@dataclass\nclass TF{name}(ModelOutput):\n"
            f'    """TF twin of transformers.modeling_outputs.{name} ({why})."""\n\n{fields}'
        )
        definitions.append(ctx.statement(source))
    position = next((i for i, s in enumerate(module.body) if isinstance(s, cst.ClassDef)), len(module.body))
    return module.with_changes(body=[*module.body[:position], *definitions, *module.body[position:]])
