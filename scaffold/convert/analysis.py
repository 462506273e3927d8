"""Read a PyTorch modeling module once and record what the passes need to know about it.

Structural only: it walks module-level statements, class bodies and `__init__` bodies directly rather than
visiting every node, so it costs a fraction of a parse. Everything here describes the *original* tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from ..errors import ScaffoldError
from .names import ImportTable, dotted, torch_nn_name
from .tables import KERAS_MODEL_RESERVED_ATTRIBUTES, KERAS_RESERVED_ATTRIBUTES
from .torch_layers import SIGNATURES

# torch.nn layers with a keras twin (torch_layers' signatures, and the argument-free activations and Identity);
# everything else inside torch.nn is flagged for a TODO. (`Conv1D` is transformers' GPT-2 layer, not torch.nn's.)
LAYER_KINDS = (set(SIGNATURES) - {"Conv1D"}) | {"Identity", "ReLU", "Tanh", "SiLU", "Sigmoid", "Mish"}
# Layers whose weights are created by build(); Dropout and activations have none.
WEIGHTED_KINDS = {
    "Linear",
    "MultiheadAttention",
    "LayerNorm",
    "RMSNorm",
    "Embedding",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "Conv1D",
    "custom",
    "list",
    "parameter",
    "keras_base",
}

# PyTorch ACT2FN activations with weights (a layer in TF: snippets' torch_activation)
WEIGHTED_ACTIVATIONS = frozenset({"xielu", "prelu"})
MODULE_BASES = {"torch.nn.Module", "transformers.modeling_layers.GradientCheckpointingLayer"}
PRETRAINED_BASES = {
    "transformers.modeling_utils.PreTrainedModel",
    "transformers.PreTrainedModel",  # `from transformers import PreTrainedModel` (textnet, superglue, superpoint)
    "transformers.modeling_utils.PreTrainedAudioTokenizerBase",  # dac, encodec, xcodec: abstract encode/decode only
}
OUTPUT_BASES = {"transformers.utils.ModelOutput", "transformers.modeling_outputs.ModelOutput"}
GPT2_CONV1D = {"transformers.pytorch_utils.Conv1D", "transformers.modeling_utils.Conv1D"}
# transformers' own torch layer with a TF twin in modeling_tf_utils (4.46 and earlier; later files define theirs)
SEQUENCE_SUMMARY = {"transformers.modeling_utils.SequenceSummary"}
ACT2FN_NAMES = {"transformers.activations.ACT2FN", "transformers.activations.get_activation"}
# torch.nn layer classes that a file's own class may subclass and keep as a keras builtin subclass
KERAS_BASE_KINDS = {"Embedding", "Linear", "LayerNorm", "Conv1d", "Conv2d", "GroupNorm"}
# the implementation marker right before the attention's name (BertSdpaSelfAttention, BarkSelfFlashAttention2,
# XFlexAttention): a model named Flex<X> / <X>Flash (flex_olmo, longcat_flash) is no attention variant
ATTENTION_VARIANT = re.compile(r"(Sdpa|Flash|Flex)(Self|Cross)?Attention")


@dataclass
class SubLayer:
    """One `self.<attr> = ...` in an `__init__` that holds (or may hold) a layer, weight or buffer."""

    attr: str
    kind: str  # a LAYER_KINDS member, "Conv1D", "custom", "list", "sequential", "dict", "parameter", "buffer",
    # "activation", "other"
    call: cst.Call | None = None
    cls: str | None = None  # the file's own class, for kind == "custom"
    items: list[SubLayer] = field(default_factory=list)  # for lists and Sequential
    optional: bool = False
    weight_norm: bool = False
    sub_model: bool = False  # `AutoModel.from_config(...)`: a whole (TF) model of another type
    tied: bool = False  # `self.<attr>.weight = other.weight`: TF shares the other layer, built once
    condition: cst.BaseExpression | None = None  # for an optional one: the `if` test it is created under
    # what another branch of `__init__` assigns to the same attribute (`nn.Linear` or a grouped linear)
    alternatives: list[SubLayer] = field(default_factory=list)
    # `ACT2FN[config.hidden_act]`: an activation named at run time may be a layer with weights (xIELU)
    weighted_activation: bool = False
    starred: bool = False  # `nn.Sequential(*parts)`: items as far as they can be read, some maybe absent
    appended: bool = False  # `nn.Sequential(*convs)`, `convs` a local list filled by append: as many as it holds

    @property
    def has_weights(self) -> bool:
        if self.kind in ("list", "sequential", "dict"):
            return any(item.has_weights for item in self.items)
        return self.kind in WEIGHTED_KINDS


@dataclass
class ClassInfo:
    name: str
    node: cst.ClassDef
    bases: list[str]
    base_nodes: list[cst.BaseExpression]
    role: str = "other"  # "layer", "pretrained", "model", "output", "other"
    keras_base: str | None = None  # a torch.nn layer this class subclasses (BartLearnedPositionalEmbedding)
    serializable: bool = False  # a PreTrainedModel subclass used as a sub-layer (BartEncoder): @keras_serializable
    init: cst.FunctionDef | None = None
    init_params: list[str] = field(default_factory=list)
    init_locals: dict[str, cst.BaseExpression] = field(default_factory=dict)
    sublayers: dict[str, SubLayer] = field(default_factory=dict)
    # `layers = [...]; self.x = nn.ModuleList(layers)`: local list -> the f-string body its items' names start with
    # (`x`; `x_._{len(blocks)}` for `layers` in `blocks.append(nn.ModuleList(layers))`, blocks being `self.x`'s)
    list_locals: dict[str, str] = field(default_factory=dict)
    indexed_lists: set[str] = field(default_factory=set)  # plain lists whose items add_module names by index
    # `self.add_module(name, layer)` outside the indexed form above: layers torch registers under a computed name
    registers_modules: bool = False
    dict_locals: dict[str, str] = field(default_factory=dict)  # `norms[k] = ...` then `self.x = nn.ModuleDict(norms)`
    # `for channel in sizes: self.convs.append(nn.Conv2d(channel, ...))`: the loops each list is appended in
    append_loops: dict[str, list[cst.For | None]] = field(default_factory=dict)
    loop_stack: list[cst.For] = field(default_factory=list)  # while __init__ is read
    local_appends: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)  # `layers.append(X(...))`
    item_locals: dict[str, str] = field(default_factory=dict)  # `first = X(...); nn.Sequential(first, ...)`: its name
    self_attrs: set[str] = field(default_factory=set)
    self_values: dict[str, cst.BaseExpression] = field(default_factory=dict)  # `self.x = <value>` in __init__
    renamed: dict[str, str] = field(default_factory=dict)  # attributes keras reserves -> the TF attribute name
    # `__init__` parameters defaulting to a layer class (`norm_layer=nn.LayerNorm`): calling one makes a layer
    layer_params: set[str] = field(default_factory=set)
    # `self.decoder.bias = self.bias` in `__init__`: a Linear computing with the layer's own bias parameter
    bias_ties: dict[str, str] = field(default_factory=dict)

    def tf_attr(self, attr: str) -> str:
        return self.renamed.get(attr, attr)

    def method(self, name: str) -> cst.FunctionDef | None:
        for statement in self.node.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                return statement
        return None


@dataclass
class ModuleInfo:
    imports: ImportTable
    model_name: str
    classes: dict[str, ClassInfo]
    prefix: str | None = None  # "Bert"
    pretrained_class: str | None = None
    config_class: str | None = None
    base_model_prefix: str | None = None
    base_model_class: str | None = None
    main_input_name: str | None = None
    public: set[str] = field(default_factory=set)  # the PyTorch file's __all__
    # the initializer range of Linear/Embedding weights: the config's `initializer_range` where the file reads it
    # (T5 has `initializer_factor`), or, where its models have no `_init_weights`, torch's PreTrainedModel default
    # (the config's `initializer_range`, 0.02 without one); None: the file initializes otherwise
    initializer_range: str | None = "config.initializer_range"

    @property
    def uses_initializer_range(self) -> bool:
        return self.initializer_range is not None

    attention_dispatch: dict[str, str] = field(default_factory=dict)  # BERT_SELF_ATTENTION_CLASSES -> eager class
    dropped_classes: set[str] = field(default_factory=set)
    # module-level dicts of layer classes (`NORM2FN = {"layer_norm": nn.LayerNorm, "no_norm": NoNorm}`):
    # `NORM2FN[key](...)` in an `__init__` makes a layer
    layer_tables: set[str] = field(default_factory=set)

    @property
    def torch_only_names(self) -> set[str]:
        """Names the file imports from modules that need torch (they cannot appear in the TF file)."""
        from .tables import TORCH_ONLY_MODULES

        return {
            local
            for local, origin in self.imports.origins.items()
            if any(origin == m or origin.startswith(m + ".") for m in TORCH_ONLY_MODULES)
        }

    @property
    def base_scope(self) -> str:
        """The name scope (and so the weight-name prefix) of the MainLayer: base_model_prefix."""
        return self.base_model_prefix or self.model_name

    @property
    def base_attr(self) -> str:
        """The attribute holding the MainLayer: base_model_prefix as an identifier (`sew-d` -> `sew_d`)."""
        return re.sub(r"\W", "_", self.base_scope)

    @property
    def main_layer_class(self) -> str | None:
        return None if self.base_model_class is None else f"TF{self.prefix}MainLayer"


def analyze(
    module: cst.Module, model_name: str, source: str | None = None, previous: ModuleInfo | None = None
) -> ModuleInfo:
    """What the passes need to know about `module`. `previous`: the analysis of an earlier version of it whose
    unchanged classes (the same ClassDef objects) are taken over as read, not read again (generic heads written
    out into a module change those heads and the imports only)."""
    imports = ImportTable(module)
    known = {c.node: c for c in previous.classes.values()} if previous is not None else {}
    classes = {
        statement.name.value: _reread(known[statement])
        if statement in known
        else ClassInfo(
            name=statement.name.value,
            node=statement,
            bases=[dotted(arg.value) or "" for arg in statement.bases if arg.keyword is None],
            base_nodes=[arg.value for arg in statement.bases if arg.keyword is None],
        )
        for statement in module.body
        if isinstance(statement, cst.ClassDef)
    }
    unread = {name for name, cls in classes.items() if cls.node not in known}
    info = ModuleInfo(imports=imports, model_name=model_name, classes=classes, public=_dunder_all(module))
    _assign_roles(info)
    if not any(c.role in ("layer", "model", "pretrained") for c in classes.values()):
        raise ScaffoldError(
            "no torch.nn.Module subclass found: give scaffold a PyTorch modeling file (modeling_<model>.py)"
        )
    _find_attention_dispatch(module, info)
    _find_layer_tables(module, info)
    for cls in classes.values():
        if cls.role in ("layer", "model", "pretrained") and cls.name in unread:
            _read_init(cls, info)
    _find_model_names(info)
    if source is not None and "initializer_range" not in source:
        default = info.pretrained_class is not None and "def _init_weights" not in source
        info.initializer_range = 'getattr(config, "initializer_range", 0.02)' if default else None
    elif source is not None and _composite_configs(info, source):
        # some config of the file may have no `initializer_range` (CLIPConfig, LlavaConfig, a text config with
        # `init_std`): torch's PreTrainedModel._init_weights then reads the text config's (0.02 without one)
        info.initializer_range = "config_initializer_range(config)"
    for cls in classes.values():  # the base model becomes a MainLayer (a keras Layer): keras Model's names are free
        if cls.name == info.base_model_class or cls.role != "model":
            for attr in KERAS_MODEL_RESERVED_ATTRIBUTES - KERAS_RESERVED_ATTRIBUTES:
                cls.renamed.pop(attr, None)
    return info


SUB_CONFIG = re.compile(r"\bget_text_config\(|\bconfig\.\w+_config\b")


def _composite_configs(info: ModuleInfo, source: str) -> bool:
    """Whether the file's classes take more than one config class, or configs holding others (`config.text_config`,
    `get_text_config()`): then a class's config need not have `initializer_range`."""
    configs = {
        dotted(value)
        for cls in info.classes.values()
        if cls.role in ("pretrained", "model")
        for value in (class_attribute(cls, "config_class") or class_attribute(cls, "config"),)
        if value is not None
    }
    return len(configs) > 1 or SUB_CONFIG.search(source) is not None


