"""End to end with TensorFlow and torch: converted ports load PyTorch weights and match PyTorch's numbers.

Marked `frameworks` (TensorFlow takes seconds to import); every model is built from a tiny random config.
"""

import pytest

pytestmark = pytest.mark.frameworks

ATOL = 1e-5


@pytest.fixture(scope="module")
def compare():
    from scaffold.checks.compare import compare

    return compare


def test_bert_weights_match_the_hand_written_port_and_load(compare):
    result = compare("bert")
    assert result.generated_names == result.reference_names
    assert result.load.missing == []
    assert result.load.unexpected == result.reference_load.unexpected
    assert result.max_abs_diff < ATOL


def test_gpt2_matches_pytorch(compare):
    result = compare("gpt2")
    assert result.generated_names == result.reference_names
    assert result.load.missing == []
    assert result.max_abs_diff < ATOL


def test_a_wrong_name_leaves_a_weight_missing(compare):
    """The failure the project exists to catch: a sub-layer named unlike its PyTorch attribute."""
    from pathlib import Path

    import transformers

    from scaffold.convert import convert_source

    source = (Path(transformers.__file__).parent / "models/bert/modeling_bert.py").read_text()
    broken = source.replace("self.value = nn.Linear(", "self.values = nn.Linear(", 1).replace(
        "value_layer = self.value(", "value_layer = self.values(", 1
    )
    assert broken != source
    result = compare("bert", source=broken)
    assert any("attention.self.values" in name for name in result.load.missing)
    assert convert_source(broken, "bert").code.count('name="values"') == 1


def test_helpers_match_torch_masks():
    import numpy as np
    import torch
    from transformers.modeling_attn_mask_utils import _prepare_4d_attention_mask, _prepare_4d_causal_attention_mask

    from scaffold.convert.snippets import tf_helpers

    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], dtype="int64")
    embeds = np.zeros((2, 4, 8), dtype="float32")
    pt = _prepare_4d_attention_mask(torch.tensor(mask), torch.float32, tgt_len=4).numpy()
    tf = tf_helpers._prepare_4d_attention_mask(mask, tf_helpers.tf.float32, tgt_len=4).numpy()
    assert np.array_equal(pt, tf)
    pt = _prepare_4d_causal_attention_mask(torch.tensor(mask), (2, 4), torch.tensor(embeds), 0).numpy()
    tf = tf_helpers._prepare_4d_causal_attention_mask(mask, (2, 4), tf_helpers.tf.constant(embeds), 0).numpy()
    assert np.array_equal(pt, tf)


def test_channels_first_conv_matches_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    conv = torch.nn.Conv1d(4, 6, kernel_size=3, padding=1, groups=2)
    x = np.random.default_rng(0).standard_normal((2, 4, 9)).astype("float32")
    layer = tf_helpers.ChannelsFirstConv1D(filters=6, kernel_size=3, groups=2, torch_padding=1)
    layer.build([None, None, 4])
    layer.set_weights([conv.weight.detach().numpy().transpose(2, 1, 0), conv.bias.detach().numpy()])
    with torch.no_grad():
        expected = conv(torch.tensor(x)).numpy()
    assert np.max(np.abs(np.asarray(layer(x)) - expected)) < 1e-5


def test_torch_split_takes_chunk_sizes():
    from scaffold.convert.snippets import tf_helpers

    parts = tf_helpers.torch_split(tf_helpers.tf.zeros([2, 10]), 4, 1)
    assert [p.shape[1] for p in parts] == [4, 4, 2]


def test_channels_first_conv2d_and_pooling_match_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).standard_normal((1, 3, 9, 9)).astype("float32")
    conv = torch.nn.Conv2d(3, 4, kernel_size=3, stride=2, padding=1)
    layer = tf_helpers.ChannelsFirstConv2D(filters=4, kernel_size=3, strides=2, torch_padding=1)
    layer.build([None, None, None, 3])
    layer.set_weights([conv.weight.detach().numpy().transpose(2, 3, 1, 0), conv.bias.detach().numpy()])
    with torch.no_grad():
        assert np.max(np.abs(np.asarray(layer(x)) - conv(torch.tensor(x)).numpy())) < 1e-5
    for tf_pool, pt_pool in (
        (tf_helpers.ChannelsFirstMaxPool2D(pool_size=3, strides=2, torch_padding=1), torch.nn.MaxPool2d(3, 2, 1)),
        (tf_helpers.ChannelsFirstAvgPool2D(pool_size=3, strides=2, torch_padding=1), torch.nn.AvgPool2d(3, 2, 1)),
    ):
        assert np.max(np.abs(np.asarray(tf_pool(x)) - pt_pool(torch.tensor(x)).numpy())) < 1e-6


def test_torch_layer_norm_twin_matches_torch_at_any_rank():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    norm = torch.nn.LayerNorm(6, eps=1e-6)
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    layer = tf_helpers.TorchLayerNorm(6, eps=1e-6)
    layer.build(None)
    layer.set_weights([norm.weight.detach().numpy(), norm.bias.detach().numpy()])
    rng = np.random.default_rng(0)
    for shape in ((2, 6), (2, 3, 6), (2, 3, 4, 6)):
        x = rng.standard_normal(shape).astype("float32")
        with torch.no_grad():
            expected = norm(torch.tensor(x)).numpy()
        assert np.max(np.abs(np.asarray(layer(x)) - expected)) < 1e-5
    no_affine = tf_helpers.TorchLayerNorm([6], elementwise_affine=False)
    no_affine.build(None)
    assert no_affine.weights == []


