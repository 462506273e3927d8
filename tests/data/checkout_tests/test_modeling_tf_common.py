"""A stand-in for transformers' tests/test_modeling_tf_common.py (4.52 and earlier) in the synthetic checkouts of
tests/test_tests_file.py: the names a generated test file imports from it, and two of its tests."""

import copy

from transformers import is_tf_available


if is_tf_available():
    import numpy as np
    import tensorflow as tf


class TFModelTesterMixin:
    model_tester = None
    all_model_classes = ()
    all_generative_model_classes = ()
    test_head_masking = True
    is_encoder_decoder = False

    def _prepare_for_class(self, inputs_dict, model_class, return_labels=False):
        return copy.deepcopy(inputs_dict)

    def test_determinism(self):
        config, inputs_dict = self.model_tester.prepare_config_and_inputs_for_common()
        for model_class in self.all_model_classes:
            model = model_class(config)
            first = model(self._prepare_for_class(inputs_dict, model_class), training=False)[0]
            second = model(self._prepare_for_class(inputs_dict, model_class), training=False)[0]
            self.assertTrue(np.array_equal(first.numpy(), second.numpy()))


def ids_tensor(shape, vocab_size, rng=None, name=None, dtype=None):
    return tf.constant(np.random.default_rng().integers(0, vocab_size, shape), dtype=dtype or tf.int32)


def random_attention_mask(shape, rng=None, name=None, dtype=None):
    mask = np.random.default_rng().integers(0, 2, shape)
    mask[:, 0] = 1
    return tf.constant(mask, dtype=dtype or tf.int32)


def floats_tensor(shape, scale=1.0, rng=None, name=None, dtype=None):
    return tf.constant(np.random.default_rng().random(shape) * scale, dtype=dtype or tf.float32)
