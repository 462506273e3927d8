"""TF twins of transformers' key/value caches (`cache_utils`), for converted forward bodies that use a cache.

Read as text like `tf_helpers.py`. Inside a model the cache is the object torch code expects (`update`,
`get_seq_length`, `layers[i].keys`, `is_updated`, ...); between calls it is what TF ports and TF `generate()` pass
around: a tuple with one `(key, value)` tuple per layer, `(key, value, cross_key, cross_value)` for
encoder-decoder models, tensors shaped (batch, heads, length, head_dim). `cache_from_legacy` makes the object at
the start of a forward, `legacy_cache` turns it back into tuples where an output returns it. Only plain Python
objects and tensor ops: the cache works eagerly, in `tf.function` and under XLA.

Under XLA, TF `generate()` pads each layer's keys and values to the maximum length and appends the new ones at the
end; `prepare_inputs_for_generation` then gives the step's real positions as `cache_position`, and a cache made
with them (`cache_from_legacy(past, cache_position)`) writes the new keys and values at those positions too, so
that every cached position sits at its own index, as in torch (positions, relative biases and sliding windows read
from the cache length or `cache_position` stay right).
"""

from inspect import signature

import tensorflow as tf
from tensorflow.compiler.tf2xla.python.xla import dynamic_update_slice
from transformers.tf_utils import shape_list


def _write_at(buffer, states, start):
    """`buffer` with `states` written along the length axis (-2) from position `start` on (start may be a tensor)."""
    rank = len(shape_list(buffer))
    begin = tf.stack([0] * (rank - 2) + [tf.cast(start, tf.int32), 0])
    return dynamic_update_slice(buffer, tf.cast(states, buffer.dtype), begin)


class CacheLayer:
    """One layer's cached keys and values (None until the first update). `length`, when set, is how many
    positions are filled: the keys hold more (TF generate's padded XLA cache) and updates write at `length`."""

    def __init__(self, keys=None, values=None, length=None):
        self.keys = keys
        self.values = values
        self.length = length

    def update(self, key_states, value_states):
        if self.keys is None:
            self.keys, self.values = key_states, value_states
            return self.keys, self.values
        keys = tf.concat([self.keys, key_states], axis=-2)
        values = tf.concat([self.values, value_states], axis=-2)
        if self.length is not None:  # also at their real positions (the appended copy is masked out)
            keys = _write_at(keys, key_states, self.length)
            values = _write_at(values, value_states, self.length)
            self.length = self.length + shape_list(key_states)[-2]
        self.keys, self.values = keys, values
        return self.keys, self.values

    def get_seq_length(self):
        if self.length is not None:
            return self.length
        return 0 if self.keys is None else shape_list(self.keys)[-2]


class Cache:
    """TF twin of transformers' Cache: a list of layers, each growing along the length axis."""

    is_compileable = False

    def __init__(self, *args, **kwargs):
        self.layers = []

    def _layer(self, layer_idx):
        while len(self.layers) <= layer_idx:
            self.layers.append(CacheLayer())
        return self.layers[layer_idx]

    def update(self, key_states, value_states, layer_idx, cache_kwargs=None):
        """Append this step's keys and values to layer `layer_idx`; return all of them."""
        return self._layer(layer_idx).update(key_states, value_states)

    def get_seq_length(self, layer_idx=0):
        """How many positions the cache holds (under XLA generation: the padded length)."""
        return self.layers[layer_idx].get_seq_length() if layer_idx < len(self.layers) else 0

    def get_max_cache_shape(self, layer_idx=0):
        return -1

    @property
    def is_sliding(self):
        return [False] * len(self.layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, layer_idx):
        layer = self.layers[layer_idx]
        return layer.keys, layer.values

    def __iter__(self):
        for layer in self.layers:
            yield layer.keys, layer.values

    def to_legacy_cache(self):
        return tuple((layer.keys, layer.values) for layer in self.layers if layer.keys is not None)

    @classmethod
    def from_legacy_cache(cls, past_key_values=None):
        cache = cls()
        for layer_idx, layer_past in enumerate(past_key_values or ()):
            cache.update(layer_past[0], layer_past[1], layer_idx)
        return cache


class DynamicCache(Cache):
    """TF twin of transformers' DynamicCache (sliding-window layers keep every position: the attention mask limits
    what each query sees, so the numbers are the same)."""


