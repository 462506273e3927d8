"""Text-model twins of snippets/tf_helpers.py against their torch originals: activations PyTorch's ACT2FN has and
TF's lacks, every RoPE type of ROPE_INIT_FUNCTIONS and the dynamic update, and the tensor ops the decoder-only
language models use (same inputs, same values).

Marked `frameworks` (TensorFlow and torch are imported).
"""

import pytest

pytestmark = pytest.mark.frameworks

ATOL = 1e-6


@pytest.fixture(scope="module")
def helpers():
    from scaffold.convert.snippets import tf_helpers

    return tf_helpers


def _close(actual, expected, atol=ATOL):
    import numpy as np

    actual, expected = np.asarray(actual), np.asarray(expected)
    if np.iscomplexobj(actual) or np.iscomplexobj(expected):  # torch.polar: both parts
        actual, expected = np.stack([actual.real, actual.imag]), np.stack([expected.real, expected.imag])
    actual, expected = actual.astype("float64"), expected.astype("float64")
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert np.max(np.abs(actual - expected), initial=0.0) <= atol * max(1.0, float(np.max(np.abs(expected)))), (
        actual,
        expected,
    )


@pytest.mark.parametrize(
    "name",
    [
        "gelu",
        "gelu_new",
        "gelu_pytorch_tanh",
        "gelu_python_tanh",
        "gelu_accurate",
        "gelu_python",
        "laplace",
        "leaky_relu",
        "linear",
        "relu2",
        "relu6",
        "silu",
        "quick_gelu",
    ],
)
def test_torch_activation_matches_torch_act2fn(helpers, name):
    import numpy as np
    import torch
    from transformers.activations import ACT2FN

    x = np.linspace(-8, 8, 97, dtype="float32").reshape(1, 97)
    with torch.no_grad():
        expected = ACT2FN[name](torch.tensor(x)).numpy()
    _close(helpers.torch_activation(name)(helpers.tf.constant(x)), expected)


def test_activations_with_weights_are_layers_and_unknown_ones_raise(helpers):
    assert isinstance(helpers.torch_activation("prelu", name="act_fn"), helpers.TorchPReLU)
    assert isinstance(helpers.torch_activation("xielu", name="act_fn"), helpers.TorchXIELU)
    with pytest.raises(KeyError, match="no_such"):
        helpers.torch_activation("no_such")


def test_prelu_twin_matches_torch_with_its_weight(helpers):
    import numpy as np
    import torch
    from transformers.activations import ACT2FN

    x = np.linspace(-8, 8, 97, dtype="float32").reshape(1, 97)
    torch_prelu = ACT2FN["prelu"]
    tf_prelu = helpers.torch_activation("prelu", name="activation_fn")
    tf_prelu.build(None)
    assert [w.name for w in tf_prelu.weights] == ["weight:0"]  # torch's `activation_fn.weight`
    with torch.no_grad():
        _close(tf_prelu(helpers.tf.constant(x)), torch_prelu(torch.tensor(x)).numpy())  # 0.25 to start
        torch_prelu.weight.fill_(-0.7)
        tf_prelu.weight.assign([-0.7])
        _close(tf_prelu(helpers.tf.constant(x)), torch_prelu(torch.tensor(x)).numpy())


ROPE_CASES = {
    "default": None,
    "linear": {"rope_type": "linear", "factor": 4.0},
    "dynamic": {"rope_type": "dynamic", "factor": 2.0},
    "yarn": {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 16, "beta_fast": 16},
    "yarn_mscale": {"rope_type": "yarn", "factor": 4.0, "mscale": 0.707, "mscale_all_dim": 1.0, "truncate": False},
    "longrope": {"rope_type": "longrope", "short_factor": [1.0, 1.5, 2.0, 3.0], "long_factor": [2.0, 3.0, 4.0, 5.0]},
    "llama3": {
        "rope_type": "llama3",
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8,
    },
}


def _llama_config(rope_scaling, **extra):
    from transformers import LlamaConfig

    config = LlamaConfig(
        hidden_size=32, num_attention_heads=4, max_position_embeddings=32, rope_scaling=rope_scaling, **extra
    )
    return config


@pytest.mark.parametrize("case", sorted(ROPE_CASES))
def test_rope_init_functions_match_torch(helpers, case):
    import torch
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    extra = {"original_max_position_embeddings": 16} if case == "longrope" else {}
    config = _llama_config(ROPE_CASES[case], **extra)
    rope_type = (ROPE_CASES[case] or {}).get("rope_type", "default")
    for seq_len in (None, 8, 40):
        expected, expected_scaling = ROPE_INIT_FUNCTIONS[rope_type](config, torch.device("cpu"), seq_len=seq_len)
        actual, scaling = helpers.ROPE_INIT_FUNCTIONS[rope_type](config, None, seq_len=seq_len)
        _close(actual, expected.numpy())
        assert scaling == pytest.approx(expected_scaling)


@pytest.mark.parametrize("case", ["default", "dynamic", "longrope", "linear"])
def test_rotary_embedding_with_dynamic_update_matches_torch_eagerly_and_traced(helpers, case):
    """The generated rotary layer (llama's forward under the twin decorator) against LlamaRotaryEmbedding, at lengths
    below and past the original maximum, in one model's order of calls (growing, as generation does)."""
    import numpy as np
    import torch
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    tf, keras = helpers.tf, helpers.keras
    extra = {"original_max_position_embeddings": 16} if case == "longrope" else {}
    config = _llama_config(ROPE_CASES[case], **extra)
    torch_rope = LlamaRotaryEmbedding(config)

    class Rotary(keras.layers.Layer):  # what scaffold writes for LlamaRotaryEmbedding (its __init__ and forward)
        def __init__(self, config, **kwargs):
            super().__init__(**kwargs)
            scaling = config.rope_scaling
            self.rope_type = scaling.get("rope_type", scaling.get("type")) if isinstance(scaling, dict) else "default"
            self.max_seq_len_cached = self.original_max_seq_len = config.max_position_embeddings
            self.config = config
            self.rope_init_fn = helpers.ROPE_INIT_FUNCTIONS[self.rope_type]
            self.inv_freq, self.attention_scaling = self.rope_init_fn(config, None)
            self.original_inv_freq = self.inv_freq

        @helpers.dynamic_rope_update
        def call(self, x, position_ids, training=False):
            inv = tf.broadcast_to(
                self.inv_freq[None, :, None], [tf.shape(position_ids)[0], tf.shape(self.inv_freq)[0], 1]
            )
            freqs = tf.transpose(inv @ tf.cast(position_ids[:, None, :], tf.float32), [0, 2, 1])
            emb = tf.concat((freqs, freqs), axis=-1)
            return tf.cos(emb) * self.attention_scaling, tf.sin(emb) * self.attention_scaling

    layer = Rotary(config)
    traced = tf.function(layer.__call__)
    x = np.zeros((1, 4, 8), "float32")
    for length in (6, 20, 40, 48):
        positions = np.arange(length)[None, :]
        with torch.no_grad():
            cos, sin = torch_rope(torch.tensor(x), torch.tensor(positions))
        for run in (layer, traced):
            tf_cos, tf_sin = run(tf.constant(x), tf.constant(positions, dtype=tf.int32))
            _close(tf_cos, cos.numpy(), 1e-5)
            _close(tf_sin, sin.numpy(), 1e-5)


