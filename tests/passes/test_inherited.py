from scaffold.convert.passes import inherited
from tests.conftest import convert_with

SOURCE = """
class TinyPreTrainedModel(PreTrainedModel):
    base_model_prefix = "tiny"
    _can_record_outputs = {"attentions": TinyLayer}

    def _update_scale(self, x):
        return self._scale(x) * 2

    def _scale(self, x):
        return x

    def _unused(self, x):
        return x


class TinyEncoder(TinyPreTrainedModel):
    @check_model_inputs
    def forward(self, x):
        return self._update_scale(x)


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.encoder = TinyEncoder(config)

    def forward(self, x):
        return self.encoder(x)
"""


def test_a_layer_made_from_a_pretrained_subclass_gets_the_helpers_it_calls():
    code = convert_with(SOURCE, inherited.apply)
    encoder = code[code.index("class TFTinyEncoder(") : code.index("class TFTinyModel(")]
    assert "def _update_scale(self, x):" in encoder
    assert "def _scale(self, x):" in encoder  # called by a copied helper
    assert "def _unused(" not in encoder
    assert "_can_record_outputs = " in encoder  # it records outputs with @check_model_inputs


def test_nothing_to_copy_no_change():
    source = SOURCE.replace("return self._update_scale(x)", "return x").replace("@check_model_inputs\n    ", "")
    assert convert_with(source, inherited.apply) == convert_with(source)