def _reread(cls: ClassInfo) -> ClassInfo:
    """A class taken over from an earlier analysis, its `__init__` as read then; its role is decided again."""
    return replace(cls, role="other", serializable=False)


def _assign_roles(info: ModuleInfo) -> None:
    resolve = info.imports.resolve

    def role_of(cls: ClassInfo, seen: frozenset[str]) -> str:
        for base, node in zip(cls.bases, cls.base_nodes):
            if base in info.classes and base not in seen:
                parent = info.classes[base]
                parent_role = role_of(parent, seen | {cls.name})
                if parent_role == "pretrained":
                    return "model"
                if parent_role != "other":
                    if parent.keras_base and not cls.keras_base:
                        cls.keras_base = parent.keras_base
                    return parent_role
                continue
            qualified = resolve(node)
            if qualified in PRETRAINED_BASES:
                return "pretrained"
            if qualified in MODULE_BASES:
                return "layer"
            if qualified in OUTPUT_BASES:
                return "output"
            kind = torch_nn_name(qualified)
            if kind in KERAS_BASE_KINDS:
                cls.keras_base = kind
                return "layer"
        return "other"

    for cls in info.classes.values():
        cls.role = role_of(cls, frozenset())


def _find_attention_dispatch(module: cst.Module, info: ModuleInfo) -> None:
    """`X_ATTENTION_CLASSES = {"eager": XAttention, "sdpa": XSdpaAttention}`: TF ports keep only the eager path."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not (isinstance(small, cst.Assign) and isinstance(small.value, cst.Dict)):
                continue
            target = small.targets[0].target
            if not isinstance(target, cst.Name):
                continue
            entries = {}
            for element in small.value.elements:
                if (
                    isinstance(element, cst.DictElement)
                    and isinstance(element.key, cst.SimpleString)
                    and isinstance(element.value, cst.Name)
                    and element.value.value in info.classes
                ):
                    entries[element.key.evaluated_value] = element.value.value
            if entries and "eager" in entries:
                info.attention_dispatch[target.value] = entries["eager"]
                # the eager class may stand under another key too (falcon's `"sdpa": FalconAttention`): it stays
                info.dropped_classes.update(name for name in entries.values() if name != entries["eager"])
    # Attention variants (XSdpaAttention, XFlashAttention2) that subclass a class of the file are eager-only
    # in TF: they are dropped as well.
    for cls in info.classes.values():
        if ATTENTION_VARIANT.search(cls.name) and any(b in info.classes for b in cls.bases):
            info.dropped_classes.add(cls.name)


def is_layer_class(node: cst.BaseExpression, info: ModuleInfo) -> bool:
    """A reference (not a call) to a torch.nn layer class or to one of the file's layer classes."""
    name = dotted(node)
    if name is None:
        return False
    if name in info.classes:
        return info.classes[name].role in ("layer", "model", "pretrained")
    kind = torch_nn_name(info.imports.resolve(node))
    return kind is not None and kind[:1].isupper()


