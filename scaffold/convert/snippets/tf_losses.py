"""TF twins of the torch losses transformers' heads compute, with torch's arguments and torch's numbers.

Read as text like `tf_helpers.py`: each top-level definition a converted file uses is copied into it. A reduced
loss (reduction "mean" or "sum") comes back with shape (1,), as the losses of transformers' hand-written TF ports
do (`hf_compute_loss`); its value is torch's. Class-index targets may be -100 (or another `ignore_index`): those
positions count neither in the sum nor in the mean, as in torch. Class scores have their classes at axis 1, as
torch wants them ((N, C) or (N, C, d1, ...)).
"""

import tensorflow as tf


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


def torch_nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """TF twin of torch.nn.functional.nll_loss: `input` holds log-probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    target = tf.convert_to_tensor(target)
    loss, counted = _picked_log_probs(_classes_last(tf.convert_to_tensor(input)), target, weight, ignore_index)
    return _reduce_loss(loss, reduction, denominator=tf.reduce_sum(counted))


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


def torch_mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """TF twin of torch.nn.functional.mse_loss (inputs broadcast as in torch)."""
    reduction = _reduction(size_average, reduce, reduction)
    input = tf.convert_to_tensor(input)
    difference = input - tf.cast(target, input.dtype)
    loss = tf.square(difference)
    if weight is not None:
        loss = loss * tf.cast(weight, loss.dtype)
    return _reduce_loss(loss, reduction)


def torch_l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """TF twin of torch.nn.functional.l1_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    input = tf.convert_to_tensor(input)
    return _reduce_loss(tf.abs(input - tf.cast(target, input.dtype)), reduction)


