"""The layer-by-layer recording verify uses to say where PyTorch and TF first diverge."""

import pytest

pytestmark = pytest.mark.frameworks


def test_recording_keeps_each_calls_signature_for_code_that_reads_it():
    """A generated VLM calls its text sub-model through `call_model`, which reads the sub-model's call signature
    to pass its first parameter by name: while recording, that signature is still the bound call's (it read the
    unbound function's, `self` first, and the model failed with "got multiple values for argument 'self'")."""
    import inspect

    import numpy as np
    import tensorflow as tf
    from transformers import PretrainedConfig
    from transformers.modeling_tf_utils import keras, unpack_inputs

    from scaffold.checks.trace import record_tf

    class Inner(keras.Model):
        config = PretrainedConfig()

        @unpack_inputs
        def call(
            self,
            input_ids=None,
            inputs_embeds=None,
            output_attentions=None,
            output_hidden_states=None,
            return_dict=None,
            training=False,
        ):
            return inputs_embeds * 2.0

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = Inner(name="inner")

        def call(self, inputs_embeds):
            first = next(iter(inspect.signature(self.inner.call).parameters))
            seen.append(first)
            return self.inner(**{first: None, "inputs_embeds": inputs_embeds})

    seen: list = []
    model = Outer()
    x = np.ones((1, 2), dtype="float32")
    result, recording = record_tf(model, lambda: model(x), None)
    np.testing.assert_allclose(np.asarray(result), 2 * x)
    assert "inner" in recording.outputs and tf.is_tensor(result)
    assert seen == ["input_ids"]
