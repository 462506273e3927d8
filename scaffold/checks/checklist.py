"""The porting guide's checklist, statically, on a `modeling_tf_<m>.py`: pure (source text in, findings out).

Items 1-5 read the TF file (and, for names, its PyTorch twin); item 2 also reads the files `# Copied from` points
at, through a `lookup(dotted module) -> source | None` the caller gives. Item 6 (registration) is in
`registration.py`. No TensorFlow import: `scaffold check` runs in well under a second.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    line: int  # 0: the file as a whole
    message: str
    warning: bool = False  # shown, but does not fail the item


@dataclass
class Item:
    number: int
    title: str
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0  # how many things the item looked at
    note: str = ""  # why there was nothing to check, or what the count means ("20 left")

    @property
    def ok(self) -> bool:
        return not any(not f.warning for f in self.findings)

    @property
    def applicable(self) -> bool:
        """An item with nothing to check is n/a, never a failure (nor a pass)."""
        return self.checked > 0 or not self.ok


# Keras layers without weights: a port need not build them.
WEIGHTLESS = re.compile(
    r"(Dropout|Activation|ZeroPadding\w*|MaxPool\w*|AveragePool\w*|AvgPool\w*|GlobalAverage\w*|GlobalMax\w*|"
    r"Flatten|Reshape|Permute|ReLU|Softmax|Lambda|Identity|UpSampling\w*)$"
)
# Keras layers that behave differently in training
TRAINING_LAYERS = re.compile(r"(Dropout|BatchNormalization|GaussianNoise|GaussianDropout)$")


def parse_or_none(source: str | None) -> ast.Module | None:
    """A module's tree, or None when there is no file or it does not parse (another file's problem)."""
    try:
        return ast.parse(source) if source is not None else None
    except SyntaxError:
        return None


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def _self_attr(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


@dataclass
class SubLayer:
    attr: str
    kind: str  # the called class, last dotted part (`Dense`, `TFBertLayer`)
    line: int
    name: ast.expr | None  # the name= argument
    is_list: bool


@dataclass
class ClassModel:
    node: ast.ClassDef
    bases: list[str]
    methods: dict[str, ast.FunctionDef]
    sublayers: dict[str, SubLayer]
    weights: bool  # add_weight in build() or __init__


def _call_of(value: ast.expr) -> tuple[ast.Call | None, bool]:
    if isinstance(value, ast.Call):
        return value, False
    if isinstance(value, ast.ListComp) and isinstance(value.elt, ast.Call):
        return value.elt, True
    if isinstance(value, (ast.List, ast.Tuple)) and value.elts and isinstance(value.elts[0], ast.Call):
        return value.elts[0], True
    return None, False


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


class TFModule:
    """The classes of one TF modeling file, with what the checklist needs of each."""

    def __init__(self, source: str):
        """Raises SyntaxError when the file does not parse."""
        self.source = source
        self.tree = ast.parse(source)
        nodes = [n for n in self.tree.body if isinstance(n, ast.ClassDef)]
        in_file = {n.name for n in nodes}
        self.classes: dict[str, ClassModel] = {n.name: self._model(n, in_file) for n in nodes}

    def _model(self, node: ast.ClassDef, in_file: set[str]) -> ClassModel:
        methods = {f.name: f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        sublayers: dict[str, SubLayer] = {}
        init = methods.get("__init__")
        for statement in ast.walk(init) if init else ():
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            attr = _self_attr(statement.targets[0])
            call, is_list = _call_of(statement.value)
            if attr is None or call is None:
                continue
            func = dotted(call.func)
            kind = func.rpartition(".")[2]
            is_layer = "layers." in func or kind.startswith("TF") or kind in in_file
            if is_layer and kind[:1].isupper() and attr not in sublayers:
                name = _keyword(call, "name")
                line = name.lineno if name is not None else statement.lineno  # where a fix goes
                sublayers[attr] = SubLayer(attr, kind, line, name, is_list)
        weights = any(
            isinstance(n, ast.Attribute) and n.attr == "add_weight" for f in methods.values() for n in ast.walk(f)
        )
        return ClassModel(node, [dotted(b) for b in node.bases], methods, sublayers, weights)

    # -- relations between classes -----------------------------------------------------------------------------

    def method(self, class_name: str, method: str, seen: frozenset = frozenset()) -> ast.FunctionDef | None:
        """A method as the class resolves it, through in-file bases."""
        model = self.classes.get(class_name)
        if model is None or class_name in seen:
            return None
        if method in model.methods:
            return model.methods[method]
        for base in model.bases:
            found = self.method(base.rpartition(".")[2], method, seen | {class_name})
            if found is not None:
                return found
        return None

    def training_index(self, kind: str) -> int | None:
        """Where a layer class takes `training` in its call (positional index after inputs), or None."""
        if TRAINING_LAYERS.search(kind):
            return 1
        call = self.method(kind, "call")
        if call is None:
            return None
        names = [a.arg for a in call.args.args[1:]]
        if "training" in names:
            return names.index("training")
        if any(a.arg == "training" for a in call.args.kwonlyargs):
            return 10_000  # keyword only
        return None

    def has_weights(self, kind: str, seen: frozenset = frozenset()) -> bool:
        """Whether a layer of this class owns weights (unknown classes from other modules: assume so)."""
        if WEIGHTLESS.search(kind) or kind in seen:
            return False
        model = self.classes.get(kind)
        if model is None:
            return True
        if model.weights:
            return True
        inherited = any(self.has_weights(b.rpartition(".")[2], seen | {kind}) for b in model.bases)
        own = any(self.has_weights(s.kind, seen | {kind}) for s in model.sublayers.values())
        return own or (inherited and any(b.rpartition(".")[2] in self.classes for b in model.bases))

    def subclasses_of(self, root: str) -> list[str]:
        found = {root}
        changed = True
        while changed:
            changed = False
            for name, model in self.classes.items():
                if name not in found and any(b.rpartition(".")[2] in found for b in model.bases):
                    found.add(name)
                    changed = True
        return [n for n in self.classes if n in found and n != root]

    def pretrained_base(self) -> str | None:
        return next((n for n, m in self.classes.items() if "TFPreTrainedModel" in m.bases), None)

    def main_layers(self) -> list[str]:
        names = [n for n in self.classes if n.endswith("MainLayer")]
        return names or [  # a MainLayer by another name: a plain layer that carries config_class
            n
            for n, m in self.classes.items()
            if any(isinstance(s, ast.Assign) and dotted(s.targets[0]) == "config_class" for s in m.node.body)
            and any(b.endswith("layers.Layer") for b in m.bases)
        ]


# -- item 1: training -------------------------------------------------------------------------------------------


def _passes_training(call: ast.Call, index: int) -> bool:
    if any(k.arg == "training" or k.arg is None for k in call.keywords):  # training= or **kwargs
        return True
    if any(isinstance(a, ast.Starred) for a in call.args):
        return True
    return len(call.args) > index


def _has_param(function: ast.FunctionDef, name: str) -> bool:
    arguments = function.args
    return any(a.arg == name for a in arguments.args + arguments.kwonlyargs + arguments.posonlyargs)


def check_training(module: TFModule) -> Item:
    """A method that receives `training` must hand it to every Dropout/BatchNorm it calls (an error) and to every
    sub-layer whose call takes it (a warning: Keras' call context carries it, but the guide wants it explicit).
    Methods without `training` cannot pass it; Keras' call context decides for them."""
    item = Item(1, "`training` passed to every Dropout and sub-layer call")
    for class_name, model in module.classes.items():
        for method_name, method in model.methods.items():
            if method_name in ("__init__", "build") or not _has_param(method, "training"):
                continue
            loop_layers: dict[str, str] = {}  # loop variable -> the layer class of the list it walks
            for node in ast.walk(method):
                if isinstance(node, (ast.For, ast.comprehension)):
                    lists = [
                        model.sublayers[a]
                        for n in ast.walk(node.iter)
                        if (a := _self_attr(n)) in model.sublayers and model.sublayers[a].is_list
                    ]
                    if lists:
                        for target in ast.walk(node.target):
                            if isinstance(target, ast.Name):
                                loop_layers[target.id] = lists[0].kind
            for node in ast.walk(method):
                if not isinstance(node, ast.Call):
                    continue
                attr = _self_attr(node.func)
                if attr in model.sublayers and not model.sublayers[attr].is_list:
                    kind, shown = model.sublayers[attr].kind, f"self.{attr}"
                elif isinstance(node.func, ast.Name) and node.func.id in loop_layers:
                    kind, shown = loop_layers[node.func.id], node.func.id
                else:
                    continue
                index = module.training_index(kind)
                if index is None:
                    continue
                item.checked += 1
                if not _passes_training(node, index):
                    builtin = TRAINING_LAYERS.search(kind) is not None and kind not in module.classes
                    message = f"{class_name}.{method_name}: {shown}(...) ({kind}) is called without training="
                    if not builtin:
                        message += " (Keras' call context passes it on)"
                    item.findings.append(Finding(node.lineno, message, warning=not builtin))
    return item


# -- item 2: # Copied from --------------------------------------------------------------------------------------

COPIED_FROM = re.compile(r"^(\s*)#\s*Copied from\s+transformers\.(\S+\.\S+)\s*(.*)$")


def _replacements(spec: str) -> list[tuple[str, str]] | None:
    """`with A->B, C->D all-casing` -> [(A, B), (C, D), (a, b), (A_UP, B_UP) ...]; None if unparseable."""
    spec = spec.strip().removeprefix("with").strip()  # utils/check_copies.py reads `A->B` without `with` too
    if not spec:
        return []
    pairs = []
    for part in re.split(r",\s*", spec):
        all_casing = part.endswith(" all-casing")
        part = part.removesuffix(" all-casing").strip()
        if "->" not in part:
            return None
        old, new = (p.strip() for p in part.split("->", 1))
        pairs.append((old, new))
        if all_casing:
            pairs += [(old.lower(), new.lower()), (old.upper(), new.upper())]
    return pairs


def _find_object(tree: ast.Module, path: list[str]) -> ast.AST | None:
    body = tree.body
    node = None
    for part in path:
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == part
            ),
            None,
        )
        if node is None:
            return None
        body = node.body
    return node


