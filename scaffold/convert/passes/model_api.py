"""The TF model API where torch models get it from `PreTrainedModel` (`EmbeddingAccessMixin`) and TF ports define it
themselves: embedding accessors, the LM head, resizing, and `int` arguments given inside a list input.

- The MainLayer gets `get_input_embeddings` / `set_input_embeddings` where the base model inherits torch's:
  the layer named by `_input_embed_layer` (default `embed_tokens`), as torch's fallback reads it. TF models reach
  the embeddings through their MainLayer (`TFPreTrainedModel.get_input_embeddings`); another model class holding
  that layer itself (a VLM's text model built inside the base model) gets the accessors too.
- A head holding `lm_head` without its own accessors gets torch's default ones (`get_output_embeddings` returns
  `self.lm_head`); every head with output embeddings also gets `get_lm_head` (TF's mark of an LM head: the
  common tests and `TFPreTrainedModel` read it) and `get_bias` (None: a Dense output layer carries its own bias).
- With such heads, `TF<X>PreTrainedModel.resize_token_embeddings` also resizes output embeddings that are a Dense
  layer (torch resizes an untied LM head with the input embeddings; TF's base class reads output embeddings as an
  embedding matrix): `resize_token_embeddings_with_dense_output` in `snippets/tf_model_api.py`.
- A head's `call` passes the output flags on in `**kwargs`, as torch's does (`@unpack_inputs` drops `**kwargs`).
- A `call` parameter with an int default that the body tests with `isinstance(x, int)` (`logits_to_keep`) is
  taken back to an int first (`int_argument`): Keras turns Python numbers inside a list input into tensors.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import ClassInfo, ModuleInfo
from ..context import ConvertContext
from ..names import dotted
from .classes import is_docstring, map_classes, method
from .decorators import params_before_training

INPUT_ACCESSORS = """
def get_input_embeddings(self):
    return self.{attr}


def set_input_embeddings(self, value):
    self.{attr} = value
"""
OUTPUT_ACCESSORS = """
def get_output_embeddings(self):
    return self.lm_head


def set_output_embeddings(self, new_embeddings):
    self.lm_head = new_embeddings
"""
GET_LM_HEAD = '''
def get_lm_head(self):
    """The layer making the logits (its output embeddings), as TF models expose an LM head."""
    return self.get_output_embeddings()
'''
GET_BIAS = '''
def get_bias(self):
    """No bias apart from the output layer's: a Dense layer keeps its own, resized with it."""
    return None
'''
FLAGS = ("output_attentions", "output_hidden_states")
RESIZE = '''
def resize_token_embeddings(self, new_num_tokens=None):
    """TF's resizing; output embeddings that are a Dense layer (an untied LM head) are resized with the input ones,
    as torch resizes them."""
    if isinstance(self.get_output_embeddings(), keras.layers.Dense):
        return resize_token_embeddings_with_dense_output(self, new_num_tokens)
    return super().resize_token_embeddings(new_num_tokens)
