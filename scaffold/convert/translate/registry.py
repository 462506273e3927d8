"""The registry of torch function and tensor method translators.

A translator is a small function registered for one or more names: qualified torch (or transformers) function
names (`@function("torch.cat", "torch.concat", signature=("tensors", "dim"))`) or tensor method names
(`@method("view", "reshape")`). It receives the call's arguments bound once (`Args`, as `torch_layers.bind`
binds layer constructors) and a `Context`, and returns

- a node: the translation (the call itself, returned as it is, means "right as it is": nothing to mark);
- None: no faithful translation of this form. A torch function is then marked untranslated; a tensor method
  only when registered `tensor_only=True` (other names, `.view()` or `.to()`, may be methods of anything).

What a translation needs (`import tensorflow as tf`, `shape_list`'s import, the `torch_split` twin) follows
from the code it writes with `cx.expr` / `cx.call`, and is scheduled only when the translation is used: no
translator schedules anything by hand. A plain renaming is a one-line `table(...)` entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from ..context import ConvertContext
from ..names import dotted
from ..nodes import arg, clean, code, template
from ..todos import Todo, Todos

# torch keywords that only steer torch (placement, autograd, memory): dropped before translation
DROPPED_KEYWORDS = frozenset({"device", "layout", "pin_memory", "requires_grad", "non_blocking", "memory_format"})


@dataclass
class Args:
    """A call's arguments, bound once. `args`: the arguments (after the receiver for a tensor method), torch's
    device/autograd keywords dropped; `positional` / `keywords`: the two kinds; `a["dim"]` / `a.get("dim")`:
    by the translator's signature, whether passed by position or by keyword."""

    name: str  # the qualified function name, or the method name
    call: cst.Call  # the call as the earlier passes left it (its arguments already translated)
    original: cst.Call  # the call as the PyTorch file has it
    args: list[cst.Arg]
    signature: tuple[str, ...] = ()
    target: cst.BaseExpression | None = None  # a tensor method's receiver

    @cached_property
    def positional(self) -> list[cst.Arg]:
        return [a for a in self.args if a.keyword is None]

    @cached_property
    def keywords(self) -> dict[str, cst.BaseExpression]:
        return {a.keyword.value: a.value for a in self.args if a.keyword is not None}

    @cached_property
    def bound(self) -> dict[str, cst.BaseExpression]:
        bound = {name: a.value for name, a in zip(self.signature, self.positional)}
        bound.update(self.keywords)
        return bound

    def __getitem__(self, name: str) -> cst.BaseExpression:
        return self.bound[name]

    def __contains__(self, name: str) -> bool:
        return name in self.bound

    def get(self, name: str, default: cst.BaseExpression | None = None) -> cst.BaseExpression | None:
        return self.bound.get(name, default)

    @property
    def receiver(self) -> cst.BaseExpression:
        assert self.target is not None, f"{self.name} is not a method call"
        return self.target