def _normalized(node: ast.AST) -> str:
    node = ast.parse(textwrap.dedent(ast.unparse(node))).body[0]
    node.decorator_list = []
    node.name = "_"  # the copy's own name is free (utils/check_copies.py compares what follows it)
    return ast.dump(node, include_attributes=False)


def check_copies(module: TFModule, lookup: Callable[[str], str | None]) -> Item:
    item = Item(2, "every `# Copied from` points to an existing object and its body matches")
    lines = module.source.splitlines()
    defs = {
        n.lineno: n
        for n in ast.walk(module.tree)
        if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    }
    parsed: dict[str, ast.Module | None] = {}
    for number, text in enumerate(lines, start=1):
        match = COPIED_FROM.match(text)
        if not match:
            continue
        item.checked += 1
        target, spec = match.group(2), match.group(3)
        copy = next((defs[n] for n in range(number + 1, number + 30) if n in defs), None)
        if copy is None:
            item.findings.append(Finding(number, f"`# Copied from {target}` is not followed by a class or def"))
            continue
        replacements = _replacements(spec)
        if replacements is None:
            item.findings.append(
                Finding(number, f"cannot read the replacements `{spec}` (expected `with A->B, C->D`)")
            )
            continue
        parts = target.split(".")
        original = None
        for cut in range(len(parts) - 1, 0, -1):  # the longest module prefix that is a file
            module_name = "transformers." + ".".join(parts[:cut])
            if module_name not in parsed:
                parsed[module_name] = parse_or_none(lookup(module_name))
            if parsed[module_name] is not None:
                original = _find_object(parsed[module_name], parts[cut:])
                break
        if original is None:
            item.findings.append(Finding(number, f"transformers.{target} does not exist"))
            continue
        code = ast.unparse(original)  # formatting and comments do not matter to the comparison
        for old, new in replacements:
            code = re.sub(old, new, code)
        try:
            expected = _normalized(ast.parse(textwrap.dedent(code)).body[0])
        except SyntaxError:
            expected = None
        if expected != _normalized(copy):
            item.findings.append(
                Finding(number, f"{copy.name} differs from transformers.{target} after the replacements `{spec}`")
            )
    return item


