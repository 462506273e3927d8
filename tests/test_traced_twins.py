"""Constructs that run eagerly but did not trace: each twin against torch, eagerly and under `tf.function`.

- a model file's own cache class (`MambaCache`) returned in an output: a TracedCache, a nested structure to tf.nest;
- the hybrid models' `_update_mamba_mask` (a mask set to None in a tensor-dependent branch);
- `x.masked_fill(mask, 0)` (tf.where takes a bare int as int32 when traced);
- `zip(tensor, ...)` (iterating a symbolic tensor is refused).

Marked `frameworks` (TensorFlow and torch are imported).
"""

import pytest

from tests.test_text_twins import _close

pytestmark = pytest.mark.frameworks


@pytest.fixture(scope="module")
def helpers():
    from scaffold.convert.snippets import tf_helpers

    return tf_helpers


@pytest.fixture(scope="module")
def cache_snippets():
    from scaffold.convert.snippets import tf_cache

    return tf_cache


def test_a_traced_cache_is_returned_from_and_taken_by_a_traced_function(cache_snippets):
    tf = cache_snippets.tf

    class StateCache(cache_snippets.TracedCache):
        def __init__(self, config, batch):
            self.config = config
            self.layers = 2
            self.conv_states = [tf.zeros([batch, 3]) for _ in range(self.layers)]
            self.ssm_states = [tf.ones([batch, 3]) for _ in range(self.layers)]
            self.empty = None

        def update(self, i, state):
            self.conv_states = [state if j == i else s for j, s in enumerate(self.conv_states)]

    config = {"kind": "unhashable"}

    @tf.function
    def step(x):
        cache = StateCache(config, 2)
        cache.update(1, x * 2.0)
        return {"out": x + 1.0, "cache": cache}

    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    result = step(x)
    cache = result["cache"]
    assert isinstance(cache, StateCache)
    assert cache.config is config and cache.layers == 2 and cache.empty is None
    _close(cache.conv_states[1], (x * 2.0).numpy())
    _close(cache.conv_states[0], tf.zeros([2, 3]).numpy())
    _close(cache.ssm_states[0], tf.ones([2, 3]).numpy())

    @tf.function
    def read(c):
        return c.conv_states[1] + c.ssm_states[0]

    _close(read(cache), (x * 2.0 + 1.0).numpy())
    plain = StateCache(config, 2)  # eagerly the object is untouched
    assert plain.conv_states[0].shape == (2, 3) and plain.config is config


def test_the_converted_cache_class_is_a_traced_cache():
    from scaffold.convert import convert_source

    source = """
import torch
from torch import nn


class TinyCache:
    def __init__(self, config, batch_size):
        self.states = [torch.zeros(batch_size, 3) for _ in range(config.num_hidden_layers)]


class TinyPlain:
    pass


class TinyLayer(nn.Module):
    def forward(self, x, cache_params=None):
        return x
"""
    code = convert_source(source, "tiny", format_code=False).code
    assert "class TFTinyCache(TracedCache):" in code
    assert "class TFTinyPlain:" in code  # not a cache: no base
    assert "def __tf_flatten__" in code  # the snippet is copied into the file


def _torch_update_mamba_mask(attention_mask, cache_position):
    import torch

    mamba_mask = attention_mask
    if cache_position[0] > 0 or (attention_mask is not None and torch.all(attention_mask == 1)):
        mamba_mask = None
    return mamba_mask


def _torch_apply_mask(hidden_states, attention_mask):
    if attention_mask is not None and attention_mask.shape[1] > 1 and attention_mask.shape[0] > 1:
        hidden_states = (hidden_states * attention_mask[:, :, None]).to(hidden_states.dtype)
    return hidden_states