def _find_layer_tables(module: cst.Module, info: ModuleInfo) -> None:
    for statement in module.body:
        if not (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign)):
            continue
        small = statement.body[0]
        target = small.targets[0].target
        if not isinstance(target, cst.Name) or target.value in info.attention_dispatch:
            continue
        if isinstance(small.value, cst.Dict) and small.value.elements:
            values = [e.value for e in small.value.elements if isinstance(e, cst.DictElement)]
            if len(values) == len(small.value.elements) and all(is_layer_class(v, info) for v in values):
                info.layer_tables.add(target.value)


def _params(function: cst.FunctionDef) -> list[str]:
    params = function.params
    return [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]


# torch.nn.Embedding's size attributes -> keras.layers.Embedding's
EMBEDDING_SIZES = {"num_embeddings": "input_dim", "embedding_dim": "output_dim"}


def is_embedding(info: ModuleInfo, cls: ClassInfo | None, path: list[str]) -> bool:
    """`self.<path>` in `cls` is an Embedding layer (or the file's subclass of one), following sub-layers
    through the file's own classes: `model.shared` is BartModel's `shared`."""
    sub = None
    for attr in path:
        sub = cls.sublayers.get(attr) if cls is not None else None
        if sub is None:
            return False
        cls = info.classes.get(sub.cls) if sub.cls else None
    return sub is not None and (sub.kind == "Embedding" or (cls is not None and cls.keras_base == "Embedding"))


def embedding_size(info: ModuleInfo, cls: ClassInfo, name: str) -> str | None:
    """`self.model.shared.num_embeddings` -> `self.model.shared.input_dim`: keras' Embedding keeps its sizes as
    input_dim / output_dim (the first attribute as TF names it); None for anything else."""
    parts = name.split(".")
    if (
        len(parts) >= 3
        and parts[0] == "self"
        and parts[-1] in EMBEDDING_SIZES
        and is_embedding(info, cls, parts[1:-1])
    ):
        return ".".join(["self", cls.tf_attr(parts[1]), *parts[2:-1], EMBEDDING_SIZES[parts[-1]]])
    return None


# register_buffer values that are fresh constants: kept in the state dict, they hold trained values there
SAVED_BUFFER_CREATORS = {"torch.zeros", "torch.ones"}


# what build() makes an `nn.Parameter(<creator>(shape))` start as (None: keras' default initializer)
PARAMETER_INITIALIZERS: dict[str, str | None] = {
    "torch.zeros": '"zeros"',
    "torch.ones": '"ones"',
    "torch.empty": '"zeros"',
    "torch.randn": None,
    "torch.rand": None,
    "torch.Tensor": '"zeros"',
    "torch.FloatTensor": '"zeros"',
}


def parameter_creator(
    call: cst.Call, imports: ImportTable
) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None, str | None]:
    """`nn.Parameter(value)` -> (the creator call or value, a constant factor, the in-place initializer):
    `config.scale * torch.ones(d)` -> (torch.ones(d), config.scale, None); `torch.empty(n).normal_()` ->
    (torch.empty(n), None, "normal_")."""
    value = call.args[0].value if call.args else None
    scale = None
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
        for creator_side, factor in ((value.right, value.left), (value.left, value.right)):
            if isinstance(creator_side, cst.Call) and imports.resolve(creator_side.func) == "torch.ones":
                value, scale = creator_side, factor
                break
    in_place = None
    while (
        isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value.endswith("_")
    ):
        in_place = value.func.attr.value
        value = value.func.value
    return value, scale, in_place


def computed_parameter(call: cst.Call, imports: ImportTable) -> bool:
    """`nn.Parameter(torch.log(A))`, `nn.Parameter(A)`: a value computed in `__init__` that build() cannot make
    from a shape and an initializer. `__init__` keeps the value (`self.A_log = tf.math.log(A)`) and build() makes
    the weight start at it, with its shape and dtype."""
    value, _, _ = parameter_creator(call, imports)
    if value is None:
        return False
    if not isinstance(value, cst.Call):
        return True
    creator = imports.resolve(value.func) or ""
    if creator == "torch.normal" and any(a.keyword is not None and a.keyword.value == "size" for a in value.args):
        return False
    return creator not in PARAMETER_INITIALIZERS


