"""TF twins of torch-side helpers that converted forward bodies call.

scaffold never imports this module: it reads it as text and copies each top-level definition a converted
file uses into that file (with the imports below, made relative). The tests import it to check the numbers
against the torch originals. Every mask here is additive: 0 where attended, `dtype.min` where masked, as
transformers' eager attention expects.
"""

import importlib
import math
import re
from functools import wraps
from inspect import signature

import tensorflow as tf
from transformers.activations_tf import get_tf_activation
from transformers.modeling_tf_utils import TFPreTrainedModel, keras, unpack_inputs
from transformers.models.auto.configuration_auto import AutoConfig, model_type_to_module_name
from transformers.models.auto.modeling_auto import MODEL_FOR_BACKBONE_MAPPING_NAMES
from transformers.tf_utils import shape_list, stable_softmax


def get_extended_attention_mask(attention_mask, input_shape, is_decoder=False, dtype=tf.float32):
    """TF twin of PreTrainedModel.get_extended_attention_mask."""
    attention_mask = tf.cast(attention_mask, dtype)
    if len(shape_list(attention_mask)) == 3:
        extended_attention_mask = attention_mask[:, None, :, :]
    else:
        extended_attention_mask = attention_mask[:, None, None, :]
        if is_decoder:
            seq_length = input_shape[1]
            mask_length = shape_list(attention_mask)[1]
            causal_mask = tf.linalg.band_part(tf.ones((seq_length, seq_length), dtype=dtype), -1, 0)
            if mask_length > seq_length:
                causal_mask = tf.concat(
                    [tf.ones((seq_length, mask_length - seq_length), dtype=dtype), causal_mask], axis=-1
                )
            extended_attention_mask = causal_mask[None, None, :, :] * extended_attention_mask
    return (1.0 - extended_attention_mask) * dtype.min


def invert_attention_mask(encoder_attention_mask, dtype=tf.float32):
    """TF twin of PreTrainedModel.invert_attention_mask."""
    encoder_attention_mask = tf.cast(encoder_attention_mask, dtype)
    if len(shape_list(encoder_attention_mask)) == 3:
        encoder_extended_attention_mask = encoder_attention_mask[:, None, :, :]
    else:
        encoder_extended_attention_mask = encoder_attention_mask[:, None, None, :]
    return (1.0 - encoder_extended_attention_mask) * dtype.min


def get_head_mask(head_mask, num_hidden_layers):
    """TF twin of PreTrainedModel.get_head_mask: one mask (or None) per layer."""
    if head_mask is None:
        return [None] * num_hidden_layers
    head_mask = tf.convert_to_tensor(head_mask)
    if len(shape_list(head_mask)) == 1:
        num_heads = shape_list(head_mask)[0]
        head_mask = tf.broadcast_to(head_mask[None, None, :, None, None], [num_hidden_layers, 1, num_heads, 1, 1])
    elif len(shape_list(head_mask)) == 2:
        head_mask = head_mask[:, None, :, None, None]
    return head_mask


def config_initializer_range(config):
    """The std torch's PreTrainedModel._init_weights draws weights with: the config's `initializer_range`, else
    that of its text config (a composite config: CLIP's, Llava's), 0.02 without one."""
    if hasattr(config, "initializer_range"):
        return config.initializer_range
    return getattr(config.get_text_config(), "initializer_range", 0.02)


def _prepare_4d_attention_mask(mask, dtype, tgt_len=None):
    """TF twin of modeling_attn_mask_utils._prepare_4d_attention_mask: [bsz, src] -> [bsz, 1, tgt, src]."""
    batch_size, src_len = shape_list(mask)[:2]
    tgt_len = tgt_len if tgt_len is not None else src_len
    expanded = tf.broadcast_to(tf.cast(mask, dtype)[:, None, None, :], [batch_size, 1, tgt_len, src_len])
    return tf.where(expanded > 0, tf.constant(0, dtype), tf.constant(dtype.min, dtype))


def _prepare_4d_attention_mask_for_sdpa(mask, dtype, tgt_len=None):
    """TF twin of the SDPA variant: the same mask (TF has only the explicit-mask path)."""
    return _prepare_4d_attention_mask(mask, dtype, tgt_len)


def _causal_additive_mask(query_length, key_length, past_length, dtype, sliding_window=None):
    """[1, 1, q, k]: query i (at absolute position past + i) sees key j <= past + i (within the window)."""
    query_positions = tf.range(query_length)[:, None] + past_length
    key_positions = tf.range(key_length)[None, :]
    allowed = key_positions <= query_positions
    if sliding_window is not None:
        allowed = tf.logical_and(allowed, query_positions - key_positions < sliding_window)
    mask = tf.where(allowed, tf.constant(0, dtype), tf.constant(dtype.min, dtype))
    return mask[None, None, :, :]


def _combine_with_padding(causal, attention_mask, dtype):
    if attention_mask is None:
        return causal
    padding = tf.cast(attention_mask, dtype)[:, None, None, :]
    return tf.where(padding > 0, causal, tf.constant(dtype.min, dtype))


def _prepare_4d_causal_attention_mask(
    attention_mask, input_shape, inputs_embeds, past_key_values_length, sliding_window=None
):
    """TF twin of modeling_attn_mask_utils._prepare_4d_causal_attention_mask."""
    dtype = inputs_embeds.dtype
    if attention_mask is not None and len(shape_list(attention_mask)) == 4:
        return tf.where(tf.cast(attention_mask, tf.bool), tf.constant(0, dtype), tf.constant(dtype.min, dtype))
    query_length = input_shape[-1]
    key_length = query_length + past_key_values_length
    # torch's _make_causal_mask keeps keys up to `sliding_window` back (inclusive); _causal_additive_mask's window
    # excludes its bound (masking_utils' convention)
    window = sliding_window + 1 if sliding_window is not None else None
    causal = _causal_additive_mask(query_length, key_length, past_key_values_length, dtype, window)
    batch_size = input_shape[0]
    causal = tf.broadcast_to(causal, [batch_size, 1, query_length, key_length])
    return _combine_with_padding(causal, attention_mask, dtype)


def _create_4d_causal_attention_mask(input_shape, dtype, device=None, past_key_values_length=0, sliding_window=None):
    """TF twin of modeling_attn_mask_utils._create_4d_causal_attention_mask (CLIP-like text encoders): [batch, 1,
    query, past + query], query i sees keys up to past + i (and, with a window, at most `sliding_window` back)."""
    query_length = input_shape[-1]
    key_length = past_key_values_length + query_length
    # torch's _make_causal_mask keeps keys up to `sliding_window` back; _causal_additive_mask's window excludes its
    # bound (masking_utils' convention)
    window = sliding_window + 1 if sliding_window is not None else None
    mask = _causal_additive_mask(query_length, key_length, past_key_values_length, dtype, window)
    return tf.broadcast_to(mask, [input_shape[0], 1, query_length, key_length])


def _prepare_4d_causal_attention_mask_for_sdpa(
    attention_mask, input_shape, inputs_embeds, past_key_values_length, sliding_window=None
):
    """TF twin of the SDPA variant: the same explicit mask."""
    return _prepare_4d_causal_attention_mask(
        attention_mask, input_shape, inputs_embeds, past_key_values_length, sliding_window
    )


def _eager_causal_mask(
    input_embeds,
    attention_mask,
    cache_position=None,
    sliding_window=None,
    or_mask_function=None,
    and_mask_function=None,
):
    """Additive [bsz, 1, q, k] causal mask (within a window, if any), or'ed and and'ed with torch's mask functions
    where given (masking_utils' `or_mask_function` / `and_mask_function`: t5gemma's bidirectional encoder), then
    merged with the padding mask, in torch's order."""
    dtype = input_embeds.dtype
    if attention_mask is not None and len(shape_list(attention_mask)) == 4:
        return attention_mask
    batch_size, query_length = shape_list(input_embeds)[:2]
    past_length = 0 if cache_position is None else cache_position[0]
    key_length = query_length + past_length
    if attention_mask is not None:
        key_length = shape_list(attention_mask)[-1]
    causal = _causal_additive_mask(query_length, key_length, past_length, dtype, sliding_window)
    if or_mask_function is not None or and_mask_function is not None:
        # torch calls a mask function on (batch, head, query position, key position) indices, broadcast
        indices = (
            tf.range(batch_size)[:, None, None, None],
            tf.zeros([1, 1, 1, 1], tf.int32),
            (tf.range(query_length) + past_length)[None, None, :, None],
            tf.range(key_length)[None, None, None, :],
        )
        allowed = tf.equal(causal, 0)
        if or_mask_function is not None:
            allowed = tf.logical_or(allowed, tf.cast(or_mask_function(*indices), tf.bool))
        if and_mask_function is not None:
            allowed = tf.logical_and(allowed, tf.cast(and_mask_function(*indices), tf.bool))
        causal = tf.where(allowed, tf.constant(0, dtype), tf.constant(dtype.min, dtype))
    causal = tf.broadcast_to(causal, [batch_size, 1, query_length, key_length])
    return _combine_with_padding(causal, attention_mask, dtype)


def create_causal_mask(
    config,
    input_embeds,
    attention_mask,
    cache_position=None,
    past_key_values=None,
    or_mask_function=None,
    and_mask_function=None,
    **kwargs,
):
    """TF twin of masking_utils.create_causal_mask for the eager path."""
    return _eager_causal_mask(input_embeds, attention_mask, cache_position, None, or_mask_function, and_mask_function)


def create_sliding_window_causal_mask(
    config,
    input_embeds,
    attention_mask,
    cache_position=None,
    past_key_values=None,
    or_mask_function=None,
    and_mask_function=None,
    **kwargs,
):
    """TF twin of masking_utils.create_sliding_window_causal_mask (window: config.sliding_window)."""
    return _eager_causal_mask(
        input_embeds,
        attention_mask,
        cache_position,
        getattr(config, "sliding_window", None),
        or_mask_function,
        and_mask_function,
    )


def create_bidirectional_mask(config, input_embeds, attention_mask, encoder_hidden_states=None, **kwargs):
    """TF twin of masking_utils.create_bidirectional_mask: padding only."""
    if attention_mask is None:
        return None
    dtype = input_embeds.dtype
    query_length = shape_list(input_embeds)[1]
    return _prepare_4d_attention_mask(attention_mask, dtype, tgt_len=query_length)


def _update_full_mask(attention_mask, inputs_embeds, **kwargs):
    """TF twin of the encoders' `_update_full_mask` (eager path): padding mask for self-attention."""
    if attention_mask is None:
        return None
    return _prepare_4d_attention_mask(attention_mask, inputs_embeds.dtype)


def _update_cross_attn_mask(encoder_hidden_states, encoder_attention_mask, input_shape, inputs_embeds, **kwargs):
    """TF twin of the decoders' `_update_cross_attn_mask` (eager path)."""
    if encoder_hidden_states is None or encoder_attention_mask is None:
        return None
    return _prepare_4d_attention_mask(encoder_attention_mask, inputs_embeds.dtype, tgt_len=input_shape[-1])


def _update_causal_mask(
    attention_mask,
    input_tensor=None,
    cache_position=None,
    past_key_values=None,
    input_shape=None,
    inputs_embeds=None,
    past_key_values_length=0,
    **kwargs,
):
    """TF twin of the decoders' `_update_causal_mask` (eager path): causal mask merged with padding. The
    musicgen-era signature (`input_shape, inputs_embeds, past_key_values_length`: nllb_moe, bart-likes) builds
    it as `_prepare_4d_causal_attention_mask` does."""
    if input_tensor is None and input_shape is not None:
        return _prepare_4d_causal_attention_mask(attention_mask, input_shape, inputs_embeds, past_key_values_length)
    return _eager_causal_mask(input_tensor, attention_mask, cache_position)


def _prepare_4d_causal_attention_mask_with_cache_position(
    attention_mask, sequence_length, target_length, dtype, cache_position, batch_size, **kwargs
):
    """TF twin of the static `_prepare_4d_causal_attention_mask_with_cache_position`."""
    if attention_mask is not None and len(shape_list(attention_mask)) == 4:
        return attention_mask
    past_length = cache_position[0]
    causal = tf.broadcast_to(
        _causal_additive_mask(sequence_length, target_length, past_length, dtype),
        [batch_size, 1, sequence_length, target_length],
    )
    if attention_mask is not None:
        attention_mask = attention_mask[:, :target_length]
    return _combine_with_padding(causal, attention_mask, dtype)


def torch_shaped(layer, input_shape):
    """A keras layer made where no attribute names it (a local, an item added to a container later), with the
    input shape its torch constructor implies: whoever builds it without a shape of its own uses this one."""
    layer._torch_input_shape = input_shape
    return layer


def _build_named(layer, name, input_shape=None):
    """Build `layer` under `name` (torch's attribute or index) with its shape, or the one it was made with."""
    if isinstance(layer, keras.layers.Layer) and not layer.built:
        with tf.name_scope(name):
            layer.build(input_shape if input_shape is not None else getattr(layer, "_torch_input_shape", None))


class TorchModule(keras.layers.Layer):
    """torch's bare `nn.Module()` used as an attribute container (emu3's `down = nn.Module(); down.block = ...`):
    the layers and lists of layers set on it are built under torch's names (`block.0.`, `downsample.`), in the
    order torch registers them, whatever keras named them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._torch_children = []

    def __setattr__(self, name, value):
        children = getattr(self, "_torch_children", None)
        held = value if isinstance(value, (list, tuple)) else [value]
        if children is not None and not name.startswith("_") and any(isinstance(v, keras.layers.Layer) for v in held):
            if name not in children:
                children.append(name)
        super().__setattr__(name, value)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        for name in self._torch_children:
            value = getattr(self, name)
            if isinstance(value, (list, tuple)):
                for index, layer in enumerate(value):
                    _build_named(layer, f"{name}_._{index}")
            else:
                _build_named(value, name)


def torch_add_module(module, name, layer):
    """torch's `module.add_module(name, layer)`: `layer` takes torch's name (its weights load under `<name>.`) and
    is kept in `module._torch_modules`, which the module's build() builds under that name (keras tracks the
    list, so the weights are the module's). A layer also held elsewhere keeps one name: this one."""
    if isinstance(layer, keras.layers.Layer):
        layer._name = str(name)
        if not hasattr(module, "_torch_modules"):
            module._torch_modules = []
        module._torch_modules.append(layer)
    return layer


def torch_build_added_modules(module):
    """build() of a module that `torch_add_module` gave layers: each under its torch name, with the shape it was
    made with (a layer also built elsewhere already is left alone)."""
    for layer in getattr(module, "_torch_modules", []):
        _build_named(layer, layer.name)


def _update_mamba_mask(attention_mask, cache_position):
    """TF twin of the hybrid models' `_update_mamba_mask` (qwen3_next's `_update_linear_attn_mask`): the padding
    mask the state-space layers multiply their states by, None where nothing is masked (a cached step, or no
    padding). Eagerly exactly torch's. Traced, "nothing masked" is a tensor and a tensor-dependent branch cannot
    make a value None: the mask is then `tf.cond`'s choice between the mask and ones for this step's tokens
    (batch, len(cache_position)), which the layers multiply by as torch multiplies by no mask at all (x * 1 == x,
    exactly; every consumer of this mask multiplies states by it)."""
    if attention_mask is None:
        return None
    unmasked = tf.logical_or(
        cache_position[0] > 0, tf.reduce_all(tf.equal(attention_mask, tf.cast(1, attention_mask.dtype)))
    )
    if tf.executing_eagerly():
        return None if bool(unmasked) else attention_mask
    ones = tf.ones([shape_list(attention_mask)[0], shape_list(cache_position)[0]], dtype=attention_mask.dtype)
    return tf.cond(unmasked, lambda: ones, lambda: attention_mask)


def _update_linear_attn_mask(attention_mask, cache_position):
    """TF twin of qwen3_next's `_update_linear_attn_mask`: the same rule as `_update_mamba_mask`."""
    return _update_mamba_mask(attention_mask, cache_position)


def call_sequential(layers, hidden_states, training=False):
    """A torch nn.Sequential, kept as a list of layers (weights named `<attr>_._<i>`): apply them in order. One
    layer (what another branch of `__init__` made instead: an nn.Identity, a conv) is applied itself."""
    for layer in layers if isinstance(layers, (list, tuple)) else [layers]:
        if isinstance(layer, keras.layers.Layer):
            hidden_states = layer(hidden_states, training=training)
        else:
            hidden_states = layer(hidden_states)
    return hidden_states