@pytest.mark.parametrize(
    ("mask", "positions", "length"),
    [
        pytest.param([[1, 1, 1, 1], [1, 1, 1, 1]], [0, 1, 2, 3], 4, id="no-padding"),
        pytest.param([[0, 0, 1, 1], [1, 1, 1, 1]], [0, 1, 2, 3], 4, id="left-padding"),
        pytest.param([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], [4], 1, id="cached-step"),
        pytest.param(None, [0, 1, 2, 3], 4, id="no-mask"),
    ],
)
def test_update_mamba_mask_eagerly_is_torchs_and_traced_masks_the_same_states(helpers, mask, positions, length):
    import numpy as np
    import torch

    tf = helpers.tf
    states = np.random.default_rng(0).normal(size=(2, length, 3)).astype("float32")
    pt_mask = None if mask is None else torch.tensor(mask)
    expected_mask = _torch_update_mamba_mask(pt_mask, torch.tensor(positions))
    expected = _torch_apply_mask(torch.tensor(states), expected_mask).numpy()

    tf_mask = None if mask is None else tf.constant(mask, dtype=tf.int64)
    eager = helpers._update_mamba_mask(tf_mask, tf.constant(positions))
    assert (eager is None) == (expected_mask is None)
    if eager is not None:
        _close(eager, expected_mask.numpy())

    def masked(s, m, p):
        return _tf_apply_mask(tf, s, helpers._update_mamba_mask(m, p))

    traced = tf.function(masked)
    _close(traced(tf.constant(states), tf_mask, tf.constant(positions)), expected)
    if mask is not None:  # the traced function again, with the length unknown when traced
        relaxed = tf.function(
            masked,
            input_signature=[
                tf.TensorSpec([None, None, 3], tf.float32),
                tf.TensorSpec([None, None], tf.int64),
                tf.TensorSpec([None], tf.int32),
            ],
        )
        _close(relaxed(tf.constant(states), tf_mask, tf.constant(positions)), expected)


def _tf_apply_mask(tf, hidden_states, attention_mask):
    """The converted `apply_mask_to_padding_states` (as scaffold writes it)."""
    from scaffold.convert.snippets.tf_helpers import shape_list, torch_mul

    if attention_mask is not None and shape_list(attention_mask)[1] > 1 and shape_list(attention_mask)[0] > 1:
        dtype = hidden_states.dtype
        hidden_states = tf.cast(torch_mul(hidden_states, attention_mask[:, :, None]), dtype)
    return hidden_states


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_masked_fill_with_an_int_traces_in_the_tensors_dtype(helpers, dtype):
    """`x.masked_fill(~mask, 0)` (the Mamba-2 family's segment_sum): eagerly tf.where adapts the 0, traced it is
    int32 and a float32 or int64 tensor refuses it; the translation casts it to x's dtype, as torch does."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    code = translate("x.masked_fill(~mask, 0)", *NODE_PASSES, params="x, mask")
    assert code == "tf.where(~mask, tf.cast(0, x.dtype), x)"
    x = np.arange(12).reshape(3, 4).astype(dtype) + 1
    mask = np.tril(np.ones((4, 4), dtype=bool))[:3]
    expected = torch.tensor(x).masked_fill(~torch.tensor(mask), 0).numpy()
    run = eval(f"lambda x, mask: {code}", {"tf": tf})  # noqa: S307 (the translation under test)
    for fn in (run, tf.function(run)):
        result = fn(tf.constant(x), tf.constant(mask))
        assert result.dtype.name == dtype
        _close(result, expected)


def test_zip_over_a_tensor_traces_as_torch_iterates_it(helpers):
    """Pixtral's `[embed[..., :h, :w] for embed, size in zip(patch_embeds, image_sizes)]` and its block mask's
    `for start, end in zip(starts, ends)`: each variable zipped goes through torch_list."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    code = translate("[e[:, : s[0], : s[1]] for e, s in zip(x, sizes)]", *NODE_PASSES, params="x, sizes")
    assert code == "[e[:, : s[0], : s[1]] for e, s in zip(torch_list(x), torch_list(sizes))]"
    assert translate("zip(self.layers, y)", *NODE_PASSES) == "zip(self.layers, torch_list(y))"
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4)).astype("float32")
    sizes = [(2, 3), (4, 1)]
    expected = [e[:, : s[0], : s[1]] for e, s in zip(torch.tensor(x), sizes)]
    run = eval(f"lambda x, sizes: {code}", {"torch_list": helpers.torch_list})  # noqa: S307
    for fn in (run, tf.function(run)):
        result = fn(tf.constant(x), sizes)
        assert len(result) == len(expected)
        for r, e in zip(result, expected):
            _close(r, e.numpy())

    def blocks(starts, ends, n):
        mask = tf.fill((n, n), -1.0)
        for start, end in zip(helpers.torch_list(starts), helpers.torch_list(ends)):
            mask = helpers.torch_setitem(mask, (slice(start, end), slice(start, end)), 0.0)
        return mask

    pt_mask = torch.full((5, 5), -1.0)
    for start, end in zip(torch.tensor([0, 2]), torch.tensor([2, 5])):
        pt_mask[start:end, start:end] = 0
    traced = tf.function(blocks)
    _close(traced(tf.constant([0, 2]), tf.constant([2, 5]), 5), pt_mask.numpy())