# -- op translations: the converted expression, evaluated, against torch's on the same inputs ---------------------


def _twin(expression, **inputs):
    """`expression` (torch code over `inputs`) as scaffold converts it in a forward body, evaluated in TF, against
    torch's value; both get the same numpy inputs (float64 inputs are given as float32)."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from scaffold.convert.snippets import tf_helpers
    from tests.conftest import translate

    tf_code = translate(expression, *NODE_PASSES, params=", ".join(inputs))
    tf = tf_helpers.tf
    arrays = {
        k: np.asarray(v, dtype="float32" if np.asarray(v).dtype == np.float64 else None) for k, v in inputs.items()
    }
    from transformers.tf_utils import stable_softmax

    tf_namespace = {**vars(tf_helpers), "stable_softmax": stable_softmax}
    tf_namespace.update({k: tf.constant(v) for k, v in arrays.items()})
    import math

    tf_namespace["math"] = math
    torch_namespace = {"torch": torch, "nn": torch.nn, "math": math, **{k: torch.tensor(v) for k, v in arrays.items()}}
    expected = eval(expression, torch_namespace)
    actual = eval(tf_code, tf_namespace)
    return tf_code, actual, expected


def _assert_twin(expression, atol=ATOL, **inputs):
    import numpy as np

    tf_code, actual, expected = _twin(expression, **inputs)
    if isinstance(expected, (tuple, list)):
        assert len(actual) == len(expected), tf_code
        for a, e in zip(actual, expected):
            _close(np.asarray(a), e.numpy(), atol)
    else:
        _close(np.asarray(actual), expected.numpy(), atol)
    return tf_code


X = [[[0.5, -1.0, 2.0], [3.0, 0.25, -4.0]], [[1.5, 2.5, -0.5], [0.0, 7.0, 1.0]]]


@pytest.mark.parametrize(
    "expression",
    [
        "torch.repeat_interleave(x, 2, dim=-1)",
        "torch.repeat_interleave(x, 3)",
        "x.repeat_interleave(2, dim=1)",
        "x.repeat_interleave(2)",
    ],
)
def test_repeat_interleave_matches_torch(expression):
    assert "tf.repeat" in _assert_twin(expression, x=X)


B1 = [[[0.5, -1.0], [2.0, 0.25]], [[1.5, -0.5], [3.0, 1.0]]]
B2 = [[[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]], [[-2.0, 0.0, 1.0], [1.0, 1.5, -1.0]]]
BIAS = [[[float("nan"), 1.0, 2.0], [0.0, 1.0, 2.0]], [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]]
SCORES = [[0.1, 0.9, 0.3, 0.7, 0.5], [0.6, 0.2, 0.8, 0.4, 0.0]]


@pytest.mark.parametrize(
    ("expression", "inputs"),
    [
        ("torch.baddbmm(c, a, b, beta=1.0, alpha=0.5)", {"a": B1, "b": B2, "c": [[[1.0] * 3] * 2] * 2}),
        ("torch.baddbmm(c, a, b, beta=0.0, alpha=2.0)", {"a": B1, "b": B2, "c": BIAS}),  # beta 0 ignores the nan
        ("c.baddbmm(batch1=a, batch2=b, beta=1.0, alpha=0.25)", {"a": B1, "b": B2, "c": [[[1.0] * 3] * 2] * 2}),
        ("torch.topk(x, 2, dim=-1)", {"x": SCORES}),
        ("torch.topk(x, 2, dim=0, largest=False)", {"x": SCORES}),
        ("x.topk(3, dim=-1).indices", {"x": SCORES}),
        ("x.topk(3)[0]", {"x": SCORES}),
        ("x.max(dim=-1)", {"x": SCORES}),
        ("x.max(-1, keepdim=True).indices", {"x": SCORES}),
        ("x.min(0)[1]", {"x": SCORES}),
        ("torch.max(x, dim=1).values", {"x": SCORES}),
        ("torch.max(x, 1)[1]", {"x": SCORES}),
        ("torch.tril(x, -1)", {"x": [[1.0] * 5] * 5}),
        ("torch.triu(x, diagonal=2)", {"x": [[1.0] * 5] * 4}),
        ("x.tril(1)", {"x": [[1.0] * 4] * 4}),
        ("torch.bitwise_xor(m, torch.tril(m, -2))", {"m": [[True] * 4] * 4}),
        ("torch.gather(x, 1, i)", {"x": SCORES, "i": [[0, 4], [3, 3]]}),
        ("torch.all(m)", {"m": [[True, False], [True, True]]}),
        ("torch.any(m, dim=-1)", {"m": [[True, False], [False, False]]}),
        ("torch.mul(x, 2)", {"x": SCORES}),
        ("torch.sub(x, x)", {"x": SCORES}),
        ("torch.ne(i, 3)", {"i": [[0, 4], [3, 3]]}),
        ("torch.greater(x, 0.5)", {"x": SCORES}),
        ("torch.prod(x, dim=-1)", {"x": SCORES}),
        ("x.prod(1)", {"x": SCORES}),
        ("x.unbind(1)", {"x": SCORES}),
        ("torch.unbind(x)", {"x": SCORES}),
        ("torch.cat((x, x))", {"x": SCORES}),
        ("torch.as_tensor([[1, 2], [3, 4]], dtype=torch.long)", {}),
        ("torch.as_tensor(x, dtype=torch.float64)", {"x": SCORES}),
        ("i.prod(-1)", {"i": [[2, 3], [4, 5]]}),
        ("torch.flip(x, dims=[1])", {"x": SCORES}),
        ("torch.clip(x, 0.2, 0.6)", {"x": SCORES}),
        ("torch.polar(x, y)", {"x": SCORES, "y": SCORES}),
        ("nn.functional.softplus(x)", {"x": X}),
        ("nn.functional.softplus(x, beta=2.0)", {"x": X}),
        ("nn.functional.logsigmoid(x)", {"x": X}),
        ("nn.functional.leaky_relu(x, 0.2)", {"x": X}),
        ("nn.functional.glu(x, dim=1)", {"x": [[1.0, -2.0, 0.5, 3.0]]}),
        ("nn.functional.one_hot(i, num_classes=5)", {"i": [[0, 4], [3, 3]]}),
        ("nn.functional.one_hot(i)", {"i": [[0, 4], [3, 3]]}),
        ("nn.functional.normalize(x, dim=-1)", {"x": X}),
        ("nn.functional.normalize(x, p=1.0, dim=1)", {"x": X}),
        ("nn.functional.layer_norm(x, (3,), None, None, 1e-5)", {"x": X}),
        ("nn.functional.layer_norm(x, [3], weight=w, bias=w, eps=1e-6)", {"x": X, "w": [0.5, 2.0, -1.0]}),
        ("torch.squeeze(torch.unsqueeze(x, 1), 1)", {"x": SCORES}),
        ("torch.transpose(torch.reshape(x, (5, 2)), 0, 1)", {"x": SCORES}),
        ("torch.permute(x, (1, 0))", {"x": SCORES}),
        ("torch.concatenate([x, x], dim=0)", {"x": SCORES}),
        ("torch.eye(3, 4)", {}),
        ("x.flatten(0, 1)", {"x": X}),
        ("x.flatten(1, -1)", {"x": X}),
        ("torch.flatten(x, start_dim=0, end_dim=-2)", {"x": X}),
        ("x.flatten()", {"x": X}),
        ("x.T", {"x": SCORES}),
        ("x.t() @ x", {"x": SCORES}),
        ("torch.pow(x, i)", {"x": [[2.0, 3.0]], "i": [[1, 3]]}),
        ("x.cumsum(-1)", {"x": SCORES}),
        ("torch.zeros_like(x).scatter(1, i, 1)", {"x": SCORES, "i": [[0, 4], [3, 2]]}),
        ("x.scatter(0, i, y)", {"x": SCORES, "i": [[1, 0], [0, 1]], "y": [[9.0, 8.0, 7.0], [6.0, 5.0, 4.0]]}),
        ("torch.scatter(x, -1, i, 0.5)", {"x": SCORES, "i": [[1], [2]]}),
        ("nn.functional.linear(x, w)", {"x": X, "w": [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]}),
        ("nn.functional.linear(x, w, b)", {"x": X, "w": [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], "b": [0.5, -0.5]}),
        ("x.cumsum(dim=0)", {"x": SCORES}),
        ("(x > 0.5).nonzero()", {"x": SCORES}),
        ("torch.nonzero(x > 0.5, as_tuple=True)", {"x": SCORES}),
        ("torch.where(x > 0.5)", {"x": SCORES}),
        ("torch.where(x > 0.5, x, 0.0)", {"x": SCORES}),
        ("torch.pow(i, 0.5)", {"i": [[4, 9]]}),
        ("torch.pow(2.0, i)", {"i": [[1, 3]]}),
        ("torch.pow(x, 2)", {"x": X}),
        ("x[..., [-2], :]", {"x": X}),
        ("x[:, [0]]", {"x": X}),
        ("x.norm(p=2, dim=-1, keepdim=True)", {"x": X}),
        ("x.norm(dim=1)", {"x": X}),
        ("x.norm()", {"x": X}),
        ("nn.Softmax(dim=-1)(x)", {"x": X}),
        ("torch.zeros_like(torch.empty(2, 5)) + torch.zeros_like(torch.empty_like(x))", {"x": SCORES}),
        ("torch.masked_fill(x, x > 0.5, 0.0)", {"x": SCORES}),
        ("nn.functional.embedding(i, x)", {"i": [[0, 1], [1, 0]], "x": SCORES}),
        ("torch.arange(5).repeat(2, 1)", {}),
        ("x.repeat(2, 1, 3)", {"x": SCORES}),
        ("torch.full((2, 3), fill_value=0.5)", {}),
        ("torch.acos(x)", {"x": SCORES}),
        ("torch.log2(x + 1.0) / torch.log10(x + 2.0)", {"x": SCORES}),
        # random draws: torch's shapes and ranges (uniform in [0, 1))
        ("(torch.rand(2, 3) < 1.0) & (torch.rand(3) >= 0.0)", {}),
        ("torch.randn(x.size(0), 2, dtype=torch.float64) * 0.0", {"x": SCORES}),
        ("torch.rand(x.shape) * 0.0 + torch.randn(size=(2, 1)) * 0.0", {"x": SCORES}),
        ("torch.clone(x)", {"x": SCORES}),
        ("torch.scalar_tensor(2.0) * x", {"x": SCORES}),
        ("nn.MaxPool1d(kernel_size=2, stride=2)(x)", {"x": X}),
        ("torch.fft.fftn(x, dim=(1, 2)).real", {"x": X}),
        ("torch.fft.fft(x, axis=1).imag", {"x": X}),
        ("torch.fft.fftn(x)", {"x": X}),
        ("torch.logical_and(i, i > 1)", {"i": [[0, 4], [3, 1]]}),
        ("i.logical_not()", {"i": [[0, 4], [3, 1]]}),
        ("x.clamp_min(0.5) + x.clamp_max(0.3)", {"x": SCORES}),
        ("torch.clamp_min(x, 0.4) - torch.clamp_max(x, 0.2)", {"x": SCORES}),
        ("x.clamp_min(x[0, 1])", {"x": SCORES}),
        ("x.gather(dim=-1, index=i)", {"x": SCORES, "i": [[4, 0], [1, 1]]}),
        ("x.gather(0, index=i)", {"x": SCORES, "i": [[1, 0, 1, 0, 0]]}),
        ("x.unfold(dimension=-2, size=1, step=1)", {"x": X}),
        ("x.unfold(1, 2, 1)", {"x": SCORES}),
        ("x.unfold(2, 2, 1).unfold(0, 1, 2)", {"x": X}),
        ("x.unfold(-1, 2, 2)", {"x": SCORES}),
        ("torch.arange(end=4) + torch.arange(1, end=5) + torch.arange(start=2, end=9, step=2)", {}),
        ("torch.arange(0, 8, step=2, dtype=torch.float32)", {}),
        ("(x > 0.2).all(-1, keepdim=True)", {"x": SCORES}),
        ("(x > 0.8).any(dim=0)", {"x": SCORES}),
        ("(x > 0.0).all()", {"x": SCORES}),
        ("x[tuple(torch.nonzero(x > 0.5).t())]", {"x": SCORES}),
    ],
)
def test_text_op_translations_match_torch(expression, inputs):
    import numpy as np

    if (
        "one_hot" in expression
        or "ne(" in expression
        or "gather" in expression
        or "pow" in expression
        or "scatter" in expression
        or "embedding" in expression
        or "logical" in expression
    ):
        inputs = {k: np.asarray(v, dtype="int64") if k == "i" else v for k, v in inputs.items()}
    tf_code = _assert_twin(expression, **inputs)
    assert "torch" not in tf_code.replace("torch_", ""), tf_code


def test_torch_linear_base_takes_torchs_arguments_and_weight_layout(helpers):
    """`class FalconLinear(nn.Linear)` with its own forward (`input @ self.weight.T + self.bias`)."""
    import numpy as np
    import torch

    linear = torch.nn.Linear(3, 4)
    layer = helpers.TorchLinear(3, 4, bias=True, name="dense")
    layer.build(None)
    layer.set_weights([linear.weight.detach().numpy().T, linear.bias.detach().numpy()])
    x = np.asarray(X, dtype="float32")
    _close(layer.weight, linear.weight.detach().numpy())
    with torch.no_grad():
        expected = linear(torch.tensor(x)).numpy()
    _close(x @ helpers.tf.transpose(layer.weight) + layer.bias, expected)
    no_bias = helpers.TorchLinear(3, 4, bias=False)
    no_bias.build(None)
    assert no_bias.bias is None and [w.shape for w in no_bias.weights] == [(3, 4)]


def test_torch_embedding_base_takes_torchs_arguments_and_attributes(helpers):
    """`class ProphetNetPositionalEmbeddings(nn.Embedding)`: `super().__init__(n, d, pad)`, reads `self.padding_idx`
    and calls `super().forward(ids)`; the twin answers torch's attributes and looks rows up as torch does."""
    import numpy as np
    import torch

    for padding_idx, expected_idx in ((1, 1), (-2, 4), (None, None)):
        embedding = torch.nn.Embedding(6, 3, padding_idx)
        layer = helpers.TorchEmbedding(6, 3, padding_idx, name="embed_positions")
        layer.build(None)
        assert [w.name.split("/")[-1] for w in layer.weights] == ["embeddings:0"]
        layer.set_weights([embedding.weight.detach().numpy()])
        assert (layer.padding_idx, layer.num_embeddings, layer.embedding_dim) == (
            embedding.padding_idx,
            embedding.num_embeddings,
            embedding.embedding_dim,
        )
        assert layer.padding_idx == expected_idx
        _close(layer.weight, embedding.weight.detach().numpy())
        ids = np.asarray([[0, 5, 2], [1, 1, 3]])
        with torch.no_grad():
            expected = embedding(torch.tensor(ids)).numpy()
        _close(layer(ids), expected)
    with pytest.raises(NotImplementedError, match="max_norm"):
        helpers.TorchEmbedding(6, 3, max_norm=1.0)


