"""Layer swaps in `__init__`: torch.nn constructors -> keras layers, each named after its PyTorch attribute.

`name=` is what makes `from_pretrained(..., from_pt=True)` find the weights: the TF weight path is the chain
of layer names, and list items are named `<attr>_._<i>` (read back as `<attr>.<i>`). The file's own layer
classes get `name=` too; the base model held by a head becomes the MainLayer. `nn.Parameter`s leave
`__init__`: the build pass creates them with `add_weight`, inside the layer's name scope.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import (
    ACT2FN_NAMES,
    FROM_CONFIG,
    GPT2_CONV1D,
    LAYER_KINDS,
    SEQUENCE_SUMMARY,
    WEIGHTED_ACTIVATIONS,
    ClassInfo,
    ModuleInfo,
    auto_class,
    chosen_class,
    computed_parameter,
    dispatched_class,
    held_at,
    indexed_registration,
    module_dict_literal,
    saved_buffer_value,
)
from ..context import ConvertContext
from ..names import dotted, torch_nn_name
from ..nodes import fragment
from ..pipeline import NodePass
from ..tables import NN_ACTIVATIONS, TF_ACTIVATIONS, TF_AUTO_CLASSES
from ..todos import Todos
from ..torch_layers import TORCH_SIGNATURE_TWINS, WEIGHTLESS, bind, input_shape, keras_constructor


def _kwarg(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


def _with_name(call: cst.Call, name: cst.BaseExpression) -> cst.Call:
    if any(a.keyword is not None and a.keyword.value == "name" for a in call.args):
        return call
    args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in call.args]
    return call.with_changes(args=[*args, _kwarg("name", name)])


def _unstarred(call: cst.Call) -> cst.Call:
    """`nn.Sequential(*[a, b])` -> `nn.Sequential(a, b)` (a starred literal list spelled out)."""
    args: list[cst.Arg] = []
    for arg in call.args:
        if arg.star == "*" and isinstance(arg.value, (cst.List, cst.Tuple)):
            args += [cst.Arg(e.value) for e in arg.value.elements if isinstance(e, cst.Element)]
            if len(args) < len(arg.value.elements):
                return call  # a starred element inside: left as it is
        else:
            args.append(arg)
    return call.with_changes(args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])


def _fstring(template: str) -> cst.BaseExpression:
    return fragment(template)


def _attr_of(prefix: str) -> str:
    """`blocks` for the name prefix `blocks_._{block_index}`."""
    return prefix.split("_._")[0]


def _template(name: cst.BaseExpression) -> str | None:
    """The f-string body of a layer's `name=` (`"x_._3"` -> `x_._3`, `f"x_._{i}"` -> `x_._{i}`)."""
    if (
        isinstance(name, cst.SimpleString)
        and isinstance(name.evaluated_value, str)
        and "{" not in name.evaluated_value
    ):
        return name.evaluated_value
    if isinstance(name, cst.FormattedString) and name.start in ('f"', "f'"):
        return cst.Module([]).code_for_node(name)[2:-1]
    return None


def _dict_keys(mapping: cst.BaseExpression) -> list[str] | None:
    """The string keys of `nn.ModuleDict({"a": ..., "b": ...})`'s dict literal, else None."""
    if not isinstance(mapping, cst.Dict):
        return None
    keys = []
    for element in mapping.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        key = element.key.evaluated_value
        if not isinstance(key, str):
            return None
        keys.append(key)
    return keys