def test_max_and_min_of_numbers_trace_where_keras_made_one_a_tensor(helpers):
    """MLCD's rotary layer: `max(num_patches_height, num_patches_width)` inside a layer's call, whose first
    argument keras turned into a 0-d tensor; Python's max would call bool() on a symbolic tensor."""
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    assert translate("max(x, y)", *NODE_PASSES) == "scalar_max(x, y)"
    assert translate("min(x, y, 3)", *NODE_PASSES) == "scalar_min(x, y, 3)"
    assert translate("max(x)", *NODE_PASSES) == "max(x)"  # an iterable: Python's
    assert translate("max(x, key=len)", *NODE_PASSES) == "max(x, key=len)"

    class Rotary(helpers.keras.layers.Layer):
        def call(self, height, width):
            return tf.range(helpers.scalar_max(height, width)), helpers.scalar_min(height, width)

    layer = Rotary()
    expected = torch.arange(max(3, 5)).numpy(), min(3, 5)
    for run in (layer, tf.function(layer)):
        positions, smallest = run(3, 5)
        _close(positions, expected[0])
        assert int(smallest) == expected[1]
    assert helpers.scalar_max(2, 7) == 7 and helpers.scalar_min(2.5, 7) == 2.5  # plain numbers: Python's
    mixed = helpers.scalar_max(tf.constant(2, tf.int64), 7)
    assert mixed.dtype == tf.int64 and int(mixed) == 7


def test_unique_consecutive_with_counts_matches_torch(helpers):
    """xmod's `torch.unique_consecutive(lang_ids, return_counts=True)`: the runs and their lengths, eager and traced."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    assert (
        translate("torch.unique_consecutive(x, return_counts=True)", *NODE_PASSES)
        == "torch_unique_consecutive(x, return_counts=True)"
    )
    assert translate("torch.unique_consecutive(x, return_counts=False)", *NODE_PASSES) == "torch_unique_consecutive(x)"
    traced = tf.function(lambda t: helpers.torch_unique_consecutive(t, return_counts=True))
    for values in ([3, 3, 1, 1, 1, 3], [[2, 2], [5, 2]], [4], []):
        expected = torch.unique_consecutive(torch.tensor(values, dtype=torch.int64), return_counts=True)
        for run in (lambda t: helpers.torch_unique_consecutive(t, return_counts=True), traced):
            unique, counts = run(tf.constant(values, dtype=tf.int32, shape=np.shape(values)))
            assert np.array_equal(np.asarray(unique), expected[0].numpy())
            assert np.array_equal(np.asarray(counts), expected[1].numpy())


def test_clamp_min_and_clamp_max_match_torch(helpers):
    """patchtsmixer's `denominator.clamp_min(1.0)`; a tensor bound takes x's dtype, as in `x.clamp(...)`."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    low = translate("x.clamp_min(0.5)", *NODE_PASSES)
    high = translate("x.clamp_max(max=y)", *NODE_PASSES)
    assert (low, high) == ("tf.math.maximum(x, 0.5)", "tf.math.minimum(x, tf.cast(y, x.dtype))")
    x = np.linspace(-1, 2, 7).astype("float32")
    y = np.asarray(1.25, dtype="float64")
    namespace = {"tf": tf}
    for code, expected in ((low, torch.tensor(x).clamp_min(0.5)), (high, torch.tensor(x).clamp_max(max=1.25))):
        run = eval(f"lambda x, y: {code}", namespace)  # noqa: S307 (the translation under test)
        _close(run(tf.constant(x), tf.constant(y)), expected.numpy())