def test_integer_range_division_is_float32_like_torch():
    tf_code, actual, expected = _twin("10000 ** (torch.arange(0, 8, 2, dtype=torch.int64) / 8)")
    assert actual.dtype.name == "float32" and str(expected.dtype) == "torch.float32", tf_code
    _close(actual, expected.numpy())


def test_torch_autograd_function_twin_runs_forward_and_backward_as_torch(helpers):
    """bloom's GeLUFunction & co: `class F(torch.autograd.Function)` becomes `class F(TorchAutogradFunction)` with the
    same static forward/backward bodies; `F.apply` gives forward's value and backward's gradient (a deliberately
    non-analytic one here, so the test fails if autodiff of forward were used instead)."""
    import numpy as np
    import torch

    tf = helpers.tf

    def forward(ctx, x, scale, lib):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * scale

    def backward(ctx, grad, lib):
        (x,) = ctx.saved_tensors
        return 3.0 * grad * x * ctx.scale, None

    class TorchSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            return forward(ctx, x, scale, torch)

        @staticmethod
        def backward(ctx, grad):
            return backward(ctx, grad, torch)

    class TFSquare(helpers.TorchAutogradFunction):
        @staticmethod
        def forward(ctx, x, scale):
            return forward(ctx, x, scale, tf)

        @staticmethod
        def backward(ctx, grad):
            return backward(ctx, grad, tf)

    x = np.asarray([[0.5, -1.0, 2.0]], dtype="float32")
    x_pt = torch.tensor(x, requires_grad=True)
    y_pt = TorchSquare.apply(x_pt, 0.5)
    y_pt.sum().backward()
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        y_tf = TFSquare.apply(x_tf, 0.5)
        total = tf.reduce_sum(y_tf)
    _close(y_tf, y_pt.detach().numpy())
    _close(tape.gradient(total, x_tf), x_pt.grad.numpy())


