from scaffold.convert.passes import decorators, main_layer
from tests.conftest import convert_with
from tests.passes.test_main_layer import MODEL


def test_main_layer_is_keras_serializable_and_calls_unpack_inputs():
    code = convert_with(MODEL, main_layer.apply, decorators.apply)
    main = code[code.index("@keras_serializable") : code.index("class TFTinyModel(")]
    assert main.startswith(
        "@keras_serializable\nclass TFTinyMainLayer(keras.layers.Layer):\n    config_class = TinyConfig"
    )
    assert "    @unpack_inputs\n    def call(" in main
    wrapper = code[code.index("class TFTinyModel(") :]
    assert "    @unpack_inputs\n    def call(" in wrapper


def test_unpack_inputs_goes_below_the_outer_decorators_and_once():
    call = decorators.with_unpack_inputs(
        decorators.with_unpack_inputs(
            __import__("libcst").parse_statement("@check_model_inputs\n@other\ndef call(self, x):\n    pass\n")
        )
    )
    assert decorators.decorator_names(call) == ["check_model_inputs", "unpack_inputs", "other"]


def test_layers_are_left_alone():
    source = "class TinyLayer(nn.Module):\n    def forward(self, x):\n        return x\n"
    assert convert_with(source, decorators.apply) == convert_with(source)