class TorchGroupNorm(keras.layers.GroupNormalization):
    """torch's nn.GroupNorm (keras axis=1: channels-first) over inputs of any rank, as torch's: keras' own accepts
    only the rank it was built with, and build() knows the channels only (`[None, channels, None]`)."""

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={self.axis: input_shape[self.axis]})


class TorchBatchNorm1d(keras.layers.BatchNormalization):
    """torch's nn.BatchNorm1d (keras axis=1) over [batch, channels] or [batch, channels, length], as torch's: keras'
    own accepts only the rank it was built with, and build() knows the channels only (`[None, channels, None]`)."""

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, max_ndim=3, axes={1: input_shape[1]})


class TorchNNGroupNorm(TorchGroupNorm):
    """torch's nn.GroupNorm as a base class (poolformer's `PoolFormerGroupNorm(nn.GroupNorm)`), with torch's
    constructor arguments and attributes; built from `num_channels` where build() knows no input shape."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, **kwargs):
        super().__init__(groups=num_groups, epsilon=eps, center=affine, scale=affine, axis=1, **kwargs)
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine

    def build(self, input_shape=None):
        super().build(input_shape if input_shape is not None else [None, self.num_channels, None])

    @property
    def weight(self):
        return self.gamma

    @property
    def bias(self):
        return self.beta


class TorchSequential(keras.layers.Layer):
    """A torch nn.Sequential that is not an attribute of its own (an item of a list: focalnet's focal layers) as
    one layer: its items named by index ("0", "1", ...: torch's `<list>.<i>.<j>` weights), each built with the
    input shape its torch constructor implies, applied in order."""

    def __init__(self, layers, input_shapes=None, **kwargs):
        super().__init__(**kwargs)
        self.sequence = layers
        self.input_shapes = input_shapes or [None] * len(layers)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        for index, (layer, shape) in enumerate(zip(self.sequence, self.input_shapes)):
            _build_named(layer, str(index), shape)  # torch's index, also for a layer made in a local first

    def call(self, hidden_states, training=False):
        return call_sequential(self.sequence, hidden_states, training=training)


def torch_sum(tensor, axis=None, keepdims=False, dtype=None):
    """torch's sum: booleans count as integers (tf.reduce_sum refuses them); `dtype=` casts the input first."""
    if dtype is not None:
        tensor = tf.cast(tensor, dtype)
    elif tensor.dtype == tf.bool:
        tensor = tf.cast(tensor, tf.int32)
    return tf.reduce_sum(tensor, axis=axis, keepdims=keepdims)


def torch_cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """torch.cosine_similarity: x1 . x2 over `dim` (broadcast) divided by each norm clamped below at `eps`."""
    x1, x2 = torch_promote(tf.convert_to_tensor(x1), tf.convert_to_tensor(x2))
    norms = tf.maximum(tf.norm(x1, axis=dim), eps) * tf.maximum(tf.norm(x2, axis=dim), eps)
    return tf.reduce_sum(x1 * x2, axis=dim) / norms


def torch_var(tensor, axis=None, keepdims=False, correction=1):
    """torch's var: the squared deviations summed over `axis` (every dim: None) divided by N - `correction`
    (Bessel's 1 by default, 0 for `unbiased=False`); tf.math.reduce_variance always divides by N."""
    mean = tf.reduce_mean(tensor, axis=axis, keepdims=True)
    squares = tf.reduce_sum(tf.math.square(tensor - mean), axis=axis, keepdims=True)
    count = tf.cast(tf.size(tensor) // tf.size(squares), tensor.dtype)
    variance = squares / (count - tf.cast(correction, tensor.dtype))
    if keepdims:
        return variance
    return tf.reshape(variance, []) if axis is None else tf.squeeze(variance, axis)


def torch_std(tensor, axis=None, keepdims=False, correction=1):
    """torch's std: the square root of torch_var (Bessel's correction by default)."""
    return tf.math.sqrt(torch_var(tensor, axis=axis, keepdims=keepdims, correction=correction))


def torch_repeat(tensor, repeats):
    """Tensor.repeat: tf.tile, the counts beyond the tensor's rank on new leading dims of size 1 (as torch)."""
    extra = len(repeats) - len(tensor.shape)
    if extra > 0:
        tensor = tf.reshape(tensor, [1] * extra + shape_list(tensor))
    return tf.tile(tensor, repeats)


def torch_list(x):
    """list(x): a tensor is split along its first dim, as torch iterates it (tf.unstack traces where that dim is
    static; iterating a symbolic tensor is refused); anything else as list() does."""
    return tf.unstack(x) if tf.is_tensor(x) else list(x)


def _scalar_reduce(op, values):
    tensors = [v for v in values if tf.is_tensor(v)]
    result = tf.cast(values[0], tensors[0].dtype)
    for value in values[1:]:
        result = op(result, tf.cast(value, tensors[0].dtype))
    return result


def scalar_max(*values):
    """builtins.max of numbers that may be 0-d tensors (keras makes the first argument of a layer's call a tensor):
    tf.maximum where one is a tensor (Python's max calls bool() on it, refused under tf.function), else max."""
    return _scalar_reduce(tf.maximum, values) if any(tf.is_tensor(v) for v in values) else max(values)


def scalar_min(*values):
    """builtins.min of numbers that may be 0-d tensors: tf.minimum where one is a tensor, else min."""
    return _scalar_reduce(tf.minimum, values) if any(tf.is_tensor(v) for v in values) else min(values)


def torch_tensor(data, dtype=None):
    """torch.tensor: a new tensor of `data`, also of a list of scalar tensors (tf.constant refuses those)."""
    if isinstance(data, (list, tuple)) and any(tf.is_tensor(d) for d in data):
        stacked = tf.stack([tf.convert_to_tensor(d) for d in data])
        return stacked if dtype is None else tf.cast(stacked, dtype)
    return tf.constant(data, dtype=dtype)


def torch_tile(tensor, dims):
    """torch.tile / Tensor.tile: as repeat, but fewer counts than dims repeat the trailing dims (leading 1s)."""
    dims = [dims] if isinstance(dims, int) else list(dims)
    return torch_repeat(tensor, [1] * (len(tensor.shape) - len(dims)) + dims)


def torch_flatten(input, start_dim=0, end_dim=-1):
    """torch.flatten: dims start_dim..end_dim (either may be negative, or known only at run time) in one dim."""
    shape = shape_list(input)
    rank = max(len(shape), 1)
    start, end = start_dim % rank, end_dim % rank
    return tf.reshape(input, shape[:start] + [-1] + shape[end + 1 :])


def torch_isin(elements, test_elements):
    """torch.isin (and transformers' isin_mps_friendly): whether each element is among `test_elements` (a tensor
    or a scalar)."""
    elements = tf.convert_to_tensor(elements)
    test = tf.reshape(tf.cast(tf.convert_to_tensor(test_elements), elements.dtype), [-1])
    return tf.reduce_any(tf.equal(elements[..., None], test), axis=-1)


def torch_setitem(container, key, value):
    """`container[key] = value` as torch does it, returning the result: TF tensors are immutable, so a tensor
    gives a new tensor with the part `torch_index` reads at `key` (ints, slices, `...`, None, boolean masks, integer
    tensors) replaced by `value` broadcast to it; anything else (a list, a dict) is updated in place."""
    if not tf.is_tensor(container):
        container[key] = value
        return container
    positions = torch_index(tf.reshape(tf.range(tf.size(container)), tf.shape(container)), key)
    value = tf.broadcast_to(tf.cast(value, container.dtype), tf.shape(positions))
    flat = tf.tensor_scatter_nd_update(
        tf.reshape(container, [-1]), tf.reshape(positions, [-1, 1]), tf.reshape(value, [-1])
    )
    return tf.reshape(flat, tf.shape(container))


def torch_index(tensor, index):
    """`tensor[index]` as torch reads it: an integer tensor picks rows (tf.gather); a tuple of integer tensors
    and ints (torch's advanced indexing over the leading dims) picks elements (tf.gather_nd, indices broadcast,
    negative ones counted from the end); a boolean tensor, alone or among `:` (`x[mask, :]`), keeps the entries
    where it is True (tf.boolean_mask); `None`s before and after integer tensors (`x[None, idx]`, `x[a, b, None]`)
    add their new axes where torch adds them; anything else (ints, slices) indexes as TF does."""
    if isinstance(index, tuple) and any(i is None for i in index) and any(_is_index_tensor(i) for i in index):
        return _index_with_new_axes(tensor, index)
    if tf.is_tensor(index) and index.dtype.is_integer and index.shape.rank != 0:
        return tf.gather(tensor, index)
    if (
        isinstance(index, tuple)
        and any(tf.is_tensor(i) and i.shape.rank != 0 for i in index)
        and all(isinstance(i, int) or (tf.is_tensor(i) and i.dtype.is_integer) for i in index)
    ):
        sizes = shape_list(tensor)
        parts = [tf.cast(i, tf.int64) for i in index]
        parts = [tf.where(p < 0, p + tf.cast(sizes[d], tf.int64), p) for d, p in enumerate(parts)]
        common = tf.shape(parts[0])
        for p in parts[1:]:
            common = tf.broadcast_dynamic_shape(common, tf.shape(p))
        return tf.gather_nd(tensor, tf.stack([tf.broadcast_to(p, common) for p in parts], axis=-1))
    position = _tensor_among_slices(index)
    if position is not None:
        # `x[:, :, idx]`, `x[..., idx]`, `x[1:, idx]`: the slices, then the rows `idx` picks along its axis
        sliced = tensor[tuple(slice(None) if d == position else i for d, i in enumerate(index))]
        ellipsis = any(i is Ellipsis for i in index[:position])
        axis = sliced.shape.rank - (len(index) - position) if ellipsis else position
        picks = index[position]
        picks = tf.where(picks < 0, picks + tf.cast(tf.shape(sliced)[axis], picks.dtype), picks)
        return tf.gather(sliced, picks, axis=axis)
    if isinstance(index, tuple) and index and _boolean_mask_axis(index) is not None:
        axis = _boolean_mask_axis(index)
        return tf.boolean_mask(tensor, index[axis], axis=axis)
    if isinstance(index, tuple) and _mask_among_basic(index) is not None:
        return _mask_among_basic(index)(tensor)
    if tf.is_tensor(index) and index.dtype == tf.bool and index.shape.rank != 0:
        return tf.boolean_mask(tensor, index)
    return tensor[index]


def _tensor_among_slices(index):
    """The position of a key's one integer tensor among slices (and at most one `...`), else None."""
    if not isinstance(index, tuple):
        return None
    tensors = [d for d, i in enumerate(index) if _is_index_tensor(i)]
    if len(tensors) != 1 or sum(1 for i in index if i is Ellipsis) > 1:
        return None
    if not all(isinstance(i, slice) or i is Ellipsis for d, i in enumerate(index) if d != tensors[0]):
        return None
    return tensors[0]


def _is_index_tensor(i):
    return tf.is_tensor(i) and i.dtype.is_integer and i.shape.rank != 0


def _index_with_new_axes(tensor, index):
    """torch_index of a key with `None`s only before and after its integer tensors and ints: the new axes go
    before the gathered dims and right after them, as torch places them."""
    before = next(d for d, i in enumerate(index) if i is not None)
    after = next(d for d, i in enumerate(reversed(index)) if i is not None)
    core = index[before : len(index) - after]
    if any(i is None or not (isinstance(i, int) or tf.is_tensor(i)) for i in core):
        return tensor[index]
    picked = torch_index(tensor, core if len(core) > 1 else core[0])
    rank = max(tf.convert_to_tensor(i).shape.rank for i in core)
    for _ in range(after):
        picked = tf.expand_dims(picked, rank)
    for _ in range(before):
        picked = tf.expand_dims(picked, 0)
    return picked


def _boolean_mask_axis(index):
    """`x[:, mask, :]`: the position of the one boolean tensor of a key whose other parts are all `:`."""
    masks = [d for d, i in enumerate(index) if tf.is_tensor(i) and i.dtype == tf.bool and i.shape.rank != 0]
    full = [d for d, i in enumerate(index) if isinstance(i, slice) and i == slice(None)]
    return masks[0] if len(masks) == 1 and len(masks) + len(full) == len(index) else None


def _mask_among_basic(index):
    """`x[..., i, mask]` (Qwen2-VL's position ids): one boolean tensor among ints, slices and `...`, the ints next to
    it (torch then keeps the masked dim where they stand): mask first, then the rest as TF slices it. Returns that
    indexing as a function of the tensor, or None for other keys."""
    masks = [d for d, i in enumerate(index) if tf.is_tensor(i) and i.dtype == tf.bool and i.shape.rank]
    if len(masks) != 1 or sum(i is Ellipsis for i in index) > 1:
        return None
    if not all(d in masks or i is Ellipsis or isinstance(i, (int, slice)) for d, i in enumerate(index)):
        return None
    ints = [d for d, i in enumerate(index) if isinstance(i, int) and not isinstance(i, bool)]
    run = sorted(ints + masks)
    if run != list(range(run[0], run[-1] + 1)):
        return None  # an int apart from the mask: torch moves the masked dim first
    position = masks[0]
    mask = index[position]

    def apply(tensor):
        rank = len(tensor.shape)
        consumed = sum(mask.shape.rank if d == position else 1 for d, i in enumerate(index) if i is not Ellipsis)
        key = []
        for i in index:
            key += [slice(None)] * (rank - consumed) if i is Ellipsis else [i]
        axis = next(d for d, i in enumerate(key) if i is mask)  # each part before it takes one dim
        masked = tf.boolean_mask(tensor, mask, axis=axis)
        rest = tuple(key[:axis] + [slice(None)] + key[axis + 1 :])
        return masked[rest]

    return apply


def torch_tensor_unfold(tensor, dimension, size, step):
    """torch's `Tensor.unfold(dimension, size, step)`: the windows of `size` elements every `step` along
    `dimension` (as many as fit), that dim becoming the window count and the window a new last dim."""
    rank = len(tensor.shape)
    axis = dimension % rank
    frames = tf.signal.frame(tensor, size, step, axis=axis)  # windows at axis, their elements at axis + 1
    return tf.transpose(frames, [*range(axis + 1), *range(axis + 2, rank + 1), axis + 1])


def torch_unique_consecutive(tensor, return_counts=False):
    """torch.unique_consecutive(x) (no dim): the flattened values with each run of equal ones kept once; with
    `return_counts`, also each run's length."""
    flat = tf.reshape(tensor, [-1])
    first = tf.ones([tf.minimum(tf.size(flat), 1)], dtype=tf.bool)
    starts = tf.concat([first, tf.math.not_equal(flat[1:], flat[:-1])], axis=0)
    values = tf.boolean_mask(flat, starts)
    if not return_counts:
        return values
    positions = tf.concat([tf.where(starts)[:, 0], tf.cast(tf.size(flat), tf.int64)[None]], axis=0)
    return values, tf.cast(positions[1:] - positions[:-1], tf.int32)


def torch_masked_select(tensor, mask):
    """torch's `tensor.masked_select(mask)`: the elements where the mask (broadcast against the tensor) is True,
    in one dimension, in row-major order."""
    tensor, mask = tf.convert_to_tensor(tensor), tf.convert_to_tensor(mask)
    shape = tf.broadcast_dynamic_shape(tf.shape(tensor), tf.shape(mask))
    return tf.boolean_mask(
        tf.reshape(tf.broadcast_to(tensor, shape), [-1]), tf.reshape(tf.broadcast_to(mask, shape), [-1])
    )


def torch_vector_norm(x, ord=2, dim=None, keepdim=False, dtype=None):
    """torch.linalg.vector_norm: the `ord`-norm over `dim` (every dim when None) of the flattened entries."""
    if isinstance(ord, str):  # a matrix norm's name ("fro", "nuc") reached at run time
        raise NotImplementedError(f"scaffold: torch.norm with ord={ord!r} is not translated")
    if dtype is not None:
        x = tf.cast(x, dtype)
    x = tf.math.abs(x)
    axis = list(dim) if isinstance(dim, (tuple, list)) else dim
    if ord == 2:
        return tf.math.sqrt(tf.reduce_sum(tf.math.square(x), axis=axis, keepdims=keepdim))
    if ord == float("inf"):
        return tf.reduce_max(x, axis=axis, keepdims=keepdim)
    if ord == -float("inf"):
        return tf.reduce_min(x, axis=axis, keepdims=keepdim)
    if ord == 0:
        return tf.reduce_sum(tf.cast(tf.math.not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdim)
    if ord == 1:
        return tf.reduce_sum(x, axis=axis, keepdims=keepdim)
    return tf.math.pow(tf.reduce_sum(tf.math.pow(x, ord), axis=axis, keepdims=keepdim), 1.0 / ord)


def set_dense_bias(layer, value):
    """torch's `linear.bias = nn.Parameter(value)` in `__init__`, on a Linear made without a bias (BLIP-2's qkv, the
    query and value biases with zeros for the key): the Dense makes a bias when built, starting at `value`."""
    layer.use_bias = True
    layer.bias_initializer = keras.initializers.Constant(tf.convert_to_tensor(value).numpy())


def dummy_inputs_for_call(model, dummies):
    """The dummy inputs `model.call` takes. A PreTrainedModel's `dummy_inputs` serve all its heads, and a head
    that runs part of the model only (an encoder-only head of an encoder-decoder) takes fewer of them."""
    parameters = signature(model.call).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return dummies
    return {key: value for key, value in dummies.items() if key in parameters}


def torch_masked_scatter(x, mask, source):
    """TF twin of `Tensor.masked_scatter`: where `mask` (broadcast to x's shape) is True, x takes the elements of
    `source` in row-major order, as many as the mask has; elsewhere x stays."""
    mask = tf.broadcast_to(tf.cast(mask, tf.bool), tf.shape(x))
    indices = tf.where(mask)
    values = tf.reshape(source, [-1])[: tf.shape(indices)[0]]
    return tf.tensor_scatter_nd_update(x, indices, tf.cast(values, x.dtype))


def pt_weight_aliases(model, name):
    """`tf_to_pt_weight_rename` of a model holding sub-models (`TFAutoModel.from_config`) or saved in transformers'
    legacy layout: the PyTorch names a TF weight may have, first choice first. A TF sub-model has a MainLayer
    level its torch twin lacks (`vision_tower.clip.vision_model.x` is torch's `vision_tower.vision_model.x`);
    torch's save_pretrained writes keys through the reverse of `_checkpoint_conversion_mapping`, as here."""
    subs = getattr(model, "_scaffold_sub_models", None)
    if subs is None:
        subs = [
            (m.name, m.base_model_prefix)
            for m in model.submodules
            if isinstance(m, TFPreTrainedModel) and m is not model and m.base_model_prefix
        ]
        object.__setattr__(model, "_scaffold_sub_models", subs)  # a cache, not a tracked keras attribute
    stripped = name
    for attr, main in subs:
        stripped = re.sub(rf"(^|\.){re.escape(attr)}\.{re.escape(main)}\.", rf"\g<1>{attr}.", stripped)
    mapping = getattr(model, "_checkpoint_conversion_mapping", None)
    if not mapping and model.base_model_prefix:  # a base model's own mapping sits on its MainLayer
        mapping = getattr(getattr(model, model.base_model_prefix, None), "_checkpoint_conversion_mapping", None)
    reverse = {v: k for k, v in (mapping or {}).items()}
    aliases = []
    # last: without the MainLayer's level, where the legacy keys happen to start with base_model_prefix (Qwen2-VL's
    # `language_model.` saved as `model.`: from_pretrained then keeps the prefix of every TF name)
    prefix = f"{model.base_model_prefix}."
    unprefixed = [c[len(prefix) :] for c in (stripped, name) if c.startswith(prefix)]
    for candidate in (stripped, name, *unprefixed):
        for pattern, replacement in reverse.items():
            legacy, count = re.subn(pattern, re.sub(r"\(.*\)", "", replacement.lstrip("^")), candidate)
            if count:
                aliases.append(legacy)
                break
        aliases.append(candidate)
    return tuple(dict.fromkeys(aliases))


def unpack_inputs_with_strings(func):
    """transformers' `@unpack_inputs` for a `call` that takes str arguments (`vision_feature_select_strategy=
    "default"`): unpack_inputs accepts tensors, numbers and containers only, so str keywords go around it."""
    passed = {}

    @wraps(func)
    def inner(self, *args, **kwargs):
        return func(self, *args, **{**kwargs, **passed.get(id(self), {})})

    unpacked = unpack_inputs(inner)

    names = list(signature(func).parameters)[1:]

    @wraps(func)
    def outer(self, *args, **kwargs):
        # by keyword only: unpack_inputs maps positional arguments by the code of `inner`, not of `func`
        kwargs = {**dict(zip(names, args)), **kwargs}
        strings = {key: kwargs.pop(key) for key in [k for k, v in kwargs.items() if isinstance(v, str)]}
        outside = passed.get(id(self))
        passed[id(self)] = strings
        try:
            return unpacked(self, **kwargs)
        finally:
            if outside is None:
                passed.pop(id(self), None)
            else:
                passed[id(self)] = outside

    outer.__signature__ = signature(func)  # keras reads `call`'s first argument from it (as unpack_inputs sets)
    return outer


def call_model(model, **kwargs):
    """Calls a keras Model by keyword only (`self.language_model(inputs_embeds=..., ...)`, a sub-model made by
    `TFAutoModel.from_config`): keras needs the first argument of its `call` passed, None where torch's call
    leaves it out."""
    first = next(iter(signature(model.call).parameters))
    kwargs.setdefault(first, None)
    return model(**kwargs)


def text_dummies_for_placeholders(model, dummies):
    """A model whose config names an image placeholder token (`image_token_id` / `image_token_index`) puts image
    features where those tokens are, and refuses pixel values next to ids without them; where its `call` takes
    the pixel inputs as optional, the dummies from_pretrained runs are the text ones (build() makes every weight)."""
    if not any(getattr(model.config, key, None) is not None for key in ("image_token_id", "image_token_index")):
        return dummies
    parameters = signature(model.call).parameters
    optional = {name for name, p in parameters.items() if p.default is not p.empty}
    text = {key: value for key, value in dummies.items() if value.dtype.is_integer or key not in optional}
    return text if "input_ids" in text else dummies


def input_signature_for_call(model):
    """TFPreTrainedModel.input_signature where it cannot infer one: text inputs as it makes them, pixel values of a
    config without num_channels (3) or image_size (open), `input_features` (rank 3) and `input_values` (a waveform,
    AST's mel frames or a codec's channels) with open dims, LXMERT's region features and boxes. The dummy inputs from_pretrained runs come from it."""
    parameters = signature(model.call).parameters
    specs = {}
    text = ("input_ids", "attention_mask", "token_type_ids") if "input_ids" in parameters else ()
    # InstructBLIP's instruction to its Q-Former is text too (a required argument of its call)
    for name in (*text, "decoder_input_ids", "decoder_attention_mask", "qformer_input_ids", "qformer_attention_mask"):
        if name in parameters:
            specs[name] = tf.TensorSpec((None, None), tf.int32, name=name)
    if "pixel_values" in parameters:
        # CLIP-style composites name their vision side vision_config, FLAVA image_config
        config = model.config
        vision = getattr(config, "vision_config", None) or getattr(config, "image_config", None) or config
        size = getattr(vision, "image_size", None) or getattr(vision, "input_size", None)
        size = [size, size] if isinstance(size, int) else list(size) if isinstance(size, (list, tuple)) else [None] * 2
        channels = getattr(vision, "num_channels", 3)
        frames = getattr(vision, "num_frames", None)  # a video model: (batch, frames, channels, height, width)
        frames = (frames,) if isinstance(frames, int) else ()
        specs["pixel_values"] = tf.TensorSpec((None, *frames, channels, *size[:2]), tf.float32, name="pixel_values")
    if "input_features" in parameters:
        config, shape = getattr(model.config, "audio_config", None) or model.config, (None, None, None)
        if getattr(config, "num_mel_bins", None):  # Whisper: (batch, mel bins, 2 x max_source_positions frames)
            frames = getattr(config, "max_source_positions", None)
            shape = (None, config.num_mel_bins, 2 * frames if frames else None)
        elif getattr(config, "input_feat_per_channel", None):  # Speech2Text: (batch, frames, features)
            shape = (None, None, config.input_feat_per_channel * getattr(config, "input_channels", 1))
        specs["input_features"] = tf.TensorSpec(shape, tf.float32, name="input_features")
    if "input_values" in parameters:
        shape = (None, None)  # a raw waveform (wav2vec2)
        if getattr(model.config, "num_mel_bins", None) and hasattr(model.config, "time_stride"):  # AST's patches:
            # (batch, frames, mel bins); speecht5's num_mel_bins are its decoder's, its input a waveform
            shape = (None, getattr(model.config, "max_length", None), model.config.num_mel_bins)
        elif getattr(model.config, "audio_channels", None):  # codecs (encodec, mimi): (batch, channels, samples)
            shape = (None, model.config.audio_channels, None)
        specs["input_values"] = tf.TensorSpec(shape, tf.float32, name="input_values")
    for name, size in (("visual_feats", "visual_feat_dim"), ("visual_pos", "visual_pos_dim")):  # LXMERT's regions
        if name in parameters and getattr(model.config, size, None):
            specs[name] = tf.TensorSpec((None, None, getattr(model.config, size)), tf.float32, name=name)
    return specs


def dummy_inputs_for_signature(specs, length=32, lengths=None):
    """Dummy inputs from an input signature: batch 1, `length` for open dims (TFPreTrainedModel's 2 is too short for
    a speech model's conv front end), or the length `lengths` gives that input."""
    lengths = lengths or {}
    return {
        name: tf.ones([1] + [d if d is not None else lengths.get(name, length) for d in spec.shape[1:]], spec.dtype)
        for name, spec in specs.items()
    }


def meshgrid(*tensors, indexing=None):
    """TF twin of torch.meshgrid / pytorch_utils.meshgrid: a tuple of grids, "ij" indexing unless told."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return tuple(tf.meshgrid(*tensors, indexing=indexing or "ij"))


def torch_split(tensor, split_size_or_sections, dim=0):
    """torch's Tensor.split: an int is the size of each chunk (the last may be smaller), a list the sizes."""
    if isinstance(split_size_or_sections, int):
        total = shape_list(tensor)[dim]
        sizes = [split_size_or_sections] * (total // split_size_or_sections)
        if total % split_size_or_sections:
            sizes.append(total % split_size_or_sections)
        return tf.split(tensor, sizes, axis=dim)
    return tf.split(tensor, split_size_or_sections, axis=dim)


def torch_activation(activation, name=None):
    """PyTorch's `ACT2FN[activation]` in TF: transformers' TF activation of that name, else a twin of PyTorch's
    (the formulas of transformers/activations.py). xIELU, an activation with weights, is a layer (TorchXIELU) named
    `name` (the attribute holding it, so its weights load from PyTorch); so is prelu (TorchPReLU)."""
    twins = {
        "gelu_pytorch_tanh": lambda x: tf.nn.gelu(x, approximate=True),
        "gelu_python_tanh": lambda x: tf.nn.gelu(x, approximate=True),
        "gelu_accurate": lambda x: tf.nn.gelu(x, approximate=True),
        "gelu_python": lambda x: tf.nn.gelu(x, approximate=False),
        "laplace": lambda x: 0.5 * (1.0 + tf.math.erf((x - 0.707107) / (0.282095 * 2.0**0.5))),
        "leaky_relu": lambda x: tf.nn.leaky_relu(x, alpha=0.01),
        "linear": tf.identity,
        "relu2": lambda x: tf.math.square(tf.nn.relu(x)),
        "relu6": tf.nn.relu6,
    }
    if activation in twins:
        return twins[activation]
    if activation == "xielu":
        return TorchXIELU(name=name)
    if activation == "prelu":
        return TorchPReLU(name=name)
    return get_tf_activation(activation)


class TorchPReLU(keras.layers.Layer):
    """torch's `nn.PReLU()` (ACT2FN["prelu"]): one slope for every channel, torch's `weight` of shape [1], 0.25 to
    start; max(0, x) + weight * min(0, x)."""

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        self.weight = self.add_weight(name="weight", shape=[1], initializer=keras.initializers.Constant(0.25))

    def call(self, x):
        return tf.maximum(x, 0.0) + tf.cast(self.weight, x.dtype) * tf.minimum(x, 0.0)


class TorchXIELU(keras.layers.Layer):
    """transformers' XIELUActivation (its Python path; arXiv 2411.13010) with torch's weights: `alpha_p`, `alpha_n`
    (trainable, shape [1]) and the buffers `beta`, `eps` (0-d), all under torch's names. torch keeps them in
    bfloat16 (its default `dtype`): here they are held in float32 with bfloat16 values (the initial ones rounded as
    torch's ops round them; loaded PyTorch values are its bfloat16 values), and what torch computes on them alone
    (softplus, beta + softplus) is rounded to bfloat16 too; the rest is in the input's dtype, as torch promotes."""

    def __init__(self, alpha_p_init=0.8, alpha_n_init=0.8, beta=0.5, eps=-1e-6, with_vector_loads=False, **kwargs):
        super().__init__(**kwargs)
        self.init_values = {"alpha_p": alpha_p_init, "alpha_n": alpha_n_init - beta, "beta": beta, "eps": eps}

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        with tf.init_scope():  # the initial values are numbers, also when first built inside a tf.function

            def bfloat16(value):  # one bfloat16 op of torch's: computed, then rounded
                return float(tf.cast(tf.cast(value, tf.bfloat16), tf.float32).numpy())

            values = {k: bfloat16(v) for k, v in self.init_values.items()}
            for key in ("alpha_p", "alpha_n"):  # log(expm1(x)): the inverse of softplus
                values[key] = bfloat16(math.log(bfloat16(math.expm1(values[key]))))
        for key, value in values.items():
            weight = self.add_weight(
                name=key,
                shape=[1] if key.startswith("alpha") else [],
                initializer=keras.initializers.Constant(value),
                trainable=key.startswith("alpha"),
            )
            setattr(self, key, weight)

    def call(self, x):
        def bfloat16(value):  # torch computes softplus and the sum on its bfloat16 parameters: rounded
            return tf.cast(tf.cast(value, tf.bfloat16), x.dtype)

        alpha_p = bfloat16(tf.math.softplus(self.alpha_p))
        alpha_n = bfloat16(self.beta + bfloat16(tf.math.softplus(self.alpha_n)))
        return tf.where(
            x > 0,
            alpha_p * x * x + self.beta * x,
            (tf.math.expm1(tf.math.minimum(x, self.eps)) - x) * alpha_n + self.beta * x,
        )


def _compute_default_rope_parameters(config=None, device=None, seq_len=None, **kwargs):
    """TF twin of modeling_rope_utils._compute_default_rope_parameters: (inverse frequencies, scaling 1.0)."""
    base = config.rope_theta
    partial_rotary_factor = getattr(config, "partial_rotary_factor", 1.0)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    dim = int(head_dim * partial_rotary_factor)
    inv_freq = 1.0 / (base ** (tf.cast(tf.range(0, dim, 2), tf.float32) / dim))
    return inv_freq, 1.0


def _compute_linear_scaling_rope_parameters(config=None, device=None, seq_len=None, **kwargs):
    """TF twin of modeling_rope_utils._compute_linear_scaling_rope_parameters: the default frequencies / factor."""
    inv_freq, attention_factor = _compute_default_rope_parameters(config, device, seq_len)
    return inv_freq / config.rope_scaling["factor"], attention_factor


def _compute_dynamic_ntk_parameters(config=None, device=None, seq_len=None, **kwargs):
    """TF twin of modeling_rope_utils._compute_dynamic_ntk_parameters (NTK-aware base for `seq_len`, a number or
    a tensor; never below max_position_embeddings)."""
    base = config.rope_theta
    partial_rotary_factor = getattr(config, "partial_rotary_factor", 1.0)
    head_dim = getattr(config, "head_dim", config.hidden_size // config.num_attention_heads)
    dim = int(head_dim * partial_rotary_factor)
    max_position_embeddings = config.max_position_embeddings
    factor = config.rope_scaling["factor"]
    if seq_len is None:
        seq_len = max_position_embeddings
    elif isinstance(seq_len, (tf.Tensor, tf.Variable)):
        seq_len = tf.cast(tf.maximum(seq_len, tf.cast(max_position_embeddings, seq_len.dtype)), tf.float32)
    else:
        seq_len = max(seq_len, max_position_embeddings)
    base = base * ((factor * seq_len / max_position_embeddings) - (factor - 1)) ** (dim / (dim - 2))
    inv_freq = 1.0 / (base ** (tf.cast(tf.range(0, dim, 2), tf.float32) / dim))
    return inv_freq, 1.0


def _compute_yarn_parameters(config=None, device=None, seq_len=None, **kwargs):
    """TF twin of modeling_rope_utils._compute_yarn_parameters."""
    base = config.rope_theta
    partial_rotary_factor = getattr(config, "partial_rotary_factor", 1.0)
    head_dim = getattr(config, "head_dim", config.hidden_size // config.num_attention_heads)
    dim = int(head_dim * partial_rotary_factor)
    factor = config.rope_scaling["factor"]
    attention_factor = config.rope_scaling.get("attention_factor")
    mscale = config.rope_scaling.get("mscale")
    mscale_all_dim = config.rope_scaling.get("mscale_all_dim")
    original_max_position_embeddings = (
        config.rope_scaling.get("original_max_position_embeddings") or config.max_position_embeddings
    )

    def get_mscale(scale, mscale=1):
        return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = float(get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim))
        else:
            attention_factor = get_mscale(factor)
    beta_fast = config.rope_scaling.get("beta_fast") or 32
    beta_slow = config.rope_scaling.get("beta_slow") or 1

    def find_correction_dim(num_rotations):
        return (dim * math.log(original_max_position_embeddings / (num_rotations * 2 * math.pi))) / (
            2 * math.log(base)
        )

    low, high = find_correction_dim(beta_fast), find_correction_dim(beta_slow)
    if config.rope_scaling.get("truncate", True):
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001  # as torch: no division by zero
    ramp = tf.clip_by_value((tf.cast(tf.range(dim // 2), tf.float32) - low) / (high - low), 0.0, 1.0)
    pos_freqs = base ** (tf.cast(tf.range(0, dim, 2), tf.float32) / dim)
    inv_freq_extrapolation = 1.0 / pos_freqs
    inv_freq_interpolation = 1.0 / (factor * pos_freqs)
    extrapolation_factor = 1 - ramp
    inv_freq = inv_freq_interpolation * (1 - extrapolation_factor) + inv_freq_extrapolation * extrapolation_factor
    return inv_freq, attention_factor


def _compute_longrope_parameters(config=None, device=None, seq_len=None, **kwargs):
    """TF twin of modeling_rope_utils._compute_longrope_parameters (long factors past the original length)."""
    base = config.rope_theta
    partial_rotary_factor = getattr(config, "partial_rotary_factor", 1.0)
    head_dim = getattr(config, "head_dim", config.hidden_size // config.num_attention_heads)
    dim = int(head_dim * partial_rotary_factor)
    long_factor = config.rope_scaling["long_factor"]
    short_factor = config.rope_scaling["short_factor"]
    factor = config.rope_scaling.get("factor")
    attention_factor = config.rope_scaling.get("attention_factor")
    original_max_position_embeddings = getattr(config, "original_max_position_embeddings", None)
    if original_max_position_embeddings:
        factor = config.max_position_embeddings / original_max_position_embeddings
    else:
        original_max_position_embeddings = config.max_position_embeddings
    if attention_factor is None:
        if factor <= 1.0:
            attention_factor = 1.0
        else:
            attention_factor = math.sqrt(1 + math.log(factor) / math.log(original_max_position_embeddings))
    long = seq_len is not None and seq_len > original_max_position_embeddings
    ext_factors = tf.constant(long_factor if long else short_factor, dtype=tf.float32)
    inv_freq = 1.0 / (ext_factors * base ** (tf.cast(tf.range(0, dim, 2), tf.float32) / dim))
    return inv_freq, attention_factor


def _compute_llama3_parameters(config=None, device=None, seq_len=None, **kwargs):
    """TF twin of modeling_rope_utils._compute_llama3_parameters (Llama 3.1's smoothed frequency scaling)."""
    inv_freq, attention_factor = _compute_default_rope_parameters(config, device, seq_len)
    factor = config.rope_scaling["factor"]
    low_freq_factor = config.rope_scaling["low_freq_factor"]
    high_freq_factor = config.rope_scaling["high_freq_factor"]
    old_context_len = config.rope_scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = tf.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = tf.logical_and(
        tf.logical_not(wavelen < high_freq_wavelen), tf.logical_not(wavelen > low_freq_wavelen)
    )
    return tf.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama), attention_factor


# TF twin of modeling_rope_utils.ROPE_INIT_FUNCTIONS (every rope_type of transformers 4.57)
ROPE_INIT_FUNCTIONS = {
    "default": _compute_default_rope_parameters,
    "linear": _compute_linear_scaling_rope_parameters,
    "dynamic": _compute_dynamic_ntk_parameters,
    "yarn": _compute_yarn_parameters,
    "longrope": _compute_longrope_parameters,
    "llama3": _compute_llama3_parameters,
}


def dynamic_rope_update(rope_forward):
    """TF twin of modeling_rope_utils.dynamic_rope_update, without state: "dynamic" RoPE uses the frequencies of
    the current length (`max(position_ids) + 1`) past the original maximum, "longrope" its long factors past the
    original maximum; other types are unchanged. torch keeps grown frequencies until the length falls below the
    original maximum again; both agree on any call whose length is not below an earlier one's (generation)."""

    @wraps(rope_forward)
    def wrapper(self, x, position_ids, *args, **kwargs):
        if "dynamic" not in self.rope_type and self.rope_type != "longrope":
            return rope_forward(self, x, position_ids, *args, **kwargs)
        seq_len = tf.reduce_max(position_ids) + 1
        if self.rope_type == "longrope":
            original = getattr(self.config, "original_max_position_embeddings", None)
            original = original or self.config.max_position_embeddings
            grown, _ = self.rope_init_fn(self.config, None, seq_len=original + 1)
        else:
            original = self.original_max_seq_len
            grown, _ = self.rope_init_fn(self.config, None, seq_len=seq_len)
        inv_freq = self.inv_freq
        self.inv_freq = tf.where(seq_len > original, grown, self.original_inv_freq)
        try:
            return rope_forward(self, x, position_ids, *args, **kwargs)
        finally:
            self.inv_freq = inv_freq

    return wrapper


def torch_histc(input, bins=100, min=0, max=0):
    """torch.histc: counts of the flattened input in `bins` equal bins over [min, max] (the data's range where
    min == max), values outside ignored, `max` itself in the last bin; the input's float dtype."""
    values = tf.reshape(input, [-1])
    low, high = tf.cast(min, values.dtype), tf.cast(max, values.dtype)
    if min == max:
        low, high = tf.reduce_min(values), tf.reduce_max(values)
        same = tf.cast(tf.equal(low, high), values.dtype)
        low, high = low - same, high + same
    keep = tf.logical_and(values >= low, values <= high)
    index = tf.cast(tf.floor((values - low) * bins / (high - low)), tf.int32)
    index = tf.where(keep, tf.minimum(index, bins - 1), 0)
    return tf.math.unsorted_segment_sum(tf.cast(keep, values.dtype), index, bins)


def torch_pow(input, exponent):
    """torch.pow with torch's type promotion: where one side is floating (a tensor or a Python float), an integer
    side is cast to its dtype (float32 for a Python float); two tensors of one dtype are tf.math.pow's."""
    if tf.is_tensor(input) and tf.is_tensor(exponent):
        if input.dtype != exponent.dtype:
            if input.dtype.is_floating:
                exponent = tf.cast(exponent, input.dtype)
            else:
                input = tf.cast(input, exponent.dtype)
    elif tf.is_tensor(exponent):
        dtype = exponent.dtype if exponent.dtype.is_floating or isinstance(input, int) else tf.float32
        input, exponent = tf.cast(input, dtype), tf.cast(exponent, dtype)
    elif tf.is_tensor(input) and not input.dtype.is_floating and isinstance(exponent, float):
        input = tf.cast(input, tf.float32)
    return tf.math.pow(input, exponent)


def _torch_category(dtype):
    return 0 if dtype == tf.bool else 2 if dtype.is_floating or dtype.is_complex else 1


def torch_promote_all(values):
    """The tensors torch.cat / torch.stack take, cast to the dtype torch's promotion gives them all (TF refuses
    mixed dtypes): the highest category (bool < integer < floating) wins, then the widest dtype."""
    tensors = [tf.convert_to_tensor(v) for v in values]
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) < 2:
        return tensors
    top = max(_torch_category(d) for d in dtypes)
    dtype = max((d for d in dtypes if _torch_category(d) == top), key=lambda d: d.size)
    return [tf.cast(t, dtype) for t in tensors]


def torch_promote(x, y):
    """x and y cast to the dtype torch's type promotion gives their arithmetic (TF refuses mixed dtypes): the
    higher category (bool < integer < floating) wins, a 0-d tensor's too; within one category a dimensioned tensor
    wins over a 0-d one, else the wider dtype; a Python number of a higher category than the tensor makes it
    float32 (a float) or int32 (an int: a port's long). Anything else is returned as it is."""
    if tf.is_tensor(x) and tf.is_tensor(y):
        if x.dtype == y.dtype:
            return x, y
        x_category, y_category = _torch_category(x.dtype), _torch_category(y.dtype)
        x_scalar, y_scalar = x.shape.rank == 0, y.shape.rank == 0
        if x_category != y_category:
            dtype = x.dtype if x_category > y_category else y.dtype
        elif x_scalar != y_scalar:
            dtype = y.dtype if x_scalar else x.dtype
        else:
            dtype = x.dtype if x.dtype.size >= y.dtype.size else y.dtype
        return tf.cast(x, dtype), tf.cast(y, dtype)
    tensor, number = (x, y) if tf.is_tensor(x) else (y, x)
    if not tf.is_tensor(tensor) or not isinstance(number, (bool, int, float)):
        return x, y
    category = 0 if isinstance(number, bool) else 1 if isinstance(number, int) else 2
    if category > _torch_category(tensor.dtype):
        tensor = tf.cast(tensor, tf.float32 if category == 2 else tf.int32)
    return (tensor, number) if tf.is_tensor(x) else (number, tensor)


def torch_compare(op, x, y):
    """x <op> y (`<`, `<=`, `>`, `>=`, `==`, `!=`) in the dtype torch's type promotion gives x and y (an integer
    tensor against a float or a Python float: compared as floats; TF would cast the float to the integer dtype or
    refuse)."""
    x, y = torch_promote(x, y)
    if op == "==":
        return tf.math.equal(x, y)
    if op == "!=":
        return tf.math.not_equal(x, y)
    return {"<": tf.math.less, "<=": tf.math.less_equal, ">": tf.math.greater, ">=": tf.math.greater_equal}[op](x, y)


def torch_add(x, y):
    """x + y with torch's type promotion (an integer tensor and a float one: float)."""
    x, y = torch_promote(x, y)
    return x + y


def torch_sub(x, y):
    """x - y with torch's type promotion."""
    x, y = torch_promote(x, y)
    return x - y


def torch_mul(x, y):
    """x * y with torch's type promotion."""
    x, y = torch_promote(x, y)
    return x * y


def torch_div(x, y):
    """x / y with torch's type promotion; integers (and booleans) divide into float32, torch's default float
    (TF's truediv of int32 gives float64)."""
    x, y = torch_promote(x, y)
    if not any(tf.is_tensor(v) and v.dtype.is_floating for v in (x, y)):
        x, y = tf.cast(x, tf.float32), tf.cast(y, tf.float32)
    return x / y


def torch_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """`torch.softmax` passed on as a value (zoedepth's `act=torch.softmax`, then `self.act(x, dim=1)`), with
    torch's arguments: `dtype` casts the input first; no dim is torch's legacy choice (0 for 0-, 1- and 3-D)."""
    input = tf.convert_to_tensor(input)
    if dtype is not None:
        input = tf.cast(input, dtype)
    if dim is None:
        dim = 0 if input.shape.rank in (0, 1, 3) else 1
    return stable_softmax(input, axis=dim)


def torch_fft(input, n=None, dim=-1, norm=None):
    """torch.fft.fft along `dim` (n and norm at torch's defaults): complex64 for float32 input (complex128 for
    float64), as torch's."""
    return torch_fftn(input, dim=(dim,), norm=norm, s=None if n is None else (n,))


def torch_fftn(input, s=None, dim=None, norm=None):
    """torch.fft.fftn over `dim` (every dim by default; s and norm at torch's defaults, others raise)."""
    if s is not None or norm not in (None, "backward"):
        raise NotImplementedError("scaffold: torch.fft with s= or norm= has no twin yet")
    complex_dtype = tf.complex128 if input.dtype in (tf.float64, tf.complex128) else tf.complex64
    x = tf.cast(input, complex_dtype)
    rank = len(x.shape)
    dims = range(rank) if dim is None else ([dim] if isinstance(dim, int) else dim)
    for d in dims:
        d = d % rank
        perm = list(range(rank))
        perm[d], perm[-1] = perm[-1], perm[d]
        x = tf.transpose(tf.signal.fft(tf.transpose(x, perm)), perm)  # tf.signal.fft: over the last dim
    return x


def _over_dim(x, dim, transform):
    """`transform` (a tf.signal op over the last dim) applied over `dim`: swapped last, and back."""
    rank = len(x.shape)
    perm = list(range(rank))
    perm[dim % rank], perm[-1] = perm[-1], perm[dim % rank]
    return tf.transpose(transform(tf.transpose(x, perm)), perm)


def torch_rfft(input, n=None, dim=-1, norm=None):
    """torch.fft.rfft: the n // 2 + 1 non-negative frequencies of a real signal along `dim`, padded or cut to
    `n` first (the dim's length by default), as tf.signal.rfft's fft_length does."""
    if norm not in (None, "backward"):
        raise NotImplementedError("scaffold: torch.fft.rfft with norm= has no twin yet")
    length = shape_list(input)[dim] if n is None else n
    return _over_dim(input, dim, lambda x: tf.signal.rfft(x, fft_length=[length]))


def torch_irfft(input, n=None, dim=-1, norm=None):
    """torch.fft.irfft: the real signal of length `n` (2 * (m - 1) for m frequencies by default) along `dim`."""
    if norm not in (None, "backward"):
        raise NotImplementedError("scaffold: torch.fft.irfft with norm= has no twin yet")
    length = 2 * (shape_list(input)[dim] - 1) if n is None else n
    return _over_dim(input, dim, lambda x: tf.signal.irfft(x, fft_length=[length]))


def torch_view_as_complex(input):
    """torch.view_as_complex: the last dim of size 2 read as (real, imaginary)."""
    return tf.complex(input[..., 0], input[..., 1])


def torch_view_as_real(input):
    """torch.view_as_real: a complex tensor as a trailing (real, imaginary) dim of size 2."""
    return tf.stack([tf.math.real(input), tf.math.imag(input)], axis=-1)


def torch_scatter(input, dim, index, src):
    """torch's Tensor.scatter (not in place): out[..., index[i], ...] = src[i] along `dim` at every position of
    `index` (src a tensor at least index's size, or a number)."""
    index = tf.cast(index, tf.int32)
    shape = tf.shape(index)
    rank = len(index.shape)
    grids = tf.meshgrid(*[tf.range(shape[d]) for d in range(rank)], indexing="ij")
    grids[dim % rank] = index
    coordinates = tf.reshape(tf.stack(grids, axis=-1), [-1, rank])
    if tf.is_tensor(src):
        values = tf.slice(tf.cast(src, input.dtype), [0] * rank, shape)
    else:
        values = tf.fill(shape, tf.cast(src, input.dtype))
    return tf.tensor_scatter_nd_update(input, coordinates, tf.reshape(values, [-1]))


def torch_baddbmm(input, batch1, batch2, beta=1, alpha=1):
    """torch.baddbmm: beta * input + alpha * (batch1 @ batch2); a beta of 0 ignores input (its nan and inf too)."""
    product = tf.matmul(batch1, batch2) * alpha
    if isinstance(beta, (int, float)) and beta == 0:
        return product
    return input * beta + product


def _move_axis_last(x, dim):
    rank = len(shape_list(x))
    dim = dim % rank
    perm = [d for d in range(rank) if d != dim] + [dim]
    inverse = [perm.index(d) for d in range(rank)]
    return tf.transpose(x, perm=perm), inverse


def torch_topk(input, k, dim=-1, largest=True, sorted=True):
    """torch.topk: (values, indices) of the k largest (smallest: `largest=False`) along `dim`, largest first; indices
    are tf.int32 (a port's long). tf.math.top_k always sorts, which `sorted=False` allows."""
    x, inverse = _move_axis_last(input, dim)
    values, indices = tf.math.top_k(x if largest else -x, k=k, sorted=True)
    values = values if largest else -values
    if inverse != list(range(len(inverse))):
        values, indices = tf.transpose(values, perm=inverse), tf.transpose(indices, perm=inverse)
    return TorchValuesIndices(values, indices)


class TorchValuesIndices(tuple):
    """torch's (values, indices) results (`topk`, `max(dim)`): a pair with `.values` and `.indices`."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def torch_max(input, dim, keepdim=False):
    """torch's `x.max(dim)`: (values, indices), the first index of the maximum; indices tf.int32 (a port's long)."""
    values = tf.reduce_max(input, axis=dim, keepdims=keepdim)
    indices = tf.math.argmax(input, axis=dim, output_type=tf.int32)
    return TorchValuesIndices(values, tf.expand_dims(indices, dim) if keepdim else indices)


def torch_min(input, dim, keepdim=False):
    """torch's `x.min(dim)`: (values, indices), the first index of the minimum; indices tf.int32 (a port's long)."""
    values = tf.reduce_min(input, axis=dim, keepdims=keepdim)
    indices = tf.math.argmin(input, axis=dim, output_type=tf.int32)
    return TorchValuesIndices(values, tf.expand_dims(indices, dim) if keepdim else indices)


def _diagonal_mask(x, diagonal, lower):
    shape = shape_list(x)
    rows = tf.range(shape[-2])[:, None]
    cols = tf.range(shape[-1])[None, :]
    return cols - rows <= diagonal if lower else cols - rows >= diagonal


def torch_tril(input, diagonal=0):
    """torch.tril with a diagonal offset: elements with column - row <= diagonal kept, the others zero."""
    return tf.where(_diagonal_mask(input, diagonal, True), input, tf.zeros_like(input))


def torch_triu(input, diagonal=0):
    """torch.triu with a diagonal offset: elements with column - row >= diagonal kept, the others zero."""
    return tf.where(_diagonal_mask(input, diagonal, False), input, tf.zeros_like(input))


def torch_bitwise(op, input, other):
    """torch.bitwise_{and,or,xor} (and `|`, `&`, `^` on tensors): logical on booleans, bitwise on integers, after
    torch's type promotion (a boolean with an int32 tensor: int32)."""
    input, other = torch_promote(input, other)
    if not tf.is_tensor(input) and not tf.is_tensor(other):
        return {"and": input & other, "or": input | other, "xor": input ^ other}[op]  # Python values
    if not tf.is_tensor(input):
        input, other = other, input  # `True & mask`: the operation is symmetric
    if input.dtype == tf.bool:
        return {"and": tf.math.logical_and, "or": tf.math.logical_or, "xor": tf.math.logical_xor}[op](input, other)
    return {"and": tf.bitwise.bitwise_and, "or": tf.bitwise.bitwise_or, "xor": tf.bitwise.bitwise_xor}[op](
        input, other
    )


def torch_glu(input, dim=-1):
    """torch.nn.functional.glu: the first half times the sigmoid of the second, along `dim`."""
    a, b = tf.split(input, 2, axis=dim)
    return a * tf.math.sigmoid(b)


def torch_normalize(input, p=2.0, dim=1, eps=1e-12):
    """torch.nn.functional.normalize: x / max(||x||_p, eps) along `dim`."""
    norm = tf.norm(input, ord=p, axis=dim, keepdims=True)
    return input / tf.maximum(norm, eps)


def torch_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm over the trailing len(normalized_shape) dims; weight and bias optional."""
    count = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = list(range(-count, 0))
    mean, variance = tf.nn.moments(input, axes=axes, keepdims=True)
    output = (input - mean) * tf.math.rsqrt(variance + eps)
    if weight is not None:
        output = output * weight
    if bias is not None:
        output = output + bias
    return output


def torch_scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """torch.nn.functional.scaled_dot_product_attention: softmax(q k^T * scale + mask) v over the last two dims; a
    boolean mask keeps where True, a float one is added; `is_causal` is torch's top-left aligned lower triangle;
    `enable_gqa` repeats each key/value head for its group of query heads."""
    if enable_gqa:
        groups = shape_list(query)[-3] // shape_list(key)[-3]
        key = tf.repeat(key, groups, axis=-3)
        value = tf.repeat(value, groups, axis=-3)
    if scale is None:
        scale = 1.0 / math.sqrt(shape_list(query)[-1])
    scores = tf.matmul(query, key, transpose_b=True) * tf.cast(scale, query.dtype)
    if is_causal:
        length, source = shape_list(query)[-2], shape_list(key)[-2]
        causal = tf.cast(tf.linalg.band_part(tf.ones((length, source)), -1, 0), tf.bool)
        scores = tf.where(causal, scores, tf.cast(float("-inf"), scores.dtype))
    if attn_mask is not None:
        if attn_mask.dtype == tf.bool:
            scores = tf.where(attn_mask, scores, tf.cast(float("-inf"), scores.dtype))
        else:
            scores = scores + tf.cast(attn_mask, scores.dtype)
    weights = tf.nn.softmax(scores, axis=-1)
    if isinstance(dropout_p, (int, float)) and dropout_p > 0:
        weights = tf.nn.dropout(weights, rate=dropout_p)
    return tf.matmul(weights, value)


def torch_pad(tensor, pad, mode="constant", value=None):
    """torch.nn.functional.pad: `pad` lists (before, after) pairs from the LAST dim backwards, flat. A negative
    amount crops that many entries from that side, as torch's constant padding does (mamba's
    `pad(x, (kernel - length, 0))` keeps the last `kernel` steps of a longer sequence)."""
    pairs = [[pad[i], pad[i + 1]] for i in range(0, len(pad), 2)]
    rank = len(shape_list(tensor))
    paddings = [[0, 0]] * (rank - len(pairs)) + pairs[::-1]
    if mode == "constant":
        if all(isinstance(p, int) and p >= 0 for pair in paddings for p in pair):
            return tf.pad(tensor, paddings, constant_values=0 if value is None else value)
        amounts = tf.stack([tf.stack([tf.cast(p, tf.int32) for p in pair]) for pair in paddings])
        padded = tf.pad(tensor, tf.maximum(amounts, 0), constant_values=0 if value is None else value)
        crop = tf.maximum(-amounts, 0)
        return tf.slice(padded, crop[:, 0], tf.shape(padded) - crop[:, 0] - crop[:, 1])
    if mode == "reflect":
        return tf.pad(tensor, paddings, mode="REFLECT")
    # "replicate" repeats the edge entry, "circular" wraps around: both are a gather of clipped / wrapped
    # positions (TF's SYMMETRIC mirrors the edge block instead, a different value beyond one step)
    for axis, (before, after) in enumerate(paddings):
        if isinstance(before, int) and isinstance(after, int) and before == after == 0:
            continue
        size = tf.shape(tensor)[axis]
        positions = tf.range(-before, size + after)
        if mode == "replicate":
            positions = tf.clip_by_value(positions, 0, size - 1)
        elif mode == "circular":
            positions = tf.math.floormod(positions, size)
        else:
            raise NotImplementedError(f"F.pad mode {mode!r} has no TF translation yet")
        tensor = tf.gather(tensor, positions, axis=axis)
    return tensor


def torch_grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """torch.nn.functional.grid_sample over 4-D input (N, C, H, W) at `grid` (N, H_out, W_out, 2) of (x, y)
    in [-1, 1]: bilinear or nearest, zeros or border padding, align_corners as torch (False by default).
    Deformable attention (deformable_detr and its family) samples value maps so."""
    if mode not in ("bilinear", "nearest") or padding_mode not in ("zeros", "border") or len(input.shape) != 4:
        raise NotImplementedError(f"scaffold: grid_sample({mode=}, {padding_mode=}) over 4-D input only")
    batch, _, height, width = shape_list(input)
    x, y = grid[..., 0], grid[..., 1]
    w, h = tf.cast(width, grid.dtype), tf.cast(height, grid.dtype)
    if align_corners:
        x, y = (x + 1) / 2 * (w - 1), (y + 1) / 2 * (h - 1)
    else:
        x, y = ((x + 1) * w - 1) / 2, ((y + 1) * h - 1) / 2
    if padding_mode == "border":
        x, y = tf.clip_by_value(x, 0.0, w - 1), tf.clip_by_value(y, 0.0, h - 1)
    values = tf.transpose(input, [0, 2, 3, 1])  # (N, H, W, C): gathered by (n, row, column)
    rows = tf.broadcast_to(tf.reshape(tf.range(batch), [-1, 1, 1]), tf.shape(x))

    def at(column, row):  # the values at integer positions; zero outside the map
        column, row = tf.cast(column, tf.int32), tf.cast(row, tf.int32)
        inside = (column >= 0) & (column < width) & (row >= 0) & (row < height)
        index = tf.stack([rows, tf.clip_by_value(row, 0, height - 1), tf.clip_by_value(column, 0, width - 1)], -1)
        return tf.gather_nd(values, index) * tf.cast(inside, values.dtype)[..., None]

    if mode == "nearest":
        sampled = at(tf.round(x), tf.round(y))  # torch rounds half to even, as tf.round
    else:
        x0, y0 = tf.math.floor(x), tf.math.floor(y)
        x1, y1 = x0 + 1, y0 + 1
        sampled = (
            at(x0, y0) * ((x1 - x) * (y1 - y))[..., None]
            + at(x0, y1) * ((x1 - x) * (y - y0))[..., None]
            + at(x1, y0) * ((x - x0) * (y1 - y))[..., None]
            + at(x1, y1) * ((x - x0) * (y - y0))[..., None]
        )
    return tf.transpose(sampled, [0, 3, 1, 2])


def torch_interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """torch.nn.functional.interpolate over the trailing (spatial) dims of a channels-first tensor, as torch's
    kernels compute it: "nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear" (either
    align_corners, antialias too) and "area", to `size=` or by `scale_factor=`. The weights are built per dim
    from the static input size (a dim of unknown size fails loudly)."""
    input = tf.convert_to_tensor(input)
    shape = input.shape.as_list()
    dims = len(shape) - 2
    if dims < 1 or any(n is None for n in shape[2:]):
        raise NotImplementedError("scaffold: torch_interpolate needs the spatial sizes known when traced")
    sizes, scales = _interpolate_sizes(shape[2:], size, scale_factor, recompute_scale_factor)
    output = input
    for axis, (in_size, out_size, scale) in enumerate(zip(shape[2:], sizes, scales), start=2):
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_indices(in_size, out_size, scale, exact=mode == "nearest-exact")
            output = tf.gather(output, index, axis=axis)
            continue
        weights = _interpolation_weights(in_size, out_size, scale, mode, bool(align_corners), antialias)
        weights = tf.constant(weights, dtype=output.dtype if output.dtype.is_floating else tf.float32)
        moved = tf.experimental.numpy.moveaxis(tf.cast(output, weights.dtype), axis, -1)
        output = tf.experimental.numpy.moveaxis(tf.linalg.matmul(moved, weights, transpose_b=True), -1, axis)
    return output


def _interpolate_sizes(in_sizes, size, scale_factor, recompute_scale_factor):
    """Output sizes and the scale torch maps coordinates with (None: in/out), per spatial dim."""
    import numpy as np  # a snippet: copied into files that may not import numpy

    dims = len(in_sizes)
    if size is not None:
        sizes = [int(size)] * dims if isinstance(size, (int, float)) or getattr(size, "shape", None) == () else size
        return [int(n) for n in sizes], [None] * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = (
        [float(scale_factor)] * dims if isinstance(scale_factor, (int, float)) else [float(f) for f in scale_factor]
    )
    sizes = [int(np.floor(n * f)) for n, f in zip(in_sizes, factors)]
    return sizes, [None] * dims if recompute_scale_factor else [1.0 / f for f in factors]


def _nearest_indices(in_size, out_size, scale, exact=False):
    import numpy as np  # a snippet: copied into files that may not import numpy

    scale = in_size / out_size if scale is None else scale
    position = (np.arange(out_size, dtype=np.float32) + (0.5 if exact else 0.0)) * np.float32(scale)
    return np.minimum(np.floor(position).astype(np.int64), in_size - 1)


def _cubic(x, a):
    import numpy as np  # a snippet: copied into files that may not import numpy

    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _interpolation_weights(in_size, out_size, scale, mode, align_corners, antialias):
    """The [out_size, in_size] matrix torch's upsampling kernel applies along one dim."""
    import numpy as np  # a snippet: copied into files that may not import numpy

    if mode not in ("linear", "bilinear", "bicubic", "trilinear", "area"):
        raise NotImplementedError(f"scaffold: interpolate mode {mode!r} has no twin yet")
    weights = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    if mode == "area":  # adaptive average pooling
        for o in rows:
            start, end = (o * in_size) // out_size, -(-((o + 1) * in_size) // out_size)
            weights[o, start:end] = 1.0 / (end - start)
        return weights
    if align_corners:
        scale = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    elif scale is None:
        scale = in_size / out_size
    cubic = mode == "bicubic"
    if antialias:  # torch's separable antialiasing kernels (PIL's): the filter stretched over the input
        support = (2.0 if cubic else 1.0) * max(scale, 1.0)
        for o in rows:
            center = scale * (o + 0.5)
            low = max(int(center - support + 0.5), 0)
            high = min(int(center + support + 0.5), in_size)
            x = (np.arange(low, high) - center + 0.5) / max(scale, 1.0)
            w = _cubic(x, -0.5) if cubic else np.maximum(0.0, 1.0 - np.abs(x))
            weights[o, low:high] = w / w.sum() if w.sum() != 0 else w
        return weights
    source = rows * scale if align_corners else scale * (rows + 0.5) - 0.5
    if cubic:
        floor = np.floor(source).astype(np.int64)
        t = source - floor
        for k, coefficient in enumerate(
            (_cubic(t + 1, -0.75), _cubic(t, -0.75), _cubic(1 - t, -0.75), _cubic(2 - t, -0.75))
        ):
            np.add.at(weights, (rows, np.clip(floor - 1 + k, 0, in_size - 1)), coefficient)
        return weights
    source = np.maximum(source, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    fraction = source - low
    np.add.at(weights, (rows, low), 1.0 - fraction)
    np.add.at(weights, (rows, high), fraction)
    return weights


def _torch_padding(padding, rank):
    """torch's symmetric `padding=` of a conv, as a tf.pad spec for channels-last inputs of that rank."""
    if isinstance(padding, int):
        padding = (padding,) * (rank - 2)
    return [[0, 0]] + [[p, p] for p in padding] + [[0, 0]]


def shift_tokens_right(input_ids, pad_token_id, decoder_start_token_id):
    """TF twin of the seq2seq models' shift_tokens_right: prepend the start token, drop the last, -100 -> pad."""
    if pad_token_id is None:
        raise ValueError("self.model.config.pad_token_id has to be defined.")
    input_ids = tf.convert_to_tensor(input_ids)
    start_tokens = tf.fill((shape_list(input_ids)[0], 1), tf.cast(decoder_start_token_id, input_ids.dtype))
    shifted_input_ids = tf.concat([start_tokens, input_ids[:, :-1]], -1)
    return tf.where(
        shifted_input_ids == -100,
        tf.fill(shape_list(shifted_input_ids), tf.cast(pad_token_id, input_ids.dtype)),
        shifted_input_ids,
    )


class _ChannelsFirstSpec:
    """Keras checks inputs against a channels-last spec before `call`; these layers take channels-first."""

    def build(self, input_shape):
        if input_shape is None and getattr(self, "_in_channels", None) is not None:
            # built by name scope with no input (from_pretrained): torch's in_channels gives the kernel's shape
            input_shape = [None] * (self.rank + 1) + [self._in_channels]
        super().build(input_shape)
        self.input_spec = keras.layers.InputSpec(min_ndim=self.rank + 2)


class _TorchConvAttributes:
    """torch's attribute names on a keras conv twin, for PyTorch code that reads them off the layer (mobilenet's
    `apply_tf_padding(features, conv)` reads `conv.stride`, vilt `projection.weight.shape`): `stride`,
    `dilation`, `out_channels`, `in_channels` (torch's argument, which also builds the layer with no input
    shape, as from_pretrained builds by name scope) and `weight`, the kernel in torch's layout
    ([out, in / groups, *kernel]; a transposed conv's [in, out, *kernel]). keras' own `padding` is left alone."""

    _torch_kernel_perm = None  # the permutation from the keras kernel to torch's weight; None: the usual one
    _torch_transposed = False

    def __init__(self, *args, in_channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._in_channels = in_channels

    @property
    def stride(self):
        return tuple(self.strides)

    @property
    def dilation(self):
        return tuple(self.dilation_rate)

    @property
    def out_channels(self):
        return self.filters

    @property
    def in_channels(self):
        if self._in_channels is not None:
            return self._in_channels
        if not self.built:
            raise AttributeError("in_channels: keras knows a conv's input channels once it is built")
        if self._torch_transposed:  # torch's [in, out / groups, *kernel]
            return self.weight.shape[0]
        return self.weight.shape[1] * self.groups

    @property
    def weight(self):
        rank = len(self.kernel.shape)
        perm = self._torch_kernel_perm or [rank - 1, rank - 2, *range(rank - 2)]
        return tf.transpose(self.kernel, perm=perm)


class ChannelsFirstConv1D(_ChannelsFirstSpec, _TorchConvAttributes, keras.layers.Conv1D):
    """keras Conv1D that takes and returns torch's [batch, channels, length] and pads like torch `padding=`."""

    def __init__(self, *args, torch_padding=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.torch_padding = torch_padding

    def call(self, inputs):
        hidden_states = tf.transpose(inputs, perm=[0, 2, 1])
        if self.torch_padding:
            hidden_states = tf.pad(hidden_states, _torch_padding(self.torch_padding, 3))
        return tf.transpose(super().call(hidden_states), perm=[0, 2, 1])


def _pooling_size(kwargs):
    """torch makes a pooling layer of kernel size 0 and fails only when it is called (gemma3's multimodal
    projector at a tiny vision size, unused by text inputs); keras refuses it at construction. The twin is made
    with size 1 and raises as torch does if called. Returns the torch size when it is invalid, else None."""

    def invalid(value):
        return any(isinstance(v, int) and v <= 0 for v in ((value,) if isinstance(value, int) else value or ()))

    size = kwargs.get("pool_size")
    if not invalid(size):
        return None
    kwargs["pool_size"] = 1
    if invalid(kwargs.get("strides")):
        kwargs["strides"] = 1
    return size


class _ChannelsFirst2D:
    """A keras 2-D layer taking and returning torch's [batch, channels, height, width], padded like torch's
    `padding=` (with `pad_value`: -inf for max pooling, as torch pads)."""

    pad_value = 0.0

    def __init__(self, *args, torch_padding=0, ceil_mode=False, **kwargs):
        self._torch_invalid_size = _pooling_size(kwargs)
        super().__init__(*args, **kwargs)
        self.torch_padding = torch_padding
        self.ceil_mode = ceil_mode

    def call(self, inputs):
        if getattr(self, "_torch_invalid_size", None) is not None:
            raise RuntimeError(f"pooling with kernel size {self._torch_invalid_size}: torch raises here too")
        hidden_states = tf.transpose(inputs, perm=[0, 2, 3, 1])
        if self.ceil_mode:
            return tf.transpose(self._ceil_mode_pool(hidden_states), perm=[0, 3, 1, 2])
        if self.torch_padding:
            padding = _torch_padding(self.torch_padding, 4)
            hidden_states = tf.pad(hidden_states, padding, constant_values=self.pad_value)
        return tf.transpose(super().call(hidden_states), perm=[0, 3, 1, 2])

    def _ceil_mode_pool(self, hidden_states):
        """torch's ceil_mode: the last partial window pooled too (it starts inside the input or its left padding),
        over padding at the end; one window over a whole dim (efficientnet's `nn.AvgPool2d(config.hidden_dim,
        ceil_mode=True)`, a kernel far larger than the map) is that dim, not a kernel-sized padded copy."""
        padding = _torch_padding(self.torch_padding, 4)
        ksize, strides = list(self.pool_size), list(self.strides)
        for d, length in enumerate(shape_list(hidden_states)[1:3]):
            before = padding[d + 1][0]
            out = -(-(length + 2 * before - ksize[d]) // strides[d]) + 1
            if (out - 1) * strides[d] >= length + before:
                out -= 1
            if out == 1:
                ksize[d] = strides[d] = min(ksize[d], length + 2 * before)
            extra = max((out - 1) * strides[d] + ksize[d] - length - 2 * before, 0)
            padding[d + 1] = [before, before + extra]
        hidden_states = tf.pad(hidden_states, padding, constant_values=self.pad_value)
        return self.pool_function(
            hidden_states, ksize=[1, *ksize, 1], strides=[1, *strides, 1], padding="VALID", data_format="NHWC"
        )


class ChannelsFirstConv2D(_ChannelsFirstSpec, _TorchConvAttributes, _ChannelsFirst2D, keras.layers.Conv2D):
    """keras Conv2D on torch's channels-first layout, padded like torch."""


class TorchConv2d(ChannelsFirstConv2D):
    """torch's nn.Conv2d as a base class (efficientnet's `DepthwiseConv2d(nn.Conv2d)`), with torch's constructor
    arguments; weights kernel/bias as the twin's. A string padding ("same", "valid") is keras' own (torch's
    "same" pads the extra at the end, as keras does, at stride 1, the only stride torch allows it with)."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
        **kwargs,
    ):
        if padding_mode != "zeros":
            raise NotImplementedError(f"scaffold: nn.Conv2d(padding_mode={padding_mode!r}) has no twin yet")
        padding_kwargs = {"padding": padding} if isinstance(padding, str) else {"torch_padding": padding}
        super().__init__(
            in_channels=in_channels,
            filters=out_channels,
            kernel_size=kernel_size,
            strides=stride,
            dilation_rate=dilation,
            groups=groups,
            use_bias=bias,
            **padding_kwargs,
            **kwargs,
        )


class ChannelsFirstMaxPool2D(_ChannelsFirst2D, keras.layers.MaxPool2D):
    """torch's nn.MaxPool2d on [batch, channels, height, width]."""

    pad_value = float("-inf")


class _CountIncludePad:
    """torch's `count_include_pad=False`: a window's average over its input entries only (the padding left out of
    the count): the zero-padded average divided by the average of a padded mask of ones."""

    def __init__(self, *args, count_include_pad=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_include_pad = count_include_pad
        if getattr(self, "ceil_mode", False) and self.torch_padding and count_include_pad:
            raise NotImplementedError("scaffold: average pooling with ceil_mode, padding and count_include_pad")

    def call(self, inputs):
        outputs = super().call(inputs)
        # torch divides a window by its entries inside the input (and its padding if counted, never the ceil part)
        if (self.count_include_pad or not self.torch_padding) and not getattr(self, "ceil_mode", False):
            return outputs
        return outputs / super().call(tf.ones_like(inputs[:1, :1]))


class ChannelsFirstAvgPool2D(_CountIncludePad, _ChannelsFirst2D, keras.layers.AveragePooling2D):
    """torch's nn.AvgPool2d on [batch, channels, height, width]."""


def _spatial(value, rank):
    """torch's int-or-tuple spatial argument as a tuple of `rank` ints."""
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _channels_last(inputs, rank):
    return tf.transpose(inputs, perm=[0, *range(2, rank + 2), 1])


def _channels_first(outputs, rank):
    return tf.transpose(outputs, perm=[0, rank + 1, *range(1, rank + 1)])


class _ChannelsFirstTranspose:
    """A keras transposed conv on torch's channels-first layout: torch's `padding=` crops the full output,
    `output_padding=` adds to its end (torch's output size), as nn.ConvTranspose<N>d. The kernel is torch's
    [in, out, *kernel] weight as from_pretrained(from_pt=True) transposes it for a 3-D/4-D kernel."""

    _torch_transposed = True

    def __init__(self, *args, torch_padding=0, output_padding=0, groups=1, **kwargs):
        if groups != 1:
            raise NotImplementedError("scaffold: a transposed conv with groups has no keras twin yet")
        super().__init__(*args, output_padding=output_padding, **kwargs)
        self.torch_padding = torch_padding

    def call(self, inputs):
        outputs = super().call(_channels_last(inputs, self.rank))
        crop = _spatial(self.torch_padding, self.rank)
        if any(crop):
            shape = shape_list(outputs)
            outputs = outputs[(slice(None), *(slice(p, shape[i + 1] - p) for i, p in enumerate(crop)), slice(None))]
        return _channels_first(outputs, self.rank)


class ChannelsFirstConvTranspose1D(
    _ChannelsFirstSpec, _ChannelsFirstTranspose, _TorchConvAttributes, keras.layers.Conv1DTranspose
):
    """torch's nn.ConvTranspose1d (groups=1) on [batch, channels, length]."""


class ChannelsFirstConvTranspose2D(
    _ChannelsFirstSpec, _ChannelsFirstTranspose, _TorchConvAttributes, keras.layers.Conv2DTranspose
):
    """torch's nn.ConvTranspose2d (groups=1) on [batch, channels, height, width]."""


class ChannelsFirstConv3D(_ChannelsFirstSpec, _TorchConvAttributes, keras.layers.Conv3D):
    """torch's nn.Conv3d on [batch, channels, depth, height, width], padded like torch's `padding=`.

    The kernel variable is [kw, kh, kd, in/groups, out]: from_pretrained(from_pt=True) transposes a 5-D torch
    weight [out, in/groups, kd, kh, kw] by reversing all its axes; the call puts the kernel dims back in order."""

    _torch_kernel_perm = [4, 3, 2, 1, 0]

    def __init__(self, *args, torch_padding=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.torch_padding = torch_padding

    def build(self, input_shape):
        kernel_size = self.kernel_size
        self.kernel_size = kernel_size[::-1]  # the variable keras creates has the kernel dims reversed
        try:
            super().build(input_shape)
        finally:
            self.kernel_size = kernel_size

    def call(self, inputs):
        hidden_states = _channels_last(inputs, 3)
        if self.torch_padding:
            hidden_states = tf.pad(hidden_states, _torch_padding(self.torch_padding, 5))
        outputs = self.convolution_op(hidden_states, tf.transpose(self.kernel, perm=[2, 1, 0, 3, 4]))
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias)
        return _channels_first(outputs, 3)


class _ChannelsFirst1D:
    """A keras 1-D pooling layer on torch's [batch, channels, length], padded like torch's `padding=`."""

    pad_value = 0.0

    def __init__(self, *args, torch_padding=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.torch_padding = torch_padding

    def call(self, inputs):
        hidden_states = _channels_last(inputs, 1)
        if self.torch_padding:
            hidden_states = tf.pad(
                hidden_states, _torch_padding(self.torch_padding, 3), constant_values=self.pad_value
            )
        return _channels_first(super().call(hidden_states), 1)


class ChannelsFirstMaxPool1D(_ChannelsFirst1D, keras.layers.MaxPool1D):
    """torch's nn.MaxPool1d on [batch, channels, length]."""

    pad_value = float("-inf")


class ChannelsFirstAvgPool1D(_CountIncludePad, _ChannelsFirst1D, keras.layers.AveragePooling1D):
    """torch's nn.AvgPool1d on [batch, channels, length]."""


class TorchGLU(keras.layers.Layer):
    """torch's nn.GLU / F.glu: the first half of `dim` times the sigmoid of the second."""

    def __init__(self, dim=-1, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim

    def call(self, inputs):
        first, second = tf.split(inputs, 2, axis=self.dim)
        return first * tf.sigmoid(second)


class TorchUpsample(keras.layers.Layer):
    """torch's nn.Upsample: torch_interpolate with the layer's size / scale_factor / mode."""

    def __init__(
        self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def call(self, inputs):
        return torch_interpolate(
            inputs, self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor
        )


class TorchMultiheadAttention(keras.layers.Layer):
    """torch's nn.MultiheadAttention (query, key and value of embed_dim): torch's constructor and call arguments,
    its weights (`in_proj_weight` [3 * embed_dim, embed_dim], `in_proj_bias`, the `out_proj` Linear) and outputs
    ((output, weights averaged over heads or per head, None without need_weights)); [seq, batch, dim] inputs
    unless batch_first. Boolean masks are True where not attended, float masks are added, as in torch."""

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise NotImplementedError(
                "scaffold: no TF translation for nn.MultiheadAttention with add_bias_kv, add_zero_attn or kdim/vdim"
            )
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim = embed_dim // num_heads
        self.use_bias, self.batch_first = bias, batch_first
        self.out_proj = keras.layers.Dense(embed_dim, use_bias=bias, name="out_proj")

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        self.in_proj_weight = self.add_weight(
            name="in_proj_weight", shape=(3 * self.embed_dim, self.embed_dim), initializer="glorot_uniform"
        )
        if self.use_bias:
            self.in_proj_bias = self.add_weight(name="in_proj_bias", shape=(3 * self.embed_dim,), initializer="zeros")
        with tf.name_scope(self.out_proj.name):
            self.out_proj.build([None, None, self.embed_dim])

    def _heads(self, x, index):
        weight = self.in_proj_weight[index * self.embed_dim : (index + 1) * self.embed_dim]
        x = tf.matmul(x, weight, transpose_b=True)
        if self.use_bias:
            x = x + self.in_proj_bias[index * self.embed_dim : (index + 1) * self.embed_dim]
        batch, length = shape_list(x)[:2]
        return tf.transpose(tf.reshape(x, [batch, length, self.num_heads, self.head_dim]), [0, 2, 1, 3])

    @staticmethod
    def _additive(mask, dtype):
        if mask.dtype == tf.bool:
            return tf.where(mask, tf.constant(float("-inf"), dtype), tf.constant(0.0, dtype))
        return tf.cast(mask, dtype)

    def call(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
        training=False,
    ):
        if is_causal and attn_mask is None:
            raise NotImplementedError("scaffold: nn.MultiheadAttention(is_causal=True) needs attn_mask, as in torch")
        if not self.batch_first:
            query, key, value = (tf.transpose(x, [1, 0, 2]) for x in (query, key, value))
        batch, target = shape_list(query)[:2]
        source = shape_list(key)[1]
        q = self._heads(query, 0) * (float(self.head_dim) ** -0.5)
        scores = tf.matmul(q, self._heads(key, 1), transpose_b=True)  # [batch, heads, target, source]
        if attn_mask is not None:
            mask = self._additive(attn_mask, scores.dtype)
            if len(mask.shape) == 3:  # [batch * heads, target, source]
                mask = tf.reshape(mask, [batch, self.num_heads, target, source])
            scores = scores + mask
        if key_padding_mask is not None:
            scores = scores + self._additive(key_padding_mask, scores.dtype)[:, None, None, :]
        weights = tf.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:  # torch returns the weights after dropout
            weights = tf.nn.dropout(weights, rate=self.dropout)
        output = tf.matmul(weights, self._heads(value, 2))
        output = tf.reshape(tf.transpose(output, [0, 2, 1, 3]), [batch, target, self.embed_dim])
        output = self.out_proj(output)
        if not self.batch_first:
            output = tf.transpose(output, [1, 0, 2])
        if not need_weights:
            return output, None
        return output, tf.reduce_mean(weights, axis=1) if average_attn_weights else weights


def torch_unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold (im2col) of [batch, channels, height, width]: [batch, channels * kh * kw,
    blocks], each column a block's values channel by channel, then row by row of the kernel."""
    kernel, dilation, padding, stride = (_spatial(v, 2) for v in (kernel_size, dilation, padding, stride))
    images = tf.pad(_channels_last(input, 2), [[0, 0], [padding[0]] * 2, [padding[1]] * 2, [0, 0]])
    patches = tf.image.extract_patches(
        images, sizes=[1, *kernel, 1], strides=[1, *stride, 1], rates=[1, *dilation, 1], padding="VALID"
    )
    batch, channels = shape_list(input)[:2]
    patches = tf.reshape(patches, [batch, -1, kernel[0], kernel[1], channels])
    return tf.reshape(tf.transpose(patches, perm=[0, 4, 2, 3, 1]), [batch, channels * kernel[0] * kernel[1], -1])


def torch_fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold (col2im), unfold's adjoint: [batch, channels * kh * kw, blocks] -> [batch, channels,
    height, width], overlapping values summed. The block grid is static (sizes known when traced)."""
    import numpy as np  # a snippet: copied into files that may not import numpy

    size, kernel, dilation, padding, stride = (
        _spatial(v, 2) for v in (output_size, kernel_size, dilation, padding, stride)
    )
    grid = [(size[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1) // stride[d] + 1 for d in range(2)]
    # the output row and column of each (kernel row, kernel column, block) column entry, in torch's order
    ki, kj, bh, bw = np.meshgrid(*(np.arange(n) for n in (*kernel, *grid)), indexing="ij")
    rows = (bh * stride[0] - padding[0] + ki * dilation[0]).reshape(-1)
    cols = (bw * stride[1] - padding[1] + kj * dilation[1]).reshape(-1)
    inside = np.flatnonzero((rows >= 0) & (rows < size[0]) & (cols >= 0) & (cols < size[1]))
    batch = shape_list(input)[0]
    values = tf.reshape(input, [batch, -1, kernel[0] * kernel[1] * grid[0] * grid[1]])
    values = tf.gather(tf.transpose(values, perm=[2, 0, 1]), inside)
    image = tf.math.unsorted_segment_sum(values, rows[inside] * size[1] + cols[inside], size[0] * size[1])
    return tf.reshape(tf.transpose(image, perm=[1, 2, 0]), [batch, -1, size[0], size[1]])


def torch_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d of [batch, channels, height, width]: padded with -inf as torch pads, and with
    `ceil_mode` the last partial window kept (it starts inside the input or the left padding, as torch's)."""
    kernel, padding = _spatial(kernel_size, 2), _spatial(padding, 2)
    stride = _spatial(stride if stride is not None and stride != [] else kernel_size, 2)
    if _spatial(dilation, 2) != (1, 1) or return_indices:
        raise NotImplementedError("scaffold: max_pool2d with dilation or return_indices has no twin yet")
    if input.shape.rank == 3:  # torch's unbatched [channels, height, width] (superpoint's score maps)
        return torch_max_pool2d(input[None], kernel_size, stride, padding, dilation, ceil_mode)[0]
    hidden_states = _channels_last(input, 2)
    extra = [0, 0]
    if ceil_mode:
        for d, length in enumerate(shape_list(hidden_states)[1:3]):
            out = -(-(length + 2 * padding[d] - kernel[d]) // stride[d]) + 1
            if (out - 1) * stride[d] >= length + padding[d]:
                out -= 1
            extra[d] = max((out - 1) * stride[d] + kernel[d] - length - 2 * padding[d], 0)
    pads = [[0, 0], [padding[0], padding[0] + extra[0]], [padding[1], padding[1] + extra[1]], [0, 0]]
    hidden_states = tf.pad(hidden_states, pads, constant_values=float("-inf"))
    pooled = tf.nn.max_pool2d(hidden_states, ksize=kernel, strides=stride, padding="VALID")
    return _channels_first(pooled, 2)


def torch_avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """torch.nn.functional.avg_pool2d of [batch, channels, height, width] (zero padding counted, as torch's default)."""
    if ceil_mode or not count_include_pad or divisor_override is not None:
        raise NotImplementedError("scaffold: avg_pool2d with ceil_mode, count_include_pad=False or a divisor")
    if input.shape.rank == 3:  # torch's unbatched [channels, height, width]
        return torch_avg_pool2d(input[None], kernel_size, stride, padding)[0]
    kernel, padding = _spatial(kernel_size, 2), _spatial(padding, 2)
    stride = _spatial(stride if stride is not None and stride != [] else kernel_size, 2)
    hidden_states = tf.pad(_channels_last(input, 2), [[0, 0], [padding[0]] * 2, [padding[1]] * 2, [0, 0]])
    return _channels_first(tf.nn.avg_pool2d(hidden_states, ksize=kernel, strides=stride, padding="VALID"), 2)


class TorchUnfold(keras.layers.Layer):
    """torch's nn.Unfold: torch_unfold with the layer's arguments."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def call(self, inputs):
        return torch_unfold(inputs, self.kernel_size, self.dilation, self.padding, self.stride)


class TorchConstantPad(keras.layers.Layer):
    """torch's nn.ZeroPad1d/2d and nn.ConstantPad1d/2d: `padding` (an int, or torch_pad's (left, right[, top,
    bottom])) over the last `rank` dims."""

    def __init__(self, padding, value=0.0, rank=2, **kwargs):
        super().__init__(**kwargs)
        self.padding = [padding] * (2 * rank) if isinstance(padding, int) else list(padding)
        self.value = value

    def call(self, inputs):
        return torch_pad(inputs, self.padding, value=self.value)


class TorchAdaptiveAvgPool(keras.layers.Layer):
    """torch's nn.AdaptiveAvgPool1d/2d to any output size (torch's "area" interpolation); None keeps a dim."""

    def __init__(self, output_size, rank=2, **kwargs):
        super().__init__(**kwargs)
        self.output_size, self.rank = output_size, rank

    def call(self, inputs):
        sizes = _spatial(self.output_size, self.rank)
        sizes = [n if n is not None else inputs.shape[i + 2] for i, n in enumerate(sizes)]
        return torch_interpolate(inputs, size=sizes, mode="area")


class ChannelsFirstPixelShuffle(keras.layers.Layer):
    """torch's nn.PixelShuffle: [..., channels * r * r, height, width] -> [..., channels, height * r, width * r],
    input channel c * r * r + i * r + j going to row h * r + i, column w * r + j of output channel c."""

    def __init__(self, upscale_factor, **kwargs):
        super().__init__(**kwargs)
        self.upscale_factor = upscale_factor

    def call(self, inputs):
        r = self.upscale_factor
        *leading, channels, height, width = shape_list(inputs)
        n = len(leading)
        hidden_states = tf.reshape(inputs, [*leading, channels // (r * r), r, r, height, width])
        hidden_states = tf.transpose(hidden_states, perm=[*range(n), n, n + 3, n + 1, n + 4, n + 2])
        return tf.reshape(hidden_states, [*leading, channels // (r * r), height * r, width * r])


class WeightNormConv1D(ChannelsFirstConv1D):
    """ChannelsFirstConv1D under torch's weight_norm(name="weight", dim=2): weight = g * v / ||v||.

    `weight_v` keeps torch's [out, in/groups, kernel] layout and `weight_g` its [1, 1, kernel] shape, so
    `from_pretrained(..., from_pt=True)` loads `parametrizations.weight.original0/1` into them.
    """

    def build(self, input_shape):
        if self.built:
            return
        channels, width = input_shape[-1], self.kernel_size[0]
        self.weight_v = self.add_weight(
            name="weight_v", shape=(self.filters, channels // self.groups, width), initializer="glorot_uniform"
        )
        self.weight_g = self.add_weight(name="weight_g", shape=(1, 1, width), initializer="ones")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None
        self.built = True

    def call(self, inputs):
        norm = tf.sqrt(tf.reduce_sum(tf.square(self.weight_v), axis=[0, 1], keepdims=True))
        weight = self.weight_g * self.weight_v / norm
        self.kernel = tf.transpose(weight, perm=[2, 1, 0])
        return super().call(inputs)


class TorchLayerNorm(keras.layers.LayerNormalization):
    """torch's nn.LayerNorm, with torch's constructor arguments, over the last dim whatever the input's rank
    (keras' LayerNormalization fixes its axis to the rank it was built with). Weights: gamma/beta, as keras."""

    def __init__(
        self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None, **kwargs
    ):
        if dtype is not None:  # torch's dtype= (a TF dtype in a port); device= places nothing in TF
            kwargs["dtype"] = dtype
        super().__init__(
            epsilon=eps, center=bool(elementwise_affine and bias), scale=bool(elementwise_affine), **kwargs
        )
        if not isinstance(normalized_shape, int):
            if len(normalized_shape) != 1:
                raise NotImplementedError("scaffold: a LayerNorm over several trailing dims has no twin yet")
            normalized_shape = normalized_shape[0]
        self.normalized_shape = normalized_shape
        self.eps = eps  # torch's attribute names, for subclasses that read them (nemotron's LayerNorm1P)
        self.elementwise_affine = elementwise_affine

    @property
    def weight(self):
        return self.gamma

    @property
    def bias(self):
        return self.beta

    @bias.setter
    def bias(self, value):
        """`norm.bias = None` (mpt): torch's LayerNorm without its bias."""
        if value is not None:
            raise NotImplementedError("scaffold: a LayerNorm's bias replaced by a tensor has no twin yet")
        self.center = False
        self.beta = None

    def build(self, input_shape=None):
        if self.built:
            return
        super().build([None, self.normalized_shape])

    def call(self, inputs):
        mean, variance = tf.nn.moments(inputs, axes=[-1], keepdims=True)
        outputs = (inputs - mean) * tf.math.rsqrt(variance + self.epsilon)
        if self.scale:
            outputs = outputs * self.gamma
        if self.center:
            outputs = outputs + self.beta
        return outputs


# torch.finfo(dtype).eps, nn.RMSNorm's epsilon when given none
_FLOAT_EPS = {tf.float16: 2.0**-10, tf.bfloat16: 2.0**-7, tf.float32: 2.0**-23, tf.float64: 2.0**-52}


class TorchRMSNorm(keras.layers.Layer):
    """torch's nn.RMSNorm with torch's constructor arguments: x / sqrt(mean(x**2 over the last dim) + eps), times
    `weight` (torch's name) when elementwise_affine; eps None is torch.finfo(x.dtype).eps, as in torch."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(normalized_shape, int):
            if len(normalized_shape) != 1:
                raise NotImplementedError("scaffold: an RMSNorm over several trailing dims has no twin yet")
            normalized_shape = normalized_shape[0]
        self.normalized_shape = normalized_shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if self.elementwise_affine:
            self.weight = self.add_weight(name="weight", shape=[self.normalized_shape], initializer="ones")

    def call(self, inputs):
        eps = _FLOAT_EPS[inputs.dtype] if self.eps is None else self.eps
        outputs = inputs * tf.math.rsqrt(tf.reduce_mean(tf.math.square(inputs), axis=-1, keepdims=True) + eps)
        return outputs * self.weight if self.elementwise_affine else outputs


class TorchLinear(keras.layers.Dense):
    """torch's nn.Linear as a base class (`class XLinear(nn.Linear)` with its own forward), with torch's constructor
    arguments; `weight` is torch's [out, in] view of the kernel. Weights: kernel/bias, as keras' Dense."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, **kwargs):
        super().__init__(units=out_features, use_bias=bias, **kwargs)
        self.in_features = in_features
        self.out_features = out_features

    def build(self, input_shape=None):
        if self.built:
            return
        super().build([None, self.in_features])

    @property
    def weight(self):
        return tf.transpose(self.kernel)


class TorchEmbedding(keras.layers.Embedding):
    """torch's nn.Embedding as a base class (`class XPositionalEmbeddings(nn.Embedding)` with its own forward),
    with torch's constructor arguments and attributes: `padding_idx` (prophetnet adds it to positions),
    `num_embeddings`, `embedding_dim`, `weight` (the table). Weights: `embeddings`, as keras' Embedding."""

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
        _weight=None,
        _freeze=False,
        device=None,
        dtype=None,
        **kwargs,
    ):
        if max_norm is not None:
            raise NotImplementedError("scaffold: nn.Embedding(max_norm=...) renormalises rows in place; no twin")
        super().__init__(num_embeddings, embedding_dim, **kwargs)
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx

    @property
    def weight(self):
        return self.embeddings


class OutputRecorder:
    """TF twin of transformers.utils.generic.OutputRecorder: which layers' outputs a model records, and which
    item of their output tuple (`layer_name`: part of the layer's path, as torch names it, `layer.0.attention`)."""

    def __init__(self, target_class=None, index=0, layer_name=None, class_name=None):
        self.target_class = target_class
        self.index = index
        self.layer_name = layer_name
        self.class_name = class_name


def _named_layers(layer, prefix=""):
    """(torch-style path, layer) for every keras layer under `layer`: names `layers_._0` read `layers.0`."""
    seen = set()
    pending = [(prefix, layer)]
    while pending:
        path, current = pending.pop(0)
        for child in current._flatten_layers(include_self=False, recursive=False):
            if id(child) in seen:
                continue
            seen.add(id(child))
            name = child.name.replace("_._", ".")
            child_path = f"{path}.{name}" if path else name
            yield child_path, child
            pending.append((child_path, child))


def check_model_inputs(func=None, *, tie_last_hidden_states=True):
    """TF twin of transformers.utils.generic.check_model_inputs: while the decorated `call` runs, the outputs of
    the layers named in `self._can_record_outputs` are collected (`hidden_states`: the first one's input, then
    each one's output; `attentions`: item 1 of each output) and set on the returned output, when
    `output_<key>` (from the call, else the config) asks for them. Goes above `@unpack_inputs`."""

    def wrapped_fn(func):
        @wraps(func)
        def wrapper(self, *args, **kwargs):
            config = self.config
            if kwargs.get("use_cache") is None and getattr(config, "use_cache", None) is not None:
                if "use_cache" in signature(func).parameters:
                    kwargs["use_cache"] = config.use_cache
            return_dict = kwargs.pop("return_dict", None)
            if return_dict is None:
                return_dict = getattr(config, "return_dict", True)
            all_args = dict(kwargs)
            all_args.update(all_args.get("kwargs") or {})
            # an unset flag (None, as TF callers pass it) reads the config, as unpack_inputs does
            all_args = {k: v for k, v in all_args.items() if v is not None}
            capture_flags = getattr(self, "_can_record_outputs", None) or {}
            attentions_default = all_args.get("output_attentions", getattr(config, "output_attentions", False))
            recordable_keys = {
                f"output_{k}": all_args.get(f"output_{k}", getattr(config, f"output_{k}", attentions_default))
                for k in capture_flags
            }
            if "output_attentions" in recordable_keys:
                recordable_keys["output_cross_attentions"] = recordable_keys["output_attentions"]
            collected_outputs = {}

            def make_capture_wrapper(original_call, key, index):
                @wraps(original_call)
                def wrapped_call(*call_args, **call_kwargs):
                    if key == "hidden_states" and not collected_outputs.get(key):
                        collected_outputs[key] = (call_args[0],)
                    output = original_call(*call_args, **call_kwargs)
                    if not isinstance(output, tuple):
                        collected_outputs[key] = collected_outputs.get(key, ()) + (output,)
                    elif output[index] is not None:
                        collected_outputs[key] = collected_outputs.get(key, ()) + (output[index],)
                    return output

                return wrapped_call

            patched_layers = []
            if any(recordable_keys.values()):
                capture_tasks = []
                for key, layer_specs in capture_flags.items():
                    if not recordable_keys.get(f"output_{key}", False):
                        continue
                    if not isinstance(layer_specs, list):
                        layer_specs = [layer_specs]
                    for specs in layer_specs:
                        if not isinstance(specs, OutputRecorder):
                            index = 0 if "hidden_states" in key else 1
                            class_name = specs if isinstance(specs, str) else None
                            target_class = None if isinstance(specs, str) else specs
                            specs = OutputRecorder(target_class=target_class, index=index, class_name=class_name)
                        capture_tasks.append((key, specs))
                for name, layer in _named_layers(self):
                    for key, specs in capture_tasks:
                        if (specs.target_class is not None and isinstance(layer, specs.target_class)) or (
                            specs.class_name is not None and name.endswith(specs.class_name)
                        ):
                            if specs.layer_name is not None and specs.layer_name not in name:
                                continue
                            patched_layers.append((layer, "call" in vars(layer), layer.call))
                            layer.call = make_capture_wrapper(layer.call, key, specs.index)
            try:
                outputs = func(self, *args, **kwargs)
            finally:
                for layer, own, original_call in reversed(patched_layers):
                    if own:
                        layer.call = original_call
                    else:
                        del layer.call

            for key in collected_outputs:
                if key == "hidden_states":
                    if not tie_last_hidden_states:
                        pass
                    elif hasattr(outputs, "vision_hidden_states"):
                        collected_outputs[key] = collected_outputs[key][:-1] + (outputs.vision_hidden_states,)
                    elif hasattr(outputs, "last_hidden_state"):
                        collected_outputs[key] = collected_outputs[key][:-1] + (outputs.last_hidden_state,)
                    outputs[key] = collected_outputs[key]
                elif key == "attentions":
                    if isinstance(capture_flags[key], list) and len(capture_flags[key]) == 2:
                        outputs[key] = collected_outputs[key][0::2]
                        outputs["cross_" + key] = collected_outputs[key][1::2]
                    else:
                        outputs[key] = collected_outputs[key]
                else:
                    outputs[key] = collected_outputs[key]
            if return_dict is False:
                outputs = outputs.to_tuple()
            return outputs

        wrapper.__signature__ = signature(func)  # keras reads the signature of `call` without following wraps
        return wrapper

    if func is not None:
        return wrapped_fn(func)
    return wrapped_fn


def can_return_tuple(func):
    """TF twin of transformers.utils.generic.can_return_tuple: `output.to_tuple()` when return_dict is False (from
    the call, else the config). Goes above `@unpack_inputs`."""

    @wraps(func)
    def wrapper(self, *args, **kwargs):
        return_dict = self.config.return_dict if hasattr(self, "config") else True
        return_dict_passed = kwargs.pop("return_dict", return_dict)
        if return_dict_passed is not None:
            return_dict = return_dict_passed
        output = func(self, *args, **kwargs)
        if not return_dict and not isinstance(output, tuple):
            output = output.to_tuple()
        return output

    wrapper.__signature__ = signature(func)
    return wrapper


class _AutogradContext:
    """The `ctx` of a TorchAutogradFunction: what forward saves, for backward."""

    saved_tensors = ()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors


class TorchAutogradFunction:
    """TF twin of torch.autograd.Function: `Cls.apply(*args)` is the subclass's static `forward(ctx, *args)`, with its
    static `backward(ctx, *grads)` as the gradient of the tensor arguments (tf.custom_gradient)."""

    @classmethod
    def apply(cls, *args):
        ctx = _AutogradContext()
        positions = [i for i, a in enumerate(args) if tf.is_tensor(a)]

        @tf.custom_gradient
        def run(*tensors):
            full = list(args)
            for i, tensor in zip(positions, tensors):
                full[i] = tensor

            def grad(*upstream):
                grads = cls.backward(ctx, *upstream)
                grads = grads if isinstance(grads, tuple) else (grads,)
                return [grads[i] for i in positions]

            return cls.forward(ctx, *full), grad

        return run(*[args[i] for i in positions])


class TorchOnly:
    """Stands for a torch object made in `__init__` that has no TF translation (a loss module): the layer builds
    and runs; using the object raises, naming it."""

    def __init__(self, what):
        self.what = what

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"scaffold: no TF translation for {self.what} (see the TODO where it is made)")


# --- backbones: the twin of load_backbone, and the DETR family's replace_batch_norm


def replace_batch_norm(model):
    """TF twin of the DETR family's `replace_batch_norm`: torch swaps every `nn.BatchNorm2d` of the backbone for a
    frozen batch norm, which keeps its weight, bias, running mean and variance as buffers (so the state-dict names
    and the values are the same), normalizes with the running statistics in training as well, and uses eps 1e-5
    whatever the batch norm had. In keras that is the BatchNormalization layer itself, made non-trainable (a
    non-trainable BatchNormalization runs in inference mode even when called with training=True, and its gamma and
    beta are not trained) with epsilon 1e-5. Called in `__init__`, before the layers are built."""
    for layer in [model, *model.submodules]:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
            layer.epsilon = 1e-5
            layer.fused = False  # TF's fused kernel raises epsilon to 1.001e-5


def tf_backbone_class(model_type):
    """The TF class of a backbone model type: `TF` + the class torch's AutoBackbone maps it to, from the TF port of
    that model (`modeling_tf_<module>.py`), or from `modeling_tf_<module>_backbone.py`, which `scaffold port` writes
    beside a TF port that has no backbone class (transformers' own TF ResNet and Swin)."""
    pt_class = MODEL_FOR_BACKBONE_MAPPING_NAMES.get(model_type)
    if pt_class is None:
        raise ValueError(f"no backbone class for model type {model_type!r} (MODEL_FOR_BACKBONE_MAPPING_NAMES)")
    module = model_type_to_module_name(model_type)
    for name in (f"modeling_tf_{module}", f"modeling_tf_{module}_backbone"):
        try:
            found = getattr(importlib.import_module(f"transformers.models.{module}.{name}"), f"TF{pt_class}", None)
        except ImportError:
            found = None
        if found is not None:
            return found
    raise NotImplementedError(
        f"scaffold: no TF backbone for model type {model_type!r}: TF{pt_class} is not ported "
        f"(`scaffold port` of the model using it writes one where it can; else port {pt_class} by hand)"
    )


def load_tf_backbone(config, name=None):
    """TF twin of transformers' `load_backbone(config)` (utils/backbone_utils.py): the backbone of the config's
    `backbone_config` (or of the config itself when it is a backbone's own), built from that config with TF's
    class of its model type (`tf_backbone_class`). A timm backbone or a pretrained backbone checkpoint has no TF
    loader: they raise, naming it (load the whole model's PyTorch weights with from_pretrained(from_pt=True))."""
    backbone_config = getattr(config, "backbone_config", None)
    use_timm_backbone = getattr(config, "use_timm_backbone", None)
    use_pretrained_backbone = getattr(config, "use_pretrained_backbone", None)
    backbone_checkpoint = getattr(config, "backbone", None)
    backbone_kwargs = getattr(config, "backbone_kwargs", None)
    backbone_kwargs = {} if backbone_kwargs is None else backbone_kwargs
    if backbone_kwargs and backbone_config is not None:
        raise ValueError("You can't specify both `backbone_kwargs` and `backbone_config`.")
    if backbone_config is not None and backbone_checkpoint is not None and use_pretrained_backbone is not None:
        raise ValueError("Cannot specify both config.backbone_config and config.backbone")
    if backbone_config is None and use_timm_backbone is None and backbone_checkpoint is None:
        if backbone_kwargs:
            raise NotImplementedError("scaffold: no TF translation for backbone_kwargs on a backbone's own config")
        backbone_config = config
    elif use_timm_backbone:
        raise NotImplementedError(
            f"scaffold: no TF translation for timm backbones (use_timm_backbone=True, backbone={backbone_checkpoint!r}):"
            " use a transformers backbone_config (use_timm_backbone=False)"
        )
    elif use_pretrained_backbone:
        raise NotImplementedError(
            f"scaffold: no TF translation for loading a pretrained backbone checkpoint ({backbone_checkpoint!r},"
            " use_pretrained_backbone=True): load the whole model with from_pretrained(..., from_pt=True)"
        )
    else:
        if backbone_config is None and backbone_checkpoint is None:
            raise ValueError("Either config.backbone_config or config.backbone must be set")
        if backbone_config is None:
            backbone_config = AutoConfig.from_pretrained(backbone_checkpoint, **backbone_kwargs)
    return tf_backbone_class(backbone_config.model_type)(backbone_config, name=name)


_PARAMETER_OWNERS = {}  # id(weight) -> the layer whose own weight it is, for torch_requires_grad_
_TORCH_WEIGHT_NAMES = {
    "kernel": "weight",
    "gamma": "weight",
    "beta": "bias",
    "embeddings": "weight",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
}


def torch_eval(module):
    """torch's `module.eval()`: a keras layer has no mode to set; calls pass `training`, False by default (torch's
    eval computation). The module, as torch returns it."""
    return module


def torch_get_submodule(module, target):
    """torch's `module.get_submodule("layers.3.block.1")`: attributes by name, list items by index (torch's
    ModuleList / Sequential keys); an attribute keras reserves, renamed in the port, is found by its layer name."""
    current = module
    for part in [p for p in str(target).split(".") if p]:
        if isinstance(current, (list, tuple)) and part.isdigit():
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current[part]
        elif hasattr(current, part):
            current = getattr(current, part)
        else:
            named = [layer for layer in current._flatten_layers(include_self=False) if layer.name == part]
            if not named:
                raise AttributeError(f"{type(current).__name__} has no submodule `{part}` (torch: {target})")
            current = named[0]
    return current


class _WeightDtype:
    """What torch code reads of a parameter a keras layer has not made yet: its dtype (anything else raises)."""

    def __init__(self, dtype):
        self.dtype = tf.as_dtype(dtype)


def torch_parameters(module):
    """torch's `module.parameters()` on a keras layer (or a list of them, a Sequential here): its weights once
    built; before build() (torch code reading `next(module.parameters()).dtype` in `__init__`), one stand-in per
    layer with only the dtype keras will make its weights in."""
    layers = [layer for layer in (module if isinstance(module, (list, tuple)) else [module])]
    layers = [layer for layer in layers if isinstance(layer, keras.layers.Layer)]
    if all(layer.built for layer in layers):
        return iter([weight for layer in layers for weight in layer.weights])
    return iter([_WeightDtype(layer.dtype) for layer in layers])


def torch_named_parameters(layer):
    """torch's `module.named_parameters()` on a built keras layer: (name relative to the layer, in PyTorch's
    spelling, weight) of every trainable weight, those `torch_requires_grad_(w, False)` froze included (torch lists
    parameters whatever their requires_grad); non-trainable weights are torch's buffers. Built only: a keras layer
    has no weights before build(), so `__init__` code reading them runs after it (`after_build`)."""
    if not layer.built:
        raise NotImplementedError("scaffold: named_parameters() of a layer that is not built has no weights in TF")
    owned = []
    for owner in [layer, *layer.submodules]:
        if isinstance(owner, keras.layers.Layer) and owner.trainable:
            for weight in [*owner._trainable_weights, *getattr(owner, "_scaffold_frozen", [])]:
                _PARAMETER_OWNERS[id(weight)] = owner
                owned.append(weight)
    if not owned:
        return []
    names = [weight.name.rsplit(":", 1)[0] for weight in owned]
    prefix = names[0][: names[0].rfind("/") + 1] if len(names) == 1 else ""
    if len(names) > 1:
        common = names[0]
        for name in names[1:]:
            while not name.startswith(common):
                common = common[:-1]
        cut = common.rfind(f"{layer.name}/")
        prefix = common[: cut + len(layer.name) + 1] if cut >= 0 else common[: common.rfind("/") + 1]
    result = []
    for name, weight in zip(names, owned):
        parts = name[len(prefix) :].replace("_._", "/").split("/")
        parts[-1] = _TORCH_WEIGHT_NAMES.get(parts[-1], parts[-1])
        result.append((".".join(parts), weight))
    return result


def torch_requires_grad_(tensor, requires_grad=True):
    """torch's `parameter.requires_grad_(flag)` on a weight of `torch_named_parameters`: moved out of (or back
    into) its layer's trainable weights, so keras' fit does not train it. On a tensor: the tensor (a tape records
    what it needs), cut from the gradient when False."""
    owner = _PARAMETER_OWNERS.get(id(tensor))
    if owner is None:
        if isinstance(tensor, tf.Variable):
            raise NotImplementedError("scaffold: requires_grad_() on a weight not listed by named_parameters()")
        return tensor if requires_grad else tf.stop_gradient(tensor)
    frozen = owner.__dict__.setdefault("_scaffold_frozen", [])  # not a tracked keras attribute
    source, target = (frozen, owner._trainable_weights) if requires_grad else (owner._trainable_weights, frozen)
    for index, weight in enumerate(source):
        if weight is tensor:
            target.append(source.pop(index))
            if requires_grad:
                owner._non_trainable_weights[:] = [w for w in owner._non_trainable_weights if w is not tensor]
            else:
                owner._non_trainable_weights.append(tensor)
            break
    return tensor


def after_build(layer):
    """Decorator: runs the function once `layer` is built (now if it is). torch's `__init__` reads parameters
    (`for name, p in self.model.named_parameters(): p.requires_grad_(False)`) a keras layer only has after
    build(), which from_pretrained runs in the weights' name scopes."""

    def register(function):
        if layer.built:
            function()
            return function
        build = layer.build

        def build_then(*args, **kwargs):
            result = build(*args, **kwargs)
            if layer.built and layer.__dict__.get("build") is build_then:
                del layer.__dict__["build"]
                function()
            return result

        layer.__dict__["build"] = build_then  # an instance attribute keras does not track
        return function

    return register


# --- MoE: the expert dispatch of mixture-of-experts blocks (passes/moe.py)


def moe_expert_indices(hit):
    """torch's `hit.nonzero()` over the 1-D mask of the experts some token is routed to, as an MoE block loops
    over it: every expert's index instead, as Python ints (a list of layers is indexed with them, and the loop
    traces). An expert no token is routed to gathers no rows and adds nothing, so the block's result is the same."""
    if hit.shape.rank != 1 or hit.shape[0] is None:
        raise NotImplementedError(
            f"scaffold: the experts' loop needs a 1-D expert mask of static length, got shape {hit.shape}"
        )
    return list(range(hit.shape[0]))


def _scatter_along(input, dim, index, source, scatter):
    """`source`'s slices along `dim` scattered into `input` at the positions `index` names, by `scatter`
    (tf.tensor_scatter_nd_update / _add), which works on the first dim: `dim` is moved there and back."""
    input = tf.convert_to_tensor(input)
    source = tf.cast(source, input.dtype)
    rank = input.shape.rank
    dim = dim % rank
    index = tf.reshape(tf.cast(index, tf.int64), [-1, 1])
    if dim == 0:
        return scatter(input, index, source)
    perm = [dim, *[d for d in range(rank) if d != dim]]
    moved = scatter(tf.transpose(input, perm), index, tf.transpose(source, perm))
    return tf.transpose(moved, [perm.index(d) for d in range(rank)])


def torch_index_copy(input, dim, index, source):
    """torch's `input.index_copy(dim, index, source)` (and `index_copy_`, rebound): `source`'s slices along `dim`
    written into `input` at the positions `index` names (aria's token unpermutation)."""
    return _scatter_along(input, dim, index, source, tf.tensor_scatter_nd_update)


def torch_index_add(input, dim, index, source, alpha=1):
    """torch's `input.index_add(dim, index, source, alpha=alpha)` (and `index_add_`, rebound): `source`'s slices
    along `dim` added to `input` at the positions `index` names, repeated indices accumulating."""
    if alpha != 1:
        input = tf.convert_to_tensor(input)
        source = tf.cast(source, input.dtype) * tf.cast(alpha, input.dtype)
    return _scatter_along(input, dim, index, source, tf.tensor_scatter_nd_add)


def torch_argsort(input, dim=-1, descending=False):
    """torch.argsort: the indices that sort `input` along `dim` (tf.int32, a port's long); equal values keep
    their order (torch's CPU sort does; `stable=False` promises no order)."""
    return tf.argsort(input, axis=dim, direction="DESCENDING" if descending else "ASCENDING", stable=True)


def torch_sort(input, dim=-1, descending=False):
    """torch.sort / Tensor.sort: (values, indices) along `dim`, with `.values` and `.indices`."""
    direction = "DESCENDING" if descending else "ASCENDING"
    return TorchValuesIndices(tf.sort(input, axis=dim, direction=direction), torch_argsort(input, dim, descending))


def torch_trunc_div(input, other):
    """torch's `div(input, other, rounding_mode="trunc")`: the quotient rounded toward zero, in input's dtype."""
    if input.dtype.is_integer:
        return tf.truncatediv(input, tf.cast(other, input.dtype))
    quotient = input / tf.cast(other, input.dtype)
    return tf.math.sign(quotient) * tf.math.floor(tf.math.abs(quotient))


def torch_tolist(tensor):
    """torch's `x.tolist()`: the values as (nested) Python lists; traced, where values are not known yet, the
    symbolic ones in the same nesting (tf.split and tf.range take them: MoE routers' expert sizes)."""
    if isinstance(tensor, (list, tuple)):
        return list(tensor)
    if not tf.is_tensor(tensor) and hasattr(tensor, "tolist"):  # a numpy array (`np.linspace(...).tolist()`)
        return tensor.tolist()
    if tf.executing_eagerly() and hasattr(tensor, "numpy"):
        return tensor.numpy().tolist()
    if tensor.shape.rank == 0:
        return tensor
    return [torch_tolist(part) for part in tf.unstack(tensor)]


def torch_device_type(tensor):
    """torch's `x.device.type` for a TF tensor: "cuda" on a GPU, else "cpu" (a traced tensor, which TF places
    later, counts as on the CPU; so does a keras layer, `self.device.type`: TF places its weights per op)."""
    return "cuda" if "GPU" in (getattr(tensor, "device", "") or "") else "cpu"
