# Golden input for scaffold's whole-pipeline test: a small PyTorch model in transformers 4.5x style that
# uses the constructs the converter rewrites. Its expected TF output is tests/data/modeling_tf_tiny.py,
# regenerated with `python scripts/regen_golden.py`.
"""TF 2.0 Tiny model."""

import math
from typing import Optional, Union

import tensorflow as tf

from ...activations_tf import get_tf_activation
from ...modeling_tf_outputs import TFBaseModelOutputWithPooling, TFSequenceClassifierOutput
from ...modeling_tf_utils import TFPreTrainedModel, get_initializer, keras, keras_serializable, unpack_inputs
from ...tf_utils import shape_list, stable_softmax
from ...utils import logging
from .configuration_tiny import TinyConfig

logger = logging.get_logger(__name__)


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


def _reduction(size_average, reduce, reduction):
    """torch's reading of the deprecated `size_average` / `reduce` arguments, where a caller still passes them."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _reduce_loss(loss, reduction, denominator=None):
    """torch's reduction of a per-element loss: "none" keeps it; "sum" and "mean" give shape (1,)."""
    if reduction == "none":
        return loss
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    total = tf.reduce_sum(loss)
    if reduction == "mean":
        count = tf.cast(tf.size(loss), loss.dtype) if denominator is None else tf.cast(denominator, loss.dtype)
        total = total / count
    return tf.reshape(total, (1,))


def _classes_last(tensor):
    """(N, C, d1, ...) -> (N, d1, ..., C)."""
    rank = tensor.shape.rank
    if rank is None or rank <= 2:
        return tensor
    return tf.transpose(tensor, [0, *range(2, rank), 1])


def _picked_log_probs(log_probs, target, weight, ignore_index):
    """Per target: minus the log-probability of its class (times the class weight), and the weight it counts with
    in a mean (0 where the target is `ignore_index`). `log_probs` has its classes last."""
    keep = tf.not_equal(target, tf.cast(ignore_index, target.dtype))
    safe_target = tf.where(keep, tf.cast(target, tf.int32), tf.zeros_like(target, tf.int32))
    picked = tf.gather(log_probs, safe_target, axis=-1, batch_dims=safe_target.shape.rank)
    counted = tf.ones_like(picked) if weight is None else tf.gather(tf.cast(weight, log_probs.dtype), safe_target)
    counted = tf.where(keep, counted, tf.zeros_like(counted))
    return -picked * counted, counted


def torch_cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """TF twin of torch.nn.functional.cross_entropy: class-index targets (with `ignore_index`) or class-probability
    targets of the logits' shape, class `weight` and `label_smoothing` as torch applies them."""
    reduction = _reduction(size_average, reduce, reduction)
    log_probs = tf.nn.log_softmax(_classes_last(tf.convert_to_tensor(input)), axis=-1)
    num_classes = tf.cast(tf.shape(log_probs)[-1], log_probs.dtype)
    weighted_log_probs = log_probs if weight is None else log_probs * tf.cast(weight, log_probs.dtype)
    target = tf.convert_to_tensor(target)
    if not target.dtype.is_integer:  # class probabilities
        probabilities = _classes_last(tf.cast(target, log_probs.dtype))
        if label_smoothing > 0:
            probabilities = probabilities * (1 - label_smoothing) + label_smoothing / num_classes
        return _reduce_loss(-tf.reduce_sum(probabilities * weighted_log_probs, axis=-1), reduction)
    loss, counted = _picked_log_probs(log_probs, target, weight, ignore_index)
    if label_smoothing > 0:
        kept = tf.cast(tf.not_equal(target, tf.cast(ignore_index, target.dtype)), log_probs.dtype)
        smooth = -tf.reduce_sum(weighted_log_probs, axis=-1) * kept
        loss = (1 - label_smoothing) * loss + (label_smoothing / num_classes) * smooth
    return _reduce_loss(loss, reduction, denominator=tf.reduce_sum(counted))


def torch_binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """TF twin of torch.nn.functional.binary_cross_entropy_with_logits (the numerically stable form torch uses)."""
    reduction = _reduction(size_average, reduce, reduction)
    logits = tf.convert_to_tensor(input)
    labels = tf.cast(target, logits.dtype)
    log_weight = 1.0 if pos_weight is None else 1.0 + (tf.cast(pos_weight, logits.dtype) - 1.0) * labels
    loss = (1.0 - labels) * logits + log_weight * tf.math.softplus(-logits)
    if weight is not None:
        loss = loss * tf.cast(weight, logits.dtype)
    return _reduce_loss(loss, reduction)


