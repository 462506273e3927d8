"""The TF key/value cache twins copied into converted files: torch's Cache API inside a forward, TF's legacy
tuples between calls."""

import pytest

pytestmark = pytest.mark.frameworks


def test_dynamic_cache_grows_and_round_trips_legacy_tuples():
    import numpy as np
    import tensorflow as tf

    from scaffold.convert.snippets import tf_cache

    first = [tf.random.normal((2, 3, 4, 5)) for _ in range(4)]
    cache = tf_cache.cache_from_legacy(((first[0], first[1]), (first[2], first[3])))
    assert isinstance(cache, tf_cache.DynamicCache) and cache.get_seq_length() == 4
    step = tf.random.normal((2, 3, 1, 5))
    keys, values = cache.update(step, step, 1)
    assert keys.shape == (2, 3, 5, 5)
    np.testing.assert_array_equal(keys[:, :, :4].numpy(), first[2].numpy())
    legacy = tf_cache.legacy_cache(cache)
    assert [k.shape[2] for k, _ in legacy] == [4, 5]
    assert tf_cache.cache_from_legacy(None) is None and tf_cache.legacy_cache(None) is None


def test_encoder_decoder_cache_keeps_cross_attention_apart():
    import tensorflow as tf

    from scaffold.convert.snippets import tf_cache

    k = tf.zeros((1, 2, 3, 4))
    cross = tf.ones((1, 2, 7, 4))
    cache = tf_cache.cache_from_legacy(((k, k, cross, cross),))
    assert isinstance(cache, tf_cache.EncoderDecoderCache)
    assert cache.is_updated == {0: True} and cache.get_seq_length() == 3
    cache.update(tf.zeros((1, 2, 1, 4)), tf.zeros((1, 2, 1, 4)), 0)
    (entry,) = tf_cache.legacy_cache(cache)
    assert [t.shape[2] for t in entry] == [4, 4, 7, 7]
    fresh = tf_cache.EncoderDecoderCache(tf_cache.DynamicCache(), tf_cache.DynamicCache())
    assert fresh.is_updated.get(0) is None and fresh.get_seq_length() == 0


def test_the_stacked_form_tf_generate_reads_of_gpt2_round_trips():
    """TF generate reads the caches of models named TFGPT2*/TFCTRL* as one (2, batch, heads, length, head_dim)
    tensor per layer; cross-attention keys are left out (recomputed from the encoder states)."""
    import numpy as np
    import tensorflow as tf

    from scaffold.convert.snippets import tf_cache

    k, v, cross = tf.random.normal((1, 2, 3, 4)), tf.random.normal((1, 2, 3, 4)), tf.ones((1, 2, 7, 4))
    (stacked,) = tf_cache.legacy_cache(tf_cache.cache_from_legacy(((k, v, cross, cross),)), stacked=True)
    assert stacked.shape == (2, 1, 2, 3, 4)
    cache = tf_cache.cache_from_legacy((stacked,))
    assert isinstance(cache, tf_cache.DynamicCache) and cache.get_seq_length() == 3
    np.testing.assert_array_equal(cache.layers[0].values.numpy(), v.numpy())