def torch_smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """TF twin of torch.nn.functional.smooth_l1_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    input = tf.convert_to_tensor(input)
    difference = tf.abs(input - tf.cast(target, input.dtype))
    if beta == 0:
        return _reduce_loss(difference, reduction)
    loss = tf.where(difference < beta, 0.5 * tf.square(difference) / beta, difference - 0.5 * beta)
    return _reduce_loss(loss, reduction)


def torch_huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """TF twin of torch.nn.functional.huber_loss."""
    input = tf.convert_to_tensor(input)
    difference = tf.abs(input - tf.cast(target, input.dtype))
    loss = tf.where(difference < delta, 0.5 * tf.square(difference), delta * (difference - 0.5 * delta))
    return _reduce_loss(loss, reduction)


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


def torch_binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """TF twin of torch.nn.functional.binary_cross_entropy: probabilities in, each log clamped at -100 as torch
    clamps it."""
    reduction = _reduction(size_average, reduce, reduction)
    probabilities = tf.convert_to_tensor(input)
    labels = tf.cast(target, probabilities.dtype)
    log_p = tf.maximum(tf.math.log(probabilities), -100.0)
    log_not_p = tf.maximum(tf.math.log(1.0 - probabilities), -100.0)
    loss = -(labels * log_p + (1.0 - labels) * log_not_p)
    if weight is not None:
        loss = loss * tf.cast(weight, probabilities.dtype)
    return _reduce_loss(loss, reduction)


def torch_kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """TF twin of torch.nn.functional.kl_div: `input` holds log-probabilities; "batchmean" divides by the batch."""
    reduction = _reduction(size_average, reduce, reduction)
    log_q = tf.convert_to_tensor(input)
    target = tf.cast(target, log_q.dtype)
    if log_target:
        loss = tf.exp(target) * (target - log_q)
    else:
        loss = tf.math.xlogy(target, target) - target * log_q
    if reduction == "batchmean":
        return tf.reshape(tf.reduce_sum(loss) / tf.cast(tf.shape(loss)[0], loss.dtype), (1,))
    return _reduce_loss(loss, reduction)


def torch_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """TF twin of torch.nn.functional.ctc_loss: log-probabilities (T, N, C) (or (T, C) for one sequence), targets
    padded (N, S) or concatenated (the sum of `target_lengths`). A target that no alignment fits in its input
    has an infinite loss (0 with `zero_infinity`), as in torch; "mean" divides each loss by its target length,
    then averages over the batch."""
    log_probs = tf.convert_to_tensor(log_probs)
    one_sequence = log_probs.shape.rank == 2
    if one_sequence:
        log_probs = log_probs[:, None, :]
        targets = tf.reshape(targets, [1, -1])
    input_lengths = tf.reshape(tf.cast(input_lengths, tf.int32), [-1])
    target_lengths = tf.reshape(tf.cast(target_lengths, tf.int32), [-1])
    targets = tf.convert_to_tensor(targets)
    if targets.shape.rank == 1:
        targets = tf.RaggedTensor.from_row_lengths(targets, tf.cast(target_lengths, tf.int64)).to_tensor()
    targets = tf.cast(targets, tf.int32)
    inside = tf.range(tf.shape(targets)[1])[None, :] < target_lengths[:, None]
    targets = tf.where(inside, targets, tf.zeros_like(targets))
    loss = tf.nn.ctc_loss(targets, log_probs, target_lengths, input_lengths, logits_time_major=True, blank_index=blank)
    # an alignment needs a frame per label plus a blank between repeated labels; TF gives a finite number there
    repeats = tf.reduce_sum(tf.cast(inside[:, 1:] & tf.equal(targets[:, 1:], targets[:, :-1]), tf.int32), axis=1)
    impossible = input_lengths < target_lengths + repeats
    loss = tf.where(impossible, tf.fill(tf.shape(loss), tf.constant(float("inf"), loss.dtype)), loss)
    if zero_infinity:
        loss = tf.where(tf.math.is_inf(loss), tf.zeros_like(loss), loss)
    if reduction == "mean":
        loss = loss / tf.cast(tf.maximum(target_lengths, 1), loss.dtype)
        return tf.reshape(tf.reduce_mean(loss), (1,))
    if reduction == "sum":
        return tf.reshape(tf.reduce_sum(loss), (1,))
    return loss[0] if one_sequence else loss


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


class TorchNLLLoss(_TorchLoss):
    function = staticmethod(torch_nll_loss)


class TorchMSELoss(_TorchLoss):
    function = staticmethod(torch_mse_loss)


class TorchL1Loss(_TorchLoss):
    function = staticmethod(torch_l1_loss)


class TorchSmoothL1Loss(_TorchLoss):
    function = staticmethod(torch_smooth_l1_loss)


class TorchHuberLoss(_TorchLoss):
    function = staticmethod(torch_huber_loss)


class TorchBCEWithLogitsLoss(_TorchLoss):
    function = staticmethod(torch_binary_cross_entropy_with_logits)


class TorchBCELoss(_TorchLoss):
    function = staticmethod(torch_binary_cross_entropy)


class TorchKLDivLoss(_TorchLoss):
    function = staticmethod(torch_kl_div)


def fixed_cross_entropy(source, target, num_items_in_batch=None, ignore_index=-100, **kwargs):
    """TF twin of transformers.loss.loss_utils.fixed_cross_entropy: a mean over the kept targets, or a sum divided
    by `num_items_in_batch` where the trainer gives it."""
    if num_items_in_batch is None:
        return torch_cross_entropy(source, target, ignore_index=ignore_index, reduction="mean")
    total = torch_cross_entropy(source, target, ignore_index=ignore_index, reduction="sum")
    return total / tf.cast(num_items_in_batch, total.dtype)


def ForCausalLMLoss(
    logits, labels, vocab_size, num_items_in_batch=None, ignore_index=-100, shift_labels=None, **kwargs
):
    """TF twin of transformers' causal-LM loss: position i predicts label i + 1 (the labels are shifted left and
    padded with `ignore_index`), cross entropy in float32 over the kept labels."""
    logits = tf.cast(logits, tf.float32)
    if shift_labels is None:
        labels = tf.convert_to_tensor(labels)
        padding = tf.fill(tf.concat([tf.shape(labels)[:-1], [1]], axis=0), tf.cast(ignore_index, labels.dtype))
        shift_labels = tf.concat([labels[..., 1:], padding], axis=-1)
    logits = tf.reshape(logits, [-1, vocab_size])
    shift_labels = tf.reshape(shift_labels, [-1])
    return fixed_cross_entropy(logits, shift_labels, num_items_in_batch, ignore_index)


def ForMaskedLMLoss(logits, labels, vocab_size, num_items_in_batch=None, ignore_index=-100, **kwargs):
    """TF twin of transformers' masked-LM loss: cross entropy in float32 over the labels that are not ignored."""
    logits = tf.reshape(tf.cast(logits, tf.float32), [-1, vocab_size])
    return fixed_cross_entropy(logits, tf.reshape(labels, [-1]), num_items_in_batch, ignore_index)