class EncoderDecoderCache(Cache):
    """TF twin of transformers' EncoderDecoderCache: the decoder's self-attention cache, the cross-attention cache
    (filled once, then re-used: `is_updated`)."""

    def __init__(self, self_attention_cache=None, cross_attention_cache=None, *args, **kwargs):
        super().__init__()
        self.self_attention_cache = self_attention_cache if self_attention_cache is not None else DynamicCache()
        self.cross_attention_cache = cross_attention_cache if cross_attention_cache is not None else DynamicCache()
        self.is_updated = {
            layer_idx: layer.keys is not None for layer_idx, layer in enumerate(self.cross_attention_cache.layers)
        }

    @property
    def layers(self):
        return self.self_attention_cache.layers

    @layers.setter
    def layers(self, value):
        pass  # the self-attention cache holds the layers

    def update(self, key_states, value_states, layer_idx, cache_kwargs=None):
        return self.self_attention_cache.update(key_states, value_states, layer_idx, cache_kwargs)

    def get_seq_length(self, layer_idx=0):
        return self.self_attention_cache.get_seq_length(layer_idx)

    def to_legacy_cache(self):
        self_layers = self.self_attention_cache.layers
        cross_layers = self.cross_attention_cache.layers
        legacy = ()
        for layer_idx, layer in enumerate(self_layers):
            if layer.keys is None:
                continue
            entry = (layer.keys, layer.values)
            if layer_idx < len(cross_layers) and cross_layers[layer_idx].keys is not None:
                entry += (cross_layers[layer_idx].keys, cross_layers[layer_idx].values)
            legacy += (entry,)
        return legacy

    @classmethod
    def from_legacy_cache(cls, past_key_values=None):
        self_cache, cross_cache = DynamicCache(), DynamicCache()
        for layer_idx, layer_past in enumerate(past_key_values or ()):
            self_cache.update(layer_past[0], layer_past[1], layer_idx)
            if len(layer_past) > 2:
                cross_cache.update(layer_past[2], layer_past[3], layer_idx)
        return cls(self_cache, cross_cache)


def _layer_entries(layer_past):
    """A legacy layer entry: a tuple of tensors, or one tensor stacking them (TF GPT-2's (2, batch, ...) form)."""
    return tf.unstack(layer_past) if tf.is_tensor(layer_past) else tuple(layer_past)


def cache_from_legacy(past_key_values, cache_position=None):
    """The cache object a forward body works with, from what TF callers pass: None, a cache, or legacy tuples
    ((key, value) per layer, or (key, value, cross_key, cross_value) for encoder-decoder models, or one stacked
    tensor per layer). With `cache_position` (this step's positions), new keys and values are written at those
    positions: what TF generate's padded XLA cache needs (see the module docstring)."""
    if past_key_values is None or isinstance(past_key_values, Cache):
        return past_key_values
    past_key_values = tuple(_layer_entries(layer_past) for layer_past in past_key_values)
    if not past_key_values:
        return None
    if len(past_key_values[0]) > 2:
        cache = EncoderDecoderCache.from_legacy_cache(past_key_values)
        self_attention = cache.self_attention_cache
    else:
        cache = self_attention = DynamicCache.from_legacy_cache(past_key_values)
    if cache_position is not None:
        for layer in self_attention.layers:
            layer.length = cache_position[0]
    return cache


def legacy_cache(past_key_values, stacked=False):
    """What a TF output returns for a cache: its legacy tuples (anything else as it is). `stacked`: one
    (2, batch, heads, length, head_dim) tensor per layer, the form TF generate expects of models named TFGPT2* and
    TFCTRL* (it reads their batch on axis 1); cross-attention keys are then left out (recomputed from the encoder
    states at the next step, as TF GPT-2 does)."""
    if not isinstance(past_key_values, Cache):
        return past_key_values
    legacy = past_key_values.to_legacy_cache() or None
    if legacy is not None and stacked:
        legacy = tuple(tf.stack(entry[:2]) for entry in legacy)
    return legacy


def _holds_tensors(value):
    """A tensor, or a list / tuple / dict of tensors (None entries allowed): a component of a TracedCache."""
    leaves = tf.nest.flatten(value)
    return any(tf.is_tensor(leaf) for leaf in leaves) and all(leaf is None or tf.is_tensor(leaf) for leaf in leaves)


class _CacheAttributes:
    """The attributes of a TracedCache that are not tensors (config, sizes, dtypes, layer types), carried unchanged
    as tf.nest metadata: equal when they hold the same objects (a config compares by identity, not by value)."""

    def __init__(self, items):
        self.items = items

    def __eq__(self, other):
        return (
            isinstance(other, _CacheAttributes)
            and [k for k, _ in self.items] == [k for k, _ in other.items]
            and all(
                a is b or (type(a) is type(b) and isinstance(a, (int, float, str, bool, tuple)) and a == b)
                for (_, a), (_, b) in zip(self.items, other.items)
            )
        )

    def __hash__(self):
        return hash(tuple(k for k, _ in self.items))


