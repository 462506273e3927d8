from scaffold.convert.passes.training import TrainingPass
from tests.conftest import run_passes

MODULE = """
class TinyLayer(nn.Module):
    def __init__(self, config):
        self.dropout = nn.Dropout(0.1)
        self.dense = nn.Linear(4, 4)


class TinyEncoder(nn.Module):
    def __init__(self, config):
        self.layer = nn.ModuleList([TinyLayer(config) for _ in range(2)])
        self.dropout = nn.Dropout(0.1)
        self.act = nn.GELU()
        self.rate = 0.1

    def forward(self, x):
        for i, layer_module in enumerate(self.layer):
            x = layer_module(x)
        x = self.act(x)
        x = self.feed_forward(x)
        if self.training:
            x = x * 2
        return self.dropout(x)

    def feed_forward(self, x):
        return self.dropout(x)

    def describe(self):
        return self.rate
"""


def test_training_reaches_dropout_list_items_and_helpers():
    code = run_passes(MODULE, TrainingPass)
    assert "x = layer_module(x, training=training)" in code
    assert "return self.dropout(x, training=training)" in code
    assert "x = self.feed_forward(x, training=training)" in code
    assert "def feed_forward(self, x, training: bool = False):" in code
    assert "if training:" in code


def test_no_training_for_activations_plain_layers_and_unrelated_methods():
    code = run_passes(MODULE, TrainingPass)
    assert "x = self.act(x)" in code
    assert "def describe(self):" in code


def test_existing_training_argument_is_kept():
    code = run_passes(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                self.dropout = nn.Dropout(0.1)

            def forward(self, x, training=False):
                return self.dropout(x, training=True)
        """,
        TrainingPass,
    )
    assert "self.dropout(x, training=True)" in code


def test_a_layer_called_by_keyword_only_gets_its_first_argument_passed():
    """keras needs a layer's first `call` argument: `self.encoder(inputs_embeds=x)` passes `input_ids=None`, the
    default torch's forward leaves it at (decision_transformer's GPT-2)."""
    code = run_passes(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                self.dense = nn.Linear(4, 4)

            def forward(self, input_ids=None, inputs_embeds=None):
                return self.dense(inputs_embeds)


        class TinyModel(nn.Module):
            def __init__(self, config):
                self.encoder = TinyEncoder(config)

            def forward(self, x):
                return self.encoder(inputs_embeds=x)
        """,
        TrainingPass,
    )
    assert "self.encoder(input_ids=None, inputs_embeds=x, training=training)" in code