def test_masked_fill_with_a_float_into_an_int_tensor_keeps_its_dtype(helpers):
    """fastspeech2's `duration_predictions.masked_fill(mask, 0.0)` on integer durations: torch casts the value."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    code = translate("x.masked_fill(mask, 0.0)", *NODE_PASSES, params="x, mask")
    x = np.asarray([[3, 1, 2]], dtype="int32")
    mask = np.asarray([[False, True, False]])
    expected = torch.tensor(x).masked_fill(torch.tensor(mask), 0.0).numpy()
    run = eval(f"lambda x, mask: {code}", {"tf": tf})  # noqa: S307
    for fn in (run, tf.function(run)):
        result = fn(tf.constant(x), tf.constant(mask))
        assert result.dtype == tf.int32
        _close(result, expected)


def test_isinstance_of_flex_attentions_block_mask_is_false():
    """doge's `isinstance(attention_mask, BlockMask)`: a TF mask never is one (the name is not even imported)."""
    from scaffold.convert import convert_source

    source = """
import torch
from torch import nn
from torch.nn.attention.flex_attention import BlockMask


class TinyLayer(nn.Module):
    def forward(self, x, attention_mask=None):
        if attention_mask is not None and not isinstance(attention_mask, BlockMask):
            x = x + attention_mask
        return x
"""
    code = convert_source(source, "tiny", format_code=False).code
    assert "BlockMask" not in code and "isinstance" not in code
    assert "if attention_mask is not None:" in code  # `and not False` simplified away


def test_assignment_into_an_item_of_a_list_of_states_matches_torch(helpers):
    """rwkv's `state[0][:, :, self.layer_id] = hidden[:, -1]`: the list's tensor replaced by the updated one."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import run_passes

    tf = helpers.tf
    code = run_passes(
        """
        class TinyLayer(nn.Module):
            def forward(self, state, hidden):
                state[1][:, :, 2] = hidden[:, -1]
                return state
        """,
        *NODE_PASSES,
    )
    assert (
        "state = torch_setitem(state, 1, torch_setitem(state[1], (slice(None), slice(None), 2), hidden[:, -1]))"
        in (code)
    )
    rng = np.random.default_rng(0)
    states = [rng.normal(size=(2, 3, 4)).astype("float32") for _ in range(2)]
    hidden = rng.normal(size=(2, 5, 3)).astype("float32")
    pt_states = [torch.tensor(s) for s in states]
    pt_states[1][:, :, 2] = torch.tensor(hidden)[:, -1]

    def update(state, h):
        state = list(state)
        state = helpers.torch_setitem(
            state, 1, helpers.torch_setitem(state[1], (slice(None), slice(None), 2), h[:, -1])
        )
        return state

    for run in (update, tf.function(update)):
        result = run([tf.constant(s) for s in states], tf.constant(hidden))
        for r, e in zip(result, pt_states):
            _close(r, e.numpy())


def test_a_linear_weight_reached_through_another_layer_and_scaled_in_place_matches_torch(helpers):
    """rwkv's `_rescale_layers`: `block.attention.output.weight.div_(k)` for each block (a loop variable), and
    `hasattr(block.attention.output.weight, "SCB")`: the weight is the Dense kernel transposed, and scaling it in
    place assigns the kernel, as torch updates its parameter."""
    import numpy as np
    import torch

    from scaffold.convert import convert_source

    source = """