def test_torch_setitem_matches_torch_item_assignment():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    for key, value in (
        ((slice(None), slice(1, None)), x[:, :-1] * 10),
        ((1, slice(None), 0), -1.0),
        ((Ellipsis, slice(None, None, 2)), 7),
        (x > 10, 0.5),
    ):
        expected = torch.tensor(x)
        expected[torch.tensor(key) if isinstance(key, np.ndarray) else key] = (
            torch.tensor(value) if isinstance(value, np.ndarray) else value
        )
        tf_key = tf_helpers.tf.constant(key) if isinstance(key, np.ndarray) else key
        actual = tf_helpers.torch_setitem(tf_helpers.tf.constant(x), tf_key, value)
        assert np.array_equal(np.asarray(actual), expected.numpy())
    items = [1, 2]
    assert tf_helpers.torch_setitem(items, 0, 5) is items and items == [5, 2]


def test_torch_index_and_meshgrid_match_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    tf = tf_helpers.tf
    table = np.arange(12, dtype="float32").reshape(4, 3)
    rows = np.array([[3, 0], [1, 1]])
    assert np.array_equal(
        np.asarray(tf_helpers.torch_index(tf.constant(table), tf.constant(rows))),
        torch.tensor(table)[torch.tensor(rows)].numpy(),
    )
    mask = table[:, 0] > 2
    assert np.array_equal(
        np.asarray(tf_helpers.torch_index(tf.constant(table), tf.constant(mask))),
        torch.tensor(table)[torch.tensor(mask)].numpy(),
    )
    a, b = np.arange(3), np.arange(4)
    for indexing in ("ij", "xy"):
        expected = torch.meshgrid(torch.tensor(a), torch.tensor(b), indexing=indexing)
        actual = tf_helpers.meshgrid([tf.constant(a), tf.constant(b)], indexing=indexing)
        assert all(np.array_equal(np.asarray(x), y.numpy()) for x, y in zip(actual, expected))


@pytest.mark.parametrize("size", [(14, 10), (3, 4), (9, 13), (7, 5), (2, 2)])
def test_torch_interpolate_matches_torch(size):
    """Every mode to a size: bilinear and bicubic with either align_corners, antialiased too; nearest, nearest-exact
    and area (adaptive average pooling)."""
    import itertools

    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).standard_normal((2, 3, 7, 5)).astype("float32")
    cases = [{"mode": m} for m in ("nearest", "nearest-exact", "area")] + [
        {"mode": m, "align_corners": ac, "antialias": aa}
        for m, ac, aa in itertools.product(("bilinear", "bicubic"), (False, True), (False, True))
    ]
    for kwargs in cases:
        expected = torch.nn.functional.interpolate(torch.tensor(x), size=size, **kwargs).numpy()
        actual = tf_helpers.torch_interpolate(tf_helpers.tf.constant(x), size=size, **kwargs)
        assert np.max(np.abs(np.asarray(actual) - expected)) < 1e-5, kwargs


def test_torch_interpolate_by_scale_factor_and_in_one_dim_matches_torch():
    import numpy as np
    import pytest
    import torch

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 5)).astype("float32")
    for factor in (2, 0.5, 1.5, (2, 3), 0.3):
        for mode, align_corners in (("bilinear", False), ("bicubic", True), ("nearest", None)):
            for recompute in (None, True):
                kwargs = {"scale_factor": factor, "mode": mode, "recompute_scale_factor": recompute}
                if align_corners is not None:
                    kwargs["align_corners"] = align_corners
                expected = torch.nn.functional.interpolate(torch.tensor(x), **kwargs).numpy()
                actual = np.asarray(tf_helpers.torch_interpolate(tf_helpers.tf.constant(x), **kwargs))
                assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-5, kwargs
    line = rng.standard_normal((2, 3, 9)).astype("float32")
    for size in (4, 18):
        expected = torch.nn.functional.interpolate(torch.tensor(line), size=size, mode="linear").numpy()
        actual = tf_helpers.torch_interpolate(tf_helpers.tf.constant(line), size=size, mode="linear")
        assert np.max(np.abs(np.asarray(actual) - expected)) < 1e-5
    with pytest.raises(NotImplementedError):
        tf_helpers.torch_interpolate(tf_helpers.tf.constant(x), size=(4, 4), mode="lanczos")