def persistent_buffer(call: cst.Call) -> bool:
    """`self.register_buffer(name, value[, persistent])` that torch saves in the state dict."""
    positional = [a.value for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    persistent = keywords.get("persistent", positional[2] if len(positional) > 2 else None)
    return persistent is None or dotted(persistent) == "True"


def saved_buffer_value(call: cst.Call, imports: ImportTable) -> cst.Call | None:
    """`self.register_buffer("final_logits_bias", torch.zeros((1, n)))`, persistent (torch saves it, so
    from_pretrained must find a TF weight for it): its value, else None."""
    if not persistent_buffer(call):
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    value = keywords.get("tensor", positional[1] if len(positional) > 1 else None)
    if isinstance(value, cst.Call) and imports.resolve(value.func) in SAVED_BUFFER_CREATORS:
        return value
    return None


def _self_attr(target: cst.BaseExpression) -> str | None:
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
        return target.attr.value
    return None


def _read_init(cls: ClassInfo, info: ModuleInfo) -> None:
    init = cls.method("__init__")
    if init is None:
        return
    cls.init = init
    cls.init_params = _params(init)
    # a parameter called in `self.x = param(...)` is a layer class passed in (`norm_layer=nn.LayerNorm`,
    # swin's `downsample`), unless its default says otherwise
    cls.layer_params = {
        p.name.value
        for p in (*init.params.params, *init.params.kwonly_params)
        if p.name.value not in ("self", "config")
        and (
            p.default is None
            or is_layer_class(p.default, info)
            or (isinstance(p.default, cst.Name) and p.default.value == "None")
        )
    }

    def walk(
        statements: Sequence[cst.BaseStatement], optional: bool, condition: cst.BaseExpression | None = None
    ) -> None:
        """`condition`: when the statements run, through nested `if`/`elif`/`else` (None when not known)."""
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    _read_small_statement(small, cls, info, optional, condition)
            elif isinstance(statement, cst.If):
                known = not optional or condition is not None  # under a loop or an unknown branch: not known
                earlier: list[cst.BaseExpression] = []  # the tests of the chain's branches before this one
                branch: cst.If | cst.Else | None = statement
                while branch is not None:
                    test = branch.test if isinstance(branch, cst.If) else None
                    parts = [*([condition] if condition is not None else []), *map(_negated, earlier)]
                    parts += [_grouped(test)] if test is not None else []
                    walk(branch.body.body, True, _all_of(parts) if known else None)  # type: ignore[arg-type]
                    if test is not None:
                        earlier.append(test)
                    branch = branch.orelse if isinstance(branch, cst.If) else None
            elif isinstance(statement, cst.For):
                cls.loop_stack.append(statement)
                walk(statement.body.body, optional)  # type: ignore[arg-type]
                cls.loop_stack.pop()
            elif isinstance(statement, (cst.With, cst.Try)):
                walk(statement.body.body, optional, condition)  # type: ignore[arg-type]

    walk(init.body.body, False)  # type: ignore[arg-type]
    indexed = 0
    for statement in init.body.body:
        attr = indexed_registration(statement)
        value = cls.self_values.get(attr or "")
        if attr is not None and isinstance(value, (cst.List, cst.Tuple)):
            indexed += 1
            # `self.layers = [a, b]`, then `self.add_module(str(i), layer)` for each: torch's `<i>.` weights
            cls.indexed_lists.add(attr)
            items = [classify(e.value, attr, info, cls.init_locals, cls.layer_params) for e in value.elements]
            cls.sublayers[attr] = SubLayer(attr=attr, kind="list", items=[i for i in items if i is not None])
    if indexed and cls.registers_modules:
        # the registrations seen while walking may all be the indexed form (`for i, layer in enumerate(...)`)
        cls.registers_modules = _count_registrations(init) > indexed
    _nested_list_locals(cls, info)
    for statement in cls.node.body.body:  # buffers registered by other methods are attributes too
        if isinstance(statement, cst.FunctionDef) and statement is not init:
            for name in _registered_buffers(statement):
                cls.self_attrs.add(name)
    reserved = KERAS_RESERVED_ATTRIBUTES | (KERAS_MODEL_RESERVED_ATTRIBUTES if cls.role == "model" else frozenset())
    for attr in cls.self_attrs & reserved:
        cls.renamed[attr] = f"{info.model_name}_{attr}"


class _BufferNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        if dotted(node.func) == "self.register_buffer" and node.args:
            name = node.args[0].value
            if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
                self.names.append(name.evaluated_value)


def _registered_buffers(function: cst.FunctionDef) -> list[str]:
    visitor = _BufferNames()
    function.visit(visitor)
    return visitor.names


def _read_small_statement(
    small: cst.BaseSmallStatement,
    cls: ClassInfo,
    info: ModuleInfo,
    optional: bool,
    condition: cst.BaseExpression | None = None,
) -> None:
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        for target in targets:
            tied = dotted(target) or ""
            if tied.startswith("self.") and tied.endswith(".weight") and tied.count(".") == 2:
                sub = cls.sublayers.get(tied.split(".")[1])
                if sub is not None:
                    sub.tied = True
            shared = dotted(small.value) if small.value is not None else None
            if tied.startswith("self.") and tied.endswith(".bias") and tied.count(".") == 2 and shared:
                owner, param = cls.sublayers.get(tied.split(".")[1]), cls.sublayers.get(shared[len("self.") :])
                if (
                    shared.startswith("self.")
                    and shared.count(".") == 1
                    and owner is not None
                    and owner.kind == "Linear"
                    and param is not None
                    and param.kind == "parameter"
                ):
                    cls.bias_ties[owner.attr] = param.attr
            attr = _self_attr(target)
            if attr is not None and small.value is not None:
                cls.self_attrs.add(attr)
                cls.self_values.setdefault(attr, small.value)
                if _is_weight_norm_of(small.value, attr) and attr in cls.sublayers:
                    cls.sublayers[attr].weight_norm = True  # `self.conv = weight_norm(self.conv, ...)`
                    continue
                sub = classify(small.value, attr, info, cls.init_locals, cls.layer_params, cls.local_appends)
                if sub is not None and sub.kind == "dict" and sub.call is not None and len(sub.call.args) == 1:
                    source = sub.call.args[0].value
                    if isinstance(source, cst.Name):
                        cls.dict_locals[source.value] = attr
                if sub is not None and sub.kind == "list" and sub.call is not None and sub.call.args:
                    source = sub.call.args[0].value
                    if isinstance(source, cst.Name):
                        cls.list_locals[source.value] = attr
                if sub is not None and sub.kind == "sequential" and sub.call is not None:
                    starred = sub.call.args[0] if len(sub.call.args) == 1 else None
                    if starred is not None and starred.star == "*" and isinstance(starred.value, cst.Name):
                        # `self.convs = nn.Sequential(*convs)`, `convs` filled by append: items `convs_._<i>`
                        cls.list_locals.setdefault(starred.value.value, attr)
                    for index, arg in enumerate(sub.call.args):
                        if arg.star:
                            break
                        if isinstance(arg.value, cst.Name):
                            cls.item_locals[arg.value.value] = f"{attr}_._{index}"
                if sub is not None:
                    sub.optional = sub.optional or optional
                    if optional and sub.condition is None and attr not in cls.sublayers:
                        sub.condition = condition
                    previous = cls.sublayers.get(attr)
                    # `self.x = A(...)` in one branch, `self.x = None` in another: keep the layer.
                    # `self.x = embed_tokens` in another: a layer passed in (tied weights), built once
                    if previous is None or sub.kind != "other":
                        if previous is not None and previous.kind == "other":
                            sub.tied = True
                        elif previous is not None and previous.has_weights and not sub.has_weights:
                            # `nn.Sequential(norm, conv)` in one branch, `nn.Identity()` in the other: build the
                            # one with weights (build() checks what __init__ made)
                            previous.alternatives.append(sub)
                            previous.optional = previous.optional or sub.optional or optional
                            continue
                        elif previous is not None:
                            sub.alternatives = [previous, *previous.alternatives]
                        cls.sublayers[attr] = sub
                    elif previous.kind != "other":
                        previous.tied = True
            elif (
                isinstance(target, cst.Tuple)
                and isinstance(small.value, cst.Tuple)
                and len(target.elements) == len(small.value.elements)
            ):
                # `num_channels, hidden_size = config.num_channels, config.hidden_size`
                for name, value in zip(target.elements, small.value.elements):
                    if isinstance(name.value, cst.Name):
                        cls.init_locals.setdefault(name.value.value, value.value)
            elif (
                isinstance(target, cst.Tuple)
                and small.value is not None
                and all(isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements)
            ):
                # `frequency_out, time_out = self.get_shape(config)` (AST): each name is its item of the value
                for index, name in enumerate(target.elements):
                    part = cst.Subscript(small.value, [cst.SubscriptElement(cst.Index(cst.Integer(str(index))))])
                    cls.init_locals.setdefault(name.value.value, part)  # type: ignore[attr-defined]
            elif isinstance(target, cst.Name) and small.value is not None:
                if target.value in cls.init_locals and isinstance(small.value, (cst.List, cst.BinaryOperation)):
                    # a list built differently in two branches: keep every candidate item
                    small_value = cst.BinaryOperation(cls.init_locals[target.value], cst.Add(), small.value)
                    cls.init_locals[target.value] = small_value
                elif (
                    target.value in cls.init_locals
                    and target.value not in cls.init_params
                    and _reads(small.value, target.value)
                ):
                    # `size = config.image_size`, then `size = size if isinstance(size, Iterable) else (size, size)`:
                    # the value it ends with, in terms of the first
                    cls.init_locals[target.value] = small.value.visit(
                        _Substitute(target.value, cls.init_locals[target.value])
                    )  # type: ignore[assignment]
                elif isinstance(small.value, cst.Call) and auto_class(info.imports.resolve(small.value.func)):
                    # `backbone = create_model(...)` (timm) in one branch, `backbone = load_backbone(config)` in the
                    # other: the sub-model is the one TF builds
                    cls.init_locals[target.value] = small.value
                else:
                    cls.init_locals.setdefault(target.value, small.value)
            elif (
                isinstance(target, cst.Subscript)
                and isinstance(target.value, cst.Name)
                and isinstance(small.value, cst.Call)
                and isinstance(cls.init_locals.get(target.value.value), cst.Dict)
            ):
                # `norms[stage] = nn.LayerNorm(...)` into a local dict: its layers, if a ModuleDict takes it
                cls.local_appends.setdefault(target.value.value, []).append(small.value)
    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        call = small.value
        func = call.func
        if isinstance(func, cst.Attribute) and _self_attr(func) == "register_buffer" and call.args:
            name = call.args[0].value  # type: ignore[assignment]
            if isinstance(name, cst.SimpleString):
                attr = str(name.evaluated_value)
                cls.self_attrs.add(attr)
                cls.sublayers[attr] = SubLayer(attr=attr, kind="buffer", call=call, optional=optional)
        elif isinstance(func, cst.Attribute) and _self_attr(func) == "add_module" and len(call.args) == 2:
            cls.registers_modules = True
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("append", "add_module")
            and _self_attr(func.value) is not None
            and call.args
        ):
            # `self.layers.add_module(str(i), X(...))` on an empty nn.Sequential: appended, named by its key
            if func.attr.value == "add_module":
                if len(call.args) != 2:
                    return
                call = call.with_changes(args=call.args[1:])
            attr = _self_attr(func.value) or ""
            listed = cls.sublayers.get(attr)
            appended: cst.BaseExpression = call.args[0].value
            local = appended.value if isinstance(appended, cst.Name) and appended.value in cls.init_locals else None
            if local is not None:  # `stage = XStage(...)`, then `self.stages.append(stage)`
                appended = cls.init_locals[local]
            item = classify(appended, attr, info, cls.init_locals, cls.layer_params)
            if item is None and dotted(appended) == "None":
                item = SubLayer(attr=attr, kind="other")  # `self.conv_layers.append(None)` (informer): no layer
            if listed is not None and listed.kind in ("list", "sequential") and item is not None:
                listed.items.append(item)
                cls.append_loops.setdefault(attr, []).append(cls.loop_stack[-1] if cls.loop_stack else None)
                if local is not None and isinstance(appended, cst.Call):
                    _name_local(cls, local, f"{attr}_._{{len(self.{attr})}}")
        elif isinstance(func, cst.Attribute) and func.attr.value == "append" and isinstance(func.value, cst.Name):
            if call.args and not call.args[0].star:
                cls.local_appends.setdefault(func.value.value, []).append(call.args[0].value)
    elif (
        isinstance(small, cst.AugAssign)
        and isinstance(small.operator, cst.AddAssign)
        and isinstance(small.target, cst.Name)
        and isinstance(small.value, (cst.List, cst.Tuple))
    ):
        # `block += [nn.ELU(), XConv(...)]` (mimi's SEANet lists): items appended in order, as `append` does
        for element in small.value.elements:
            if isinstance(element, cst.Element):
                cls.local_appends.setdefault(small.target.value, []).append(element.value)


