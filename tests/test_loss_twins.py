"""The TF loss twins copied into converted files give torch's numbers (reduced losses with shape (1,))."""

import pytest

pytestmark = pytest.mark.frameworks


@pytest.fixture(scope="module")
def twins():
    from scaffold.convert.snippets import tf_losses

    return tf_losses


def _close(tf_value, torch_value, atol=1e-5):
    import numpy as np

    tf_value = np.asarray(tf_value)
    torch_value = torch_value.detach().numpy()
    if torch_value.ndim == 0:
        assert tf_value.shape == (1,)
        tf_value = tf_value.reshape(())
    assert tf_value.shape == torch_value.shape
    assert np.allclose(tf_value, torch_value, atol=atol, rtol=1e-5), (tf_value, torch_value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"reduction": "sum"},
        {"reduction": "none"},
        {"ignore_index": 2},
        {"label_smoothing": 0.1},
        {"weight": "w"},
        {"weight": "w", "label_smoothing": 0.2},
        {"weight": "w", "reduction": "sum"},
    ],
    ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "default",
)
@pytest.mark.parametrize("rank", [2, 4])
def test_cross_entropy_matches_torch(twins, kwargs, rank):
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    shape = (6, 5) if rank == 2 else (3, 5, 4, 2)
    logits = rng.normal(size=shape).astype("float32")
    target_shape = (shape[0], *shape[2:])
    target = rng.integers(0, 5, size=target_shape)
    target.reshape(-1)[[0, 3]] = -100
    if "ignore_index" in kwargs:
        target = np.where(target == -100, 2, target)
    weight = rng.uniform(0.5, 2.0, size=(5,)).astype("float32")
    torch_kwargs = {k: (torch.tensor(weight) if v == "w" else v) for k, v in kwargs.items()}
    tf_kwargs = {k: (weight if v == "w" else v) for k, v in kwargs.items()}
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(target), **torch_kwargs)
    _close(twins.torch_cross_entropy(logits, target, **tf_kwargs), expected)
    module = twins.TorchCrossEntropyLoss(**tf_kwargs)
    _close(
        module(logits, target), torch.nn.CrossEntropyLoss(**torch_kwargs)(torch.tensor(logits), torch.tensor(target))
    )


def test_cross_entropy_with_probability_targets_matches_torch(twins):
    import numpy as np
    import torch

    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 3)).astype("float32")
    probabilities = rng.dirichlet(np.ones(3), size=4).astype("float32")
    for smoothing in (0.0, 0.3):
        expected = torch.nn.functional.cross_entropy(
            torch.tensor(logits), torch.tensor(probabilities), label_smoothing=smoothing
        )
        _close(twins.torch_cross_entropy(logits, probabilities, label_smoothing=smoothing), expected)


def test_regression_and_binary_losses_match_torch(twins):
    import numpy as np
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3)).astype("float32") * 2
    y = rng.normal(size=(4, 3)).astype("float32")
    labels = (rng.uniform(size=(4, 3)) > 0.5).astype("float32")
    pos_weight = rng.uniform(0.5, 3, size=(3,)).astype("float32")
    tx, ty, tl = torch.tensor(x), torch.tensor(y), torch.tensor(labels)
    for reduction in ("mean", "sum", "none"):
        _close(twins.torch_mse_loss(x, y, reduction=reduction), F.mse_loss(tx, ty, reduction=reduction))
        _close(twins.torch_l1_loss(x, y, reduction=reduction), F.l1_loss(tx, ty, reduction=reduction))
        _close(
            twins.torch_smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
            F.smooth_l1_loss(tx, ty, reduction=reduction, beta=0.5),
        )
        _close(
            twins.torch_huber_loss(x, y, reduction=reduction, delta=0.7),
            F.huber_loss(tx, ty, reduction=reduction, delta=0.7),
        )
        _close(
            twins.torch_binary_cross_entropy_with_logits(x, labels, reduction=reduction, pos_weight=pos_weight),
            F.binary_cross_entropy_with_logits(tx, tl, reduction=reduction, pos_weight=torch.tensor(pos_weight)),
        )
        _close(
            twins.torch_binary_cross_entropy(1 / (1 + np.exp(-x)), labels, reduction=reduction),
            F.binary_cross_entropy(torch.sigmoid(tx), tl, reduction=reduction),
        )
    log_q = torch.log_softmax(tx, -1)
    p = torch.softmax(ty, -1)
    for reduction in ("mean", "sum", "batchmean"):
        _close(
            twins.torch_kl_div(log_q.numpy(), p.numpy(), reduction=reduction), F.kl_div(log_q, p, reduction=reduction)
        )
    _close(twins.TorchMSELoss()(x, y), torch.nn.MSELoss()(tx, ty))
    _close(twins.TorchBCEWithLogitsLoss()(x, labels), torch.nn.BCEWithLogitsLoss()(tx, tl))
    # the deprecated size_average / reduce arguments, read as torch reads them
    _close(twins.TorchMSELoss(None, False)(x, y), torch.nn.MSELoss(None, False)(tx, ty))
    _close(twins.TorchMSELoss(False)(x, y), torch.nn.MSELoss(False)(tx, ty))