def test_check_model_inputs_twin_records_what_torch_records():
    """The TF twin of @check_model_inputs collects the same hidden states and attentions, tied or not."""
    import numpy as np
    import torch
    from transformers import PretrainedConfig, PreTrainedModel
    from transformers.modeling_outputs import BaseModelOutput
    from transformers.utils.generic import check_model_inputs as torch_check_model_inputs

    from scaffold.convert.snippets import tf_helpers

    tf, keras = tf_helpers.tf, tf_helpers.keras
    from transformers.modeling_tf_outputs import TFBaseModelOutput

    class PtAttention(torch.nn.Module):
        def forward(self, x):
            return x + 1, x * 0.5

    class PtBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = PtAttention()

        def forward(self, x, **kwargs):
            a, _ = self.attn(x)
            return a * 2

    class TfAttention(keras.layers.Layer):
        def call(self, x):
            return x + 1, x * 0.5

    class TfBlock(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.attn = TfAttention(name="attn")

        def call(self, x, training=False):
            a, _ = self.attn(x)
            return a * 2

    results = {}
    for tie in (True, False):

        class PtModel(PreTrainedModel):
            config_class = PretrainedConfig
            _can_record_outputs = {"hidden_states": PtBlock, "attentions": PtAttention}

            def __init__(self, config):
                super().__init__(config)
                self.blocks = torch.nn.ModuleList([PtBlock() for _ in range(2)])

            @torch_check_model_inputs(tie_last_hidden_states=tie)
            def forward(self, x, **kwargs):
                for block in self.blocks:
                    x = block(x)
                return BaseModelOutput(last_hidden_state=x * 3)

        class TfModel(keras.layers.Layer):
            _can_record_outputs = {"hidden_states": TfBlock, "attentions": TfAttention}

            def __init__(self, config, **kwargs):
                super().__init__(**kwargs)
                self.config = config
                self.blocks = [TfBlock(name=f"blocks_._{i}") for i in range(2)]

            @tf_helpers.check_model_inputs(tie_last_hidden_states=tie)
            def call(self, x, output_hidden_states=None, output_attentions=None, return_dict=None, training=False):
                for block in self.blocks:
                    x = block(x)
                return TFBaseModelOutput(last_hidden_state=x * 3)

        config = PretrainedConfig(output_hidden_states=True, output_attentions=True)
        config._attn_implementation = "eager"
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        with torch.no_grad():
            expected = PtModel(config)(torch.tensor(x))
        tf_model = TfModel(config)
        actual = tf_model(tf.constant(x))
        for key in ("hidden_states", "attentions"):
            assert len(actual[key]) == len(expected[key])
            for a, e in zip(actual[key], expected[key]):
                np.testing.assert_allclose(np.asarray(a), e.numpy())
        results[tie] = actual
        # the flags off: nothing recorded; return_dict=False: a tuple; the layers' calls are restored
        quiet = tf_model(tf.constant(x), output_hidden_states=False, output_attentions=False)
        assert quiet.hidden_states is None and quiet.attentions is None
        assert isinstance(tf_model(tf.constant(x), return_dict=False), tuple)
        assert "call" not in vars(tf_model.blocks[0])
    np.testing.assert_allclose(
        np.asarray(results[True].hidden_states[-1]), np.asarray(results[True].last_hidden_state)
    )
    assert not np.allclose(np.asarray(results[False].hidden_states[-1]), np.asarray(results[False].last_hidden_state))


def test_torch_index_with_several_tensor_indices_matches_torch():
    """`logits[torch.arange(b), last]` (torch's advanced indexing): elements picked, negatives from the end."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    tf = tf_helpers.tf
    x = np.arange(2 * 5 * 3, dtype=np.float32).reshape(2, 5, 3)
    rows, last = np.array([0, 1]), np.array([4, 2])
    for key_np in ((rows, last), (rows, -1), (rows, np.array([-1, 0])), (np.array([[0], [1]]), last)):
        expected = torch.tensor(x)[tuple(torch.tensor(k) if isinstance(k, np.ndarray) else k for k in key_np)]
        key_tf = tuple(tf.constant(k) if isinstance(k, np.ndarray) else k for k in key_np)
        np.testing.assert_array_equal(np.asarray(tf_helpers.torch_index(tf.constant(x), key_tf)), expected.numpy())


def test_boolean_mask_index_unique_consecutive_and_vector_norm_match_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    tf = tf_helpers.tf
    rng = np.random.default_rng(0)
    hidden = rng.standard_normal((2, 5, 3)).astype("float32")
    ids = np.array([[1, 2, 0, 2, 2], [2, 1, 1, 2, 0]])
    mask = ids == 2
    for key_tf, key_pt in (
        ((tf.constant(mask), slice(None)), (torch.tensor(mask), slice(None))),
        ((slice(None), tf.constant(mask[0])), (slice(None), torch.tensor(mask[0]))),
        ((1, slice(None)), (1, slice(None))),
    ):
        assert np.array_equal(
            np.asarray(tf_helpers.torch_index(tf.constant(hidden), key_tf)), torch.tensor(hidden)[key_pt].numpy()
        )
    for values in ([3, 3, 1, 1, 1, 3], [[2, 2], [5, 2]], [4], []):
        expected = torch.unique_consecutive(torch.tensor(values, dtype=torch.int64)).numpy()
        actual = tf_helpers.torch_unique_consecutive(tf.constant(values, dtype=tf.int32))
        assert np.array_equal(np.asarray(actual), expected)
    x = rng.standard_normal((2, 4, 4, 3)).astype("float32")
    for ord_ in (2, 1, 3, 0, float("inf"), -float("inf")):
        for dim, keepdim in (((1, 2), True), (None, False), (-1, False)):
            expected = torch.linalg.vector_norm(torch.tensor(x), ord=ord_, dim=dim, keepdim=keepdim).numpy()
            actual = tf_helpers.torch_vector_norm(tf.constant(x), ord=ord_, dim=dim, keepdim=keepdim)
            assert np.allclose(np.asarray(actual), expected, atol=1e-5), (ord_, dim)


def test_channels_first_pixel_shuffle_matches_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).standard_normal((2, 12, 3, 5)).astype("float32")
    for r, shape in ((2, x.shape), (2, (3, *x.shape)), (1, x.shape)):
        data = np.broadcast_to(x, shape).copy() if len(shape) == 5 else x
        expected = torch.nn.PixelShuffle(r)(torch.tensor(data)).numpy()
        actual = np.asarray(tf_helpers.ChannelsFirstPixelShuffle(r)(tf_helpers.tf.constant(data)))
        assert actual.shape == expected.shape and np.array_equal(actual, expected)


def _load_like_from_pt(layer, module, scoped=False):
    """Give a built keras layer the torch module's weights as from_pretrained(from_pt=True) maps and transposes
    them (by the TF weight's name and shape; `scoped`: names under the layer's own scope, which the mapping drops)."""
    from transformers.modeling_tf_pytorch_utils import apply_transpose, convert_tf_weight_name_to_pt_weight_name

    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    values = []
    for weight in layer.weights:
        tf_name = weight.name.split(":")[0] if scoped else "model/" + weight.name.split("/")[-1].split(":")[0]
        name, transpose = convert_tf_weight_name_to_pt_weight_name(tf_name, tf_weight_shape=weight.shape)
        values.append(apply_transpose(transpose, state[name], weight.shape))
    layer.set_weights(values)


def test_transposed_convs_conv3d_and_1d_pooling_match_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    cases = [
        (
            torch.nn.ConvTranspose2d(3, 4, kernel_size=3, stride=2, padding=1, output_padding=1),
            tf_helpers.ChannelsFirstConvTranspose2D(
                filters=4, kernel_size=3, strides=2, torch_padding=1, output_padding=1
            ),
            (2, 3, 5, 6),
        ),
        (
            torch.nn.ConvTranspose2d(3, 4, kernel_size=2, stride=2, bias=False),
            tf_helpers.ChannelsFirstConvTranspose2D(filters=4, kernel_size=2, strides=2, use_bias=False),
            (2, 3, 5, 6),
        ),
        (
            torch.nn.ConvTranspose1d(3, 5, kernel_size=4, stride=3, padding=2),
            tf_helpers.ChannelsFirstConvTranspose1D(filters=5, kernel_size=4, strides=3, torch_padding=2),
            (2, 3, 7),
        ),
        (
            torch.nn.Conv3d(3, 4, kernel_size=(2, 3, 4), stride=(2, 1, 2), padding=(0, 1, 1)),
            tf_helpers.ChannelsFirstConv3D(
                filters=4, kernel_size=(2, 3, 4), strides=(2, 1, 2), torch_padding=(0, 1, 1)
            ),
            (2, 3, 4, 6, 7),
        ),
    ]
    for module, layer, shape in cases:
        x = rng.standard_normal(shape).astype("float32")
        layer.build([None] * (len(shape) - 1) + [shape[1]])
        _load_like_from_pt(layer, module)
        with torch.no_grad():
            expected = module(torch.tensor(x)).numpy()
        actual = np.asarray(layer(x))
        assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-5, type(module)
    x = rng.standard_normal((2, 3, 9)).astype("float32")
    for tf_pool, pt_pool in (
        (tf_helpers.ChannelsFirstMaxPool1D(pool_size=3, strides=2, torch_padding=1), torch.nn.MaxPool1d(3, 2, 1)),
        (tf_helpers.ChannelsFirstAvgPool1D(pool_size=3, strides=2, torch_padding=1), torch.nn.AvgPool1d(3, 2, 1)),
        (tf_helpers.ChannelsFirstAvgPool1D(pool_size=2, strides=2), torch.nn.AvgPool1d(2)),
    ):
        assert np.max(np.abs(np.asarray(tf_pool(x)) - pt_pool(torch.tensor(x)).numpy())) < 1e-6


def test_conv_twins_have_torchs_attributes_and_weight_layout():
    """PyTorch code reads a conv's attributes off the layer (mobilenet's `apply_tf_padding(x, conv)`:
    `conv.stride`, `conv.dilation`; vilt's `projection.weight.shape`): the twins answer as torch's modules do,
    `weight` in torch's layout, equal to the torch weight it was loaded from."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    torch.manual_seed(0)
    cases = [
        (
            torch.nn.Conv2d(6, 4, kernel_size=(3, 2), stride=1, dilation=(1, 2), groups=2),
            tf_helpers.ChannelsFirstConv2D(filters=4, kernel_size=(3, 2), strides=1, dilation_rate=(1, 2), groups=2),
            (None, None, None, 6),
        ),
        (
            torch.nn.Conv1d(3, 5, kernel_size=4, stride=3),
            tf_helpers.ChannelsFirstConv1D(filters=5, kernel_size=4, strides=3),
            (None, None, 3),
        ),
        (
            torch.nn.ConvTranspose2d(3, 4, kernel_size=(2, 3), stride=2),
            tf_helpers.ChannelsFirstConvTranspose2D(filters=4, kernel_size=(2, 3), strides=2),
            (None, None, None, 3),
        ),
        (
            torch.nn.Conv3d(3, 4, kernel_size=(2, 3, 4), stride=(2, 1, 2)),
            tf_helpers.ChannelsFirstConv3D(filters=4, kernel_size=(2, 3, 4), strides=(2, 1, 2)),
            (None, None, None, None, 3),
        ),
    ]
    for module, layer, shape in cases:
        layer.build(shape)
        _load_like_from_pt(layer, module)
        for name in ("stride", "dilation", "kernel_size", "in_channels", "out_channels", "groups"):
            assert tuple(np.atleast_1d(getattr(layer, name))) == tuple(np.atleast_1d(getattr(module, name))), (
                type(module).__name__,
                name,
            )
        weight = np.asarray(layer.weight)
        assert weight.shape == tuple(module.weight.shape), type(module).__name__
        assert np.array_equal(weight, module.weight.detach().numpy()), type(module).__name__
        # given torch's in_channels, build(None) (from_pretrained's build by name scope) makes the same kernel
        config = {k: v for k, v in layer.get_config().items() if k not in ("name", "trainable", "dtype")}
        unbuilt = type(layer)(in_channels=module.in_channels, **config)
        unbuilt.build(None)
        assert unbuilt.in_channels == module.in_channels and tuple(unbuilt.weight.shape) == tuple(module.weight.shape)


def test_glu_padding_upsample_and_adaptive_pooling_twins_match_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).standard_normal((2, 4, 7, 6)).astype("float32")
    cases = [
        (tf_helpers.TorchGLU(dim=1), torch.nn.GLU(dim=1)),
        (tf_helpers.TorchGLU(), torch.nn.GLU()),
        (tf_helpers.TorchConstantPad(1), torch.nn.ZeroPad2d(1)),
        (tf_helpers.TorchConstantPad((1, 0, 2, 3)), torch.nn.ZeroPad2d((1, 0, 2, 3))),
        (tf_helpers.TorchConstantPad((2, 1), value=0.5, rank=1), torch.nn.ConstantPad1d((2, 1), 0.5)),
        (tf_helpers.TorchUpsample(scale_factor=2, mode="nearest"), torch.nn.Upsample(scale_factor=2)),
        (
            tf_helpers.TorchUpsample(scale_factor=2, mode="bilinear", align_corners=True),
            torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
        ),
        (tf_helpers.TorchUpsample(size=(5, 9), mode="bicubic"), torch.nn.Upsample(size=(5, 9), mode="bicubic")),
        (tf_helpers.TorchAdaptiveAvgPool((3, 4)), torch.nn.AdaptiveAvgPool2d((3, 4))),
        (tf_helpers.TorchAdaptiveAvgPool((None, 2)), torch.nn.AdaptiveAvgPool2d((None, 2))),
        (tf_helpers.TorchAdaptiveAvgPool(5), torch.nn.AdaptiveAvgPool2d(5)),
    ]
    for layer, module in cases:
        expected = module(torch.tensor(x)).numpy()
        actual = np.asarray(layer(x))
        assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-5, module


