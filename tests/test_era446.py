"""4.46-era constructs against torch (marked `frameworks`): a small module in the form of 4.46 llama's
`pretraining_tp > 1` branches (a Linear's weight split and applied with F.linear), its sequence-classification
heads' `torch.eq(input_ids, pad).int().argmax(-1) - 1` and the shape checks that raise in its eager attentions.
The generated TF layer, given the PyTorch weights, computes PyTorch's values eagerly and traced with unknown
batch and length (where a Python `!=` on a symbolic shape could not run)."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.frameworks

SOURCE = textwrap.dedent(
    """
    import torch
    import torch.nn.functional as F
    from torch import nn


    class TinyMLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
            self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=True)

        def forward(self, x, input_ids):
            slice = self.config.intermediate_size // self.config.pretraining_tp
            up_slices = self.up_proj.weight.split(slice, dim=0)
            up = torch.cat([F.linear(x, up_slices[i]) for i in range(self.config.pretraining_tp)], dim=-1)
            if up.size() != (x.shape[0], x.shape[1], self.config.intermediate_size):
                raise ValueError(f"`up` should be of size {tuple(x.shape[:2])}, but is {up.size()}")
            down = F.linear(up, self.down_proj.weight, self.down_proj.bias)
            last = torch.eq(input_ids, self.config.pad_token_id).int().argmax(-1) - 1
            return down, last
    """
)


def test_pretraining_tp_linear_eq_and_shape_checks_match_torch():
    import numpy as np
    import tensorflow as tf
    import torch
    from transformers import LlamaConfig

    from scaffold.checks.weights import import_generated
    from scaffold.convert import convert_source

    converted = convert_source(SOURCE, "llama")
    assert not converted.todos
    assert "tf.transpose(self.up_proj.kernel)" in converted.code
    assert "tf.debugging.assert_equal(" in converted.code
    config = LlamaConfig(hidden_size=8, intermediate_size=12, pretraining_tp=3, pad_token_id=0)
    torch_namespace: dict = {}
    exec(compile(SOURCE, "<4.46-style module>", "exec"), torch_namespace)
    torch.manual_seed(0)
    pt_layer = torch_namespace["TinyMLP"](config).eval()
    tf_layer = import_generated(converted.code, "llama", suffix="era446").TFTinyMLP(config, name="mlp")
    tf_layer.build()
    tf_layer.up_proj.kernel.assign(pt_layer.up_proj.weight.detach().numpy().T)
    tf_layer.down_proj.kernel.assign(pt_layer.down_proj.weight.detach().numpy().T)
    tf_layer.down_proj.bias.assign(pt_layer.down_proj.bias.detach().numpy())

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 8)).astype("float32")
    ids = np.array([[3, 4, 0, 0, 0], [5, 6, 7, 8, 9]], dtype="int64")  # padded, and no pad (-1: the last)
    with torch.no_grad():
        expected, expected_last = (t.numpy() for t in pt_layer(torch.tensor(x), torch.tensor(ids)))
    traced = tf.function(
        tf_layer.call,
        input_signature=[tf.TensorSpec([None, None, 8], tf.float32), tf.TensorSpec([None, None], tf.int32)],
    )
    for run in (tf_layer.call, traced):
        actual, last = run(tf.constant(x), tf.constant(ids, dtype=tf.int32))
        assert np.abs(actual.numpy() - expected).max() < 1e-5
        assert last.numpy().tolist() == expected_last.tolist() == [1, -1]