def _appended_list(value: cst.BaseExpression, info: ModuleInfo) -> str | None:
    """`layers` for an appended `nn.ModuleList(layers)` (or `layers` itself): a local list of layers."""
    if isinstance(value, cst.Call) and torch_nn_name(info.imports.resolve(value.func)) == "ModuleList" and value.args:
        value = value.args[0].value
    return value.value if isinstance(value, cst.Name) else None


def _nested_list_locals(cls: ClassInfo, info: ModuleInfo) -> None:
    """`blocks.append(nn.ModuleList(layers))`, `blocks` a list local: `layers`'s items are named after the index
    `layers` takes in `blocks` (`len(blocks)` while `layers` fills, as it is appended after). A layer made into
    a local first (`layer = X(...)`, then `layers.append(layer)`) is named at its index the same way."""
    pending = list(cls.list_locals)
    while pending:
        outer = pending.pop()
        for value in cls.local_appends.get(outer, []):
            inner = _appended_list(value, info)
            if inner is not None and inner in cls.local_appends and inner not in cls.list_locals:
                cls.list_locals[inner] = f"{cls.list_locals[outer]}_._{{len({outer})}}"
                pending.append(inner)
            elif inner is not None and isinstance(cls.init_locals.get(inner), cst.Call):
                _name_local(cls, inner, f"{cls.list_locals[outer]}_._{{len({outer})}}")


def _name_local(cls: ClassInfo, local: str, name: str) -> None:
    """`local` holds a layer placed at `name` (an f-string body); one appended to two lists is named by neither."""
    if cls.item_locals.setdefault(local, name) != name:
        cls.item_locals[local] = ""


class _Registrations(cst.CSTVisitor):
    def __init__(self) -> None:
        self.count = 0

    def visit_Call(self, node: cst.Call) -> None:
        if dotted(node.func) == "self.add_module":
            self.count += 1


def _count_registrations(init: cst.FunctionDef) -> int:
    """How many `self.add_module(...)` calls `__init__` makes (as written)."""
    visitor = _Registrations()
    init.visit(visitor)
    return visitor.count


def _is_weight_norm_of(value: cst.BaseExpression, attr: str) -> bool:
    return (
        isinstance(value, cst.Call)
        and (dotted(value.func) or "").endswith("weight_norm")
        and bool(value.args)
        and dotted(value.args[0].value) == f"self.{attr}"
    )


# `X._from_config(config)` makes an X from a config (torch also applies the config's dtype and attention choice)
FROM_CONFIG = ("_from_config", "from_config")


def _grouped(test: cst.BaseExpression) -> cst.BaseExpression:
    """A test to join with `and`: parenthesized where `and` would bind into it (`a or b`, `x if c else y`)."""
    if isinstance(test, (cst.BooleanOperation, cst.IfExp, cst.Lambda)) and not test.lpar:
        return test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return test


def _negated(test: cst.BaseExpression) -> cst.BaseExpression:
    return cst.UnaryOperation(cst.Not(), test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))


def _all_of(parts: list[cst.BaseExpression]) -> cst.BaseExpression | None:
    """`a and b and c` (None for no part: always)."""
    if not parts:
        return None
    result = parts[0]
    for part in parts[1:]:
        result = cst.BooleanOperation(result, cst.And(), part)
    return result