# -- items 3 and 4: decorators ----------------------------------------------------------------------------------


def _decorated(function: ast.FunctionDef | ast.ClassDef, name: str) -> bool:
    return any(dotted(d.func if isinstance(d, ast.Call) else d).endswith(name) for d in function.decorator_list)


def check_unpack_inputs(module: TFModule) -> Item:
    item = Item(3, "`@unpack_inputs` on `call` of the MainLayer and each model class")
    base = module.pretrained_base()
    for class_name in module.main_layers() + (module.subclasses_of(base) if base else []):
        call = module.classes[class_name].methods.get("call")
        if call is None:
            continue
        item.checked += 1
        if not _decorated(call, "unpack_inputs"):
            item.findings.append(Finding(call.lineno, f"{class_name}.call has no @unpack_inputs"))
    return item


def check_keras_serializable(module: TFModule) -> Item:
    item = Item(4, "`@keras_serializable` on the MainLayer")
    main_layers = module.main_layers()
    if not main_layers:  # composite models (encoder-decoder, dual encoder, rag, ...) wrap others' MainLayers
        item.note = "no TF<X>MainLayer class in this file"
    for class_name in main_layers:
        item.checked += 1
        node = module.classes[class_name].node
        if not _decorated(node, "keras_serializable"):
            item.findings.append(Finding(node.lineno, f"{class_name} has no @keras_serializable"))
    return item


# -- item 5: names and build() ----------------------------------------------------------------------------------