def test_transformers_loss_functions_match_torch(twins):
    import numpy as np
    import torch
    from transformers import BertConfig
    from transformers.loss import loss_utils

    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2, 5, 11)).astype("float32")
    labels = rng.integers(0, 11, size=(2, 5))
    labels[0] = -100
    labels[1, 2] = -100
    t_logits, t_labels = torch.tensor(logits), torch.tensor(labels)
    _close(twins.ForCausalLMLoss(logits, labels, 11), loss_utils.ForCausalLMLoss(t_logits, t_labels, 11))
    _close(
        twins.ForCausalLMLoss(logits, labels, 11, num_items_in_batch=3),
        loss_utils.ForCausalLMLoss(t_logits, t_labels, 11, num_items_in_batch=3),
    )
    _close(twins.ForMaskedLMLoss(logits, labels, 11), loss_utils.ForMaskedLMLoss(t_logits, t_labels, 11))
    _close(
        twins.ForTokenClassification(logits, labels, BertConfig(num_labels=11)),
        loss_utils.ForTokenClassification(t_logits, t_labels, BertConfig(num_labels=11)),
    )
    pooled = rng.normal(size=(4, 3)).astype("float32")
    cases = [
        (1, None, rng.normal(size=(4,)).astype("float32")),
        (3, None, rng.integers(0, 3, size=(4,))),
        (3, None, (rng.uniform(size=(4, 3)) > 0.5).astype("float32")),
        (3, "regression", rng.normal(size=(4, 3)).astype("float32")),
    ]
    for num_labels, problem_type, case_labels in cases:
        logits_in = pooled[:, :1] if num_labels == 1 else pooled
        tf_config = BertConfig(num_labels=num_labels, problem_type=problem_type)
        pt_config = BertConfig(num_labels=num_labels, problem_type=problem_type)
        _close(
            twins.ForSequenceClassificationLoss(case_labels, logits_in, tf_config),
            loss_utils.ForSequenceClassificationLoss(torch.tensor(case_labels), torch.tensor(logits_in), pt_config),
        )
        assert tf_config.problem_type == pt_config.problem_type
    start, end = rng.normal(size=(2, 3, 7)).astype("float32")
    starts, ends = np.array([1, 9, 0]), np.array([[3], [6], [12]])  # out of range -> clamped and ignored
    _close(
        twins.ForQuestionAnsweringLoss(start, end, starts, ends),
        loss_utils.ForQuestionAnsweringLoss(
            torch.tensor(start), torch.tensor(end), torch.tensor(starts), torch.tensor(ends)
        ),
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_matches_torch(twins, reduction, zero_infinity):
    import numpy as np
    import torch

    rng = np.random.default_rng(5)
    log_probs = torch.log_softmax(torch.tensor(rng.normal(size=(12, 4, 6)).astype("float32")), -1)
    input_lengths = np.array([12, 10, 7, 4])
    target_lengths = np.array([3, 1, 4, 3])
    padded = rng.integers(1, 6, (4, 5))
    padded[1, 0:2] = 2  # a repeated label needs a blank between its two frames
    padded[3, :3] = [3, 3, 3]  # 3 labels + 2 blanks do not fit in 4 frames: infinite (or 0) in torch
    padded = np.where(np.arange(5) < target_lengths[:, None], padded, -100)
    concatenated = padded[padded >= 0]
    kwargs = {"blank": 0, "reduction": reduction, "zero_infinity": zero_infinity}
    for targets in (padded, concatenated):
        expected = torch.nn.functional.ctc_loss(
            log_probs, torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths), **kwargs
        )
        actual = twins.torch_ctc_loss(log_probs.numpy(), targets, input_lengths, target_lengths, **kwargs)
        if reduction == "none" and not zero_infinity:
            assert np.isinf(expected[3].item()) and np.isinf(actual[3])
            expected, actual = expected[:3], actual[:3]
        _close(actual, expected, atol=1e-4)
    blank_last = twins.torch_ctc_loss(log_probs.numpy(), padded - 1, input_lengths, target_lengths, blank=5)
    _close(
        blank_last,
        torch.nn.functional.ctc_loss(
            log_probs, torch.tensor(padded - 1), torch.tensor(input_lengths), torch.tensor(target_lengths), blank=5
        ),
        atol=1e-4,
    )


def test_masked_select_matches_torch():
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    for mask in (x > 0, (x > 0)[:, :, :1], (x > 0)[0]):
        expected = torch.tensor(x).masked_select(torch.tensor(mask)).numpy()
        assert np.array_equal(np.asarray(tf_helpers.torch_masked_select(x, mask)), expected)
