"""TF twins of transformers' key/value caches (`cache_utils`), for converted forward bodies that use a cache.

Read as text like `tf_helpers.py`. Inside a model the cache is the object torch code expects (`update`,
`get_seq_length`, `layers[i].keys`, `is_updated`, ...); between calls it is what TF ports and TF `generate()` pass
around: a tuple with one `(key, value)` tuple per layer, `(key, value, cross_key, cross_value)` for
encoder-decoder models, tensors shaped (batch, heads, length, head_dim). `cache_from_legacy` makes the object at
the start of a forward, `legacy_cache` turns it back into tuples where an output returns it. Only plain Python
objects and tensor ops: the cache works eagerly, in `tf.function` and under XLA (where `generate()` pads the
cached length to the maximum length and masks the padding).
"""

import tensorflow as tf
from transformers.tf_utils import shape_list


class CacheLayer:
    """One layer's cached keys and values (None until the first update)."""

    def __init__(self, keys=None, values=None):
        self.keys = keys
        self.values = values

    def update(self, key_states, value_states):
        if self.keys is None:
            self.keys, self.values = key_states, value_states
        else:
            self.keys = tf.concat([self.keys, key_states], axis=-2)
            self.values = tf.concat([self.values, value_states], axis=-2)
        return self.keys, self.values

    def get_seq_length(self):
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


def cache_from_legacy(past_key_values):
    """The cache object a forward body works with, from what TF callers pass: None, a cache, or legacy tuples
    ((key, value) per layer, or (key, value, cross_key, cross_value) for encoder-decoder models)."""
    if past_key_values is None or isinstance(past_key_values, Cache):
        return past_key_values
    past_key_values = tuple(past_key_values)
    if not past_key_values:
        return None
    if len(past_key_values[0]) > 2:
        return EncoderDecoderCache.from_legacy_cache(past_key_values)
    return DynamicCache.from_legacy_cache(past_key_values)


def legacy_cache(past_key_values):
    """What a TF output returns for a cache: its legacy tuples (anything else as it is)."""
    if isinstance(past_key_values, Cache):
        return past_key_values.to_legacy_cache() or None
    return past_key_values
