"""`prepare_inputs_for_generation` on every TF class whose PyTorch twin mixes in GenerationMixin.

TF `generate()` refuses a model whose class does not override `prepare_inputs_for_generation`
(`TFPreTrainedModel.can_generate`), and calls it at every step. The method written here hands over to the
`generation_inputs` twin of `snippets/tf_cache.py`, which applies torch's GenerationMixin rules to what this
class's `call` takes (read from its signature at run time, as torch reads `forward`'s): the new tokens only once a
cache exists, position ids from the attention mask, the encoder outputs of an encoder-decoder. Under XLA it also
gives the new tokens' real positions (`cache_position`) to a cache that can write them there: `positional_cache`
says whether every forward of the file that makes a cache takes `cache_position` (see passes/cache.py).

A class whose PyTorch twin defines its own `prepare_inputs_for_generation` keeps that one, converted.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import ClassInfo, ModuleInfo
from ..context import ConvertContext
from ..names import dotted
from .classes import map_classes, method

GENERATION_MIXINS = {"transformers.generation.GenerationMixin", "transformers.generation.utils.GenerationMixin"}
METHOD = '''def prepare_inputs_for_generation(
    self, input_ids, past_key_values=None, attention_mask=None, use_cache=None, **kwargs
):
    """The inputs of one TF `generate()` step, by torch's GenerationMixin rules (see `generation_inputs`)."""
    return generation_inputs(
        self, input_ids, past_key_values, attention_mask, use_cache, positional_cache={positional}, **kwargs
    )
'''


def generates(cls: ClassInfo, info: ModuleInfo, seen: frozenset[str] = frozenset()) -> bool:
    """The class mixes in transformers' GenerationMixin, itself or through a class of the file."""
    for base, node in zip(cls.bases, cls.base_nodes):
        if info.imports.resolve(node) in GENERATION_MIXINS:
            return True
        parent = info.classes.get(base)
        if parent is not None and base not in seen and generates(parent, info, seen | {cls.name}):
            return True
    return False


class _LegacyCacheCalls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.arities: list[int] = []

    def visit_Call(self, node: cst.Call) -> None:
        if dotted(node.func) == "cache_from_legacy":
            self.arities.append(len(node.args))


def positional_cache(module: cst.Module) -> bool:
    """Every forward that turns TF's legacy cache into a cache object also passes `cache_position` to it."""
    calls = _LegacyCacheCalls()
    module.visit(calls)
    return bool(calls.arities) and min(calls.arities) >= 2


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    targets = {ctx.tf_name(c.name) for c in info.classes.values() if c.role == "model" and generates(c, info)}
    if not targets:
        return module
    code = METHOD.format(positional=positional_cache(module))

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        if class_def.name.value not in targets or method(class_def, "prepare_inputs_for_generation") is not None:
            return class_def
        call = method(class_def, "call")
        if call is None:
            return class_def
        body = list(class_def.body.body)
        position = body.index(call) + 1
        body.insert(position, ctx.statement(code))
        return class_def.with_changes(body=class_def.body.with_changes(body=body))

    return map_classes(module, change)
