"""Vision and multimodal translations and twins against torch: the converted expression, evaluated in TF, against
torch's value on the same inputs (OWL-ViT's norms and class-token broadcast, BLIP-2's concatenated bias), and the
input signature of video models.

Marked `frameworks` (TensorFlow and torch are imported).
"""

import pytest

from tests.test_text_twins import SCORES, X, _assert_twin, _close

pytestmark = pytest.mark.frameworks


@pytest.mark.parametrize(
    "expression",
    [
        "torch.linalg.norm(x, ord=2, dim=-1, keepdim=True)",
        "torch.linalg.norm(x, dim=-1, keepdim=True) + 1e-6",
        "torch.linalg.norm(x, 1, -1)",
        "torch.linalg.norm(x, dim=(1, 2))",  # no ord over two dims: Frobenius, the 2-norm of the entries
        "torch.linalg.norm(x)",
        "torch.norm(x, p=2, dim=-1, keepdim=True)",
        "torch.norm(x, dim=1)",
        # an order the model reads from its config (DBRX's router normalizes by moe_normalize_expert_weights)
        "(lambda p: torch.norm(x, p=p, dim=-1, keepdim=True))(1.0)",
        "(lambda p: torch.norm(x, p=p, dim=1))(3.0)",
        "torch.cat((x, x))",  # torch joins on dim 0 by default, tf.concat has no default axis
        "torch.cat([x, x], 1)",
        "torch.broadcast_to(x[:, :1, :], x[:, :-1].shape)",
        "torch.broadcast_to(x[:1], (3, -1, -1))",
        "x.repeat(*[2, 1, 3])",
        "x.tile([2, 1, 1])",
        "torch.argwhere(x > 0.5)",
        "(lambda deltas: torch.tensor(deltas))([x[0, 0, 0] + 1, x[1, 1, 1] - 1])",  # scalar tensors in a list
        "(lambda sizes: torch.tensor(sizes, dtype=torch.float32))([2, 3])",
        "torch.argwhere(x[0, 0])",
        "x.tile(2)",  # fewer counts than dims: leading ones
        "x.tile(2, 1, 1, 2)",  # more: new leading dims
        "torch.tile(x[0], (1, 3))",
    ],
)
def test_vision_op_translations_match_torch(expression):
    tf_code = _assert_twin(expression, x=X)
    assert "torch" not in tf_code.replace("torch_", ""), tf_code


@pytest.mark.parametrize(
    "expression",
    ["torch.linalg.norm(x, ord=2)", "torch.linalg.norm(x, ord='nuc', dim=(0, 1))", "torch.norm(x, p='fro')"],
)
def test_matrix_norms_are_not_taken_for_vector_norms(expression):
    from scaffold.convert import NODE_PASSES
    from tests.conftest import run_passes

    code = run_passes(
        f"""
        class TinyLayer(nn.Module):
            def forward(self, x):
                return {expression}
        """,
        *NODE_PASSES,
    )
    assert 'raise NotImplementedError("scaffold: no TF translation for torch.' in code, code
    assert "torch_vector_norm" not in code


@pytest.mark.parametrize("qkv_bias", [True, False])
def test_set_dense_bias_gives_a_biasless_dense_torchs_parameter(qkv_bias):
    """BLIP-2's vision attention: `self.qkv.bias = nn.Parameter(cat(q_bias, zeros, v_bias))` after a Linear made
    without a bias. The Dense makes that bias when built (under torch's name, `qkv.bias`), starting at its value,
    and computes what torch's Linear does once both hold the same weights."""
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    tf, keras = tf_helpers.tf, tf_helpers.keras
    linear = torch.nn.Linear(4, 12, bias=False)
    dense = keras.layers.Dense(units=12, use_bias=False, name="qkv")
    start = np.arange(12, dtype="float32") / 10
    if qkv_bias:
        linear.bias = torch.nn.Parameter(torch.tensor(start))
        tf_helpers.set_dense_bias(dense, tf.constant(start))
    with tf.name_scope(dense.name):  # as the generated build() does
        dense.build([None, None, 4])
    assert [w.name for w in dense.weights] == ["qkv/kernel:0", "qkv/bias:0"][: 1 + qkv_bias]
    if qkv_bias:
        _close(dense.bias.numpy(), start)
    dense.kernel.assign(linear.weight.detach().numpy().T)
    x = np.asarray(SCORES, dtype="float32")[:, :4]
    with torch.no_grad():
        expected = linear(torch.tensor(x)).numpy()
    _close(dense(tf.constant(x)).numpy(), expected)


def test_video_models_input_signature_has_frames(tmp_path):
    """A config with num_frames (VideoMAE, ViViT) takes (batch, frames, channels, height, width): the input
    signature and the dummies from_pretrained builds with have that rank."""
    from types import SimpleNamespace

    from scaffold.convert.snippets import tf_helpers

    class Model:
        config = SimpleNamespace(image_size=32, num_channels=3, num_frames=4)

        def call(self, pixel_values=None, training=False):
            return pixel_values

    specs = tf_helpers.input_signature_for_call(Model())
    assert tuple(specs["pixel_values"].shape) == (None, 4, 3, 32, 32)
    Model.config = SimpleNamespace(image_size=32, num_channels=3)
    assert tuple(tf_helpers.input_signature_for_call(Model())["pixel_values"].shape) == (None, 3, 32, 32)