@dataclass
class Context:
    """What a translator may use besides its arguments: TF code builders that schedule what the code uses,
    TODOs, and the module's facts."""

    ctx: ConvertContext
    todos: Todos
    pending: set[str] = field(default_factory=set)  # what the translation uses, scheduled if it is used

    def expr(self, code_: str, **nodes: cst.BaseExpression) -> cst.BaseExpression:
        """A fragment of TF code (`{name}` stands for `nodes[name]`)."""
        t = template(code_, tuple(nodes))
        self.pending.update(self.ctx.needs_of(t.names))
        node = t.fill(nodes)
        assert isinstance(node, cst.BaseExpression)
        return node

    def call(self, func: str, *args: cst.Arg | cst.BaseExpression) -> cst.Call:
        """`func(*args)`, a new call (arguments given as nodes or as `cst.Arg`s)."""
        return cst.Call(func=self.expr(func), args=clean(a if isinstance(a, cst.Arg) else cst.Arg(a) for a in args))

    def todo(self, message: str) -> None:
        """A note on the statement: translated, but check this."""
        self.todos.add(Todo(message))

    def untranslated(self, construct: str, message: str) -> None:
        """The statement holds `construct`, which has no faithful TF translation (it raises in a forward body).
        Return the call as it is afterwards."""
        self.todos.add(Todo(message, construct))

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a name or attribute chain the module imports (`nn.functional` -> `torch.nn...`)."""
        return self.ctx.info.imports.resolve(node)

    @property
    def function_name(self) -> str | None:
        return self.ctx.cursor.function_name

    @property
    def class_name(self) -> str | None:
        """The PyTorch name of the class the call is in."""
        return self.ctx.cursor.class_name

    def apply(self) -> None:
        """Schedule what the translation uses (the pass calls this when it takes the translation)."""
        self.ctx.need(*sorted(self.pending))
        self.pending.clear()


Translate = Callable[[Args, Context], cst.BaseExpression | None]


@dataclass(frozen=True)
class Translator:
    names: tuple[str, ...]
    translate: Translate
    signature: tuple[str, ...] = ()
    tensor_only: bool = False  # methods: a form the translator declines is marked untranslated
    match: Callable[[str], bool] | None = None  # functions: a rule over qualified names instead of names

    @property
    def where(self) -> str:
        return f"{self.translate.__module__}.{self.translate.__qualname__}"


class Registry:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.by_name: dict[str, Translator] = {}
        self.rules: list[Translator] = []

    def add(self, translator: Translator) -> None:
        if translator.match is not None:
            self.rules.append(translator)
        for name in translator.names:
            if name in self.by_name:
                raise ValueError(
                    f"{self.kind} {name} is registered twice: {self.by_name[name].where}, {translator.where}"
                )
            self.by_name[name] = translator

    def lookup(self, name: str, qualified: bool = True) -> Translator | None:
        """The translator of `name`; a rule only for a qualified name (a local function is never torch's)."""
        found = self.by_name.get(name)
        if found is None and qualified:
            found = next((t for t in self.rules if t.match is not None and t.match(name)), None)
        return found

    def __iter__(self) -> Iterator[Translator]:
        seen: list[Translator] = []
        for translator in [*self.by_name.values(), *self.rules]:
            if translator not in seen:
                seen.append(translator)
        return iter(seen)


FUNCTIONS = Registry("function")
METHODS = Registry("method")


def function(
    *names: str, signature: Sequence[str] = (), match: Callable[[str], bool] | None = None
) -> Callable[[Translate], Translate]:
    """Register a translator of the torch (or transformers) functions `names` (qualified names), or of every
    qualified name `match` accepts."""

    def register(translate: Translate) -> Translate:
        FUNCTIONS.add(Translator(tuple(names), translate, tuple(signature), match=match))
        return translate

    return register


def method(*names: str, signature: Sequence[str] = (), tensor_only: bool = False) -> Callable[[Translate], Translate]:
    """Register a translator of the tensor methods `names`. `tensor_only`: only torch tensors have a method of
    this name, so a form the translator declines is marked untranslated."""

    def register(translate: Translate) -> Translate:
        METHODS.add(Translator(tuple(names), translate, tuple(signature), tensor_only=tensor_only))
        return translate

    return register


def untranslated_methods(*names: str) -> None:
    """Tensor methods with no translation yet: marked untranslated wherever they are called."""

    def decline(a: Args, cx: Context) -> cst.BaseExpression | None:
        return None

    decline.__qualname__ = f"untranslated_methods({', '.join(names)})"
    METHODS.add(Translator(tuple(names), decline, tensor_only=True))


def renamed_call(cx: Context, tf_name: str, args: list[cst.Arg], renames: dict[str, str] | None = None) -> cst.Call:
    """`tf_name(*args)`, keywords renamed (`dim` -> `axis`)."""
    renames = renames or {}
    renamed = [
        x.with_changes(keyword=cst.Name(renames[x.keyword.value]))
        if x.keyword is not None and x.keyword.value in renames
        else x
        for x in args
    ]
    return cx.call(tf_name, *renamed)


def table(*names: str, to: str, **renames: str) -> None:
    """A torch function whose TF twin takes the same arguments, keywords renamed:
    `table("torch.cat", "torch.concat", to="tf.concat", dim="axis")`."""

    def translate(a: Args, cx: Context) -> cst.BaseExpression:
        return renamed_call(cx, to, a.args, renames)

    translate.__qualname__ = f"table({', '.join(names)} -> {to})"
    FUNCTIONS.add(Translator(tuple(names), translate))


def is_integer(node: cst.BaseExpression) -> bool:
    """A literal dim (`2`, `-1`) rather than a tensor or a shape."""
    return isinstance(node, (cst.Integer, cst.UnaryOperation))


def is_call_of(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Call) and dotted(node.func) == name


__all__ = [
    "DROPPED_KEYWORDS",
    "FUNCTIONS",
    "METHODS",
    "Args",
    "Context",
    "arg",
    "clean",
    "code",
    "function",
    "is_call_of",
    "is_integer",
    "method",
    "renamed_call",
    "table",
    "untranslated_methods",
]