class LayersPass(NodePass):
    def __init__(self, ctx: ConvertContext, todos: Todos) -> None:
        super().__init__(ctx, todos)
        self._calls: list[bool] = []  # for each enclosing call: is it an isinstance/issubclass check?
        self._indexed_loops = 0  # inside `for i, layer in enumerate(self.x): self.add_module(str(i), layer)`

    def _init_class(self):
        if self.cursor.function_name != "__init__" or not self.cursor.in_method:
            return None
        cls = self.ctx.current_class()
        if cls is None or cls.role not in ("layer", "model", "pretrained"):
            return None
        return cls

    def visit_For(self, node: cst.For) -> None:
        cls = self._init_class()
        if cls is not None and indexed_registration(node) in cls.indexed_lists:
            self._indexed_loops += 1

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.BaseStatement | cst.RemovalSentinel:
        cls = self._init_class()
        if cls is not None and indexed_registration(original) in cls.indexed_lists:
            self._indexed_loops -= 1
            return cst.RemovalSentinel.REMOVE  # the items are named by index where they are made
        return self._parameters_after_build(original, updated)

    def _parameters_after_build(self, original: cst.For, updated: cst.For) -> cst.BaseStatement:
        """`for name, p in self.model.named_parameters(): ...` in `__init__` (DETR's frozen backbone stages): a keras
        layer has its weights only after build(), so the loop runs then, as a function decorated
        `@after_build(<layer>)` (the loop reads torch's names through `torch_named_parameters`)."""
        iterated = original.iter
        if (
            self._init_class() is None
            or not isinstance(iterated, cst.Call)
            or not isinstance(iterated.func, cst.Attribute)
            or iterated.func.attr.value != "named_parameters"
            or iterated.args
        ):
            return updated
        decorator = cst.Decorator(self.call("after_build", iterated.func.value))
        body = cst.IndentedBlock([updated.with_changes(leading_lines=[])])
        return cst.FunctionDef(
            name=cst.Name("parameters_after_build"),
            params=cst.Parameters(),
            body=body,
            decorators=[decorator],
            leading_lines=updated.leading_lines,
        )

    def _local_class(self, name: str | None) -> str | None:
        """The PyTorch name of the file's class a (possibly already TF-renamed) name refers to."""
        if name is None:
            return None
        if name.startswith("TF") and name[2:] in self.info.classes:
            return name[2:]
        return name if name in self.info.classes else None

    # -- statements -------------------------------------------------------------------------------------------

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool | None:
        """A weight initialised in place in `__init__`, moved into its layer's constructor: nothing in it to port."""
        cls = self._init_class()
        if cls is not None and len(node.body) == 1:
            moved = {id(small) for small, _, _ in _weight_inits(cls, self.info).values()}
            if id(node.body[0]) in moved:
                return False
        return None

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        cls = self._init_class()
        if cls is None:
            return updated
        moved = {id(small) for small, _, _ in _weight_inits(cls, self.info).values()}
        body = [
            kept or s
            for o, s in zip(original.body, updated.body)
            # a parameter that is not the layer's own (a local, a Linear's bias), else a computed initial value
            for kept in [self._parameter_value(s) or self._computed_parameter(o, s)]
            if (kept is not None or not self._is_parameter_assignment(s))
            and not self._is_bias_tie(s, cls)
            and not self._is_saved_buffer(o)
            and id(o) not in moved
        ]
        if not body:
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(body=[self._unplaced(small) for small in body])

    def _unplaced(self, small: cst.BaseSmallStatement) -> cst.BaseSmallStatement:
        """torch.nn constructors left in an `__init__` statement once every placement above has named its layers:
        a layer made where no attribute or list names it (a local Sequential's items, `decoder_input_proj_list`
        built and never used, an activation handed to a constructor). It becomes its keras twin all the same
        (`nn` is not defined in a TF file); a local that later joins a layer takes the name that layer gives it
        (TorchSequential and containers build their items under torch's index or attribute names)."""
        if not any(_is_unplaced_layer(c, self.info) for c in _calls_in(small)):
            return small
        return small.visit(_UnplacedLayers(self))  # type: ignore[return-value]

    def _computed_parameter(
        self, original: cst.BaseSmallStatement, updated: cst.BaseSmallStatement
    ) -> cst.BaseSmallStatement | None:
        """`self.A_log = nn.Parameter(torch.log(A))` -> `self.A_log = tf.math.log(A)`: a value computed in
        `__init__`, which build() turns into the weight's initial value (None for any other statement)."""
        if not (isinstance(original, cst.Assign) and isinstance(updated, cst.Assign)):
            return None
        if not (self._is_parameter_assignment(original) and self._is_parameter_assignment(updated)):
            return None
        if len((dotted(original.targets[0].target) or "").split(".")) > 2:
            return None  # `self.other.bias = nn.Parameter(...)`: not a weight of this layer's build()
        call = original.value.body if isinstance(original.value, cst.IfExp) else original.value
        if not isinstance(call, cst.Call) or not computed_parameter(call, self.info.imports):
            return None
        new = updated.value.body if isinstance(updated.value, cst.IfExp) else updated.value
        assert isinstance(new, cst.Call)
        value = new.args[0].value
        if not isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not value.lpar:
            # out of the call's parentheses, a multi-line expression needs its own
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if isinstance(updated.value, cst.IfExp):
            return updated.with_changes(value=updated.value.with_changes(body=value))
        return updated.with_changes(value=value)

    def _is_saved_buffer(self, small: cst.BaseSmallStatement) -> bool:
        """A buffer torch saves (`register_buffer(name, torch.zeros(...))`): build() makes it a weight."""
        return (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and dotted(small.value.func) == "self.register_buffer"
            and saved_buffer_value(small.value, self.info.imports) is not None
        )

    def _is_bias_tie(self, small: cst.BaseSmallStatement, cls: ClassInfo) -> bool:
        """`self.decoder.bias = self.bias`: build() gives the Dense that variable once both exist."""
        if not isinstance(small, cst.Assign) or len(small.targets) != 1:
            return False
        target = dotted(small.targets[0].target) or ""
        return (
            target.startswith("self.")
            and target.endswith(".bias")
            and target.count(".") == 2
            and cls.bias_ties.get(target.split(".")[1]) == (dotted(small.value) or "")[len("self.") :]
        )

    def _parameter_value(self, small: cst.BaseSmallStatement) -> cst.BaseSmallStatement | None:
        """A parameter that is not the layer's own (blip_2's vision attention):
        `q_bias = nn.Parameter(torch.zeros(d))`, a local, keeps its initial value (a tensor);
        `self.qkv.bias = nn.Parameter(qkv_bias)`, a bias given to a Linear made without one, becomes
        `set_dense_bias(self.qkv, qkv_bias)`: the Dense makes that bias when built, starting at that value, and it
        loads under torch's name (`qkv.bias`)."""
        if not isinstance(small, cst.Assign) or len(small.targets) != 1 or not self._is_parameter_assignment(small):
            return None
        value = small.value
        if not isinstance(value, cst.Call) or not value.args or value.args[0].keyword is not None:
            return None
        target = small.targets[0].target
        initial = value.args[0].value
        if isinstance(target, cst.Name):
            return small.with_changes(value=initial)
        owner = dotted(target) or ""
        parts = owner.split(".")
        cls = self._init_class()
        sub = cls.sublayers.get(parts[1]) if cls is not None and len(parts) == 3 else None
        if parts[0] == "self" and parts[-1] == "bias" and sub is not None and sub.kind == "Linear":
            return cst.Expr(self.call("set_dense_bias", fragment(".".join(parts[:2])), initial))
        return None

    def _is_parameter_assignment(self, small: cst.BaseSmallStatement) -> bool:
        if not isinstance(small, cst.Assign):
            return False
        value = small.value
        if isinstance(value, cst.IfExp):
            value = value.body
        return isinstance(value, cst.Call) and torch_nn_name(self.info.imports.resolve(value.func)) == "Parameter"

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.BaseSmallStatement:
        cls = self._init_class()
        if cls is None or len(original.targets) != 1:
            return updated
        target = original.targets[0].target
        if (
            isinstance(target, cst.Subscript)
            and isinstance(target.value, cst.Name)
            and target.value.value in cls.dict_locals
            and len(target.slice) == 1
            and isinstance(target.slice[0].slice, cst.Index)
        ):
            # `norms[stage] = nn.LayerNorm(...)`, then `self.norms = nn.ModuleDict(norms)`: named `norms_._<key>`
            attr = cls.dict_locals[target.value.value]
            key = cst.Module([]).code_for_node(target.slice[0].slice.value)
            name = _fstring(f'f"{attr}_._{{{key}}}"')
            return updated.with_changes(value=self._convert(updated.value, attr, name, item=True))
        tied = self._tied_layer(original)
        if tied is not None:
            return tied
        attr = None
        if isinstance(target, cst.Attribute) and dotted(target.value) == "self":
            attr = target.attr.value
        elif isinstance(target, cst.Name):
            eager = dispatched_class(target, self.info, cls.init_locals)
            if eager is not None:  # `attention_class = X_ATTENTION_CLASSES[...]`: TF ports keep the eager class
                return updated.with_changes(value=cst.Name(self.ctx.tf_name(eager)))
            prefix = cls.list_locals.get(target.value)
            if prefix is not None:
                return updated.with_changes(value=self._list(updated.value, _attr_of(prefix), 0, prefix))
            if isinstance(updated.value, cst.Call) and auto_class(self.info.imports.resolve(updated.value.func)):
                # `language_model = AutoModel.from_config(...)`: named after the attribute it is assigned to
                owner = next(
                    (a for a, v in cls.self_values.items() if isinstance(v, cst.Name) and v.value == target.value),
                    target.value,
                )
                return updated.with_changes(value=self._convert(updated.value, owner, cst.SimpleString(f'"{owner}"')))
            item = cls.item_locals.get(target.value)
            if item and isinstance(updated.value, cst.Call):
                # `first_layer = layer(...)` later placed at an index of a Sequential, `stage = XStage(...)` later
                # appended to a list (`self.stages.append(stage)`): it takes that name
                name = _fstring(f'f"{item}"') if "{" in item else cst.SimpleString(f'"{item}"')
                return updated.with_changes(value=self._convert(updated.value, _attr_of(item), name, item=True))
            held = held_at(target.value, cls, self.info)
            if (
                held is not None
                and isinstance(original.value, cst.Call)
                and dotted(original.value.func) in self.info.classes
                and isinstance(updated.value, cst.Call)
            ):
                # `backbone = XConvEncoder(config)`, kept as `self.backbone.conv_encoder`: named "conv_encoder"
                name = cst.SimpleString(f'"{held.rpartition(".")[2]}"')
                return updated.with_changes(value=_with_name(updated.value, name))
        if attr is None:
            return updated
        if attr in cls.indexed_lists and isinstance(updated.value, (cst.List, cst.Tuple)):
            # a plain list add_module registers by index: each item named "<i>" (torch's `<i>.` weights)
            elements = [
                e.with_changes(value=self._convert(e.value, attr, cst.SimpleString(f'"{i}"'), item=True))
                for i, e in enumerate(updated.value.elements)
            ]
            return updated.with_changes(value=updated.value.with_changes(elements=elements))
        value = self._convert(updated.value, attr, cst.SimpleString(f'"{attr}"'))
        return updated.with_changes(value=self._initialized(value, attr, cls))

    def _initialized(self, value: cst.BaseExpression, attr: str, cls: ClassInfo) -> cst.BaseExpression:
        """`self.<attr>.weight.data.normal_(...)` later in `__init__` (convbert's convs): keras has no weight to
        fill before build; the layer is given that initializer instead."""
        inits = {
            weight: (small, init)
            for (a, weight), (small, init, _) in _weight_inits(cls, self.info).items()
            if a == attr
        }
        sub = cls.sublayers.get(attr)
        if not inits or not isinstance(value, cst.Call) or sub is None or sub.kind not in INITIALIZER_KEYWORDS:
            return value
        keywords = INITIALIZER_KEYWORDS[sub.kind]
        given = {keywords[w]: self.expr(code) for w, (_, code) in inits.items()}
        args = [a for a in value.args if a.keyword is None or a.keyword.value not in given]
        named = [a for a in args if a.keyword is not None and a.keyword.value == "name"]
        args = [a for a in args if a not in named] + [_kwarg(k, v) for k, v in given.items()] + named
        return value.with_changes(args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.BaseSmallStatement:
        """`self.activation: Callable = ACT2FN[...] if ... else nn.Identity()`: as without the annotation."""
        cls = self._init_class()
        target = original.target
        if (
            cls is None
            or updated.value is None
            or not (isinstance(target, cst.Attribute) and dotted(target.value) == "self")
        ):
            return updated
        attr = target.attr.value
        return updated.with_changes(value=self._convert(updated.value, attr, cst.SimpleString(f'"{attr}"')))

    def _tied_layer(self, assign: cst.Assign) -> cst.Assign | None:
        """`self.embed_tokens.weight = embed_tokens.weight` ties weights in torch; TF shares the layer."""
        target, value = dotted(assign.targets[0].target) or "", dotted(assign.value) or ""
        if target.startswith("self.") and target.endswith(".weight") and value.endswith(".weight"):
            return assign.with_changes(
                targets=[cst.AssignTarget(fragment(target[: -len(".weight")]))],  # type: ignore[arg-type]
                value=fragment(value[: -len(".weight")]),
            )
        return None

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.BaseSmallStatement:
        if not isinstance(updated.value, cst.Call):
            return updated
        call = updated.value
        name = dotted(call.func) or ""
        method_class = self.ctx.current_class() if self.cursor.in_method else None
        if name == "self.register_buffer" and len(call.args) >= 2 and method_class is not None:
            # a buffer is a constant of the layer (set in any method); the ops pass has translated its value
            attr = call.args[0].value
            if isinstance(attr, cst.SimpleString):
                return cst.Assign(
                    targets=[
                        cst.AssignTarget(fragment(f"self.{method_class.tf_attr(str(attr.evaluated_value))}"))  # type: ignore[arg-type]
                    ],
                    value=call.args[1].value,
                )
        if (
            name.endswith(".register_buffer")
            and not name.startswith("self.")
            and len(call.args) == 3
            and call.args[2].keyword is not None
            and call.args[2].keyword.value == "persistent"
            and dotted(call.args[2].value) == "False"
            and method_class is not None
        ):
            # `layer.mamba.register_buffer("mup_vector", v, persistent=False)` (falcon_h1): a constant another
            # layer reads as `self.mup_vector`, not saved: an attribute of that layer
            receiver = fragment(name[: -len(".register_buffer")])
            return updated.with_changes(
                value=call.with_changes(
                    func=cst.Name("setattr"),
                    args=[cst.Arg(receiver), call.args[0], call.args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
                )
            )
        cls = self._init_class()
        if cls is None:
            return updated
        if name == "setattr" and len(call.args) == 3 and dotted(call.args[0].value) == "self":
            # `setattr(self, name, nn.Embedding(...))` (tapas' token type embeddings): a layer named `name`, built
            # at the first call (build() cannot list attributes named at run time)
            attr, value = call.args[1].value, call.args[2].value
            label = attr.evaluated_value if isinstance(attr, cst.SimpleString) else "setattr"
            layer = self._convert(value, str(label), attr)
            return updated.with_changes(
                value=call.with_changes(args=[*call.args[:2], call.args[2].with_changes(value=layer)])
            )
        if name.startswith("self.") and name.endswith(".requires_grad_") and len(call.args) <= 1:
            # `self.embed_positions.requires_grad_(False)` (whisper): a frozen keras layer
            flag = call.args[0].value if call.args else cst.Name("True")
            return cst.Assign([cst.AssignTarget(fragment(f"{name[: -len('.requires_grad_')]}.trainable"))], flag)  # type: ignore[arg-type]
        if name == "self.add_module" and len(call.args) == 2 and not self._indexed_loops:
            # torch registers the layer under a name computed at run time (mask2former's `adapter_{i}`): the twin
            # names it so and keeps it where build() finds it
            key, value = call.args[0].value, call.args[1].value
            layer = self._convert(value, "add_module", key) if isinstance(value, cst.Call) else value
            return updated.with_changes(value=self.call("torch_add_module", cst.Name("self"), key, layer))
        if name.startswith("self.") and name.endswith(".add_module") and len(call.args) == 2:
            listed = name[len("self.") : -len(".add_module")]
            sub = cls.sublayers.get(listed)
            if sub is not None and sub.kind in ("list", "sequential"):
                # `self.layers.add_module(str(i), X(...))` on an empty nn.Sequential (a list here): appended, named
                # by its key (`layers.<i>.` weights)
                index = call.args[0].value
                if isinstance(index, cst.Call) and dotted(index.func) == "str" and len(index.args) == 1:
                    index = index.args[0].value
                item_name = _fstring(f'f"{listed}_._{{{cst.Module([]).code_for_node(index)}}}"')
                item = self._convert(call.args[1].value, listed, item_name, item=True)
                return updated.with_changes(
                    value=cst.Call(fragment(f"self.{cls.tf_attr(listed)}.append"), [cst.Arg(item)])
                )
        if name.startswith("self.") and name.endswith(".append") and call.args:
            attr = name[len("self.") : -len(".append")]  # type: ignore[assignment]
            sub = cls.sublayers.get(attr)
            if sub is not None and sub.kind == "list":
                item = self._convert(call.args[0].value, attr, _fstring(f'f"{attr}_._{{len(self.{attr})}}"'))  # type: ignore[arg-type]
                return updated.with_changes(value=call.with_changes(args=[call.args[0].with_changes(value=item)]))
        local = name[: -len(".append")] if name.endswith(".append") else None
        prefix = cls.list_locals.get(local) if local is not None else None
        if prefix is not None and len(call.args) == 1 and not call.args[0].star:
            # `layers.append(X(...))`, `layers` becoming (part of) a ModuleList: the item's index is len(layers)
            name_ = _fstring(f'f"{prefix}_._{{len({local})}}"')
            item = self._convert(call.args[0].value, _attr_of(prefix), name_, item=True)
            return updated.with_changes(value=call.with_changes(args=[call.args[0].with_changes(value=item)]))
        return updated

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> cst.BaseSmallStatement:
        """`block += [nn.ELU(), XConv(...)]`, `block` becoming (part of) a ModuleList: item k of the literal is
        item `len(block) + k` of the list, named so."""
        cls = self._init_class()
        target = updated.target
        if (
            cls is None
            or not isinstance(updated.operator, cst.AddAssign)
            or not isinstance(target, cst.Name)
            or not isinstance(updated.value, (cst.List, cst.Tuple))
        ):
            return updated
        prefix = cls.list_locals.get(target.value)
        if prefix is None:
            return updated
        elements = []
        for k, element in enumerate(updated.value.elements):
            if not isinstance(element, cst.Element):
                return updated
            position = f"len({target.value})" + (f" + {k}" if k else "")
            name = _fstring(f'f"{prefix}_._{{{position}}}"')
            elements.append(
                element.with_changes(value=self._convert(element.value, _attr_of(prefix), name, item=True))
            )
        return updated.with_changes(value=updated.value.with_changes(elements=elements))

    # -- references to torch layer classes (not calls): module-level tables, defaults, arguments -------------

    def _twin_reference(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """`nn.LayerNorm` passed around as a class -> its snippet twin taking torch's constructor arguments;
        in a module-level table, `nn.ReLU()` / `activations.silu` -> the TF activation of that name."""
        kind = torch_nn_name(self.info.imports.resolve(value))
        if kind in TORCH_SIGNATURE_TWINS:
            return self.expr(TORCH_SIGNATURE_TWINS[kind])
        if kind in LAYER_KINDS:
            self.todo(f"nn.{kind} is passed around as a class: scaffold has no twin taking torch's arguments")
        return None

    def _module_level(self) -> bool:
        return not self.cursor.classes and not self.cursor.functions

    def leave_DictElement(self, original: cst.DictElement, updated: cst.DictElement) -> cst.DictElement:
        if not self._module_level():
            return updated
        value = original.value
        twin = self._twin_reference(value)
        if twin is not None:
            return updated.with_changes(value=twin)
        activation = None
        if isinstance(value, cst.Call) and not value.args:
            activation = NN_ACTIVATIONS.get(torch_nn_name(self.info.imports.resolve(value.func)) or "")
        elif isinstance(value, cst.Name):
            origin = self.info.imports.origins.get(value.value, "")
            if origin == f"transformers.activations.{value.value}" and value.value in TF_ACTIVATIONS:
                activation = value.value
        if activation is not None:
            return updated.with_changes(value=self.expr(f'get_tf_activation("{activation}")'))
        return updated

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        twin = self._twin_reference(original.default) if original.default is not None else None
        return updated.with_changes(default=twin) if twin is not None else updated

    def visit_Call(self, node: cst.Call) -> bool | None:  # type: ignore[return]
        self._calls = [*self._calls, dotted(node.func) in ("isinstance", "issubclass")]

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        self._calls = self._calls[:-1]
        func = updated.func
        if not updated.args and isinstance(func, cst.Lambda) and not func.params.params and func.lpar:
            return func.body  # `ACT2CLS[name]()`: the activation itself
        if self.cursor.in_method and torch_nn_name(self.info.imports.resolve(original.func)) == "Identity":
            # `[...] + [nn.Identity() for _ in range(n)]`, `adapter = nn.Identity()`: wherever it stands, a
            # weightless layer (named where it is assigned to an attribute or a list, as any other)
            return cst.Call(self.expr("keras.layers.Identity"), [])
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        """`ACT2CLS[name]` (swiftformer's `act_layer`): a class making the activation module of that name; in TF,
        a function making `get_tf_activation(name)`."""
        if (
            self.info.imports.resolve(original.value) == "transformers.activations.ACT2CLS"
            and len(updated.slice) == 1
            and isinstance(updated.slice[0].slice, cst.Index)
        ):
            body = cst.Call(self.expr("get_tf_activation"), [cst.Arg(updated.slice[0].slice.value)])
            return cst.Lambda(cst.Parameters(), body, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return updated

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        # an argument of a call (not a class base), outside type checks: `partial(nn.LayerNorm, eps=...)`
        if not self._calls or any(self._calls) or original.star:
            return updated
        twin = self._twin_reference(original.value)
        return updated.with_changes(value=twin) if twin is not None else updated

    # -- expressions ------------------------------------------------------------------------------------------

    def _convert(
        self, expr: cst.BaseExpression, attr: str, name: cst.BaseExpression, item: bool = False
    ) -> cst.BaseExpression:
        if isinstance(expr, cst.IfExp):
            return expr.with_changes(
                body=self._convert(expr.body, attr, name, item), orelse=self._convert(expr.orelse, attr, name, item)
            )
        if isinstance(expr, cst.Subscript) and self.info.imports.resolve(expr.value) in ACT2FN_NAMES:
            return expr  # the ops pass turns ACT2FN[...] into get_tf_activation(...)
        if not isinstance(expr, cst.Call):
            return expr
        if dotted(expr.func) == "keras.layers.Identity":
            return _with_name(expr, name)  # `nn.Identity()`, translated where it stood
        if dotted(expr.func) == "torch_activation" and len(expr.args) == 1:
            index = expr.args[0].value
            if not isinstance(index, cst.SimpleString) or index.evaluated_value in WEIGHTED_ACTIVATIONS:
                return _with_name(expr, name)  # xIELU is a layer with weights: named for them to load
        func = expr.func
        if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name):
            eager = self.info.attention_dispatch.get(func.value.value)
            if eager is not None:
                return _with_name(expr.with_changes(func=cst.Name(self.ctx.tf_name(eager))), name)
            if func.value.value in self.info.layer_tables:
                return _with_name(expr, name)
            return expr
        cls = self.ctx.current_class()
        if isinstance(func, cst.Name) and cls is not None and func.value in cls.layer_params:
            return _with_name(expr, name)  # `norm_layer(dim)`: the layer class passed in takes torch's arguments
        if cls is not None and dispatched_class(func, self.info, cls.init_locals) is not None:
            return _with_name(expr, name)  # `attention_class(...)`: the eager attention class, a layer of the file
        if cls is not None and chosen_class(func, self.info, cls.init_locals) is not None:
            return _with_name(expr, name)  # `ffn_layer_class(config)`: one of the file's layer classes
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in FROM_CONFIG
            and self._local_class(dotted(func.value)) is not None
            and any(a.keyword is None for a in expr.args)
        ):
            # `XVisionModel._from_config(config.vision_config)`: the layer itself, named; torch's dtype and
            # attention keywords have no TF meaning
            func = func.value
            kept = [a for a in expr.args if a.keyword is None]
            expr = expr.with_changes(
                func=func, args=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            )
        local = self._local_class(dotted(func))
        if local is not None and self.info.classes[local].role == "other" and not self.info.classes[local].bases:
            return expr  # a plain Python class (chameleon's ImageVocabularyMapping): no layer, no name
        if local is not None:
            current = self.cursor.class_name
            if local == self.info.base_model_class and current != local and self.info.main_layer_class:
                expr = expr.with_changes(func=cst.Name(self.info.main_layer_class))
            return _with_name(expr, name)
        qualified = self.info.imports.resolve(func)
        if (dotted(func) or "").endswith("weight_norm") and expr.args:
            return self._weight_norm(expr, attr, name)
        if qualified in GPT2_CONV1D:
            args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in expr.args]
            if self._config_in_scope():
                args.append(_kwarg("initializer_range", fragment(self.info.initializer_range or "")))
            return _with_name(expr.with_changes(func=self.expr("TFConv1D"), args=args), name)
        if qualified in SEQUENCE_SUMMARY:  # `SequenceSummary(config)` -> `TFSequenceSummary(config, ...)`
            args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in expr.args]
            if self._config_in_scope():
                args.append(_kwarg("initializer_range", fragment("config.initializer_range")))
            return _with_name(expr.with_changes(func=self.expr("TFSequenceSummary"), args=args), name)
        auto = auto_class(qualified)
        if auto is not None:
            return self._sub_model(expr, auto, attr, name)
        kind = torch_nn_name(qualified)
        if kind is None:
            cls = self.ctx.current_class()
            if item and isinstance(func, cst.Name) and cls is not None and func.value in cls.init_locals:
                # `layer(...)` with `layer = XBlock if ... else YBlock`: an item of a layer list is a layer
                return _with_name(expr, name)
            return expr
        if kind == "ModuleList":
            if not expr.args:
                return cst.List([])
            # a list inside a list (`nn.ModuleList([nn.ModuleList([...]) for ...])`): items named under its name
            prefix = _template(name) if item else None
            items = self._list(expr.args[0].value, attr, 0, prefix)
            if isinstance(items, cst.BinaryOperation) and not items.lpar:
                # `nn.ModuleList(a\n + b)`: the call's parentheses allowed the line break; keep some
                items = items.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return items
        if kind == "ModuleDict":
            # a dict of layers, each named `<attr>_._<key>` (torch's `<attr>.<key>.` weight prefix)
            mapping = module_dict_literal(expr.args[0].value) if len(expr.args) == 1 else cst.Dict([])
            if not expr.args:
                return mapping
            cls = self.ctx.current_class()
            if isinstance(mapping, cst.Name) and cls is not None and cls.dict_locals.get(mapping.value) == attr:
                return mapping  # a local dict of layers, each named where it is made
            keys = _dict_keys(mapping)
            if keys is None:
                self.todo(f"nn.ModuleDict `{attr}` is not a dict literal with string keys: port it by hand")
                return expr
            assert isinstance(mapping, cst.Dict)
            return mapping.with_changes(
                elements=[
                    e.with_changes(value=self._convert(e.value, attr, cst.SimpleString(f'"{attr}_._{k}"'), item=True))
                    for e, k in zip(mapping.elements, keys)
                ]
            )
        if kind == "Sequential" and self._mixed_attribute(attr) and not any(a.star for a in _unstarred(expr).args):
            # `self.shortcut = nn.Sequential(...)` in one branch, one layer in the other: one layer either way
            return self._sequence_layer(_unstarred(expr), attr, name)
        if kind == "Sequential" and not (isinstance(name, cst.SimpleString) and name.evaluated_value == attr):
            # not an attribute of its own (a list's item): one layer, TorchSequential, named where it sits
            return self._sequence_layer(expr, attr, name)
        if kind == "Sequential":
            # a list whose items keep torch's indices as names; calls go through call_sequential
            items: list[cst.BaseElement] = []  # type: ignore[no-redef]
            position: int | None = 0
            for arg in expr.args:
                if arg.star == "*":
                    items.append(cst.StarredElement(self._list(arg.value, attr, position)))  # type: ignore[attr-defined]
                    position = None
                    continue
                if position is None:
                    self.todo(f"items of `{attr}` follow a starred part: name them `{attr}_._<index>` by hand")
                    items.append(cst.Element(arg.value))  # type: ignore[attr-defined]
                    continue
                items.append(  # type: ignore[attr-defined]
                    cst.Element(self._convert(arg.value, attr, cst.SimpleString(f'"{attr}_._{position}"'), item=True))
                )
                position += 1
            return cst.List(items)  # type: ignore[arg-type]
        if kind in NN_ACTIVATIONS:
            value = NN_ACTIVATIONS[kind]
            if kind == "GELU":
                approximate = bind("GELU", expr).get("approximate")
                if isinstance(approximate, cst.SimpleString) and approximate.evaluated_value == "tanh":
                    value = "gelu_new"
            return self.expr(f'get_tf_activation("{value}")')
        if kind in ELEMENTWISE and all(a.keyword is not None and a.keyword.value == "inplace" for a in expr.args):
            return self.expr(ELEMENTWISE[kind])
        if kind == "Identity":
            # a layer (not tf.identity): it can be built, named and called with training like any other
            return cst.Call(self.expr("keras.layers.Identity"), [_kwarg("name", name)])
        if kind == "Softmax":
            dim = bind("Softmax", expr).get("dim", fragment("-1"))
            return self.expr("lambda x: stable_softmax(x, axis={dim})", dim=dim)
        if kind == "LeakyReLU":
            slope = bind("LeakyReLU", expr).get("negative_slope", cst.Float("0.01"))
            return self.expr("lambda x: tf.nn.leaky_relu(x, alpha={slope})", slope=slope)
        if kind == "LayerNorm" and not isinstance(
            bind("LayerNorm", expr).get("normalized_shape"), (cst.Tuple, cst.List)
        ):
            # keras' LayerNormalization fixes its axis to the rank it is built with (a LayerNorm built for
            # [batch, seq, hidden] and called on [batch, hidden] fails; the other way round it would normalise
            # the wrong axis): the twin takes torch's arguments and normalises the last axis at any rank
            args = [a for a in expr.args if a.keyword is None or a.keyword.value not in ("device", "dtype")]
            return _with_name(expr.with_changes(func=self.expr("TorchLayerNorm"), args=args), name)
        if kind == "MultiheadAttention":
            # the twin takes torch's arguments and call, and keeps its weights (in_proj_weight, out_proj)
            args = [a for a in expr.args if a.keyword is None or a.keyword.value not in ("device", "dtype")]
            return _with_name(expr.with_changes(func=self.expr("TorchMultiheadAttention"), args=args), name)
        if kind in LAYER_KINDS:
            initializer = (
                self.expr(f"get_initializer({self.info.initializer_range})") if self._config_in_scope() else None
            )
            keras_call, kwargs, notes = keras_constructor(kind, expr, initializer)
            if kind == "Linear" and cls is not None and attr in cls.bias_ties:
                # its bias is the layer's own parameter (`self.decoder.bias = self.bias`): build() hands it over
                kwargs = [(k, v) for k, v in kwargs if k != "use_bias"]
                kwargs.insert(1, ("use_bias", fragment("False")))
            for note in notes:
                self.todo(note)
            args = [_kwarg(k, v) for k, v in kwargs]
            if kind not in WEIGHTLESS:
                args.append(_kwarg("name", name))
            return cst.Call(func=self.expr(keras_call), args=args)
        if kind == "Parameter":
            return expr
        if kind == "Module" and not expr.args:
            # a bare nn.Module() holding layers as attributes (emu3's `down.block = ...`): built under torch's names
            return cst.Call(self.expr("TorchModule"), [_kwarg("name", name)])
        if kind.endswith("Loss"):
            # losses with a twin were translated by the calls pass; this one has none. Made here, used in forward
            # only with labels: the model builds and runs; computing the loss raises
            self.todo(f"nn.{kind} has no TF twin in scaffold (snippets/tf_losses.py): computing this loss raises")
            return cst.Call(self.expr("TorchOnly"), [cst.Arg(cst.SimpleString(f'"torch.nn.{kind}"'))])
        self.todo(f"nn.{kind} has no keras twin in scaffold's table: port `{attr}` by hand")
        return expr

    def _sub_model(self, expr: cst.Call, auto: str, attr: str, name: cst.BaseExpression) -> cst.BaseExpression:
        """`AutoModel.from_config(config.text_config)` -> `TFAutoModel.from_config(config.text_config, name=...)`:
        a TF model of the sub-config's type, named after the attribute (its weights load under it; the model
        class maps the extra MainLayer level away, `tf_to_pt_weight_rename`). A sub-config whose model type has
        no TF port fails there, naming it: `scaffold port` that model first. `load_backbone(config)` ->
        `load_tf_backbone(config, name=...)`: the TF class of the backbone config's model type."""
        if auto == "AutoBackbone":
            return _with_name(expr.with_changes(func=self.expr("load_tf_backbone")), name)
        if auto not in TF_AUTO_CLASSES:
            self.todo(f"{auto} has no TF counterpart (transformers' TF auto classes): port `{attr}` by hand")
            return cst.Call(self.expr("TorchOnly"), [cst.Arg(cst.SimpleString(f'"{auto}.from_config"'))])
        return _with_name(expr.with_changes(func=self.expr(f"TF{auto}.from_config")), name)

    def _sequence_layer(self, expr: cst.Call, attr: str, name: cst.BaseExpression) -> cst.BaseExpression:
        """`nn.Sequential(a, b)` -> `TorchSequential([a', b'], input_shapes=[...], name=...)`: items named "0",
        "1", ..., each built with the shape its torch constructor implies (in `__init__`'s terms, where it is made)."""
        items: list[cst.BaseElement] = []
        shapes: list[cst.BaseElement] = []
        for position, arg in enumerate(expr.args):
            if arg.star or arg.keyword is not None:
                self.todo(f"a Sequential inside `{attr}` takes a starred part: port it by hand")
                return expr
            kind = (
                torch_nn_name(self.info.imports.resolve(arg.value.func)) if isinstance(arg.value, cst.Call) else None
            )
            shape = input_shape(kind, arg.value) if kind is not None else None  # type: ignore[arg-type]
            items.append(cst.Element(self._convert(arg.value, attr, cst.SimpleString(f'"{position}"'), item=True)))
            shapes.append(cst.Element(shape if shape is not None else cst.Name("None")))
        return cst.Call(
            self.expr("TorchSequential"),
            [cst.Arg(cst.List(items)), _kwarg("input_shapes", cst.List(shapes)), _kwarg("name", name)],
        )

    def _weight_norm(self, expr: cst.Call, attr: str, name: cst.BaseExpression) -> cst.BaseExpression:
        """`weight_norm(self.conv, name="weight", dim=2)` on a Conv1d -> the same conv as WeightNormConv1D."""
        cls = self.ctx.current_class()
        inner = expr.args[0].value
        sub = cls.sublayers.get(attr) if cls is not None else None
        keywords = {a.keyword.value: a.value for a in expr.args if a.keyword is not None}
        dim = keywords.get("dim")
        if (
            sub is None
            or sub.kind != "Conv1d"
            or dotted(inner) != f"self.{attr}"
            or not (isinstance(dim, cst.Integer) and dim.evaluated_value == 2)
        ):
            self.todo("weight_norm: scaffold ports it on a Conv1d over dim=2 only; port this one by hand")
            return expr
        keras_call, kwargs, notes = keras_constructor("Conv1d", sub.call, None)  # type: ignore[arg-type]
        args = [_kwarg(k, v) for k, v in kwargs] + [_kwarg("name", name)]
        return cst.Call(func=self.expr("WeightNormConv1D"), args=args)

    def _list(
        self, expr: cst.BaseExpression, attr: str, offset: int | None, prefix: str | None = None
    ) -> cst.BaseExpression:
        """Name the items of a list of layers `<prefix>_._<index>` (`prefix`: an f-string body, `attr` by default);
        `offset` counts the items before this part."""
        prefix = prefix or attr
        literal = "{" not in prefix
        if isinstance(expr, cst.GeneratorExp):
            expr = cst.ListComp(elt=expr.elt, for_in=expr.for_in)
        if isinstance(expr, cst.ListComp):
            for_in = _counted(expr)
            if offset is None or for_in is None or expr.for_in.inner_for_in is not None:
                self.todo(f"name the items of `{attr}` `{attr}_._<index>` by hand: scaffold cannot count them")
                return expr
            index = _index_name(for_in)
            start = _range_start(for_in)
            if start is not None:  # `for i in range(first, last)` (dinov3_convnext's stages): item i - first
                index = f"{index} - {start}" if start.isidentifier() or start.isdigit() else f"{index} - ({start})"
            position = index if offset == 0 else f"{index} + {offset}"
            elt = self._convert(expr.elt, attr, _fstring(f'f"{prefix}_._{{{position}}}"'), item=True)
            return expr.with_changes(elt=elt, for_in=for_in)
        if isinstance(expr, (cst.List, cst.Tuple)):
            if not isinstance(offset, int):
                self.todo(f"items of `{attr}` follow a comprehension: name them `{attr}_._<index>` by hand")
                return expr
            elements = [
                e.with_changes(
                    value=self._convert(
                        e.value,
                        attr,
                        cst.SimpleString(f'"{prefix}_._{offset + i}"')
                        if literal
                        else _fstring(f'f"{prefix}_._{offset + i}"'),
                        item=True,
                    )
                )
                for i, e in enumerate(expr.elements)
            ]
            return cst.List(elements)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            left = self._list(expr.left, attr, offset, prefix)
            size = len(expr.left.elements) if isinstance(expr.left, (cst.List, cst.Tuple)) else None
            next_offset = offset + size if isinstance(offset, int) and size is not None else None
            return expr.with_changes(left=left, right=self._list(expr.right, attr, next_offset, prefix))
        if isinstance(expr, cst.IfExp):
            # `[nn.Linear(...)] + ([nn.Tanh()] if config.action_tanh else [])`: either branch starts at `offset`
            return expr.with_changes(
                body=self._list(expr.body, attr, offset, prefix), orelse=self._list(expr.orelse, attr, offset, prefix)
            )
        return expr

    def _mixed_attribute(self, attr: str) -> bool:
        """Whether `__init__` assigns `self.<attr>` a Sequential in one branch and something else in another."""
        cls = self.ctx.current_class()
        sub = cls.sublayers.get(attr) if cls is not None and self._init_class() is not None else None
        if sub is None or not sub.alternatives:
            return False
        return len({s.kind == "sequential" for s in (sub, *sub.alternatives)}) > 1

    def _config_in_scope(self) -> bool:
        cls = self.ctx.current_class()
        return cls is not None and "config" in cls.init_params and self.info.uses_initializer_range


