"""Tensor method calls in forward bodies (`x.view(...)`, `x.masked_fill(...)`), through the registry of
translators (`translate/`).

A method call is translated by the translator registered for its name. When none takes it, it stays as it is
(the receiver may be a list, a dict or a config), unless the name is one only torch tensors have (registered
`tensor_only`): then the statement is marked untranslated.
"""

from __future__ import annotations

import libcst as cst

from ..names import dotted
from ..pipeline import NodePass
from ..translate import DROPPED_KEYWORDS, METHODS, Args, Context

# torch.nn.Module methods that code calls on `self` too, translated unless the class defines its own
MODULE_METHODS = frozenset({"get_submodule", "parameters", "named_parameters", "eval"})


class TensorMethodsPass(NodePass):
    def _defines(self, name: str) -> bool:
        cls = self.ctx.current_class()
        return cls is None or cls.method(name) is not None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if (
            not self.cursor.in_body
            or not isinstance(func, cst.Attribute)
            or self.info.imports.resolve(original.func) is not None  # a function: the torch calls pass
        ):
            return updated
        name, target = func.attr.value, func.value
        if dotted(target) == "self" and name in MODULE_METHODS and not self._defines(name):
            pass  # torch's own nn.Module method called on the layer (mimi's `self.get_submodule(name)`)
        elif dotted(target) == "self" or (isinstance(target, cst.Call) and dotted(target.func) == "super"):
            return updated
        translator = METHODS.lookup(name)
        if translator is None:
            return updated
        args = [a for a in updated.args if a.keyword is None or a.keyword.value not in DROPPED_KEYWORDS]
        cx = Context(self.ctx, self.todos)
        result = translator.translate(Args(name, updated, original, args, translator.signature, target), cx)
        if result is not None:
            cx.apply()
            return result
        if translator.tensor_only:
            self.untranslated(f".{name}()", f"tensor method .{name}() is not translated yet")
        return updated