def ForSequenceClassificationLoss(labels, pooled_logits, config, **kwargs):
    """TF twin of transformers' sequence-classification loss, with its `config.problem_type` rule: one label is a
    regression (MSE), integer labels a single-label classification (cross entropy), anything else multi-label
    (binary cross entropy with logits). Sets `config.problem_type` the first time, as torch does. torch's integer
    labels are long or int: int64 or int32 here (a port's torch.long is int32; TF callers pass either)."""
    num_labels = config.num_labels
    labels = tf.convert_to_tensor(labels)
    if config.problem_type is None:
        if num_labels == 1:
            config.problem_type = "regression"
        elif num_labels > 1 and labels.dtype in (tf.int32, tf.int64):
            config.problem_type = "single_label_classification"
        else:
            config.problem_type = "multi_label_classification"
    if config.problem_type == "regression":
        if num_labels == 1:
            return torch_mse_loss(tf.squeeze(pooled_logits), tf.squeeze(labels))
        return torch_mse_loss(pooled_logits, labels)
    if config.problem_type == "single_label_classification":
        return fixed_cross_entropy(tf.reshape(pooled_logits, [-1, num_labels]), tf.reshape(labels, [-1]), **kwargs)
    if config.problem_type == "multi_label_classification":
        return torch_binary_cross_entropy_with_logits(pooled_logits, labels)
    raise RuntimeError(f"Invalid problem type: {config.problem_type}")


def ForQuestionAnsweringLoss(start_logits, end_logits, start_positions, end_positions, **kwargs):
    """TF twin of transformers' extractive-QA loss: positions outside the sequence are clamped to its length and
    ignored; the mean of the start and end cross entropies."""
    if start_positions is None or end_positions is None:
        return None
    start_positions = tf.convert_to_tensor(start_positions)
    end_positions = tf.convert_to_tensor(end_positions)
    if start_positions.shape.rank > 1:
        start_positions = tf.squeeze(start_positions, -1)
    if end_positions.shape.rank > 1:
        end_positions = tf.squeeze(end_positions, -1)
    ignored_index = tf.shape(start_logits)[1]
    start_positions = tf.clip_by_value(start_positions, 0, tf.cast(ignored_index, start_positions.dtype))
    end_positions = tf.clip_by_value(end_positions, 0, tf.cast(ignored_index, end_positions.dtype))
    start_loss = fixed_cross_entropy(start_logits, start_positions, ignore_index=ignored_index, **kwargs)
    end_loss = fixed_cross_entropy(end_logits, end_positions, ignore_index=ignored_index, **kwargs)
    return (start_loss + end_loss) / 2


def ForTokenClassification(logits, labels, config, **kwargs):
    """TF twin of transformers' token-classification loss: cross entropy in float32 over the kept labels."""
    logits = tf.cast(tf.reshape(logits, [-1, config.num_labels]), tf.float32)
    return fixed_cross_entropy(logits, tf.reshape(labels, [-1]), **kwargs)