# -- torch's type promotion in arithmetic (the promotion pass's twins) -----------------------------------------


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (("int64", [1, 2, 3]), ("float32", [0.5, 1.5, 2.5])),  # an integer tensor and a float one: float
        (("int32", [1, 2, 3]), ("float32", 0.5)),  # a 0-d float tensor: its category wins
        (("float32", [1.0, 2.0]), ("float64", 3.0)),  # same category, a 0-d tensor: the dimensioned one's dtype
        (("float16", [1.0, 2.0]), ("float32", [3.0, 4.0])),  # same category, both dimensioned: the wider
        (("bool", [True, False]), ("int64", [3, 4])),
        (("bool", [True, False]), 2.5),  # a Python float and an integer/boolean tensor: float32
        (("int64", [3, 4]), 2),  # a Python int of the tensor's category: the tensor's dtype
        (("float16", [1.0, 2.0]), 2.5),  # a Python float and a float tensor: the tensor's dtype
        (0.5, ("int64", [3, 4])),
    ],
)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_arithmetic_twins_promote_as_torch(helpers, x, y, op):
    import numpy as np
    import torch

    def operand(value, framework):
        if not isinstance(value, tuple):
            return value
        dtype, data = value
        array = np.asarray(data, dtype=dtype)
        return torch.tensor(array) if framework == "torch" else helpers.tf.constant(array)

    if op == "sub" and "bool" in (x[0] if isinstance(x, tuple) else "", y[0] if isinstance(y, tuple) else ""):
        return  # torch refuses to subtract booleans
    expected = getattr(torch, op)(operand(x, "torch"), operand(y, "torch"))
    actual = getattr(helpers, f"torch_{op}")(operand(x, "tf"), operand(y, "tf"))
    # a port's long is int32 (its index dtype): torch's int64 results are int32 or int64 there
    expected_dtype = str(expected.dtype).replace("torch.", "")
    assert actual.dtype.name == expected_dtype or (expected_dtype == "int64" and actual.dtype.name == "int32")
    _close(actual, expected.numpy())


