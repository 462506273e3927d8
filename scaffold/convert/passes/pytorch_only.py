"""Drop what only PyTorch needs: weight init, device/parallelism helpers, SDPA/flash variants, torch decorators.

Dropped subtrees are pruned on visit, so no later pass spends time on them or counts their names as used.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..context import ConvertContext
from ..names import ImportTable, dotted
from ..nodes import fragment
from ..pipeline import NodePass
from ..tables import (
    PYTORCH_ONLY_ATTRIBUTE_PREFIXES,
    PYTORCH_ONLY_ATTRIBUTES,
    PYTORCH_ONLY_DECORATORS,
    PYTORCH_ONLY_METHODS,
)
from ..todos import Todos


def _decorator_name(decorator: cst.Decorator) -> str:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    return dotted(target) or ""


def keep_decorators(decorators: Sequence[cst.Decorator], imports: ImportTable | None = None) -> list[cst.Decorator]:
    """Drop torch-only decorators: the listed ones, and any that resolves into torch (`@torch.fx.wrap`)."""
    kept = []
    for decorator in decorators:
        name = _decorator_name(decorator)
        resolved = imports.resolve(fragment(name)) if imports is not None and name else None
        if name in PYTORCH_ONLY_DECORATORS or (resolved or "").startswith("torch."):
            continue
        kept.append(decorator)
    return kept


ATTENTION_REGISTRIES = {"transformers.modeling_utils.AttentionInterface"}

# `if <test>:` blocks about torch-only machinery; their else branch (if any) is what TF runs
TORCH_ONLY_TESTS = (
    "gradient_checkpointing",
    "model_parallel",
    "is_deepspeed_zero3_enabled",
    "nn.utils.parametrizations",
    "_requires_grad",
)


# statements that steer only torch's state-dict loading or its compiler: nothing of them runs in TF
STATE_DICT_HOOKS = {
    "self._register_load_state_dict_pre_hook",
    "self._register_state_dict_hook",
    "self.register_load_state_dict_post_hook",
    "self.register_state_dict_pre_hook",
}
COMPILE_HINTS = {"torch._dynamo.mark_static_address", "torch._dynamo.mark_dynamic"}


def _mentions_gradient_checkpointing(node: cst.BaseExpression) -> bool:
    code = cst.Module(body=[]).code_for_node(node)
    return any(marker in code for marker in TORCH_ONLY_TESTS)


# torch questions that are False in TF: a port never runs under torch.compile or torch.jit tracing
FALSE_IN_TF = (
    "is_torchdynamo_compiling",
    "torch.jit.is_tracing",
    "torch.compiler.is_compiling",
    "torch._dynamo.is_compiling",
)


def _fold_false_calls(test: cst.BaseExpression) -> cst.BaseExpression | bool:
    """`test` with the FALSE_IN_TF calls as False, simplified: a bool where it is decided
    (`attention_mask is None and not is_torchdynamo_compiling()` -> `attention_mask is None`)."""
    if isinstance(test, cst.Call) and dotted(test.func) in FALSE_IN_TF and not test.args:
        return False
    if isinstance(test, cst.Name) and test.value in ("True", "False"):  # already translated (torch.jit.is_tracing)
        return test.value == "True"
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _fold_false_calls(test.expression)
        return (not inner) if isinstance(inner, bool) else test.with_changes(expression=inner)
    if isinstance(test, cst.BooleanOperation):
        left, right = _fold_false_calls(test.left), _fold_false_calls(test.right)
        is_and = isinstance(test.operator, cst.And)
        for this, other in ((left, right), (right, left)):
            if isinstance(this, bool):
                if this is not is_and:  # False and x / True or x: decided
                    return this
                return other  # True and x / False or x: x
        return test.with_changes(left=left, right=right)
    return test


def _constant_test(test: cst.BaseExpression) -> bool | None:
    """`"eager" != "eager"` (what attention dispatch reads as once the implementation is fixed to eager)."""
    if (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.SimpleString)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].comparator, cst.SimpleString)
    ):
        left, right = test.left.evaluated_value, test.comparisons[0].comparator.evaluated_value
        if isinstance(test.comparisons[0].operator, cst.Equal):
            return left == right
        if isinstance(test.comparisons[0].operator, cst.NotEqual):
            return left != right
    return None


class PytorchOnlyPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._elifs: set[int] = set()  # ids of the `If` nodes that are `elif` branches
        self._registries: set[str] = set()  # module-level attention registries made from AttentionInterface()
        # `device_type = x.device.type` dropped, by function: a later `f(device_type, ...)` passes None
        self._dropped_devices: dict[tuple[str, ...], set[str]] = {}

    def _drops_function(self, node: cst.FunctionDef) -> bool:
        name = node.name.value
        if self.cursor.class_name is None:
            return name.startswith("load_tf_weights_in_")
        return self.cursor.in_method and name in PYTORCH_ONLY_METHODS

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        if self._drops_function(node):
            return False
        return None

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        if self._drops_function(original):
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(decorators=keep_decorators(updated.decorators, self.info.imports))

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        if node.name.value in self.info.dropped_classes:
            return False
        return None

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef | cst.RemovalSentinel:
        if original.name.value in self.info.dropped_classes:
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(decorators=keep_decorators(updated.decorators, self.info.imports))

    def visit_If(self, node: cst.If) -> bool | None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        if self.cursor.function_name and _mentions_gradient_checkpointing(node.test) and node.orelse is None:
            return False  # dropped whole: nothing in it needs converting
        return None

    def _keep(
        self, original: cst.If | None, branch: cst.BaseSuite | cst.If | cst.Else | None
    ) -> cst.BaseStatement | cst.If | cst.Else | cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]:
        """Replace an `if` by one of its branches; an `elif` can only become an `else` or go."""
        if original is not None and id(original) in self._elifs:
            if branch is None:
                return cst.RemovalSentinel.REMOVE
            if isinstance(branch, (cst.If, cst.Else)):
                return branch
            return cst.Else(body=branch)
        if branch is None:
            return cst.RemovalSentinel.REMOVE
        if isinstance(branch, cst.If):
            return branch.with_changes(leading_lines=original.leading_lines)  # type: ignore[union-attr]
        if isinstance(branch, cst.Else):
            branch = branch.body
        if isinstance(branch, cst.SimpleStatementSuite):  # `if x: a; b` on one line
            return cst.SimpleStatementLine(body=branch.body)
        return cst.FlattenSentinel(branch.body)  # type: ignore[arg-type]

    def leave_If(
        self, original: cst.If, updated: cst.If
    ) -> (
        cst.BaseStatement
        | cst.BaseSuite
        | cst.If
        | cst.Else
        | cst.RemovalSentinel
        | cst.FlattenSentinel[cst.BaseStatement]
    ):
        folded = _fold_false_calls(updated.test)
        if isinstance(folded, bool):
            return self._keep(original, updated.body if folded else updated.orelse)
        updated = updated.with_changes(test=folded)
        decided = _constant_test(updated.test)
        if decided is True:
            return self._keep(original, updated.body)
        if decided is False:
            return self._keep(original, updated.orelse)
        # `if self.gradient_checkpointing and self.training: ...` has no TF meaning
        if self.cursor.function_name and _mentions_gradient_checkpointing(original.test):
            return self._keep(original, updated.orelse)
        body = original.body.body if isinstance(original.body, cst.IndentedBlock) else ()
        if body and updated.orelse is None and id(original) not in self._elifs and _torch_bookkeeping(original):
            # `if language_model._no_split_modules is not None: self._no_split_modules.extend(...)` (BLIP-2,
            # InstructBLIP): torch's loading bookkeeping, read from a sub-model that has none in TF
            return cst.RemovalSentinel.REMOVE
        if (
            body
            and updated.orelse is None
            and id(original) not in self._elifs
            and all(
                isinstance(s, cst.SimpleStatementLine)
                and isinstance(s.body[0], cst.Expr)
                and self._drops_statement(s.body[0])
                for s in body
            )
        ):
            return cst.RemovalSentinel.REMOVE  # `if not self.training: self.self.eval()`: nothing left to test
        return updated

    def leave_With(
        self, original: cst.With, updated: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        # `with torch.autocast(...)` / `with torch.no_grad():` only steer torch: keep the body
        items = [dotted(i.item.func if isinstance(i.item, cst.Call) else i.item) or "" for i in original.items]
        resolved = [self.info.imports.resolve(fragment(name)) or name for name in items if name]
        if resolved and all(name.startswith("torch.") for name in resolved):
            return self._keep(None, updated.body)  # type: ignore[return-value]
        return updated

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool | None:
        if isinstance(node.body[0], cst.Expr) and self._drops_statement(node.body[0]):
            return False  # a dropped call (`torch._dynamo.mark_static_address(x)`): no pass translates it first
        return None

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if any(self._drops_statement(small) for small in original.body):
            for small in original.body:
                if isinstance(small, cst.Assign) and self.cursor.functions:
                    names = {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
                    devices = {n for n in names if n.endswith(("device", "device_type"))}
                    self._dropped_devices.setdefault(tuple(self.cursor.functions), set()).update(devices)
            return cst.RemovalSentinel.REMOVE
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """A function given a device variable whose assignment was dropped (nemotron's
        `_cast_if_autocast_enabled(device_type, ...)`, rt_detr's `self.generate_anchors(..., device=device)`):
        None, TF places tensors itself. Tensor methods (`x.to(device)`, dropped as a device move) keep the name for
        the methods pass."""
        dropped = self._dropped_devices.get(tuple(self.cursor.functions), set())
        func = updated.func
        own_method = isinstance(func, cst.Attribute) and dotted(func.value) == "self" and func.attr.value != "to"
        if not dropped or not (isinstance(func, cst.Name) or own_method):
            return updated
        return updated.with_changes(
            args=[
                a.with_changes(value=cst.Name("None"))
                if isinstance(a.value, cst.Name) and a.value.value in dropped
                else a
                for a in updated.args
            ]
        )

    def _drops_statement(self, small: cst.BaseSmallStatement) -> bool:
        cursor = self.cursor
        if isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            names = [dotted(t) or "" for t in targets]
            if cursor.class_name is None and not cursor.functions:
                # `f = torch.fx.wrap(f)`: f marked a leaf for torch.fx tracing, f itself
                value = small.value
                if isinstance(value, cst.Call) and self.info.imports.resolve(value.func) == "torch.fx.wrap":
                    return True
                # doge: `ALL_ATTENTION_FUNCTIONS = AttentionInterface()` and the registrations into it (torch's
                # attention registry: TF ports have the eager path only)
                if isinstance(value, cst.Call) and self.info.imports.resolve(value.func) in ATTENTION_REGISTRIES:
                    self._registries.update(n for n in names if n)
                    return True
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Subscript) and dotted(t.target.value) in self._registries
                    for t in small.targets
                ):
                    return True
                # attention dispatch dicts; `XLayerNorm = nn.LayerNorm` (its uses resolve to the torch class)
                return any(n in self.info.attention_dispatch or n in self.info.imports.aliases for n in names)
            if cursor.class_name is not None and not cursor.functions:
                return any(
                    n in PYTORCH_ONLY_ATTRIBUTES or n.startswith(PYTORCH_ONLY_ATTRIBUTE_PREFIXES) for n in names
                )
            if any(
                n in ("self.gradient_checkpointing", "self.model_parallel", "self.device_map", "self._requires_grad")
                for n in names
            ):
                return True
            # `device = x.device` / `device_type = ...`: TF places tensors itself
            if any(n.split(".")[-1].endswith(("device", "device_type")) for n in names):  # `target_device =` too
                return True
            # `weight_norm = nn.utils.weight_norm`: the layers pass ports weight norm as a layer
            value = small.value
            return value is not None and (self.info.imports.resolve(value) or "").startswith("torch.nn.utils.")
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            if cursor.class_name is None and not cursor.functions:
                # `ALL_LAYERNORM_LAYERS.append(XRMSNorm)`: a registry in torch's pytorch_utils (pre-4.47 files)
                return (self.info.imports.resolve(small.value.func) or "").startswith("transformers.pytorch_utils.")
            name = dotted(small.value.func) or ""
            # torch's state-dict renames (mamba): TF loads through from_pretrained's names
            if name in STATE_DICT_HOOKS:
                return True
            if (self.info.imports.resolve(small.value.func) or "") in COMPILE_HINTS:
                return True
            if name.startswith("self.") and name.endswith(".eval") and name.count(".") > 1 and not small.value.args:
                # `self.self.eval()` (big_bird): keras layers take the mode per call (`training=`)
                return True
            return name in ("self.post_init", "self.init_weights", "self.tie_weights", "self._init_weights")
        return False


def _torch_only_attribute(node: cst.BaseExpression | None) -> bool:
    """`x.<a PyTorch-only class attribute>` (`language_model._tied_weights_keys`), or a method of one."""
    name = (dotted(node) if node is not None else None) or ""
    return any(p in PYTORCH_ONLY_ATTRIBUTES for p in name.split(".")[1:])


def _torch_bookkeeping(node: cst.If) -> bool:
    """An `if` testing a PyTorch-only attribute whose body only sets or extends such attributes."""
    test = node.test
    if isinstance(test, cst.Comparison):
        test = test.left
    if not _torch_only_attribute(test) or not isinstance(node.body, cst.IndentedBlock):
        return False
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, cst.Assign):
                if not all(_torch_only_attribute(t.target) for t in small.targets):
                    return False
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                if not _torch_only_attribute(small.value.func):
                    return False
            else:
                return False
    return True
