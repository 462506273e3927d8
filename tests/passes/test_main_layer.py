from scaffold.convert.passes import main_layer
from tests.conftest import convert_with

MODEL = """
class TinyPreTrainedModel(PreTrainedModel):
    config_class = TinyConfig
    base_model_prefix = "tiny"


class TinyModel(TinyPreTrainedModel):
    \"\"\"The bare Tiny model.\"\"\"

    def __init__(self, config, add_pooling_layer=True):
        super().__init__(config)
        self.dense = nn.Linear(4, 4)

    def forward(self, input_ids, attention_mask=None):
        return self.dense(input_ids)
"""


def test_the_base_model_splits_into_a_main_layer_and_a_wrapper():
    code = convert_with(MODEL, main_layer.apply)
    main = code[code.index("class TFTinyMainLayer(keras.layers.Layer):") : code.index("class TFTinyModel(")]
    assert "super().__init__(**kwargs)" in main
    assert "self.config = config" in main
    assert "self.dense = keras.layers.Dense(" in main
    assert "def call(" in main and "output_hidden_states: Optional[bool] = None" in main
    wrapper = code[code.index("class TFTinyModel(") :]
    assert '"""The bare Tiny model."""' in wrapper
    assert 'self.tiny = TFTinyMainLayer(config, add_pooling_layer=add_pooling_layer, name="tiny")' in wrapper
    assert "outputs = self.tiny(input_ids=input_ids, attention_mask=attention_mask," in wrapper
    assert "self.dense" not in wrapper


def test_no_base_model_no_change():
    source = "class TinyLayer(nn.Module):\n    def forward(self, x):\n        return x\n"
    assert convert_with(source, main_layer.apply) == convert_with(source)


def test_a_base_model_reading_its_config_before_assigning_it_gets_it_first():
    """big_bird: `self.attention_type = self.config.attention_type` comes before `self.config = config`."""
    source = MODEL.replace(
        "        super().__init__(config)\n",
        "        super().__init__(config)\n        self.attention_type = self.config.attention_type\n"
        "        self.config = config\n",
    )
    code = convert_with(source, main_layer.apply)
    main = code[code.index("class TFTinyMainLayer(keras.layers.Layer):") : code.index("class TFTinyModel(")]
    assert (
        "super().__init__(**kwargs)\n        self.config = config\n"
        "        self.attention_type = self.config.attention_type\n        self.config = config\n"
    ) in main