def test_torch_unfold_matches_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype("float32")
    for kwargs in (
        {"kernel_size": [9, 1], "padding": [4, 0]},  # convbert's
        {"kernel_size": 2, "stride": 2},
        {"kernel_size": (3, 2), "dilation": (2, 1), "padding": 1, "stride": (1, 2)},
    ):
        expected = torch.nn.Unfold(**kwargs)(torch.tensor(x)).numpy()
        actual = np.asarray(tf_helpers.TorchUnfold(**kwargs)(x))
        assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-6, kwargs


def test_input_signature_for_call_covers_what_tf_pretrained_model_cannot_infer():
    from types import SimpleNamespace

    from scaffold.convert.snippets import tf_helpers

    class Model:
        config = SimpleNamespace(vision_config=SimpleNamespace(image_size=32), visual_feat_dim=6, visual_pos_dim=4)

        def call(self, input_ids=None, attention_mask=None, pixel_values=None, input_features=None, visual_feats=None):
            pass

    specs = tf_helpers.input_signature_for_call(Model())  # BLIP's vision config has no num_channels
    assert sorted(specs) == ["attention_mask", "input_features", "input_ids", "pixel_values", "visual_feats"]
    assert specs["visual_feats"].shape.as_list() == [None, None, 6]
    Model.config = SimpleNamespace(num_mel_bins=8, max_source_positions=30)  # Whisper's (batch, bins, frames)
    assert specs["input_features"].shape.rank == 3
    whisper = tf_helpers.input_signature_for_call(Model())["input_features"]
    assert whisper.shape.as_list() == [None, 8, 60]
    dummies = tf_helpers.dummy_inputs_for_signature({"input_features": whisper, "input_ids": specs["input_ids"]})
    assert dummies["input_features"].shape == (1, 8, 60) and dummies["input_ids"].shape == (1, 32)
    assert specs["pixel_values"].shape.as_list() == [None, 3, 32, 32]
    assert specs["input_ids"].shape.as_list() == [None, None] and specs["input_features"].shape.rank == 3
    Model.config = SimpleNamespace(audio_config=SimpleNamespace(num_mel_bins=8, max_source_positions=30))
    assert tf_helpers.input_signature_for_call(Model())["input_features"].shape.as_list() == [None, 8, 60]