# torch.nn modules made anywhere in `__init__` that scaffold turns into their keras twins without a placement
UNPLACED_KINDS = (
    LAYER_KINDS | set(NN_ACTIVATIONS) | {"Sequential", "ModuleList", "Softmax", "LeakyReLU", "ELU", "Module"}
)
UNNAMED = "_scaffold_unnamed_"


def _is_unplaced_layer(call: cst.Call, info: ModuleInfo) -> bool:
    kind = torch_nn_name(info.imports.resolve(call.func))
    return kind in UNPLACED_KINDS or kind in ELEMENTWISE


class _CallFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    finder = _CallFinder()
    node.visit(finder)
    return finder.calls


class _UnplacedLayers(cst.CSTTransformer):
    """Converts each unplaced torch.nn constructor (outermost: a Sequential converts its items) with no `name=`: keras names it, and
    whatever holds it names its weights' scope."""

    def __init__(self, owner: LayersPass) -> None:
        super().__init__()
        self.owner = owner

    def visit_Call(self, node: cst.Call) -> bool:
        return not _is_unplaced_layer(node, self.owner.info)  # a Sequential converts its items, with their shapes

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not _is_unplaced_layer(original, self.owner.info):
            return updated
        converted = self.owner._convert(updated, "layer", cst.Name(UNNAMED), item=True)
        converted = converted.visit(_DropUnnamed())  # type: ignore[assignment]
        kind = torch_nn_name(self.owner.info.imports.resolve(original.func))
        shape = input_shape(kind, original) if kind is not None else None
        if shape is not None and isinstance(converted, cst.Call):
            return self.owner.call("torch_shaped", converted, shape)  # built later with the shape torch implies
        return converted