@pytest.fixture(scope="module")
def qwen2_vl():
    import transformers.models.qwen2_vl.modeling_qwen2_vl as torch_module

    from scaffold.checks.weights import import_generated
    from scaffold.convert import convert_source

    converted = convert_source(open(torch_module.__file__).read(), "qwen2_vl")
    return torch_module, import_generated(converted.code, "qwen2_vl", suffix="mm_twin")


def test_qwen2_vl_rope_index_matches_torch_with_images_videos_and_padding(qwen2_vl):
    """Multimodal RoPE position ids (`get_rope_index`: index bookkeeping over input_ids and the image / video grids),
    eagerly: text positions, 3-D vision positions, left padding, and the deltas."""
    from types import SimpleNamespace

    import numpy as np
    import torch
    from transformers import Qwen2VLConfig

    torch_module, tf_module = qwen2_vl
    config = Qwen2VLConfig()
    start, image, video = config.vision_start_token_id, config.image_token_id, config.video_token_id
    row0 = [5, 6, start, *[image] * 4, 7, start, *[video] * 8, 8, 9]  # an image (1 x 4 x 4), a video (2 x 4 x 4)
    row1 = [0] * 10 + [5, start, *[image] * 4, 6, 7, 8]  # left padding, one image
    ids = np.array([row0, row1], dtype="int64")
    mask = np.array([[1] * len(row0), [0] * 10 + [1] * (len(row1) - 10)], dtype="int64")
    images = np.array([[1, 4, 4], [1, 4, 4]], dtype="int64")
    videos = np.array([[2, 4, 4]], dtype="int64")
    holder = SimpleNamespace(config=config)
    with torch.no_grad():
        expected = torch_module.Qwen2VLModel.get_rope_index(
            holder, torch.tensor(ids), torch.tensor(images), torch.tensor(videos), torch.tensor(mask)
        )
    tf = tf_module.tf
    main_layer = tf_module.TFQwen2VLMainLayer
    actual = main_layer.get_rope_index(
        holder,
        tf.constant(ids, tf.int32),
        tf.constant(images, tf.int32),
        tf.constant(videos, tf.int32),
        tf.constant(mask, tf.int32),
    )
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(np.asarray(a), e.numpy())
    # text only: positions from the mask
    with torch.no_grad():
        expected = torch_module.Qwen2VLModel.get_rope_index(holder, torch.tensor(ids), None, None, torch.tensor(mask))
    actual = main_layer.get_rope_index(holder, tf.constant(ids, tf.int32), None, None, tf.constant(mask, tf.int32))
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(np.asarray(a), e.numpy())


def test_instruction_ids_of_a_q_former_are_in_the_input_signature():
    from types import SimpleNamespace

    from scaffold.convert.snippets import tf_helpers

    class Model:
        config = SimpleNamespace(vision_config=SimpleNamespace(image_size=32, num_channels=3))

        def call(self, pixel_values, qformer_input_ids, qformer_attention_mask=None, input_ids=None, training=False):
            return pixel_values

    specs = tf_helpers.input_signature_for_call(Model())
    assert set(specs) == {"pixel_values", "qformer_input_ids", "qformer_attention_mask", "input_ids"}
    assert tuple(specs["qformer_input_ids"].shape) == (None, None)


def test_list_of_a_tensor_traces_as_torch_iterates_it():
    """LLaVA's `image_features = list(image_features)` then `torch.cat(image_features)`: eager and under tf.function."""
    import numpy as np

    from scaffold.convert import NODE_PASSES
    from scaffold.convert.snippets import tf_helpers
    from tests.conftest import translate

    assert translate("torch.cat(list(x), dim=0)", *NODE_PASSES, params="x") == "tf.concat(torch_list(x), axis=0)"
    assert translate("list(range(3))", *NODE_PASSES, params="x") == "list(range(3))"
    tf = tf_helpers.tf
    x = np.asarray(X, dtype="float32")
    expected = np.concatenate(list(x), axis=0)
    traced = tf.function(lambda t: tf.concat(tf_helpers.torch_list(t), axis=0))
    for run in (lambda t: tf.concat(tf_helpers.torch_list(t), axis=0), traced):
        _close(run(tf.constant(x)).numpy(), expected)
    assert tf_helpers.torch_list((1, 2)) == [1, 2]


def test_an_image_config_gives_the_pixel_size():
    """FLAVA's composite config names its vision side image_config: the dummies must have its image size."""
    from types import SimpleNamespace

    from scaffold.convert.snippets import tf_helpers

    class Model:
        config = SimpleNamespace(image_config=SimpleNamespace(image_size=32, num_channels=3))

        def call(self, input_ids=None, pixel_values=None, training=False):
            return pixel_values

    assert tuple(tf_helpers.input_signature_for_call(Model())["pixel_values"].shape) == (None, 3, 32, 32)