@pytest.mark.parametrize(
    ("expression", "inputs"),
    [
        ("torch.arange(3) * torch.exp(x)", {"x": [0.5, -1.0, 2.0]}),
        ("position_ids * torch.exp(x)", {"x": [0.5, -1.0, 2.0], "position_ids": [[0, 1, 2]]}),
        ("((attention_mask.cumsum(-1) - 1) * attention_mask)[:, None, :] * 0.5", {"attention_mask": [[0, 1, 1]]}),
        ("1.0 - attention_mask", {"attention_mask": [[0, 1, 1]]}),
        ("attention_mask / attention_mask.sum(-1, keepdim=True)", {"attention_mask": [[0, 1, 1]]}),
        ("torch.tensor(2.0) * position_ids", {"position_ids": [[0, 1, 2]]}),
        ("torch.sum(x * x, dim=-1, dtype=torch.float32)", {"x": [0.5, -1.0, 2.0]}),
    ],
)
def test_integer_and_float_arithmetic_promotes_as_torch(expression, inputs):
    """bloom's and mpt's ALiBi, pegasus_x's sinusoidal positions: integer tensors (ranges, ids, masks) mixed with
    float ones, as the promotion pass finds them; the integer inputs are int64, as torch's ids and masks."""
    import numpy as np

    inputs = {k: np.asarray(v, dtype="int64") if k != "x" else v for k, v in inputs.items()}
    tf_code, actual, expected = _twin(expression, **inputs)
    assert str(expected.dtype) == "torch.float32" and actual.dtype.name == "float32", tf_code
    _close(actual, expected.numpy())


@pytest.mark.parametrize(("eps", "affine"), [(None, True), (1e-6, False), (1e-5, True)])
def test_torch_rms_norm_matches_nn_rms_norm(helpers, eps, affine):
    import numpy as np
    import torch

    x = np.random.default_rng(0).normal(size=(2, 3, 8)).astype("float32")
    norm = torch.nn.RMSNorm(8, eps=eps, elementwise_affine=affine)
    layer = helpers.TorchRMSNorm(8, eps=eps, elementwise_affine=affine, name="norm")
    layer.build(None)
    if affine:
        with torch.no_grad():
            norm.weight.copy_(torch.linspace(0.5, 2.0, 8))
        layer.set_weights([norm.weight.detach().numpy()])
        assert layer.weight.name.endswith("weight:0")  # torch's name: it loads from PyTorch
    else:
        assert not layer.weights
    with torch.no_grad():
        expected = norm(torch.tensor(x)).numpy()
    _close(layer(helpers.tf.constant(x)), expected)


def test_torch_xielu_matches_transformers_xielu_fresh_and_loaded(helpers):
    """apertus' activation with weights: the same initial values (torch's bfloat16 ones), the same values for the
    same weights, eagerly and traced; the weights carry torch's names (beta and bias map to each other in TF)."""
    import numpy as np
    import torch
    from transformers.activations import XIELUActivation

    x = np.linspace(-6, 6, 121, dtype="float32").reshape(1, 121)
    torch_act = XIELUActivation()
    layer = helpers.TorchXIELU(name="act_fn")
    layer.build(None)
    fresh = {w.name.split("/")[-1][: -len(":0")]: w.numpy() for w in layer.weights}
    assert sorted(fresh) == ["alpha_n", "alpha_p", "beta", "eps"]
    for name, tensor in torch_act.state_dict().items():
        _close(fresh[name], tensor.float().numpy(), 0.0)
    with torch.no_grad():
        torch_act.alpha_p.copy_(torch.tensor([0.3]))
        torch_act.alpha_n.copy_(torch.tensor([-0.7]))
        expected = torch_act(torch.tensor(x)).numpy()
    layer.alpha_p.assign(torch_act.alpha_p.float().detach().numpy())
    layer.alpha_n.assign(torch_act.alpha_n.float().detach().numpy())
    _close(layer(helpers.tf.constant(x)), expected)
    _close(helpers.tf.function(layer.__call__)(helpers.tf.constant(x)), expected)
    assert helpers.torch_activation("silu", name="act_fn") is not None  # the name matters only to layers


def test_torch_layer_norm_takes_device_dtype_and_a_dropped_bias(helpers):
    """nemotron's `super().__init__(normalized_shape, eps, elementwise_affine, bias, device, dtype)` and its
    `self.weight + 1`; mpt's `norm.bias = None`."""
    import numpy as np
    import torch

    x = np.random.default_rng(1).normal(size=(2, 5)).astype("float32")
    layer = helpers.TorchLayerNorm(5, 1e-5, True, True, None, None, name="norm")
    layer.bias = None
    layer.build(None)
    assert layer.weight is layer.gamma and layer.bias is None and layer.eps == 1e-5
    norm = torch.nn.LayerNorm(5)
    norm.bias = None
    with torch.no_grad():
        norm.weight.copy_(torch.linspace(0.5, 2.0, 5))
        expected = norm(torch.tensor(x)).numpy()
    layer.set_weights([norm.weight.detach().numpy()])
    _close(layer(helpers.tf.constant(x)), expected)


@pytest.mark.parametrize("sliding", [False, True])
def test_causal_mask_twins_take_torchs_or_and_mask_functions(helpers, sliding):
    """t5gemma's encoder: `create_causal_mask(..., or_mask_function=bidirectional_mask_function(attention_mask))`
    and the sliding-window variant with an `and_mask_function`; the TF mask functions are what scaffold writes."""
    import numpy as np
    import torch
    from transformers import Gemma2Config
    from transformers.masking_utils import create_causal_mask, create_sliding_window_causal_mask

    tf = helpers.tf
    config = Gemma2Config(sliding_window=2, _attn_implementation="eager")
    mask = np.asarray([[1, 1, 1, 1, 1], [0, 1, 1, 1, 1]], dtype="int64")
    embeds = np.zeros((2, 5, 4), dtype="float32")

    def torch_bidirectional(attention_mask):
        return lambda b, h, q, kv: attention_mask[b, kv].to(torch.bool)

    def tf_bidirectional(attention_mask):
        return lambda b, h, q, kv: tf.cast(helpers.torch_index(attention_mask, (b, kv)), tf.bool)

    def window(b, h, q, kv):  # the same code in both frameworks
        return (q - 2 < kv) & (kv < q + 2)

    torch_function = create_sliding_window_causal_mask if sliding else create_causal_mask
    tf_function = helpers.create_sliding_window_causal_mask if sliding else helpers.create_causal_mask
    torch_mask, tf_mask = torch.tensor(mask), tf.constant(mask)
    torch_kw = (
        {"or_mask_function": window, "and_mask_function": torch_bidirectional(torch_mask)}
        if sliding
        else {"or_mask_function": torch_bidirectional(torch_mask)}
    )
    tf_kw = (
        {"or_mask_function": window, "and_mask_function": tf_bidirectional(tf_mask)}
        if sliding
        else {"or_mask_function": tf_bidirectional(tf_mask)}
    )
    expected = torch_function(
        config=config,
        input_embeds=torch.tensor(embeds),
        attention_mask=torch_mask,
        cache_position=torch.arange(5),
        past_key_values=None,
        **torch_kw,
    )
    actual = tf_function(config, tf.constant(embeds), tf_mask, tf.range(5), None, **tf_kw)
    expected = torch.where(expected, 0.0, torch.finfo(torch.float32).min) if expected.dtype == torch.bool else expected
    _close(np.asarray(actual) == 0, (expected == 0).numpy(), 0.0)