def test_input_values_signature_is_a_waveform_mel_frames_or_codec_channels():
    from types import SimpleNamespace

    from scaffold.convert.snippets import tf_helpers

    class Model:
        config = SimpleNamespace()

        def call(self, input_values=None):
            pass

    def shape():
        return tf_helpers.input_signature_for_call(Model())["input_values"].shape.as_list()

    assert shape() == [None, None]  # wav2vec2's raw waveform
    Model.config = SimpleNamespace(num_mel_bins=16, max_length=64, time_stride=10)  # AST's (batch, frames, bins)
    assert shape() == [None, 64, 16]
    Model.config = SimpleNamespace(num_mel_bins=80, max_length=20)  # speecht5: a waveform in, mel bins out
    assert shape() == [None, None]
    Model.config = SimpleNamespace(num_mel_bins=16, max_length=64, time_stride=10)
    assert shape() == [None, 64, 16]
    Model.config = SimpleNamespace(audio_channels=2)  # encodec / mimi: (batch, channels, samples)
    assert shape() == [None, 2, None]


def test_torch_sequential_twin_names_builds_and_applies_its_items_like_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    tf = tf_helpers.tf
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False), torch.nn.GELU())
    layer = tf_helpers.TorchSequential(
        [
            tf_helpers.ChannelsFirstConv2D(
                filters=4, kernel_size=3, groups=4, use_bias=False, torch_padding=1, name="0"
            ),
            tf.nn.gelu,
        ],
        input_shapes=[[None, None, None, 4], None],
        name="focal_layers_._0",
    )
    with tf.name_scope("model"), tf.name_scope(layer.name):
        layer.build()
    assert [w.name for w in layer.weights] == ["model/focal_layers_._0/0/kernel:0"]  # torch's focal_layers.0.0.weight
    _load_like_from_pt(layer, torch.nn.ModuleDict({"focal_layers": torch.nn.ModuleList([module])}), scoped=True)
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5)).astype("float32")
    with torch.no_grad():
        expected = module(torch.tensor(x)).numpy()
    assert np.max(np.abs(np.asarray(layer(x)) - expected)) < 1e-5


def test_elementwise_activation_modules_match_torch():
    import numpy as np
    import tensorflow as tf
    import torch

    from scaffold.convert.passes.layers import ELEMENTWISE

    x = np.linspace(-5, 5, 101).astype("float32")
    for kind, code in ELEMENTWISE.items():
        expected = getattr(torch.nn, kind)()(torch.tensor(x)).numpy()
        actual = np.asarray(eval(code, {"tf": tf})(tf.constant(x)))
        assert np.max(np.abs(actual - expected)) < 1e-5, kind


@pytest.mark.parametrize("kind", ["plain", "composite", "none"])
def test_config_initializer_range_is_the_std_torchs_init_weights_draws_with(kind):
    import torch
    from transformers import BertConfig, LlavaConfig, PretrainedConfig, PreTrainedModel

    from scaffold.convert.snippets import tf_helpers

    config = {
        "plain": lambda: BertConfig(initializer_range=0.3),
        "composite": lambda: LlavaConfig(text_config={"model_type": "llama", "initializer_range": 0.4}),
        "none": PretrainedConfig,
    }[kind]()

    class Tiny(PreTrainedModel):  # keeps PreTrainedModel's _init_weights
        config_class = type(config)

    linear = torch.nn.Linear(400, 400)
    torch.manual_seed(0)
    model = Tiny.__new__(Tiny)
    model.__dict__["config"] = config
    PreTrainedModel._init_weights(model, linear)
    std = float(linear.weight.detach().std())
    expected = tf_helpers.config_initializer_range(config)
    assert expected == {"plain": 0.3, "composite": 0.4, "none": 0.02}[kind]
    assert abs(std - expected) < 0.02 * expected


