"""The registry of torch function and tensor method translators, as data."""

import libcst as cst
import pytest

from scaffold.convert.context import ConvertContext, needs_something
from scaffold.convert.nodes import referenced_names
from scaffold.convert.todos import Todos
from scaffold.convert.translate import FUNCTIONS, METHODS, Args, Context, tensor_only_methods
from scaffold.convert.translate.registry import Registry, Translator
from tests.conftest import PRELUDE, context_for


def test_untranslated_tensor_methods_are_derived_from_the_registry():
    assert tensor_only_methods() == {t_name for t in METHODS for t_name in t.names if t.tensor_only}
    # the ones with no translation at all are registered too, so they are marked wherever met
    assert {"scatter", "fill_", "copy_", "narrow"} <= tensor_only_methods()
    assert METHODS.lookup("narrow").translate(None, None) is None
    # names other objects have too are not marked when no translator takes them
    assert not {"view", "to", "size", "float", "items"} & tensor_only_methods()


def test_a_name_is_registered_once():
    registry = Registry("function")
    translator = Translator(("torch.x",), lambda a, cx: None)
    registry.add(translator)
    with pytest.raises(ValueError, match="torch.x is registered twice"):
        registry.add(Translator(("torch.x",), lambda a, cx: None))


def test_rules_apply_to_qualified_names_only():
    assert FUNCTIONS.lookup("transformers.integrations.is_deepspeed_zero3_enabled") is not None
    assert FUNCTIONS.lookup("is_deepspeed_zero3_enabled", qualified=False) is None


def _context() -> ConvertContext:
    return context_for(PRELUDE + "\n\nclass TinyLayer(nn.Module):\n    pass\n")[1]


def _sample_call(name: str, method: bool) -> tuple[cst.Call, list[cst.Arg], cst.BaseExpression | None]:
    target = cst.Name("x") if method else None
    func = cst.Attribute(cst.Name("x"), cst.Name(name)) if method else cst.Name("f")
    args = [cst.Arg(cst.Name("y")), cst.Arg(cst.Integer("1"))]
    return cst.Call(func, args), args, target


def _translations():
    """Every translator on sample calls: no arguments, one tensor, a tensor and a dim."""
    for registry, method in ((FUNCTIONS, False), (METHODS, True)):
        for translator in registry:
            for name in translator.names:
                for count in (0, 1, 2):
                    yield pytest.param(translator, name, method, count, id=f"{name}-{count}")


@pytest.mark.parametrize(("translator", "name", "method", "count"), list(_translations()))
def test_what_a_translation_uses_is_scheduled_when_it_is_taken(translator, name, method, count):
    ctx = _context()
    call, args, target = _sample_call(name, method)
    args = args[:count]
    call = call.with_changes(args=args)
    cx = Context(ctx, Todos())
    try:
        result = translator.translate(Args(name, call, call, args, translator.signature, target), cx)
    except (IndexError, KeyError, AssertionError):
        return  # a form the sample does not fit
    if result is None:
        assert not ctx.imports.needed and not ctx.helpers, "a declined translation schedules nothing"
        return
    cx.apply()
    scheduled = {n for names in ctx.imports.needed.values() for n in names} | ctx.helpers
    written = {n for n in referenced_names(result) if needs_something(n)} - {"x", "y"}
    assert written <= scheduled, f"{translator.where} writes {written - scheduled} without scheduling it"