class TracedCache:
    """Base of a model file's own cache class (a plain Python object holding tensors: Mamba's conv and SSM
    states, the hybrid models' key/value and state lists). It is a nested structure to tf.nest
    (`__tf_flatten__` / `__tf_unflatten__`), as tuples and dicts of tensors are, so a traced `call` (tf.function,
    keras) can return the cache in its output and take it back, where a plain Python object is refused
    ("Python functions must return zero or more Tensors"). Components: the attributes holding tensors; every
    other attribute rides along unchanged. Eagerly nothing changes: the object keeps torch's cache API."""

    def __tf_flatten__(self):
        state = vars(self)
        names = tuple(sorted(name for name, value in state.items() if _holds_tensors(value)))
        others = _CacheAttributes(tuple((name, value) for name, value in state.items() if name not in names))
        return (names, others), tuple(state[name] for name in names)

    @classmethod
    def __tf_unflatten__(cls, metadata, components):
        names, others = metadata
        cache = cls.__new__(cls)
        vars(cache).update(others.items)
        vars(cache).update(zip(names, components))
        return cache


# what TF generate passes that `call` takes apart from the model inputs (or that no forward may get)
GENERATION_CONTROLS = ("return_dict", "output_attentions", "output_hidden_states", "labels")


def _padded_cache_step(mask, query_length):
    """One step of TF generate under XLA: the cache holds `length - query_length` padded positions, the mask is 1
    for the filled ones, 0 for the padding and 1 for the new tokens at the end. Returns the new tokens' real
    positions (just after the last filled position) and the mask of a cache that writes them there."""
    mask = tf.convert_to_tensor(mask)
    length = shape_list(mask)[-1]
    columns = tf.range(length)
    earlier = (columns < length - query_length)[None, :]
    filled = tf.reduce_max(tf.where(tf.logical_and(mask > 0, earlier), columns[None, :] + 1, 0))
    cache_position = filled + tf.range(query_length)
    new = tf.cast(tf.logical_and(columns >= filled, columns < filled + query_length), mask.dtype)[None, :]
    return cache_position, tf.where(columns[None, :] < filled, mask, new)


def _positions_from_mask(mask):
    """torch's generate: position ids counted over the attention mask (1 where the mask is 0)."""
    mask = tf.cast(mask, tf.int32)
    return tf.where(mask == 0, 1, tf.math.cumsum(mask, axis=-1) - 1)


def generation_inputs(
    model, input_ids, past_key_values=None, attention_mask=None, use_cache=None, positional_cache=False, **kwargs
):
    """The inputs of one step of TF `generate()` for `model`, by the rules of torch's GenerationMixin: only the
    new tokens once a cache exists; position ids from the (decoder) attention mask where `call` takes them, cut
    like `token_type_ids` to the new tokens; encoder outputs and masks passed through for encoder-decoders; only
    the arguments `call` takes. Under XLA, TF generate pads the cache: the step's real positions go to the model as
    `cache_position` and the mask covers them (see the module docstring); a model whose cache cannot take them
    (`positional_cache` False: the forward making the cache has no `cache_position`) raises."""
    accepted = set(signature(model.call).parameters)
    seq2seq = "decoder_input_ids" in accepted
    ids_key, mask_key, positions_key = (
        ("decoder_input_ids", "decoder_attention_mask", "decoder_position_ids")
        if seq2seq
        else ("input_ids", "attention_mask", "position_ids")
    )
    mask = kwargs.pop("decoder_attention_mask", None) if seq2seq else attention_mask
    cache_position = None
    if past_key_values is not None:
        input_ids = input_ids[:, -1:]
        if not tf.executing_eagerly():  # TF generate's XLA loop: the cache is padded to the maximum length
            why = None
            if not positional_cache or "cache_position" not in accepted:
                why = "its forward does not take the positions of the new tokens (`cache_position`) down to the cache"
            elif mask is None:
                why = f"no `{mask_key}` tells which cached positions are filled"
            if why is not None:
                raise NotImplementedError(
                    f"XLA generation with {type(model).__name__}: TF generate pads the key/value cache under XLA and "
                    f"{why}, so the model would see other positions than torch's; generate eagerly instead"
                )
            cache_position, mask = _padded_cache_step(mask, shape_list(input_ids)[1])
    query_length = shape_list(input_ids)[1]
    inputs = {ids_key: input_ids, "past_key_values": past_key_values}
    if seq2seq and "input_ids" in accepted:
        inputs["input_ids"] = None  # the encoder's outputs are given
    if mask is not None and kwargs.get(positions_key) is None and positions_key in accepted:
        positions = _positions_from_mask(mask)
        if cache_position is not None:
            positions = tf.gather(positions, cache_position, axis=1)
        kwargs[positions_key] = positions
    for key in ("position_ids", "token_type_ids", "decoder_position_ids"):
        value = kwargs.get(key)
        if value is not None and past_key_values is not None and shape_list(value)[1] != query_length:
            kwargs[key] = value[:, -query_length:]
    if mask is not None:
        inputs[mask_key] = mask
    if seq2seq and attention_mask is not None:
        inputs["attention_mask"] = attention_mask
    if cache_position is not None:
        inputs["cache_position"] = cache_position
    if "use_cache" in accepted:
        inputs["use_cache"] = use_cache
    for key, value in kwargs.items():
        if key in accepted and key not in inputs and key not in GENERATION_CONTROLS:
            inputs[key] = value
    return inputs