class _DropUnnamed(cst.CSTTransformer):
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        args = [a for a in updated.args if not (isinstance(a.value, cst.Name) and a.value.value == UNNAMED)]
        if len(args) == len(updated.args):
            return updated
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(args=args)


# torch.nn activation modules TF's ACT2FN lacks, made without arguments (levit's nn.Hardswish()): TF functions
ELEMENTWISE = {
    "Hardswish": "lambda x: x * tf.nn.relu6(x + 3.0) / 6.0",
    "Hardsigmoid": "lambda x: tf.nn.relu6(x + 3.0) / 6.0",
    "ReLU6": "tf.nn.relu6",
    "ELU": "tf.nn.elu",
    "SELU": "tf.nn.selu",
    "Softplus": "tf.math.softplus",
    "Softsign": "tf.nn.softsign",
    "LogSigmoid": "tf.math.log_sigmoid",
    "Hardtanh": "lambda x: tf.clip_by_value(x, -1.0, 1.0)",
}


# the keras keyword initialising what torch calls a layer's `weight` / `bias`
INITIALIZER_KEYWORDS = {
    kind: {"weight": "kernel_initializer", "bias": "bias_initializer"} for kind in ("Linear", "Conv1d", "Conv2d")
} | {"Embedding": {"weight": "embeddings_initializer"}}