'''


def _string_attribute(cls: ClassInfo | None, name: str) -> str | None:
    if cls is None:
        return None
    for statement in cls.node.body.body:
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
            small = statement.body[0]
            if dotted(small.targets[0].target) == name and isinstance(small.value, cst.SimpleString):
                value = small.value.evaluated_value
                return value if isinstance(value, str) else None
    return None


def input_embedding_attr(info: ModuleInfo) -> str | None:
    """The MainLayer attribute torch's `get_input_embeddings` fallback returns, where the base model inherits it."""
    base = info.classes.get(info.base_model_class or "")
    if base is None or base.method("get_input_embeddings") is not None:
        return None
    pretrained = info.classes.get(info.pretrained_class or "")
    name = _string_attribute(base, "_input_embed_layer") or _string_attribute(pretrained, "_input_embed_layer")
    name = name or "embed_tokens"
    return base.tf_attr(name) if name in base.sublayers else None


def own_embedding_attr(cls: ClassInfo, info: ModuleInfo) -> str | None:
    """The attribute torch's `get_input_embeddings` fallback returns on a model class other than the base model
    that holds its embeddings itself, with no MainLayer (a VLM's text model, `Glm4vTextModel`, made with
    `_from_config` inside the base model): TF's inherited accessor would look for a MainLayer and raise."""
    if cls.method("get_input_embeddings") is not None:
        return None
    pretrained = info.classes.get(info.pretrained_class or "")
    name = _string_attribute(cls, "_input_embed_layer") or _string_attribute(pretrained, "_input_embed_layer")
    name = name or "embed_tokens"
    return cls.tf_attr(name) if name in cls.sublayers else None


def _add(class_def: cst.ClassDef, ctx: ConvertContext, code: str, after: str | None = "__init__") -> cst.ClassDef:
    """`code`'s methods added to the class, after the method `after` (else at the end), unless it defines them."""
    statements = [s for s in cst.parse_module(code).body if isinstance(s, cst.FunctionDef)]
    new = [ctx.statement(cst.Module(body=[s]).code) for s in statements if method(class_def, s.name.value) is None]
    if not new:
        return class_def
    body = list(class_def.body.body)
    anchor = method(class_def, after) if after else None
    position = body.index(anchor) + 1 if anchor is not None else len(body)
    body[position:position] = new
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


class _IntTests(cst.CSTVisitor):
    """Names tested with `isinstance(<name>, int)`."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.done: set[str] = set()  # already given to int_argument

    def visit_Call(self, node: cst.Call) -> None:
        if dotted(node.func) == "isinstance" and len(node.args) == 2 and dotted(node.args[1].value) == "int":
            name = dotted(node.args[0].value)
            if name and "." not in name:
                self.names.add(name)
        if dotted(node.func) == "int_argument" and node.args:
            self.done.add(dotted(node.args[0].value) or "")


def _int_arguments(call: cst.FunctionDef, ctx: ConvertContext) -> cst.FunctionDef:
    tests = _IntTests()
    call.body.visit(tests)
    names = [
        p.name.value
        for p in (*call.params.params, *call.params.kwonly_params)
        if p.name.value in tests.names - tests.done and isinstance(p.default, cst.Integer)
    ]
    if not names:
        return call
    body = list(call.body.body)
    position = 1 if body and is_docstring(body[0]) else 0  # type: ignore[arg-type]
    body[position:position] = [ctx.statement(f"{name} = int_argument({name})") for name in names]
    return call.with_changes(body=call.body.with_changes(body=body))


class _Uses(cst.CSTVisitor):
    """Bare names a body reads, whether it passes `**<kwargs>` on, and the arguments it reads from `kwargs` by
    name (`kwargs.pop("next_sentence_label")`, `kwargs.get(...)`, `kwargs[...]`, `"..." in kwargs`)."""

    def __init__(self, kwargs: str) -> None:
        self.kwargs = kwargs
        self.names: set[str] = set()
        self.forwards = False
        self.read: list[str] = []

    def _read(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
            name = node.evaluated_value
            if name.isidentifier() and name not in self.read:
                self.read.append(name)

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.star == "**" and dotted(node.value) == self.kwargs:
            self.forwards = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and dotted(func.value) == self.kwargs and node.args:
            if func.attr.value in ("pop", "get"):
                self._read(node.args[0].value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if dotted(node.value) == self.kwargs and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                self._read(index.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and dotted(target.comparator) == self.kwargs:
                self._read(node.left)


def _declared(call: cst.FunctionDef, names: list[str]) -> cst.FunctionDef:
    """`call` with keyword parameters `<name>=None` for `names`, before `training`."""
    new = [
        cst.Param(
            cst.Name(n),
            default=cst.Name("None"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        for n in names
    ]
    return params_before_training(call, new)


def _forwarded_flags(call: cst.FunctionDef, ctx: ConvertContext) -> cst.FunctionDef:
    """torch heads take the output flags through `**kwargs` and pass them on with it (`self.model(...,
    **kwargs)`); `@unpack_inputs` drops `**kwargs`, so the TF call declares the flags (decorators.with_output_flags)
    and puts them back into `kwargs` here, where the body never reads them itself. Arguments the body reads from
    `kwargs` by name are declared too, and put back when given."""
    star = call.params.star_kwarg
    if not isinstance(star, cst.Param):
        return call
    kwargs = star.name.value
    uses = _Uses(kwargs)
    call.body.visit(uses)
    declared = {p.name.value for p in (*call.params.params, *call.params.kwonly_params)}
    flags = [f for f in FLAGS if f in declared and f not in uses.names] if uses.forwards else []
    # arguments torch reads from **kwargs by name (a deprecated alias such as BERT's `next_sentence_label`)
    read = [n for n in uses.read if n not in declared and n not in uses.names]
    if not flags and not read:
        return call
    statements = [ctx.statement(f"{kwargs}.update({', '.join(f'{f}={f}' for f in flags)})")] if flags else []
    statements += [ctx.statement(f'if {n} is not None:\n    {kwargs}["{n}"] = {n}\n') for n in read]
    call = _declared(call, read)
    body = list(call.body.body)
    position = 1 if body and is_docstring(body[0]) else 0  # type: ignore[arg-type]
    body[position:position] = statements
    return call.with_changes(body=call.body.with_changes(body=body))


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    embedding_attr = input_embedding_attr(info)
    heads = {
        ctx.tf_name(c.name): c
        for c in info.classes.values()
        if c.role == "model" and c.name != info.base_model_class and c.name not in info.dropped_classes
    }
    with_output: set[str] = set()

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        name = class_def.name.value
        call = method(class_def, "call")
        if call is not None and (name in heads or name == info.main_layer_class):
            updated = _int_arguments(_forwarded_flags(call, ctx) if name in heads else call, ctx)
            if updated is not call:
                body = [updated if s is call else s for s in class_def.body.body]
                class_def = class_def.with_changes(body=class_def.body.with_changes(body=body))
        if name == info.main_layer_class and embedding_attr is not None:
            class_def = _add(class_def, ctx, INPUT_ACCESSORS.format(attr=embedding_attr))
        if name in heads:
            own = own_embedding_attr(heads[name], info)
            if own is not None:
                class_def = _add(class_def, ctx, INPUT_ACCESSORS.format(attr=own))
            if "lm_head" in heads[name].sublayers and method(class_def, "get_output_embeddings") is None:
                class_def = _add(class_def, ctx, OUTPUT_ACCESSORS)
            if method(class_def, "get_output_embeddings") is not None:
                with_output.add(name)
                class_def = _add(class_def, ctx, GET_LM_HEAD + GET_BIAS, after="set_output_embeddings")
        return class_def

    module = map_classes(module, change)
    if not with_output or info.pretrained_class is None:
        return module
    pretrained = ctx.tf_name(info.pretrained_class)
    return map_classes(module, lambda c: _add(c, ctx, RESIZE, after=None) if c.name.value == pretrained else c)