def test_view_as_complex_and_view_as_real_match_torch_in_complex_rotary_embeddings(helpers):
    """deepseek_v2 / llama4 rotate queries as complex numbers: view_as_complex, a complex product, view_as_real."""
    import numpy as np
    import tensorflow as tf
    import torch

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 8)).astype("float32")
    angle = rng.standard_normal((5, 4)).astype("float32")
    freqs = torch.polar(torch.ones(5, 4), torch.from_numpy(angle))
    expected = torch.view_as_real(torch.view_as_complex(torch.from_numpy(x).reshape(2, 3, 5, 4, 2)) * freqs)
    tf_freqs = tf.complex(tf.math.cos(angle), tf.math.sin(angle))
    actual = helpers.torch_view_as_real(helpers.torch_view_as_complex(tf.reshape(x, (2, 3, 5, 4, 2))) * tf_freqs)
    _close(actual, expected.numpy())


def test_softmax_method_with_a_dtype_casts_first():
    from scaffold.convert import convert_source

    source = (
        "import torch\nfrom torch import nn\n\n\nclass Gate(nn.Module):\n"
        "    def forward(self, logits):\n        return logits.softmax(dim=-1, dtype=torch.float32)\n"
    )
    code = convert_source(source, "gate").code
    assert "stable_softmax(tf.cast(logits, tf.float32), axis=-1)" in code


@pytest.mark.parametrize("dims", [2, (2,), (3, 2), (2, 1, 1, 3)])
def test_tile_matches_torch_for_fewer_equal_and_more_counts_than_dims(helpers, dims):
    import numpy as np
    import torch

    x = np.arange(6, dtype="float32").reshape(2, 3)
    expected = torch.from_numpy(x).tile(dims).numpy()
    _close(helpers.torch_tile(x, dims), expected)


def test_tolist_takes_numpy_arrays_and_tuples_as_torch_code_hands_them(helpers):
    """`np.linspace(0, rate, n).tolist()` (drop-path rates, dinov3_convnext) goes through the same translation."""
    import numpy as np
    import tensorflow as tf

    rates = np.linspace(0, 0.1, 3)
    assert helpers.torch_tolist(rates) == rates.tolist()
    assert helpers.torch_tolist((1, 2)) == [1, 2]
    assert helpers.torch_tolist(tf.constant([[1, 2]])) == [[1, 2]]


@pytest.mark.parametrize(
    "name",
    ["relu", "tan", "atan", "asin", "sinh", "cosh", "log1p", "reciprocal", "neg", "isfinite", "trunc", "expm1"],
)
def test_elementwise_table_entries_match_torch(name):
    """Each `table("torch.<name>", to="tf....")` entry: the TF function it names gives torch's values."""
    import importlib

    import numpy as np
    import torch

    from scaffold.convert.translate import registry

    translator = registry.FUNCTIONS.lookup(f"torch.{name}")
    assert translator is not None
    target = translator.translate.__qualname__.rpartition("-> ")[2].rstrip(")")
    module, _, function = target.rpartition(".")
    tf_function = getattr(importlib.import_module(module.replace("tf.", "tensorflow.", 1)), function)
    x = np.array([-2.5, -0.7, -0.2, 0.3, 0.9, 1.7], dtype="float32")
    if name in ("asin", "log1p"):
        x = x / 3
    if name == "isfinite":
        x = np.array([1.0, np.inf, -np.inf, np.nan], dtype="float32")
    expected = getattr(torch, name)(torch.from_numpy(x)).numpy()
    _close(np.asarray(tf_function(x)), expected.astype("float32") if expected.dtype != bool else expected)


@pytest.mark.parametrize(
    "expression",
    [
        "x.floor()",
        "x.ceil()",
        "x.mul(2)",
        "x.sub(x * 3)",
        "x.clip(-1, 1)",
        "x.abs().log1p()",
        "x.expm1()",
        "x.sign()",
        "x.erf()",
        "x.tan()",
        "x.atan()",
        "x.std()",
        "x.std(dim=1)",
        "x.var(dim=-1, keepdim=True)",
        "torch.std(x, dim=-1, keepdim=True, unbiased=False)",
        "x.var(dim=(0, 2), correction=0)",
        "torch.fft.irfft(torch.fft.rfft(x, n=4, dim=1) * torch.conj(torch.fft.rfft(x, n=4, dim=1)), n=4, dim=1)",
        "torch.fft.irfft(torch.fft.rfft(x, dim=-1))",
        "torch.cosine_similarity(x[:1], x, dim=-1)",
        "nn.functional.cosine_similarity(x, x * 0, dim=1)",
    ],
)
def test_elementwise_and_spread_methods_match_torch(expression):
    """Tensor methods (also the out-of-place twins in-place statements fall back on: `x.floor_()` ->
    `x = x.floor()`), and torch's std / var with Bessel's correction (patchtst, the time-series scalers)."""
    _assert_twin(expression, x=X)


@pytest.mark.parametrize(("start", "end"), [(0, 2), (1, 2), (0, -2), (-3, -1), (2, 2)])
def test_flatten_twin_matches_torch(helpers, start, end):
    import numpy as np
    import torch

    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)
    _close(helpers.torch_flatten(x, start, end), torch.from_numpy(x).flatten(start, end).numpy())


