"""Modern models collect hidden states and attentions with `@check_model_inputs` + `_can_record_outputs`, and
turn outputs into tuples with `@can_return_tuple`: the TF port keeps both, through their TF twins."""

from scaffold.convert import convert_source
from tests.conftest import dedent

PRELUDE = """\
import torch
from torch import nn

from ...modeling_outputs import BaseModelOutput
from ...modeling_utils import PreTrainedModel
from ...utils import can_return_tuple
from ...utils.generic import OutputRecorder, check_model_inputs
from .configuration_tiny import TinyConfig
"""

MODEL = """
class TinyLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states, **kwargs):
        return self.dense(hidden_states)


class TinyAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.q = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states, **kwargs):
        return self.q(hidden_states), None


class TinyPreTrainedModel(PreTrainedModel):
    config: TinyConfig
    base_model_prefix = "tiny"
    _can_record_outputs = {
        "hidden_states": TinyLayer,
        "attentions": OutputRecorder(TinyAttention, index=1, layer_name="attn"),
    }


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.layers = nn.ModuleList([TinyLayer(config) for _ in range(2)])

    @check_model_inputs(tie_last_hidden_states=False)
    def forward(self, input_ids=None, **kwargs):
        hidden_states = input_ids
        for layer in self.layers:
            hidden_states = layer(hidden_states)
        return BaseModelOutput(last_hidden_state=hidden_states)


class TinyForThing(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.tiny = TinyModel(config)

    @can_return_tuple
    def forward(self, input_ids=None, **kwargs):
        return self.tiny(input_ids, **kwargs)
"""


def converted(body: str = MODEL) -> str:
    return convert_source(PRELUDE + "\n\n" + dedent(body), "tiny", format_code=False).code


def test_check_model_inputs_is_kept_above_unpack_inputs_with_its_twin():
    code = converted()
    main_layer = code[code.index("class TFTinyMainLayer") :]
    assert "@check_model_inputs(tie_last_hidden_states=False)\n    @unpack_inputs\n    def call(" in main_layer
    assert "def check_model_inputs(func=None, *, tie_last_hidden_states=True):" in code
    # the twins replace the torch imports (no `from ...utils.generic import ...` left)
    assert "utils.generic import" not in code
    assert "import can_return_tuple" not in code


def test_main_layer_reads_the_recorded_classes_and_takes_output_attentions():
    code = converted()
    main_layer = code[code.index("class TFTinyMainLayer") : code.index("class TFTinyModel(")]
    assert '_can_record_outputs = {\n        "hidden_states": TFTinyLayer,' in main_layer
    assert 'OutputRecorder(TFTinyAttention, index=1, layer_name="attn")' in main_layer
    assert "output_attentions: Optional[bool] = None" in main_layer
    assert "class OutputRecorder:" in code
    # the wrapper model passes the flag on, without the decorator
    wrapper = code[code.index("class TFTinyModel(") : code.index("class TFTinyForThing")]
    assert "output_attentions=output_attentions" in wrapper
    assert "@check_model_inputs" not in wrapper


def test_can_return_tuple_is_kept_above_unpack_inputs():
    code = converted()
    head = code[code.index("class TFTinyForThing") :]
    assert "@can_return_tuple\n    @unpack_inputs\n    def call(" in head
    assert "def can_return_tuple(func):" in code


def test_no_recording_without_the_decorator():
    plain = "\n".join(
        line for line in MODEL.splitlines() if "@check_model_inputs" not in line and "@can_return" not in line
    )
    code = converted(plain)
    assert "def check_model_inputs" not in code
    assert "def can_return_tuple" not in code
    main_layer = code[code.index("class TFTinyMainLayer") : code.index("class TFTinyModel(")]
    assert "_can_record_outputs" not in main_layer
    assert "output_attentions" not in main_layer