@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_attention_twin_matches_torch(batch_first):
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    tf = tf_helpers.tf
    torch.manual_seed(0)
    pt = torch.nn.MultiheadAttention(8, 2, dropout=0.1, batch_first=batch_first).eval()
    with torch.no_grad():
        pt.in_proj_bias.normal_()
        pt.out_proj.bias.normal_()
    twin = tf_helpers.TorchMultiheadAttention(8, 2, dropout=0.1, batch_first=batch_first, name="attention")
    with tf.name_scope(twin.name):  # as a generated build() builds it: weights named as torch's state dict
        twin.build(None)
    twin.in_proj_weight.assign(pt.in_proj_weight.detach().numpy())
    twin.in_proj_bias.assign(pt.in_proj_bias.detach().numpy())
    twin.out_proj.kernel.assign(pt.out_proj.weight.detach().numpy().T)
    twin.out_proj.bias.assign(pt.out_proj.bias.detach().numpy())
    assert [w.name for w in twin.weights] == [
        "attention/in_proj_weight:0",
        "attention/in_proj_bias:0",
        "attention/out_proj/kernel:0",
        "attention/out_proj/bias:0",
    ]

    rng = np.random.default_rng(0)
    shape_q, shape_kv = ((2, 3, 8), (2, 5, 8)) if batch_first else ((3, 2, 8), (5, 2, 8))
    query = rng.normal(size=shape_q).astype("float32")
    key = rng.normal(size=shape_kv).astype("float32")
    value = rng.normal(size=shape_kv).astype("float32")
    padding = np.array([[False] * 5, [False, False, False, True, True]])
    attn_mask = rng.normal(size=(3, 5)).astype("float32")
    for kwargs in (
        {},
        {"key_padding_mask": padding},
        {"attn_mask": attn_mask, "average_attn_weights": False},
        {"attn_mask": attn_mask < -1.0, "key_padding_mask": padding, "need_weights": False},
    ):
        with torch.no_grad():
            pt_out, pt_weights = pt(
                torch.tensor(query),
                torch.tensor(key),
                torch.tensor(value),
                **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()},
            )
        tf_out, tf_weights = twin(
            tf.constant(query),
            tf.constant(key),
            tf.constant(value),
            **{k: tf.constant(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()},
        )
        np.testing.assert_allclose(tf_out.numpy(), pt_out.numpy(), atol=1e-5)
        if pt_weights is None:
            assert tf_weights is None
        else:
            np.testing.assert_allclose(tf_weights.numpy(), pt_weights.numpy(), atol=1e-6)


def test_create_4d_causal_attention_mask_twin_matches_torch():
    import numpy as np
    import torch
    from transformers.modeling_attn_mask_utils import _create_4d_causal_attention_mask

    from scaffold.convert.snippets import tf_helpers

    for past, window in ((0, None), (2, None), (3, 2)):
        pt = _create_4d_causal_attention_mask((2, 4), torch.float32, "cpu", past, window).numpy()
        tf = tf_helpers._create_4d_causal_attention_mask((2, 4), tf_helpers.tf.float32, None, past, window).numpy()
        assert np.array_equal(pt, tf), (past, window)


def test_prepare_4d_causal_attention_mask_window_matches_torch():
    """4.46-era mistral-style files pass `sliding_window` to `_prepare_4d_causal_attention_mask`: torch's
    `_make_causal_mask` keeps `sliding_window` keys back (inclusive), sequences longer than the window included."""
    import numpy as np
    import torch
    from transformers.modeling_attn_mask_utils import (
        _prepare_4d_causal_attention_mask,
        _prepare_4d_causal_attention_mask_for_sdpa,
    )

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(0)
    for past, window, length in ((0, 2, 6), (3, 2, 5), (0, 3, 8), (4, 1, 3), (2, None, 5), (5, 2, 1)):
        mask = np.ones((2, past + length), dtype="int64")
        mask[0, : rng.integers(1, past + length)] = 0  # left padding on one row
        embeds = np.zeros((2, length, 8), dtype="float32")
        for pt_fn, tf_fn in (
            (_prepare_4d_causal_attention_mask, tf_helpers._prepare_4d_causal_attention_mask),
            (_prepare_4d_causal_attention_mask_for_sdpa, tf_helpers._prepare_4d_causal_attention_mask_for_sdpa),
        ):
            for attention_mask in (mask, None):
                pt = pt_fn(
                    None if attention_mask is None else torch.tensor(attention_mask),
                    (2, length),
                    torch.tensor(embeds),
                    past,
                    sliding_window=window,
                )
                tf = tf_fn(attention_mask, (2, length), tf_helpers.tf.constant(embeds), past, sliding_window=window)
                if pt is None:  # torch leaves a single unpadded query without a mask (no key is masked)
                    assert not np.any(tf.numpy()), (past, window, length)
                    continue
                pt = np.broadcast_to(pt.numpy(), tf.shape)
                assert np.array_equal(pt == 0, tf.numpy() == 0), (pt_fn.__name__, past, window, length)


@pytest.mark.parametrize(
    ("mode", "padding_mode", "align_corners"),
    [
        ("bilinear", "zeros", False),
        ("bilinear", "zeros", True),
        ("bilinear", "border", False),
        ("nearest", "zeros", False),
        ("nearest", "border", True),
    ],
)
def test_grid_sample_matches_torch(mode, padding_mode, align_corners):
    """Deformable attention's `F.grid_sample(value, grid, mode="bilinear", padding_mode="zeros",
    align_corners=False)`, with sampling points inside, on and beyond the map's edges."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(0)
    value = rng.normal(size=(2, 3, 5, 4)).astype("float32")
    grid = rng.uniform(-1.3, 1.3, size=(2, 6, 7, 2)).astype("float32")
    grid[0, 0, 0] = [1.0, -1.0]
    expected = torch.nn.functional.grid_sample(
        torch.from_numpy(value),
        torch.from_numpy(grid),
        mode=mode,
        padding_mode=padding_mode,
        align_corners=align_corners,
    ).numpy()
    actual = tf_helpers.torch_grid_sample(
        value, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners
    ).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-5)


@pytest.mark.parametrize(
    ("kind", "kernel", "stride", "padding"),
    [("Max", 3, 2, 0), ("Max", 3, 2, 1), ("Avg", 3, 2, 0), ("Avg", 10, 10, 0), ("Max", 2, 2, 0)],
)
def test_ceil_mode_pooling_matches_torch(kind, kernel, stride, padding):
    """`nn.MaxPool2d(3, 2, ceil_mode=True)` (rt_detr's resnet, hgnet_v2), `nn.AvgPool2d(hidden_dim,
    ceil_mode=True)` over a smaller map (align): torch's ceil output size and values."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).normal(size=(2, 3, 7, 6)).astype("float32")
    torch_layer = getattr(torch.nn, f"{kind}Pool2d")(kernel, stride, padding, ceil_mode=True)
    twin = getattr(tf_helpers, f"ChannelsFirst{kind}Pool2D")(
        pool_size=kernel, strides=stride, torch_padding=padding, ceil_mode=True
    )
    expected = torch_layer(torch.from_numpy(x)).numpy()
    actual = twin(x).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=1e-6)


def test_fold_pooling_and_histc_twins_match_torch():
    """F.fold (mobilevitv2's folding), F.max_pool2d (superpoint's NMS, ceil_mode: funnel/sam2), F.avg_pool2d and
    torch.histc (aria's tokens per expert) against torch, eagerly and under tf.function."""
    import functools

    import numpy as np
    import tensorflow as tf
    import torch

    from scaffold.convert.snippets import tf_helpers as h

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6)).astype("float32")
    cols = rng.standard_normal((2, 3 * 2 * 3, 6)).astype("float32")  # 2 x 3 blocks of 3 channels
    cases = [
        (lambda t, F: F(t, output_size=(4, 9), kernel_size=(2, 3), stride=(2, 3)), "fold", cols),
        (
            lambda t, F: F(t, (5, 6), 3, padding=1, stride=(1, 2)),
            "fold",
            rng.standard_normal((2, 27, 15)).astype("float32"),
        ),
        (
            lambda t, F: F(t, (7, 6), (2, 3), dilation=(2, 1), stride=(2, 1)),
            "fold",
            rng.standard_normal((2, 18, 12)).astype("float32"),
        ),
        (lambda t, F: F(t, kernel_size=5, stride=1, padding=2), "max_pool2d", x),
        (lambda t, F: F(t, 2, stride=2, ceil_mode=True), "max_pool2d", x),
        (lambda t, F: F(t, 3, 2, 1, ceil_mode=True), "max_pool2d", x),
        (lambda t, F: F(t, 2), "max_pool2d", x),
        (lambda t, F: F(t, kernel_size=3, stride=1, padding=1), "max_pool2d", x[0]),  # unbatched
        (lambda t, F: F(t, 2), "avg_pool2d", x[0]),
        (lambda t, F: F(t, 3, stride=2, padding=1), "avg_pool2d", x),
        (lambda t, F: F(t, (2, 3)), "avg_pool2d", x),
    ]
    for i, (call, name, data) in enumerate(cases):
        expected = call(torch.tensor(data), getattr(torch.nn.functional, name)).numpy()
        twin = getattr(h, f"torch_{name}")
        eager = functools.partial(lambda t, call, twin: call(t, twin), call=call, twin=twin)
        for run in (eager, tf.function(eager)):
            actual = np.asarray(run(tf.constant(data)))
            assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-5, (i, name)
    indices = np.asarray([[0, 3], [3, 1], [2, 3]], dtype="float32")
    values = rng.standard_normal(50).astype("float32")
    for data, kwargs in (
        (indices, {"bins": 4, "min": 0, "max": 3}),
        (values, {"bins": 7}),
        (values, {"bins": 5, "min": -1, "max": 1}),
    ):
        expected = torch.histc(torch.tensor(data), **kwargs).numpy()
        for run in (h.torch_histc, tf.function(h.torch_histc)):
            actual = np.asarray(run(tf.constant(data), **kwargs))
            assert actual.dtype == expected.dtype and np.array_equal(actual, expected), (kwargs, actual, expected)


def test_conv2d_and_group_norm_base_twins_take_torchs_arguments_and_match_torch():
    """`class XDepthwiseConv2d(nn.Conv2d)` (efficientnet, align) and `class XGroupNorm(nn.GroupNorm)` (poolformer)
    subclass twins with torch's constructor arguments, built by name scope (no input shape) as from_pretrained
    builds, loaded from the torch module's weights, and compute what torch computes."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers as h

    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((2, 6, 7, 5)).astype("float32")
    cases = [
        (
            torch.nn.Conv2d(6, 12, 3, stride=2, padding=1, groups=6),
            h.TorchConv2d(6, 12, 3, stride=2, padding=1, groups=6),
        ),
        (
            torch.nn.Conv2d(6, 4, (3, 1), padding="same", bias=False),
            h.TorchConv2d(6, 4, (3, 1), padding="same", bias=False),
        ),
        (torch.nn.GroupNorm(1, 6), h.TorchNNGroupNorm(1, 6)),
        (torch.nn.GroupNorm(3, 6, eps=1e-3), h.TorchNNGroupNorm(3, 6, eps=1e-3)),
    ]
    for module, layer in cases:
        with torch.no_grad():
            for p in module.parameters():
                p.add_(torch.randn_like(p) * 0.1)
        layer.build(None)
        _load_like_from_pt(layer, module)
        with torch.no_grad():
            expected = module(torch.tensor(x)).numpy()
        actual = np.asarray(layer(x))
        assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-5, module
    norm = h.TorchNNGroupNorm(2, 6)
    norm.build(None)
    assert (norm.num_groups, norm.num_channels, norm.eps) == (2, 6, 1e-5) and norm.weight is norm.gamma
    with pytest.raises(NotImplementedError, match="padding_mode"):
        h.TorchConv2d(6, 4, 3, padding_mode="reflect")


def test_batch_norm_1d_twin_takes_two_and_three_dimensional_inputs_as_torch():
    """levit's `self.batch_norm(hidden_state.flatten(0, 1))`: BatchNorm1d built for [None, channels, None] and
    called on [batch, channels] too; inference statistics as torch's."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers as h

    torch.manual_seed(0)
    module = torch.nn.BatchNorm1d(6, eps=1e-3).eval()
    with torch.no_grad():
        module.running_mean.normal_()
        module.running_var.uniform_(0.5, 2.0)
        module.weight.normal_()
        module.bias.normal_()
    layer = h.TorchBatchNorm1d(epsilon=1e-3, momentum=0.9, axis=1)
    layer.build([None, 6, None])
    layer.set_weights(
        [t.detach().numpy() for t in (module.weight, module.bias, module.running_mean, module.running_var)]
    )
    rng = np.random.default_rng(0)
    for shape in ((4, 6), (2, 6, 5)):
        x = rng.standard_normal(shape).astype("float32")
        with torch.no_grad():
            expected = module(torch.tensor(x)).numpy()
        assert np.max(np.abs(np.asarray(layer(x, training=False)) - expected)) < 1e-5, shape


def test_a_pooling_twin_of_kernel_size_zero_is_made_and_raises_when_called_as_torch():
    """gemma3's projector makes nn.AvgPool2d(kernel_size=0) at a tiny vision size and never calls it on text
    inputs: torch builds it and raises only when called; so does the twin (keras alone refuses to build it)."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers as h

    pool = torch.nn.AvgPool2d(kernel_size=0, stride=0)
    layer = h.ChannelsFirstAvgPool2D(pool_size=0, strides=0)
    x = np.ones((1, 2, 4, 4), dtype="float32")
    with pytest.raises(RuntimeError):
        pool(torch.tensor(x))
    with pytest.raises(RuntimeError, match="kernel size 0"):
        layer(x)
    ok = h.ChannelsFirstMaxPool2D(pool_size=2, strides=2)
    assert np.asarray(ok(x)).shape == (1, 2, 2, 2)


def test_average_pooling_twins_leave_the_padding_out_of_the_count_and_pool_in_ceil_mode_as_torch():
    """poolformer's `nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)` (and AvgPool1d): the border
    windows average their input entries only; count_include_pad=True (torch's default) counts the zeros."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers as h

    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype("float32")
    for include in (False, True):
        for torch_pool, twin, data in (
            (
                torch.nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=include),
                h.ChannelsFirstAvgPool2D(pool_size=3, strides=1, torch_padding=1, count_include_pad=include),
                x,
            ),
            (
                torch.nn.AvgPool1d(4, stride=2, padding=2, count_include_pad=include),
                h.ChannelsFirstAvgPool1D(pool_size=4, strides=2, torch_padding=2, count_include_pad=include),
                x[:, :, 0],
            ),
        ):
            expected = torch_pool(torch.tensor(data)).numpy()
            actual = np.asarray(twin(data))
            assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-6, (torch_pool, include)
    # ceil_mode: the last partial window pooled too (efficientnet's `nn.AvgPool2d(config.hidden_dim, ceil_mode=True)`)
    for torch_pool, twin in (
        (
            torch.nn.AvgPool2d(4, stride=4, ceil_mode=True),
            h.ChannelsFirstAvgPool2D(pool_size=4, strides=4, ceil_mode=True),
        ),
        (torch.nn.AvgPool2d(8, ceil_mode=True), h.ChannelsFirstAvgPool2D(pool_size=8, strides=8, ceil_mode=True)),
        (
            torch.nn.MaxPool2d(1280, ceil_mode=True),
            h.ChannelsFirstMaxPool2D(pool_size=1280, strides=1280, ceil_mode=True),
        ),
        (
            torch.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
            h.ChannelsFirstAvgPool2D(pool_size=3, strides=2, torch_padding=1, ceil_mode=True, count_include_pad=False),
        ),
        (
            torch.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
            h.ChannelsFirstMaxPool2D(pool_size=3, strides=2, torch_padding=1, ceil_mode=True),
        ),
        (torch.nn.MaxPool2d(4, ceil_mode=True), h.ChannelsFirstMaxPool2D(pool_size=4, strides=4, ceil_mode=True)),
    ):
        expected = torch_pool(torch.tensor(x)).numpy()
        actual = np.asarray(twin(x))
        assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) < 1e-6, torch_pool
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        h.ChannelsFirstAvgPool2D(pool_size=3, strides=2, torch_padding=1, ceil_mode=True)


def test_ceil_mode_average_over_padding_raises_until_it_has_a_twin():
    """AvgPool2d(ceil_mode=True, padding>0) divides each window by what it covers of the input and its padding,
    not of the ceil overflow: not modelled yet, so the twin refuses rather than averaging differently."""
    import numpy as np

    from scaffold.convert.snippets import tf_helpers

    with pytest.raises(NotImplementedError):
        tf_helpers.ChannelsFirstAvgPool2D(pool_size=3, strides=2, torch_padding=1, ceil_mode=True)(
            np.zeros((1, 1, 5, 5), dtype="float32")
        )
