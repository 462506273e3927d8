"""Attention and counting twins of snippets/tf_helpers.py against their torch originals (same inputs, same values):
torch.nn.functional.scaled_dot_product_attention with every kind of mask, and torch.histc.

Marked `frameworks` (TensorFlow and torch are imported).
"""

import pytest

pytestmark = pytest.mark.frameworks


@pytest.fixture(scope="module")
def helpers():
    from scaffold.convert.snippets import tf_helpers

    return tf_helpers


def _qkv(query_heads=4, kv_heads=4, length=5, source=7):
    import numpy as np

    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, query_heads, length, 8)).astype("float32")
    k = rng.standard_normal((2, kv_heads, source, 8)).astype("float32")
    v = rng.standard_normal((2, kv_heads, source, 8)).astype("float32")
    return q, k, v


@pytest.mark.parametrize(
    "case",
    ["plain", "causal", "causal_square", "bool_mask", "float_mask", "scale", "gqa"],
)
def test_scaled_dot_product_attention_matches_torch(helpers, case):
    import numpy as np
    import tensorflow as tf
    import torch
    import torch.nn.functional as F

    q, k, v = _qkv(kv_heads=2 if case == "gqa" else 4, source=5 if case == "causal_square" else 7)
    kwargs = {}
    rng = np.random.default_rng(1)
    if case in ("causal", "causal_square"):
        kwargs["is_causal"] = True
    if case == "bool_mask":
        mask = rng.random((2, 1, 5, 7)) > 0.3
        mask[..., 0] = True  # every query keeps a key (torch gives NaN rows otherwise)
        kwargs["attn_mask"] = mask
    if case == "float_mask":
        kwargs["attn_mask"] = rng.standard_normal((2, 1, 5, 7)).astype("float32")
    if case == "scale":
        kwargs["scale"] = 0.3
    if case == "gqa":
        kwargs["enable_gqa"] = True
    torch_kwargs = {n: torch.from_numpy(x) if isinstance(x, np.ndarray) else x for n, x in kwargs.items()}
    expected = F.scaled_dot_product_attention(*map(torch.from_numpy, (q, k, v)), **torch_kwargs).numpy()
    tf_kwargs = {n: tf.constant(x) if isinstance(x, np.ndarray) else x for n, x in kwargs.items()}
    actual = helpers.torch_scaled_dot_product_attention(*map(tf.constant, (q, k, v)), **tf_kwargs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=1e-5)


def test_scaled_dot_product_attention_is_translated():
    from scaffold.convert import convert_source

    source = (
        "import torch.nn.functional as F\nfrom torch import nn\n\n\nclass Pool(nn.Module):\n"
        "    def forward(self, q, k, v):\n        return F.scaled_dot_product_attention(q, k, v, is_causal=True)\n"
    )
    out = convert_source(source, "pool").code
    assert "torch_scaled_dot_product_attention(q, k, v, is_causal=True)" in out
    assert "def torch_scaled_dot_product_attention(" in out