def _starred_items(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The items of `nn.Sequential(*value)` that can be read: a list literal, `a + b` of them, and of
    `[x] if cond else []` the longer branch (decision_transformer's `[nn.Linear(...)] + ([nn.Tanh()] if ... else [])`);
    nothing for the rest."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return [e.value for e in value.elements if isinstance(e, cst.Element)]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return _starred_items(value.left) + _starred_items(value.right)
    if isinstance(value, cst.IfExp):
        body, orelse = _starred_items(value.body), _starred_items(value.orelse)
        return body if not orelse else orelse if not body else []
    return []


def module_dict_literal(mapping: cst.BaseExpression) -> cst.BaseExpression:
    """`nn.ModuleDict`'s argument as a dict literal where it is one written otherwise:
    `OrderedDict([("c_fc", ...), ...])` or `dict([...])` (bridgetower) is `{"c_fc": ..., ...}`; else as it is."""
    if not (
        isinstance(mapping, cst.Call)
        and dotted(mapping.func) in ("OrderedDict", "collections.OrderedDict", "dict")
        and len(mapping.args) == 1
        and mapping.args[0].keyword is None
        and isinstance(mapping.args[0].value, (cst.List, cst.Tuple, cst.Dict))
    ):
        return mapping
    pairs = mapping.args[0].value
    if isinstance(pairs, cst.Dict):
        return pairs
    elements = []
    for element in pairs.elements:
        pair = element.value
        if not (isinstance(element, cst.Element) and isinstance(pair, cst.Tuple) and len(pair.elements) == 2):
            return mapping
        elements.append(cst.DictElement(pair.elements[0].value, pair.elements[1].value))
    return cst.Dict(elements)


def classify(
    expr: cst.BaseExpression,
    attr: str,
    info: ModuleInfo,
    local_values: dict[str, cst.BaseExpression] | None = None,
    layer_params: set[str] | frozenset[str] = frozenset(),
    appends: dict[str, list[cst.BaseExpression]] | None = None,
) -> SubLayer | None:
    """What the value assigned to `self.<attr>` in `__init__` is, as far as weights go. `layer_params`: the
    `__init__` parameters that hold a layer class; `appends`: what `__init__` appends to its local lists."""
    if isinstance(expr, cst.IfExp):
        inner = classify(expr.body, attr, info, layer_params=layer_params) or classify(
            expr.orelse, attr, info, layer_params=layer_params
        )
        if inner is not None:
            inner.optional = True
        return inner
    if isinstance(expr, cst.Subscript):
        if info.imports.resolve(expr.value) in ACT2FN_NAMES:
            index = expr.slice[0].slice if len(expr.slice) == 1 else None
            named = isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)
            return SubLayer(attr=attr, kind="activation", weighted_activation=not named or _is_xielu(index))
        return None
    if isinstance(expr, cst.Name) and isinstance((local_values or {}).get(expr.value), cst.Call):
        local = (local_values or {})[expr.value]
        if auto_class(info.imports.resolve(local.func)) is not None:  # type: ignore[attr-defined]
            # `language_model = AutoModel.from_config(...)`, then `self.language_model = language_model`
            return SubLayer(attr=attr, kind="custom", call=local, sub_model=True)  # type: ignore[arg-type]
    if not isinstance(expr, cst.Call):
        return SubLayer(attr=attr, kind="other") if isinstance(expr, cst.Name) and expr.value != "None" else None
    func = expr.func
    # X_ATTENTION_CLASSES[config._attn_implementation](...)
    if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name):
        eager = info.attention_dispatch.get(func.value.value)
        if eager is not None:
            return SubLayer(attr=attr, kind="custom", call=expr, cls=eager)
        if func.value.value in info.layer_tables:  # NORM2FN[config.norm_type](...): one of its layer classes
            return SubLayer(attr=attr, kind="custom", call=expr)
        return None
    if isinstance(func, cst.Name) and func.value in layer_params:  # `norm_layer(dim)`: a layer class passed in
        return SubLayer(attr=attr, kind="custom", call=expr)
    eager = dispatched_class(func, info, local_values or {})
    if eager is not None:  # `attention_class = X_ATTENTION_CLASSES[...]` then `attention_class(...)` (4.46 GPT-2)
        return SubLayer(attr=attr, kind="custom", call=expr, cls=eager)
    chosen = chosen_class(func, info, local_values or {})
    if chosen is not None:  # `ffn_layer_class = XMoe if n > 1 else XMLP` then `ffn_layer_class(config)`
        return SubLayer(attr=attr, kind="custom", call=expr, cls=chosen)
    name = dotted(func)
    if name is not None and name.rpartition(".")[2] in FROM_CONFIG and name.rpartition(".")[0] in info.classes:
        name = name.rpartition(".")[0]  # `XVisionModel._from_config(config.vision_config)`: an XVisionModel
    if name in info.classes:
        if info.classes[name].role in ("layer", "model", "pretrained"):
            return SubLayer(attr=attr, kind="custom", call=expr, cls=name)
        return None
    qualified = info.imports.resolve(func)
    if qualified in GPT2_CONV1D:
        return SubLayer(attr=attr, kind="Conv1D", call=expr)
    if qualified in SEQUENCE_SUMMARY:
        return SubLayer(attr=attr, kind="custom", call=expr)
    if qualified in ACT2FN_NAMES:
        return SubLayer(attr=attr, kind="activation")
    if auto_class(qualified) is not None:  # `AutoModel.from_config(config.text_config)`: a TF model, built as one
        return SubLayer(attr=attr, kind="custom", call=expr, sub_model=True)
    if qualified and qualified.endswith("weight_norm") and expr.args:
        inner = classify(expr.args[0].value, attr, info)
        if inner is not None:
            inner.weight_norm = True
        return inner
    kind = torch_nn_name(qualified)
    if kind is None:
        return None
    if kind == "ModuleList":
        sub = SubLayer(attr=attr, kind="list", call=expr)
        if expr.args:
            sub.items = _list_items(expr.args[0].value, attr, info, local_values or {}, appends or {})
        return sub
    if kind == "ModuleDict":
        # a dict literal of layers: its items in key order (the build pass reads the keys from the call)
        sub = SubLayer(attr=attr, kind="dict", call=expr)
        mapping = module_dict_literal(expr.args[0].value) if len(expr.args) == 1 else None
        if isinstance(mapping, cst.Dict):
            values = [e.value for e in mapping.elements if isinstance(e, cst.DictElement)]
            sub.items = [i or SubLayer(attr=attr, kind="other") for i in (classify(v, attr, info) for v in values)]
        elif isinstance(mapping, cst.Name):  # a local dict filled by key (`norms[stage] = nn.LayerNorm(...)`)
            values = (appends or {}).get(mapping.value, [])
            sub.items = [i or SubLayer(attr=attr, kind="other") for i in (classify(v, attr, info) for v in values)]
        return sub
    if kind == "Sequential":
        parts: list[cst.BaseExpression] = []
        for arg in expr.args:
            if arg.star == "*" and isinstance(arg.value, cst.Name) and (appends or {}).get(arg.value.value):
                parts += list((appends or {})[arg.value.value])  # `nn.Sequential(*convs)`, appended to
                continue
            parts += _starred_items(arg.value) if arg.star == "*" else [arg.value]
        items = [classify(part, attr, info) for part in parts]
        sub = SubLayer(attr=attr, kind="sequential", call=expr, items=[i for i in items if i is not None])
        sub.starred = any(arg.star == "*" for arg in expr.args)
        sub.appended = any(
            arg.star == "*" and isinstance(arg.value, cst.Name) and bool((appends or {}).get(arg.value.value))
            for arg in expr.args
        )
        return sub
    if kind == "Parameter":
        return SubLayer(attr=attr, kind="parameter", call=expr)
    if kind == "Module" and not expr.args:
        # a bare nn.Module() holding layers set as its attributes (TorchModule): weights, built under it
        return SubLayer(attr=attr, kind="custom", call=expr)
    if kind in LAYER_KINDS:
        return SubLayer(attr=attr, kind=kind, call=expr)
    return SubLayer(attr=attr, kind="other", call=expr)