import torch
from torch import nn


class TinyAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.output = nn.Linear(3, 3, bias=False)

    def forward(self, x):
        return self.output(x)


class TinyBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = TinyAttention(config)

    def forward(self, x):
        return self.attention(x)


class TinyModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.blocks = nn.ModuleList([TinyBlock(config) for _ in range(3)])

    def forward(self, x):
        for block_id, block in enumerate(self.blocks):
            if hasattr(block.attention.output.weight, "SCB"):
                block.attention.output.weight.SCB.div_(2)
            else:
                block.attention.output.weight.div_(2**block_id)
        for block in self.blocks:
            x = block(x)
        return x
"""
    code = convert_source(source, "tiny", format_code=False).code
    assert "block.attention.tiny_output.kernel.assign(block.attention.tiny_output.kernel / (2**block_id))" in code
    assert 'hasattr(tf.transpose(block.attention.tiny_output.kernel), "SCB")' in code
    namespace: dict = {}
    exec(source, namespace)
    torch.manual_seed(0)
    pt = namespace["TinyModel"](None)
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    from scaffold.checks.weights import import_generated

    tf = helpers.tf
    model = import_generated(code, "tiny", suffix="scaled", package="transformers.models.bert").TFTinyModel(
        None, name="model"
    )
    model(tf.constant(x))  # builds
    for block, pt_block in zip(model.blocks, pt.blocks):
        block.attention.tiny_output.kernel.assign(pt_block.attention.output.weight.detach().numpy().T)
    with torch.no_grad():
        expected = pt(torch.tensor(x)).numpy()
    _close(model(tf.constant(x)), expected)
    for block, pt_block in zip(model.blocks, pt.blocks):  # the weights themselves, scaled once
        _close(tf.transpose(block.attention.tiny_output.kernel), pt_block.attention.output.weight.detach().numpy())


def test_zeros_of_starred_sizes():
    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    assert translate("torch.zeros(*x, dtype=torch.float32)", *NODE_PASSES) == "tf.zeros([*x], dtype=tf.float32)"
    assert translate("torch.ones(2, *x)", *NODE_PASSES) == "tf.ones([2, *x])"
    assert translate("torch.zeros(x)", *NODE_PASSES) == "tf.zeros(x)"


@pytest.mark.parametrize(("dimension", "size", "step"), [(-1, 4, 2), (1, 2, 1), (0, 2, 3), (-2, 3, 3)])
def test_tensor_unfold_matches_torch(helpers, dimension, size, step):
    """patchtsmixer's / patchtst's `past_values.unfold(dimension=-2, size=patch_length, step=patch_stride)`."""
    import numpy as np
    import torch

    from scaffold.convert import NODE_PASSES
    from tests.conftest import translate

    tf = helpers.tf
    code = translate("x.unfold(dimension=-2, size=n, step=k)", *NODE_PASSES, params="x, n, k")
    assert code == "torch_tensor_unfold(x, -2, n, k)"
    x = np.arange(5 * 7 * 6).reshape(5, 7, 6).astype("float32")
    expected = torch.tensor(x).unfold(dimension, size, step).numpy()
    traced = tf.function(lambda t: helpers.torch_tensor_unfold(t, dimension, size, step))
    for run in (lambda t: helpers.torch_tensor_unfold(t, dimension, size, step), traced):
        _close(run(tf.constant(x)), expected)