def pytorch_attributes(tree: ast.Module | None) -> dict[str, set[str]]:
    """PyTorch class -> the attribute names its __init__ sets (modules, parameters, buffers)."""
    if tree is None:
        return {}
    attrs: dict[str, set[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        names = attrs.setdefault(node.name, set())
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign):
                names.update(a for t in sub.targets if (a := _self_attr(t)))
            elif isinstance(sub, ast.AnnAssign) and (a := _self_attr(sub.target)):
                names.add(a)
            elif isinstance(sub, ast.Call) and dotted(sub.func).endswith(("register_buffer", "register_parameter")):
                if sub.args and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str):
                    names.add(sub.args[0].value)
    return attrs


def _literal_name(node: ast.expr | None) -> str | None:
    """The fixed part of a name= argument: "query", f"layer_._{i}" -> "layer_._"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value) + "{}"
    return None


def _name_ok(attr: str, name: str, pt_attrs: set[str]) -> bool:
    known = {attr, *pt_attrs}
    mirrored = name.removesuffix("{}").rpartition("___")[2]  # "mlm___cls": TF attribute mlm, PyTorch attribute cls
    parts = [p for p in re.split(r"_\._|\.", mirrored) if p]  # "layer_._{i}", "layers.{i}", "logit_fc_._0"
    if not parts or all(p.isdigit() for p in parts):  # an nn.Sequential item ("0") or the list's own scope
        return True
    # the attribute itself, a path into it ("pred_layer_._proj"), or a prefixed scope ("model.shared")
    return parts[0] in known or parts[-1] in known


def check_names_and_build(module: TFModule, pt_tree: ast.Module | None) -> Item:
    item = Item(5, "each sub-layer's `name=` matches the attribute it mirrors, and `build()` builds it")
    pt_attrs = pytorch_attributes(pt_tree)
    for class_name, model in module.classes.items():
        pt_name = class_name[2:] if class_name.startswith("TF") else class_name
        twin = pt_attrs.get(pt_name) or pt_attrs.get(pt_name.replace("MainLayer", "Model"), set())
        build = model.methods.get("build")
        built = {a for n in ast.walk(build) if (a := _self_attr(n))} if build else set()
        for layer in model.sublayers.values():
            if not module.has_weights(layer.kind):
                continue
            item.checked += 1
            name = _literal_name(layer.name)
            if layer.name is None:
                item.findings.append(Finding(layer.line, f"{class_name}.{layer.attr} ({layer.kind}) has no name="))
            elif name is not None and not _name_ok(layer.attr, name, twin):
                shown = name.replace("{}", "{...}")
                where = f"PyTorch {class_name[2:]} has no such attribute" if twin else "it is not the attribute name"
                item.findings.append(
                    Finding(
                        layer.line, f"{class_name}.{layer.attr} is named '{shown}': {where}; weights will not load"
                    )
                )
            if build is not None and layer.attr not in built:
                item.findings.append(
                    Finding(build.lineno, f"{class_name}.build() does not build self.{layer.attr} ({layer.kind})")
                )
        weighted = [s for s in model.sublayers.values() if module.has_weights(s.kind)]
        own_bases = all(b.rpartition(".")[2] in module.classes or b.endswith("layers.Layer") for b in model.bases)
        if weighted and own_bases and module.method(class_name, "build") is None:
            item.findings.append(
                Finding(model.node.lineno, f"{class_name} has sub-layers with weights but no build()")
            )
    return item


# -- item 9: what the converter left ------------------------------------------------------------------------------

TODO_MARK = re.compile(r"#\s*TODO\(scaffold\):\s*(.*)")


def check_todos(source: str) -> Item:
    """The TODO(scaffold) markers left in the file: a warning each (the port may run, but is not done)."""
    item = Item(9, "TODO(scaffold) markers resolved", checked=1)
    for number, line in enumerate(source.splitlines(), start=1):
        match = TODO_MARK.search(line)
        if match:
            item.findings.append(Finding(number, match.group(1).strip(), warning=True))
    item.note = f"{len(item.findings)} left" if item.findings else "none left"
    return item


def check_modeling(module: TFModule, pt_tree: ast.Module | None, lookup: Callable[[str], str | None]) -> list[Item]:
    """Items 1-5 on a parsed TF file, its PyTorch twin's tree (None: no twin) and a lookup for copy targets."""
    return [
        check_training(module),
        check_copies(module, lookup),
        check_unpack_inputs(module),
        check_keras_serializable(module),
        check_names_and_build(module, pt_tree),
    ]


def public_names(tree: ast.Module | None) -> list[str]:
    """A module's `__all__` (a literal list or tuple of strings), or []."""
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            try:
                return [str(n) for n in ast.literal_eval(node.value)]
            except ValueError:
                return []
    return []