class _TorchLoss:
    """A torch loss module's TF twin: made with the torch module's constructor arguments (the functional form's
    arguments after `input, target`, in the same order), called like the module."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __call__(self, input, target):
        return self.function(input, target, *self.args, **self.kwargs)


class TorchCrossEntropyLoss(_TorchLoss):
    function = staticmethod(torch_cross_entropy)


class TFTinyEmbeddings(keras.layers.Layer):
    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.word_embeddings = keras.layers.Embedding(
            input_dim=config.vocab_size,
            output_dim=config.hidden_size,
            embeddings_initializer=get_initializer(config.initializer_range),
            name="word_embeddings",
        )
        self.position_embeddings = keras.layers.Embedding(
            input_dim=config.max_position_embeddings,
            output_dim=config.hidden_size,
            embeddings_initializer=get_initializer(config.initializer_range),
            name="position_embeddings",
        )
        self.LayerNorm = TorchLayerNorm(config.hidden_size, eps=config.layer_norm_eps, name="LayerNorm")
        self.dropout = keras.layers.Dropout(rate=config.hidden_dropout_prob)
        self.position_ids = tf.broadcast_to(
            tf.range(config.max_position_embeddings), [1, shape_list(tf.range(config.max_position_embeddings))[-1]]
        )

    def call(self, input_ids: tf.Tensor, training: bool = False) -> tf.Tensor:
        seq_length = shape_list(input_ids)[1]
        position_ids = self.position_ids[:, :seq_length]
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings, training=training)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "word_embeddings", None) is not None:
            with tf.name_scope(self.word_embeddings.name):
                self.word_embeddings.build(None)
        if getattr(self, "position_embeddings", None) is not None:
            with tf.name_scope(self.position_embeddings.name):
                self.position_embeddings.build(None)
        if getattr(self, "LayerNorm", None) is not None:
            with tf.name_scope(self.LayerNorm.name):
                self.LayerNorm.build([None, None, self.config.hidden_size])


class TFTinySelfAttention(keras.layers.Layer):
    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.num_heads = config.num_attention_heads
        self.head_size = config.hidden_size // config.num_attention_heads
        self.query = keras.layers.Dense(
            units=config.hidden_size, kernel_initializer=get_initializer(config.initializer_range), name="query"
        )
        self.key = keras.layers.Dense(
            units=config.hidden_size, kernel_initializer=get_initializer(config.initializer_range), name="key"
        )
        self.value = keras.layers.Dense(
            units=config.hidden_size, kernel_initializer=get_initializer(config.initializer_range), name="value"
        )
        self.dropout = keras.layers.Dropout(rate=config.attention_probs_dropout_prob)

    def call(
        self, hidden_states: tf.Tensor, attention_mask: Optional[tf.Tensor] = None, training: bool = False
    ) -> tf.Tensor:
        batch_size, seq_length, _ = tuple(shape_list(hidden_states))
        query = tf.experimental.numpy.swapaxes(
            tf.reshape(self.query(hidden_states), [batch_size, -1, self.num_heads, self.head_size]), 1, 2
        )
        key = tf.experimental.numpy.swapaxes(
            tf.reshape(self.key(hidden_states), [batch_size, -1, self.num_heads, self.head_size]), 1, 2
        )
        value = tf.experimental.numpy.swapaxes(
            tf.reshape(self.value(hidden_states), [batch_size, -1, self.num_heads, self.head_size]), 1, 2
        )
        scores = tf.matmul(query, tf.experimental.numpy.swapaxes(key, -1, -2)) / math.sqrt(self.head_size)
        if attention_mask is not None:
            scores = scores + attention_mask
        probs = self.dropout(stable_softmax(scores, axis=-1), training=training)
        context = tf.transpose(tf.matmul(probs, value), perm=[0, 2, 1, 3])
        return tf.reshape(context, [batch_size, seq_length, -1])

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "query", None) is not None:
            with tf.name_scope(self.query.name):
                self.query.build([None, None, self.config.hidden_size])
        if getattr(self, "key", None) is not None:
            with tf.name_scope(self.key.name):
                self.key.build([None, None, self.config.hidden_size])
        if getattr(self, "value", None) is not None:
            with tf.name_scope(self.value.name):
                self.value.build([None, None, self.config.hidden_size])


class TFTinyOutput(keras.layers.Layer):
    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.dense = keras.layers.Dense(
            units=config.hidden_size, kernel_initializer=get_initializer(config.initializer_range), name="dense"
        )
        self.LayerNorm = TorchLayerNorm(config.hidden_size, eps=config.layer_norm_eps, name="LayerNorm")

    def call(self, hidden_states, input_tensor, training: bool = False):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "dense", None) is not None:
            with tf.name_scope(self.dense.name):
                self.dense.build([None, None, self.config.intermediate_size])
        if getattr(self, "LayerNorm", None) is not None:
            with tf.name_scope(self.LayerNorm.name):
                self.LayerNorm.build([None, None, self.config.hidden_size])


class TFTinyLayer(keras.layers.Layer):
    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.attention = TFTinySelfAttention(config, name="attention")
        self.intermediate = keras.layers.Dense(
            units=config.intermediate_size,
            kernel_initializer=get_initializer(config.initializer_range),
            name="intermediate",
        )
        self.act = torch_activation(config.hidden_act, name="act")
        self.tiny_output = TFTinyOutput(config, name="output")

    def call(self, hidden_states, attention_mask=None, training: bool = False):
        attention_output = self.attention(hidden_states, attention_mask, training=training)
        return self.tiny_output(self.act(self.intermediate(attention_output)), attention_output, training=training)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "attention", None) is not None:
            with tf.name_scope(self.attention.name):
                self.attention.build(None)
        if getattr(self, "intermediate", None) is not None:
            with tf.name_scope(self.intermediate.name):
                self.intermediate.build([None, None, self.config.hidden_size])
        if isinstance(getattr(self, "act", None), keras.layers.Layer):
            with tf.name_scope(self.act.name):
                self.act.build(None)
        if getattr(self, "tiny_output", None) is not None:
            with tf.name_scope(self.tiny_output.name):
                self.tiny_output.build(None)


class TFTinyPreTrainedModel(TFPreTrainedModel):
    config_class = TinyConfig
    base_model_prefix = "tiny"


@keras_serializable
class TFTinyMainLayer(keras.layers.Layer):
    config_class = TinyConfig

    def __init__(self, config, add_pooling_layer=True, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.embeddings = TFTinyEmbeddings(config, name="embeddings")
        self.layer = [TFTinyLayer(config, name=f"layer_._{i}") for i in range(config.num_hidden_layers)]
        self.pooler = (
            keras.layers.Dense(
                units=config.hidden_size, kernel_initializer=get_initializer(config.initializer_range), name="pooler"
            )
            if add_pooling_layer
            else None
        )

    @unpack_inputs
    def call(
        self,
        input_ids: Optional[tf.Tensor] = None,
        attention_mask: Optional[tf.Tensor] = None,
        return_dict: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        training: bool = False,
    ) -> Union[tuple, TFBaseModelOutputWithPooling]:
        if attention_mask is None:
            attention_mask = tf.ones(tuple(shape_list(input_ids)))
        extended_attention_mask = get_extended_attention_mask(
            attention_mask, tuple(shape_list(input_ids)), is_decoder=self.config.is_decoder
        )
        hidden_states = self.embeddings(input_ids, training=training)
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, extended_attention_mask, training=training)
        pooled = tf.math.tanh(self.pooler(hidden_states[:, 0])) if self.pooler is not None else None
        return TFBaseModelOutputWithPooling(last_hidden_state=hidden_states, pooler_output=pooled)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "embeddings", None) is not None:
            with tf.name_scope(self.embeddings.name):
                self.embeddings.build(None)
        if getattr(self, "layer", None) is not None:
            for layer in self.layer:
                with tf.name_scope(layer.name):
                    layer.build(None)
        if getattr(self, "pooler", None) is not None:
            with tf.name_scope(self.pooler.name):
                self.pooler.build([None, None, self.config.hidden_size])


class TFTinyModel(TFTinyPreTrainedModel):
    def __init__(self, config, add_pooling_layer=True, *inputs, **kwargs):
        super().__init__(config, *inputs, **kwargs)
        self.tiny = TFTinyMainLayer(config, add_pooling_layer=add_pooling_layer, name="tiny")

    @unpack_inputs
    def call(
        self,
        input_ids: Optional[tf.Tensor] = None,
        attention_mask: Optional[tf.Tensor] = None,
        return_dict: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        training: bool = False,
    ) -> Union[tuple, TFBaseModelOutputWithPooling]:
        outputs = self.tiny(
            input_ids=input_ids,
            attention_mask=attention_mask,
            return_dict=return_dict,
            output_hidden_states=output_hidden_states,
            training=training,
        )
        return outputs

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "tiny", None) is not None:
            with tf.name_scope(self.tiny.name):
                self.tiny.build(None)


class TFTinyForSequenceClassification(TFTinyPreTrainedModel):
    def __init__(self, config, *inputs, **kwargs):
        super().__init__(config, *inputs, **kwargs)
        self.config = config
        self.tiny = TFTinyMainLayer(config, name="tiny")
        self.classifier = keras.layers.Dense(
            units=config.num_labels, kernel_initializer=get_initializer(config.initializer_range), name="classifier"
        )

    @unpack_inputs
    def call(
        self,
        input_ids=None,
        attention_mask=None,
        labels=None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
        training: bool = False,
    ):
        outputs = self.tiny(input_ids, attention_mask=attention_mask, training=training)
        logits = self.classifier(outputs.pooler_output)
        loss = None
        if labels is not None:
            if labels.dtype in (tf.int32, tf.int64):  # class ids, else one probability per class
                loss = TorchCrossEntropyLoss()(logits, labels)
            else:
                loss = torch_binary_cross_entropy_with_logits(logits, labels)
        return TFSequenceClassifierOutput(loss=loss, logits=logits)

    def build(self, input_shape=None):
        if self.built:
            return
        self.built = True
        if getattr(self, "tiny", None) is not None:
            with tf.name_scope(self.tiny.name):
                self.tiny.build(None)
        if getattr(self, "classifier", None) is not None:
            with tf.name_scope(self.classifier.name):
                self.classifier.build([None, None, self.config.hidden_size])


__all__ = ["TFTinyForSequenceClassification", "TFTinyMainLayer", "TFTinyModel", "TFTinyPreTrainedModel"]