def _is_xielu(index: cst.BaseSlice | None) -> bool:
    return (
        isinstance(index, cst.Index)
        and isinstance(index.value, cst.SimpleString)
        and index.value.evaluated_value in WEIGHTED_ACTIVATIONS
    )


# transformers' `load_backbone(config)`: an AutoBackbone of the config's backbone_config, a sub-model like
# `AutoModel.from_config` (TF: `load_tf_backbone`, snippets/tf_helpers.py)
BACKBONE_LOADERS = frozenset({"transformers.utils.backbone_utils.load_backbone"})


def held_at(local: str, cls: ClassInfo, info: ModuleInfo | None) -> str | None:
    """Where a layer made in a local of `__init__` ends up: `self.<attr>` assigned it, or a layer of the file
    given it keeps it (`backbone = XConvEncoder(config)`, `self.backbone = XConvModel(backbone, ...)`, which sets
    `self.conv_encoder = conv_encoder`: `self.backbone.conv_encoder`)."""
    for attr, value in cls.self_values.items():
        if isinstance(value, cst.Name) and value.value == local:
            return f"self.{attr}"
    if info is None:
        return None
    for attr, value in cls.self_values.items():
        if not isinstance(value, cst.Call) or dotted(value.func) not in info.classes:
            continue
        inner = info.classes[dotted(value.func)]  # type: ignore[index]
        params = [p for p in inner.init_params if p != "self"]
        for position, arg in enumerate(value.args):
            if not (isinstance(arg.value, cst.Name) and arg.value.value == local) or arg.star:
                continue
            param = (
                arg.keyword.value
                if arg.keyword is not None
                else (params[position] if position < len(params) else None)
            )
            kept = next(
                (a for a, v in inner.self_values.items() if isinstance(v, cst.Name) and v.value == param), None
            )
            if kept is not None:
                return f"self.{attr}.{kept}"
    return None


def indexed_registration(statement: cst.CSTNode) -> str | None:
    """`attr` of `for i, layer in enumerate(self.<attr>): self.add_module(str(i), layer)` (a plain list of layers
    registered as an nn.Sequential's would be: weights `<i>.`), else None."""
    if not isinstance(statement, cst.For) or not isinstance(statement.target, cst.Tuple):
        return None
    iterated = statement.iter
    if not (isinstance(iterated, cst.Call) and dotted(iterated.func) == "enumerate" and len(iterated.args) == 1):
        return None
    attr = _self_attr(iterated.args[0].value)
    names = [e.value.value for e in statement.target.elements if isinstance(e.value, cst.Name)]
    body = statement.body.body
    if attr is None or len(names) != 2 or len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return None
    small = body[0].body[0]
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return None
    call = small.value
    if dotted(call.func) != "self.add_module" or len(call.args) != 2:
        return None
    key, layer = call.args[0].value, call.args[1].value
    index_as_str = isinstance(key, cst.Call) and dotted(key.func) == "str" and len(key.args) == 1
    if not index_as_str or not isinstance(key.args[0].value, cst.Name) or key.args[0].value.value != names[0]:  # type: ignore[attr-defined]
        return None
    return attr if isinstance(layer, cst.Name) and layer.value == names[1] else None


def _reads(expr: cst.BaseExpression, name: str) -> bool:
    """Whether `expr` reads the variable `name` (attribute names, `x.name`, are not reads of it)."""

    class Reads(cst.CSTVisitor):
        found = False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            self.found = self.found or node.value == name

    reads = Reads()
    expr.visit(reads)
    return reads.found


class _Substitute(cst.CSTTransformer):
    """Every read of the variable `name` -> `value` (parenthesised)."""

    def __init__(self, name: str, value: cst.BaseExpression) -> None:
        super().__init__()
        self.name = name
        self.value = value

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return True

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)  # `x.name`: the attribute is not the variable

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value != self.name:
            return updated
        if isinstance(self.value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer)):
            return self.value
        return self.value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def layers_passed_in(cls: ClassInfo, info: ModuleInfo) -> set[str]:
    """The `__init__` parameters of `cls` some class of the file passes a layer it made to (`XConvModel(backbone,
    ...)` with `backbone = XConvEncoder(config)`): `cls` keeps it, so its build() builds it."""
    params = [p for p in cls.init_params if p != "self"]
    found: set[str] = set()
    for other in info.classes.values():
        for value in other.self_values.values():
            if not isinstance(value, cst.Call) or dotted(value.func) != cls.name:
                continue
            for position, arg in enumerate(value.args):
                local = other.init_locals.get(arg.value.value) if isinstance(arg.value, cst.Name) else None
                if arg.star or not isinstance(local, cst.Call):
                    continue
                made = dotted(local.func)
                if made not in info.classes and auto_class(info.imports.resolve(local.func)) is None:
                    continue
                if arg.keyword is not None:
                    found.add(arg.keyword.value)
                elif position < len(params):
                    found.add(params[position])
    return found


def auto_class(qualified: str | None) -> str | None:
    """`AutoModel` of `transformers.models.auto.AutoModel.from_config` (any import path into the auto package);
    `AutoBackbone` of `load_backbone`."""
    if qualified in BACKBONE_LOADERS:
        return "AutoBackbone"
    owner, _, method = (qualified or "").rpartition(".")
    module, _, cls = owner.rpartition(".")
    if method == "from_config" and cls.startswith("AutoModel") and module.startswith("transformers.models.auto"):
        return cls
    return None


def dispatched_class(
    func: cst.BaseExpression, info: ModuleInfo, local_values: dict[str, cst.BaseExpression]
) -> str | None:
    """The eager class a local of `__init__` holds when it was assigned from an attention dispatch dict."""
    if not isinstance(func, cst.Name) or func.value not in local_values:
        return None
    value = local_values[func.value]
    if isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
        return info.attention_dispatch.get(value.value.value)
    return None


