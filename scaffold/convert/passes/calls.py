"""Torch function calls in forward bodies, through the registry of translators (`translate/`).

A call whose function the module's imports resolve (`torch.cat`, `nn.functional.softmax`, a mask builder) is
handed to the translator registered for that qualified name (a model method registered as it is, such as
`self.loss_function`, too); a torch function without one, or whose translator declines this form, is marked
untranslated. `ACT2CLS["gelu"]()` becomes the TF activation.
"""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..pipeline import NodePass
from ..translate import DROPPED_KEYWORDS, FUNCTIONS, Args, Context, Translator
from ..translate.functional import activation_getter


class TorchCallsPass(NodePass):
    def leave_BinaryOperation(self, original: cst.BinaryOperation, updated: cst.BinaryOperation) -> cst.BaseExpression:
        """`torch.arange(..., dtype=torch.int64) / dim`: torch's true division of integers is float32 (its default
        float), TF's float64; the range is cast first (codegen's and gptj's sinusoidal positions). A range with a
        float dtype is left alone."""
        left = updated.left
        if (
            isinstance(updated.operator, cst.Divide)
            and self.cursor.in_body
            and isinstance(left, cst.Call)
            and dotted(left.func) == "tf.range"
            and all(  # no dtype (integers, or already float32: the cast is then a no-op) or an integer one
                dotted(a.value) in ("tf.int32", "tf.int64")
                for a in left.args
                if a.keyword is not None and a.keyword.value == "dtype"
            )
        ):
            return updated.with_changes(left=self.call("tf.cast", left, self.expr("tf.float32")))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        activation = self._act2cls(original)
        if activation is not None:
            return activation
        if not self.cursor.in_body:
            return updated
        qualified = self.info.imports.resolve(original.func)
        if qualified is None and not isinstance(updated.func, cst.Attribute) and isinstance(original.func, cst.Name):
            # a function the imports do not tell (isinstance, a local helper): only names registered as they are
            local = original.func.value
            return self._translate(FUNCTIONS.lookup(local, qualified=False), local, original, updated) or updated
        if qualified is None:
            own = dotted(original.func) or ""
            if own.startswith("self."):  # a method of the model registered as it is (`self.loss_function`)
                return self._translate(FUNCTIONS.lookup(own, qualified=False), own, original, updated) or updated
            return updated  # a method call: the tensor methods pass
        result = self._translate(FUNCTIONS.lookup(qualified), qualified, original, updated)
        if result is not None:
            return result
        if qualified.startswith("torch."):
            self.untranslated(qualified, f"no TF translation for {qualified} yet")
        return updated

    def _translate(
        self, translator: Translator | None, name: str, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression | None:
        if translator is None:
            return None
        args = [a for a in updated.args if a.keyword is None or a.keyword.value not in DROPPED_KEYWORDS]
        cx = Context(self.ctx, self.todos)
        result = translator.translate(Args(name, updated, original, args, translator.signature), cx)
        if result is not None:
            cx.apply()
        return result

    def _act2cls(self, call: cst.Call) -> cst.BaseExpression | None:
        """`ACT2CLS["gelu"]()` -> `get_tf_activation("gelu")` (the class instantiated is the activation; a name TF's
        ACT2FN may lack goes through `torch_activation`)."""
        func = call.func
        if (
            isinstance(func, cst.Subscript)
            and self.info.imports.resolve(func.value) == "transformers.activations.ACT2CLS"
            and not call.args
            and isinstance(func.slice[0].slice, cst.Index)
        ):
            return self.call(activation_getter(func.slice[0].slice.value), func.slice[0].slice.value)
        return None