def test_unbind_matches_torch():
    import numpy as np
    import tensorflow as tf
    import torch

    x = np.arange(24, dtype="float32").reshape(3, 2, 4)
    for dim in (0, 1, -1):
        expected = torch.from_numpy(x).unbind(dim)
        actual = tuple(tf.unstack(x, axis=dim))  # what `x.unbind(dim)` becomes (tests/passes/test_text_ops.py)
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            _close(a, e.numpy())


@pytest.mark.parametrize("test_elements", [[2, 5], 5, [[1], [7]]])
def test_isin_matches_torch(helpers, test_elements):
    import numpy as np
    import torch

    elements = np.array([[1, 2, 3], [5, 7, 2]], dtype="int64")
    expected = torch.isin(torch.from_numpy(elements), torch.tensor(test_elements)).numpy()
    actual = helpers.torch_isin(elements, np.array(test_elements)).numpy()
    assert actual.tolist() == expected.tolist()


# -- torch's promotion in comparisons, powers and bitwise operators; state-space helpers ------------------------


@pytest.mark.parametrize(
    ("expression", "inputs"),
    [
        ("attention_mask != 0.0", {"attention_mask": [[0, 1, 1]]}),
        ("torch.arange(3) <= torch.exp(x)", {"x": [0.5, -1.0, 2.0]}),
        ("position_ids == torch.tensor(False)", {"position_ids": [[0, 1, 2]]}),
        ("2.0 ** position_ids", {"position_ids": [[0, 1, 2]]}),
        ("(1 / x.size(-1)) ** torch.arange(3)", {"x": [0.5, -1.0, 2.0]}),
        ("position_ids | (position_ids > 0)", {"position_ids": [[0, 1, 2]]}),
        ("(position_ids > 0) & attention_mask", {"position_ids": [[0, 1, 2]], "attention_mask": [[1, 1, 0]]}),
        ("attention_mask / 2", {"attention_mask": [[0, 1, 3]]}),
        ("torch.log(torch.arange(1, 4))", {}),
        ("torch.exp(-position_ids)", {"position_ids": [[0, 1, 2]]}),
        ("torch.cat([torch.ones(1, 2), attention_mask], dim=1)", {"attention_mask": [[0, 1, 1]]}),
        ("torch.stack([attention_mask.float() * 0.5, attention_mask], dim=0)", {"attention_mask": [[0, 1, 1]]}),
        ("torch.arange(4) * -(math.log(10000.0) / 8)", {}),
        ("torch.arange(3) * max(x.size(-1) / 4, 1.0)", {"x": [0.5, -1.0, 2.0]}),
    ],
)
def test_comparisons_powers_and_bitwise_operators_promote_as_torch(expression, inputs):
    """longt5's `attention_mask != 0.0`, minimax's `base ** torch.arange(n)`, cpmant's int32 context `|` boolean
    masks, mamba2's `torch.log(torch.arange(1, n + 1))`: the integer inputs are int64, as torch's ids and masks."""
    import numpy as np

    inputs = {k: np.asarray(v, dtype="int64") if k != "x" else v for k, v in inputs.items()}
    tf_code, actual, expected = _twin(expression, **inputs)
    expected_dtype = str(expected.dtype).replace("torch.", "")
    assert actual.dtype.name == expected_dtype or (expected_dtype == "int64" and actual.dtype.name == "int32"), (
        tf_code,
        actual.dtype,
        expected.dtype,
    )
    _close(actual, expected.numpy())


@pytest.mark.parametrize(
    ("expression", "inputs"),
    [
        ("nn.functional.pad(x, (4 - x.shape[-1], 0))", {"x": [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]}),  # crops
        ("nn.functional.pad(x, (4 - x.shape[-1], 0))", {"x": [[1.0, 2.0]]}),  # pads
        ("nn.functional.pad(x, (1, -2, -1, 1))", {"x": X}),
        ("nn.functional.pad(x, (2, 1, 1, 0), mode='replicate')", {"x": X}),
        ("nn.functional.pad(x, (2, 1), mode='replicate')", {"x": X}),
        ("nn.functional.pad(x, (2, 1, 1, 0), mode='circular')", {"x": X}),
        ("nn.functional.pad(x, (2, 1, 1, 1), mode='reflect')", {"x": X}),
        ("x[:, :, i]", {"x": X, "i": [2, 0, -1]}),
        ("x[..., i]", {"x": X, "i": [[1, 0], [2, 2]]}),
        ("x.roll(shifts=-1, dims=-1)", {"x": X}),
    ],
)
def test_state_space_helpers_match_torch(expression, inputs):
    """mamba's conv state: `pad(x, (kernel - length, 0))` keeps the last `kernel` steps of a longer sequence,
    `state[:, :, cache_position]` picks steps by an integer tensor, `roll(shifts=-1, dims=-1)`."""
    import numpy as np

    inputs = {k: np.asarray(v, dtype="int64") if k == "i" else v for k, v in inputs.items()}
    _assert_twin(expression, **inputs)


def test_setitem_at_integer_tensor_positions_matches_torch(helpers):
    """MambaCache.update_conv_state: `conv_state[:, :, cache_position] = new_conv_state`."""
    import numpy as np
    import torch

    state = np.arange(24, dtype="float32").reshape(2, 3, 4)
    new = -np.arange(18, dtype="float32").reshape(2, 3, 3)
    position = np.asarray([3, 0, 1])
    expected = torch.tensor(state)
    expected[:, :, torch.tensor(position)] = torch.tensor(new)
    tf = helpers.tf
    actual = helpers.torch_setitem(tf.constant(state), (slice(None), slice(None), tf.constant(position)), new)
    _close(actual, expected.numpy())
    traced = tf.function(lambda s, p: helpers.torch_setitem(s, (slice(None), slice(None), p), new))
    _close(traced(tf.constant(state), tf.constant(position)), expected.numpy())