def chosen_class(
    func: cst.BaseExpression, info: ModuleInfo, local_values: dict[str, cst.BaseExpression]
) -> str | None:
    """The file's layer class a local of `__init__` holds when it was chosen between the file's classes
    (`ffn_layer_class = XSparseMoeBlock if num_experts > 1 else XMLP`, then `ffn_layer_class(config)`: jamba,
    bamba): the first of them (each takes torch's arguments and is named by the attribute it is assigned to)."""
    if not isinstance(func, cst.Name) or func.value not in local_values:
        return None
    value = local_values[func.value]
    options = [value.body, value.orelse] if isinstance(value, cst.IfExp) else [value]
    names = [o.value for o in options if isinstance(o, cst.Name) and o.value != "None"]
    if not names or len(names) != sum(1 for o in options if not (isinstance(o, cst.Name) and o.value == "None")):
        return None
    if not all(n in info.classes and info.classes[n].role == "layer" for n in names):
        return None
    return names[0]


def _list_items(
    expr: cst.BaseExpression,
    attr: str,
    info: ModuleInfo,
    local_values: dict[str, cst.BaseExpression],
    appends: dict[str, list[cst.BaseExpression]],
) -> list[SubLayer]:
    def item(value: cst.BaseExpression) -> SubLayer | None:
        return classify(value, attr, info, local_values, appends=appends)

    if isinstance(expr, cst.Name) and (expr.value in local_values or expr.value in appends):
        # `layers = [...]` (then `layers.append(X(...))`): once, so that a name met again ends the walk
        name = expr.value
        values = {k: v for k, v in local_values.items() if k != name}
        added = {k: v for k, v in appends.items() if k != name}
        items = _list_items(local_values[name], attr, info, values, added) if name in local_values else []
        more = [
            classify(values[v.value], attr, info, values, appends=added)
            if isinstance(v, cst.Name) and v.value in values and v.value not in added
            else classify(v, attr, info, values, appends=added)
            for v in appends.get(name, [])
        ]
        return items + [i for i in more if i is not None]
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _list_items(expr.left, attr, info, local_values, appends) + _list_items(
            expr.right, attr, info, local_values, appends
        )
    if isinstance(expr, cst.ListComp):
        found = item(expr.elt)
        return [found] if found is not None else []
    if isinstance(expr, (cst.List, cst.Tuple)):
        found_items = [item(e.value) for e in expr.elements if isinstance(e, cst.Element)]
        return [i for i in found_items if i is not None]
    return []


def class_attribute(cls: ClassInfo, name: str) -> cst.BaseExpression | None:
    for statement in cls.node.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name) and target.target.value == name:
                            return small.value
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    if small.target.value == name:
                        return small.value if small.value is not None else small.annotation.annotation
    return None


def _find_model_names(info: ModuleInfo) -> None:
    pretrained = [c for c in info.classes.values() if c.role == "pretrained"]
    if not pretrained:
        return
    base = pretrained[0]
    info.pretrained_class = base.name
    info.prefix = base.name[: -len("PreTrainedModel")] if base.name.endswith("PreTrainedModel") else base.name
    for attribute, slot in (("base_model_prefix", "base_model_prefix"), ("main_input_name", "main_input_name")):
        value = class_attribute(base, attribute)
        if isinstance(value, cst.SimpleString):
            setattr(info, slot, value.evaluated_value)
    config = class_attribute(base, "config_class") or class_attribute(base, "config")
    if config is not None:
        info.config_class = dotted(config)
    models = [c for c in info.classes.values() if c.role == "model" and c.name not in info.dropped_classes]
    # The base model: what heads hold as `self.<base_model_prefix>`; else `<Prefix>Model`.
    for cls in models:
        sub = cls.sublayers.get(info.base_model_prefix or "")
        if sub is not None and sub.kind == "custom" and sub.cls in info.classes and sub.cls != cls.name:
            info.base_model_class = sub.cls
            break
    if info.base_model_class is None and f"{info.prefix}Model" in info.classes:
        info.base_model_class = f"{info.prefix}Model"
    # Model classes used as sub-layers of other classes (BartEncoder inside BartModel) become keras layers.
    used_inside = {
        sub.cls
        for c in info.classes.values()
        for sub in _flatten(c.sublayers.values())
        if sub.kind == "custom" and sub.cls is not None
    }
    for cls in models:
        if cls.name in used_inside and cls.name != info.base_model_class and cls.name not in info.public:
            cls.role = "layer"
            cls.serializable = True


def _dunder_all(module: cst.Module) -> set[str]:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if (
                    isinstance(small, cst.Assign)
                    and isinstance(small.targets[0].target, cst.Name)
                    and small.targets[0].target.value == "__all__"
                    and isinstance(small.value, (cst.List, cst.Tuple))
                ):
                    return {
                        str(e.value.evaluated_value)
                        for e in small.value.elements
                        if isinstance(e.value, cst.SimpleString)
                    }
    return set()


def _flatten(subs: Iterable[SubLayer]) -> Iterator[SubLayer]:
    for sub in subs:
        yield sub
        yield from _flatten(sub.items)


def layer_class(
    info: ModuleInfo, node: cst.BaseExpression, cls: ClassInfo | None
) -> ClassInfo | list[ClassInfo] | None:
    """The file's layer class `node` holds (a one-element list: a list of layers of that class), followed
    through sub-layers from `self`; a chain from a name torch code does not type (a loop variable: `block`)
    is followed from its last attribute when every class of the file that has a sub-layer of that name
    makes it of one class."""
    if isinstance(node, cst.Name):
        return cls if node.value == "self" else None
    if isinstance(node, cst.Subscript):
        held = layer_class(info, node.value, cls)
        return held[0] if isinstance(held, list) and held else None
    if not isinstance(node, cst.Attribute):
        return None
    owner = layer_class(info, node.value, cls)
    if isinstance(owner, list):
        return None
    attr = node.attr.value
    owners = [owner] if owner is not None else [c for c in info.classes.values() if attr in c.sublayers]
    found = [_held(info, o, attr) for o in owners]
    if not found or any(h is None for h in found):
        return None
    first = found[0]
    same = all((h[0] is first[0]) if isinstance(h, list) and isinstance(first, list) else h is first for h in found)
    return first if same else None


def _held(info: ModuleInfo, owner: ClassInfo, attr: str) -> ClassInfo | list[ClassInfo] | None:
    sub = owner.sublayers.get(attr)
    if sub is None:
        return None
    if sub.kind == "custom" and sub.cls in info.classes:
        return info.classes[sub.cls]
    if sub.kind == "list" and sub.items:
        classes = {item.cls for item in sub.items if item.kind == "custom"}
        if len(classes) == 1 and all(item.kind == "custom" for item in sub.items):
            (name,) = classes
            return [info.classes[name]] if name in info.classes else None
    return None


def sublayer_at(info: ModuleInfo, node: cst.Attribute, cls: ClassInfo | None) -> SubLayer | None:
    """The sub-layer `node` names (`block.attention.output`: the Linear of the attention class), through
    `layer_class`; from an untyped name, when every class with a sub-layer of that name makes it of one kind."""
    owner = layer_class(info, node.value, cls)
    if isinstance(owner, list):
        return None
    attr = node.attr.value
    owners = [owner] if owner is not None else [c for c in info.classes.values() if attr in c.sublayers]
    subs = [o.sublayers.get(attr) for o in owners]
    if not subs or any(s is None for s in subs):
        return None
    first = subs[0]
    assert first is not None
    return first if all(s is not None and s.kind == first.kind and s.cls == first.cls for s in subs) else None
