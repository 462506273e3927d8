"""How verify reads a model's outputs for the PyTorch-vs-TF comparison."""

import numpy as np

from scaffold.checks.verify import flatten_outputs


def test_outputs_holding_other_outputs_are_compared_field_by_field():
    """InstructBLIP's model returns its vision, Q-Former and language-model outputs inside one output: each
    tensor of each is compared (before, nothing was: 'no output to compare')."""
    hidden = np.ones((1, 2, 3))
    output = {
        "loss": None,
        "vision_outputs": {"last_hidden_state": hidden, "hidden_states": (hidden, 2 * hidden)},
        "language_model_outputs": {"logits": 3 * hidden, "past_key_values": ((hidden, hidden),)},
    }
    flat = flatten_outputs(output)
    assert sorted(flat) == [
        "language_model_outputs.logits",
        "vision_outputs.hidden_states.0",
        "vision_outputs.hidden_states.1",
        "vision_outputs.last_hidden_state",
    ]
    np.testing.assert_array_equal(flat["language_model_outputs.logits"], 3 * hidden)