def _keras_initializer(call: cst.Call) -> str | None:
    """The keras initializer doing what torch's in-place `normal_` / `uniform_` / `zero_` / `fill_` does."""
    method = call.func.attr.value  # type: ignore[attr-defined]
    names = {"normal_": ("mean", "std"), "uniform_": ("a", "b"), "fill_": ("value",), "zero_": ()}.get(method)
    if names is None or any(a.star for a in call.args):
        return None
    bound = {names[i]: a.value for i, a in enumerate(call.args) if a.keyword is None and i < len(names)}
    bound.update({a.keyword.value: a.value for a in call.args if a.keyword is not None})
    if set(bound) - set(names):
        return None
    code = {k: cst.Module([]).code_for_node(v) for k, v in bound.items()}
    if method == "normal_":
        return f"keras.initializers.RandomNormal(mean={code.get('mean', '0.0')}, stddev={code.get('std', '1.0')})"
    if method == "uniform_":
        return f"keras.initializers.RandomUniform(minval={code.get('a', '0.0')}, maxval={code.get('b', '1.0')})"
    if method == "fill_":
        return f"keras.initializers.Constant({code['value']})" if "value" in code else None
    return '"zeros"'


def _weight_inits(cls: ClassInfo, info: ModuleInfo) -> dict[tuple[str, str], tuple[cst.BaseSmallStatement, str, str]]:
    """`self.<attr>.<weight|bias>[.data].<normal_|uniform_|zero_|fill_>(...)` statements at the top level of
    `__init__`, for sub-layers keras gives an initializer keyword: (attr, weight) -> (statement, initializer,
    method)."""
    found: dict[tuple[str, str], tuple[cst.BaseSmallStatement, str, str]] = {}
    if cls.init is None:
        return found
    for line in cls.init.body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for small in line.body:
            if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
                continue
            parts = (dotted(small.value.func) or "").split(".")
            if parts[-1:] == ["data"] or len(parts) < 4 or parts[0] != "self":
                continue
            if parts[3:-1] not in ([], ["data"]) or parts[2] not in ("weight", "bias"):
                continue
            sub = cls.sublayers.get(parts[1])
            initializer = _keras_initializer(small.value)
            if sub is None or sub.kind not in INITIALIZER_KEYWORDS or initializer is None:
                continue
            if parts[2] in INITIALIZER_KEYWORDS[sub.kind]:
                found[(parts[1], parts[2])] = (small, initializer, parts[-1])
    return found