def test_in_place_statements_and_computed_parameters_match_torch():
    """A layer whose parameter starts as a computed value (`nn.Parameter(torch.log(A))`) and whose forward zeroes
    and copies into a list of states in place: built from the config alone, the weight has torch's shape, dtype
    and initial value; the forward gives torch's numbers and states."""
    import numpy as np
    import torch

    from scaffold.checks.weights import import_generated
    from scaffold.convert import convert_source
    from scaffold.convert.snippets import tf_helpers

    source = """
import torch
from torch import nn


class TinyMixer(nn.Module):
    def __init__(self, config):
        super().__init__()
        A = torch.arange(1, config.state_size + 1, dtype=torch.float32)[None, :]
        A = A.expand(config.intermediate_size, -1).contiguous()
        self.A_log = nn.Parameter(torch.log(A))
        self.states = [torch.ones(2, config.intermediate_size) for _ in range(2)]

    def forward(self, hidden_states, attention_mask):
        self.states[0].zero_()
        self.states[1].copy_(hidden_states.sum(1))
        scaled = hidden_states * attention_mask[:, :, None]
        return scaled @ -torch.exp(self.A_log), self.states[0], self.states[1]
"""

    class Config:
        state_size = 3
        intermediate_size = 4

    namespace: dict = {}
    exec(source, namespace)
    pt = namespace["TinyMixer"](Config())
    converted = convert_source(source, "mamba", format_code=False)
    assert not converted.todos, converted.todos
    layer = import_generated(converted.code, "mamba", suffix="in_place").TFTinyMixer(Config(), name="mixer")
    layer.build(None)
    weight = layer.A_log
    assert tuple(weight.shape) == tuple(pt.A_log.shape) and weight.dtype.name == "float32"
    _close(weight.numpy(), pt.A_log.detach().numpy())
    hidden = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    mask = np.asarray([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype="int64")
    with torch.no_grad():
        expected = pt(torch.tensor(hidden), torch.tensor(mask))
    actual = layer(tf_helpers.tf.constant(hidden), tf_helpers.tf.constant(mask))
    for a, e in zip(actual, expected):
        _close(a, e.numpy())


def test_torch_add_module_names_weights_as_torch_registers_them(helpers):
    # mask2former's pixel decoder / upernet's pyramid pooling: `self.add_module(name, layer)`; the generated build()
    # builds `_torch_modules` under their names
    import torch
    from transformers.modeling_tf_pytorch_utils import convert_tf_weight_name_to_pt_weight_name

    keras, tf = helpers.keras, helpers.tf

    class TorchOwner(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for i in range(2):
                self.add_module(f"adapter_{i + 1}", torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()))

    class TFOwner(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.kept = []
            for i in range(2):
                layer = helpers.TorchSequential(
                    [keras.layers.Dense(3, name="0"), tf.nn.relu], input_shapes=[[None, 2], None], name="kept"
                )
                self.kept.append(layer)
                helpers.torch_add_module(self, f"adapter_{i + 1}", layer)

        def build(self, input_shape=None):
            if self.built:
                return
            self.built = True
            for layer in getattr(self, "_torch_modules", []):
                if not layer.built:
                    with tf.name_scope(layer.name):
                        layer.build(None)

    owner = TFOwner(name="owner")
    with tf.name_scope("model"):
        with tf.name_scope(owner.name):
            owner.build(None)
    names = {convert_tf_weight_name_to_pt_weight_name(w.name, "model/", w.shape)[0] for w in owner.weights}
    assert names == {f"owner.{key}" for key in TorchOwner().state_dict()}
    assert helpers.torch_add_module(owner, "plain", tf.nn.relu) is tf.nn.relu  # a function registers nothing


def test_torch_parameters_before_build_carry_the_dtype_torch_reads(helpers):
    # swinv2's `next(self.continuous_position_bias_mlp.parameters()).dtype` in __init__: float32, as torch's
    import torch

    keras = helpers.keras
    mlp = [keras.layers.Dense(4, name="0"), helpers.tf.nn.relu, keras.layers.Dense(2, name="2")]
    torch_mlp = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    dtype = next(helpers.torch_parameters(mlp)).dtype
    assert dtype == helpers.tf.float32 and str(next(torch_mlp.parameters()).dtype) == "torch.float32"
    for layer, shape in ((mlp[0], [None, 2]), (mlp[2], [None, 4])):
        layer.build(shape)
    weights = list(helpers.torch_parameters(mlp))
    assert [tuple(w.shape) for w in weights] == [tuple(p.shape[::-1]) for p in torch_mlp.parameters()]


def test_torch_get_submodule_follows_torchs_dotted_path(helpers):
    # mimi's encoder: `self.get_submodule(f"layers.{i}.block.1")` on lists of layers
    import torch

    keras = helpers.keras

    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = torch.nn.ModuleList([torch.nn.ELU(), torch.nn.Linear(2, 2)])

    class TFBlock(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = [helpers.tf.nn.elu, keras.layers.Dense(2, name="block_._1")]

    class TFOwner(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.layers_ = [keras.layers.Dense(2, name="layers_._0"), TFBlock(name="layers_._1")]

    torch_owner = torch.nn.Module()
    torch_owner.layers = torch.nn.ModuleList([torch.nn.Linear(2, 2), TorchBlock()])
    owner = TFOwner()
    owner.layers = owner.layers_
    assert type(torch_owner.get_submodule("layers.1.block.1")).__name__ == "Linear"
    found = helpers.torch_get_submodule(owner, "layers.1.block.1")
    assert found is owner.layers_[1].block[1]
    with pytest.raises(AttributeError):
        helpers.torch_get_submodule(owner, "layers.1.missing")


def test_torch_module_container_builds_its_attributes_under_torchs_names(helpers):
    # emu3's VQ-VAE: `down = nn.Module(); down.block = ModuleList(...); down.downsample = ...`, layers made unnamed
    import torch
    from transformers.modeling_tf_pytorch_utils import convert_tf_weight_name_to_pt_weight_name

    keras, tf = helpers.keras, helpers.tf
    torch_down = torch.nn.Module()
    torch_down.block = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.GroupNorm(1, 3)])
    torch_down.downsample = torch.nn.Linear(3, 3)

    down = helpers.TorchModule(name="down_._0")
    down.block = [
        helpers.torch_shaped(keras.layers.Dense(3), [None, 2]),
        helpers.torch_shaped(helpers.TorchGroupNorm(groups=1, epsilon=1e-5, axis=1), [None, 3, None]),
    ]
    down.downsample = helpers.torch_shaped(keras.layers.Dense(3), [None, 3])
    with tf.name_scope("model"):
        with tf.name_scope(down.name):
            down.build(None)
    names = {convert_tf_weight_name_to_pt_weight_name(w.name, "model/", w.shape)[0] for w in down.weights}
    assert names == {f"down.0.{key}" for key in torch_down.state_dict()}


def test_call_sequential_applies_a_list_in_order_or_one_layer_itself(helpers):
    # upernet's `convs`: nn.Sequential(*convs) in one branch, nn.Identity() in the other
    import numpy as np

    keras, tf = helpers.keras, helpers.tf
    x = tf.constant([[1.0, -2.0]])
    _close(helpers.call_sequential([tf.nn.relu, lambda t: t * 2.0], x), np.array([[2.0, 0.0]]))
    _close(helpers.call_sequential(keras.layers.Identity(), x), x.numpy())
