"""Generated ports compute PyTorch's loss: every head of bert (losses made in the forward body) and llama (the
modern `self.loss_function`), on the same labels with -100 positions, given as int32 and as int64; and they
train with keras: `compile(optimizer)` then `fit` on a labelled tf.data set lowers the loss."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks

ATOL = 1e-5


def _generated(model_type: str):
    from scaffold.checks.compare import model_classes
    from scaffold.checks.weights import import_generated
    from scaffold.convert import convert_source
    from scaffold.files import modeling_layers_source

    module, _, config_class = model_classes(model_type)
    package, _, stem = module.rpartition(".")
    name = stem[len("modeling_") :]
    pt_module = importlib.import_module(module)
    converted = convert_source(Path(pt_module.__file__).read_text(), name, layers_source=modeling_layers_source())
    return pt_module, import_generated(converted.code, name, package=package), config_class


@pytest.fixture(scope="module")
def bert():
    return _generated("bert")


@pytest.fixture(scope="module")
def llama():
    return _generated("llama")


def _loss_rows(generated, head: str) -> list[dict]:
    from scaffold.checks.losses import compare_losses, head_kind
    from scaffold.checks.verify import class_inputs, load_config
    from scaffold.checks.weights import load_from_pt

    pt_module, tf_module, config_class = generated
    pt_class = getattr(pt_module, head)
    pt_model = pt_class(load_config(config_class, None)).eval()
    tf_model, load = load_from_pt(getattr(tf_module, f"TF{head}"), pt_model)
    assert not load.missing
    inputs = class_inputs(f"TF{head}", pt_model.config, pt_model.forward)
    return compare_losses(pt_model, tf_model, inputs, head_kind(pt_class))


def _assert_same_losses(rows: list[dict], cases: set[str]) -> None:
    assert {row["case"] for row in rows} == cases
    for row in rows:
        assert not row.get("skipped") and not row.get("error"), row
        assert row["max_abs_diff"] <= ATOL, row
    integer = [row for row in rows if row["dtype"] != "float32"]
    assert {row["dtype"] for row in integer} == ({"int32", "int64"} if integer else set())


@pytest.mark.parametrize(
    ("head", "cases"),
    [
        ("BertForMaskedLM", {"labels"}),
        ("BertForPreTraining", {"labels"}),
        ("BertLMHeadModel", {"labels"}),
        ("BertForNextSentencePrediction", {"labels"}),
        ("BertForSequenceClassification", {"labels", "multi-label", "regression"}),
        ("BertForTokenClassification", {"labels"}),
        ("BertForQuestionAnswering", {"positions", "positions past the end"}),
        ("BertForMultipleChoice", {"labels"}),
    ],
)
def test_bert_heads_compute_pytorchs_loss(bert, head, cases):
    _assert_same_losses(_loss_rows(bert, head), cases)


@pytest.mark.parametrize(
    ("head", "cases"),
    [
        ("LlamaForCausalLM", {"labels"}),
        ("LlamaForSequenceClassification", {"labels", "multi-label", "regression"}),
        ("LlamaForQuestionAnswering", {"positions", "positions past the end"}),
        ("LlamaForTokenClassification", {"labels"}),
    ],
)
def test_llama_heads_compute_pytorchs_loss_through_loss_function(llama, head, cases):
    _assert_same_losses(_loss_rows(llama, head), cases)


@pytest.mark.parametrize(
    ("fixture", "head"), [("llama", "LlamaForCausalLM"), ("bert", "BertForSequenceClassification")]
)
def test_fit_on_the_models_own_loss_lowers_it(request, fixture, head):
    import numpy as np
    import tensorflow as tf
    from transformers.modeling_tf_utils import keras

    from scaffold.checks.tiny import tiny_config

    _, tf_module, config_class = request.getfixturevalue(fixture)
    config = tiny_config(config_class)
    config.pad_token_id = 0
    keras.utils.set_random_seed(0)
    model = getattr(tf_module, f"TF{head}")(config)
    ids = np.random.default_rng(0).integers(1, config.vocab_size, (8, 6)).astype("int32")
    if head.endswith("CausalLM"):
        labels = np.where(np.arange(6) < 2, -100, ids).astype("int32")  # the first two positions ignored
    else:
        labels = (ids[:, 0] % config.num_labels).astype("int32")
    examples = {"input_ids": ids, "labels": labels}
    before = float(model(**examples, training=False).loss[0])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))  # no loss given: the model's own
    history = model.fit(tf.data.Dataset.from_tensor_slices(examples).batch(4), epochs=3, verbose=0).history["loss"]
    after = float(model(**examples, training=False).loss[0])
    assert np.all(np.isfinite(history))
    assert after < 0.8 * before, (before, after, history)


def test_dtype_tests_hold_for_what_torch_holds():
    """The problem_type rule `labels.dtype in (torch.long, torch.int)`, as translated, on TF labels, against torch
    on labels of the dtypes a TF dtype stands for (a port's torch.long is int32; callers pass int32 or int64)."""
    import tensorflow as tf
    import torch

    from scaffold.checks.weights import import_generated
    from scaffold.convert import convert_source

    source = """
import torch
from torch import nn


class TinyHead(nn.Module):
    def forward(self, labels):
        return labels.dtype == torch.long or labels.dtype == torch.int, labels.dtype in (torch.long, torch.int)
"""
    module = import_generated(
        convert_source(source, "tiny").code, "tiny", "dtypes", package="transformers.models.bert"
    )
    head = module.TFTinyHead()
    stands_for = {
        tf.int64: (torch.long,),
        tf.int32: (torch.long, torch.int),
        tf.float32: (torch.float32,),
        tf.float16: (torch.float16,),
        tf.int16: (torch.int16,),
        tf.uint8: (torch.uint8,),
    }
    for tf_dtype, torch_dtypes in stands_for.items():
        answer = head.call(tf.zeros((2,), tf_dtype))
        for torch_dtype in torch_dtypes:
            labels = torch.zeros((2,), dtype=torch_dtype)
            expected = (
                labels.dtype == torch.long or labels.dtype == torch.int,
                labels.dtype in (torch.long, torch.int),
            )
            assert tuple(answer) == expected, (tf_dtype, torch_dtype)


def test_loss_function_rule_is_transformers_own():
    """scaffold's LOSS_MAPPING and class-name rule against torch's PreTrainedModel, on every class name of
    transformers' auto mappings (plus a few no mapping lists)."""
    from transformers import PretrainedConfig, PreTrainedModel
    from transformers.loss.loss_utils import LOSS_MAPPING as theirs
    from transformers.models.auto import modeling_auto

    from scaffold.convert.translate.losses import LOSS_MAPPING, loss_function_of

    assert LOSS_MAPPING == {key: function.__name__ for key, function in theirs.items()}
    assert list(LOSS_MAPPING) == list(theirs)
    names = {"BertLMHeadModel", "GPT2DoubleHeadsModel", "XForCausalLMForObjectDetection"}
    for mapping in (getattr(modeling_auto, n) for n in dir(modeling_auto) if n.endswith("_MAPPING_NAMES")):
        for value in mapping.values():
            names.update(value if isinstance(value, (tuple, list)) else [value])
    for name in sorted(names):
        model = type(name, (PreTrainedModel,), {"config_class": PretrainedConfig})(PretrainedConfig())
        assert loss_function_of(name) == model.loss_function.__name__, name
