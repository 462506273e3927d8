"""Runtime helpers of the TF model API (`TFPreTrainedModel`'s embedding accessors, resizing, inputs) that generated
ports need where torch models rely on what TF's base class does otherwise.

Read as text like `tf_helpers.py`: each top-level definition a converted file uses is copied into it.
"""

import tensorflow as tf
from transformers.modeling_tf_utils import get_initializer, keras


def int_argument(value):
    """An `int` parameter of `call` as torch's forward gets it. Keras turns Python numbers inside a list or tuple
    input into tensors (`model((input_ids, ..., 0))`), so a torch test such as `isinstance(logits_to_keep, int)`
    would take the 0-d tensor for a tensor of indices; a 0-d integer tensor whose value is known (eagerly, or a
    constant when traced) is the int again. Anything else is returned as given."""
    if tf.is_tensor(value) and value.shape.rank == 0 and value.dtype.is_integer:
        static = tf.get_static_value(value)
        if static is not None:
            return int(static)
    return value


def _resized_dense(dense, new_units, stddev):
    """A copy of the Dense layer `dense` with `new_units` units: its kernel's (and bias') first columns kept, new
    ones drawn like resized input embeddings' new rows. Its weights are named as the old ones (the layer is named
    after their scope), so the model saves and loads them under the same names."""
    kernel = dense.kernel
    resized = keras.layers.Dense(
        units=new_units,
        activation=dense.activation,
        use_bias=dense.use_bias,
        kernel_initializer=get_initializer(stddev),
        bias_initializer="zeros",
        name=kernel.name.rsplit("/", 1)[0],
    )
    resized(tf.zeros((1, kernel.shape[0]), dtype=kernel.dtype))  # builds it, under its own name
    keep = min(dense.units, new_units)
    resized.kernel.assign(tf.concat([kernel[:, :keep], resized.kernel[:, keep:]], axis=1))
    if dense.use_bias and dense.bias is not None:
        resized.bias.assign(tf.concat([dense.bias[:keep], resized.bias[keep:]], axis=0))
    return resized


def resize_token_embeddings_with_dense_output(model, new_num_tokens=None):
    """`TFPreTrainedModel.resize_token_embeddings` for a model whose output embeddings are a Dense layer (torch's
    `nn.Linear` LM head, `get_output_embeddings()` returning it): torch resizes that layer's outputs with the input
    embeddings; TF's own resizing reads output embeddings as an embedding matrix. The input embeddings are resized
    as TF resizes a keras Embedding, the Dense gets `new_num_tokens` units (old columns and bias kept), and
    `config.vocab_size` follows."""
    if new_num_tokens is None or new_num_tokens == model.config.vocab_size:
        return model.get_input_embeddings()
    model.build_in_name_scope()
    embeddings = model.get_input_embeddings()
    if not isinstance(embeddings, keras.layers.Embedding):
        raise NotImplementedError(
            f"resize_token_embeddings: {type(model).__name__}'s input embeddings are a "
            f"{type(embeddings).__name__}, not a keras Embedding"
        )
    output = model.get_output_embeddings()
    model.set_input_embeddings(model._v2_get_resized_embeddings(embeddings, new_num_tokens))
    stddev = getattr(model.config, "initializer_range", 0.02)
    model.set_output_embeddings(_resized_dense(output, new_num_tokens, stddev))
    model.config.vocab_size = new_num_tokens
    return model.get_input_embeddings()
