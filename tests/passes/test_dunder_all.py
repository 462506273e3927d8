from scaffold.convert.passes import dunder_all, main_layer
from tests.conftest import convert_with
from tests.passes.test_main_layer import MODEL


def test_all_names_the_tf_twins_of_the_public_classes_and_the_main_layer():
    code = convert_with(
        MODEL + '\n\n__all__ = ["TinyModel", "TinyPreTrainedModel"]\n', main_layer.apply, dunder_all.apply
    )
    assert code.count("__all__ = ") == 1
    assert code.endswith('__all__ = ["TFTinyMainLayer", "TFTinyModel", "TFTinyPreTrainedModel"]\n')


def test_without_a_torch_all_the_models_are_public():
    code = convert_with(MODEL, main_layer.apply, dunder_all.apply)
    assert code.endswith('__all__ = ["TFTinyMainLayer", "TFTinyModel", "TFTinyPreTrainedModel"]\n')