def _counted(comprehension: cst.ListComp) -> cst.CompFor | None:
    """The comprehension's `for` with a target that counts its items from 0: `for i in range(n)` and
    `for i, x in enumerate(xs)` as they are (`_` -> `i`), `for x in xs` -> `for i, x in enumerate(xs)`;
    None where items are skipped (`if`) or counted otherwise (`range(1, n)`)."""
    for_in = comprehension.for_in
    if for_in.ifs:
        return None
    target, iterable = for_in.target, for_in.iter
    call = dotted(iterable.func) if isinstance(iterable, cst.Call) else None
    if call == "range":
        # `range(n)`, or `range(start, stop)` (counted from `start`: _list subtracts it)
        if not isinstance(target, cst.Name) or len(iterable.args) not in (1, 2):  # type: ignore[attr-defined]
            return None
        return for_in.with_changes(target=cst.Name("i")) if target.value == "_" else for_in
    if call == "enumerate":
        if not (isinstance(target, cst.Tuple) and len(target.elements) == 2):
            return None
        first = target.elements[0]
        if not isinstance(first.value, cst.Name):
            return None
        if first.value.value == "_":
            first = first.with_changes(value=cst.Name("i"))
            return for_in.with_changes(target=target.with_changes(elements=[first, target.elements[1]]))
        return for_in
    if not isinstance(target, (cst.Name, cst.Tuple)):
        return None
    index = next(n for n in ("i", "index", "position") if not _uses(comprehension, n))
    inner = (
        target.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if isinstance(target, cst.Tuple)
        else target
    )
    pair = cst.Tuple([cst.Element(cst.Name(index)), cst.Element(inner)], lpar=[], rpar=[])
    return for_in.with_changes(target=pair, iter=cst.Call(cst.Name("enumerate"), [cst.Arg(iterable)]))


def _range_start(for_in: cst.CompFor) -> str | None:
    """The code of `start` in `for i in range(start, stop)`, else None."""
    iterable = for_in.iter
    if isinstance(iterable, cst.Call) and dotted(iterable.func) == "range" and len(iterable.args) == 2:
        return cst.Module([]).code_for_node(iterable.args[0].value)
    return None


def _index_name(for_in: cst.CompFor) -> str:
    target = for_in.target
    if isinstance(target, cst.Tuple):
        return target.elements[0].value.value  # type: ignore[attr-defined]
    return target.value  # type: ignore[attr-defined]


class _NameFinder(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value == self.name


def _uses(node: cst.CSTNode, name: str) -> bool:
    finder = _NameFinder(name)
    node.visit(finder)
    return finder.found
