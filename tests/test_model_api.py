"""Generated ports have the TF model API: embedding accessors (the MainLayer's where torch inherits them), LM-head
accessors, `resize_token_embeddings` with untied Dense LM heads, initializers from the config, outputs asked for
through the config, head_mask as PyTorch applies it, dummy inputs / input signature / serving output, int32 and
int64 inputs, dict / list / keyword inputs (a Python int inside a list input), `prepare_tf_dataset`."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.frameworks


def _generated(model_type: str):
    from scaffold.checks.compare import model_classes
    from scaffold.checks.verify import load_config
    from scaffold.checks.weights import import_generated
    from scaffold.convert import convert_source
    from scaffold.files import modeling_layers_source

    module, _, config_class = model_classes(model_type)
    package, _, stem = module.rpartition(".")
    pt_module = importlib.import_module(module)
    source = Path(pt_module.__file__).read_text()
    converted = convert_source(source, stem[len("modeling_") :], layers_source=modeling_layers_source())
    return (
        pt_module,
        import_generated(converted.code, stem[len("modeling_") :], package=package),
        (lambda: load_config(config_class, None)),
    )


@pytest.fixture(scope="module")
def llama():
    return _generated("llama")


@pytest.fixture(scope="module")
def bert():
    return _generated("bert")


def _ids(config, shape=(2, 6), high=None, seed=0):
    import tensorflow as tf

    ids = np.random.default_rng(seed).integers(1, high or config.vocab_size, shape)
    return tf.constant(ids, dtype=tf.int32)


def test_accessors_where_torch_inherits_them(llama):
    from transformers.modeling_tf_utils import keras

    _, tf_module, make_config = llama
    config = make_config()
    for name in ("TFLlamaModel", "TFLlamaForCausalLM", "TFLlamaForSequenceClassification"):
        model = getattr(tf_module, name)(config)
        model.build_in_name_scope()
        assert model.get_input_embeddings() is model.model.embed_tokens  # the MainLayer's `embed_tokens`
    causal = tf_module.TFLlamaForCausalLM(config)
    assert isinstance(causal.get_output_embeddings(), keras.layers.Dense)  # torch's default: `self.lm_head`
    assert causal.get_lm_head() is causal.lm_head and causal.get_bias() is None
    classifier = tf_module.TFLlamaForSequenceClassification(config)
    assert classifier.get_output_embeddings() is None and classifier.get_lm_head() is None
    replacement = keras.layers.Embedding(config.vocab_size, config.hidden_size)
    causal.set_input_embeddings(replacement)
    assert causal.get_input_embeddings() is replacement


@pytest.mark.parametrize("delta", [10, -10])
def test_resize_untied_dense_lm_head(llama, delta):
    """The input embeddings and the Dense LM head both reach the new size, old rows / columns kept, weights under
    their old names; the head then gives logits over the new vocabulary and a loss on labels from it."""
    _, tf_module, make_config = llama
    config = make_config()
    old_size = config.vocab_size
    model = tf_module.TFLlamaForCausalLM(config)
    model.build_in_name_scope()
    old_in = model.get_input_embeddings().embeddings.numpy()
    old_kernel = model.lm_head.kernel.numpy()
    names = sorted(w.name for w in model.weights)
    model.resize_token_embeddings(old_size + delta)
    new_size, keep = old_size + delta, min(old_size, old_size + delta)
    assert model.config.vocab_size == new_size
    assert model.get_input_embeddings().embeddings.shape[0] == new_size
    assert model.get_output_embeddings().kernel.shape[1] == new_size
    np.testing.assert_array_equal(model.get_input_embeddings().embeddings.numpy()[:keep], old_in[:keep])
    np.testing.assert_array_equal(model.get_output_embeddings().kernel.numpy()[:, :keep], old_kernel[:, :keep])
    assert sorted(w.name for w in model.weights) == names
    ids = _ids(config, high=new_size)
    outputs = model(ids, labels=ids)
    assert outputs.logits.shape[-1] == new_size and np.isfinite(outputs.loss.numpy()).all()
    assert model.resize_token_embeddings(None) is model.get_input_embeddings()  # None: nothing changes


def test_resize_bert_mlm_decoder_and_save_load(bert):
    """BERT's MLM decoder (a Dense whose bias is the prediction head's own parameter) is resized with the input
    embeddings; the model saves and loads at the new size and gives the same logits."""
    _, tf_module, make_config = bert
    config = make_config()
    model = tf_module.TFBertForMaskedLM(config)
    model.build_in_name_scope()
    new_size = config.vocab_size + 7
    model.resize_token_embeddings(new_size)
    ids = _ids(config, high=new_size)
    logits = model(ids).logits
    assert logits.shape[-1] == new_size == model.config.vocab_size
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        restored = tf_module.TFBertForMaskedLM.from_pretrained(folder)
    np.testing.assert_allclose(restored(ids).logits.numpy(), logits.numpy(), atol=1e-6)


def test_initializers_come_from_the_config(llama):
    """Linear and Embedding weights are drawn with `config.initializer_range`, as torch's PreTrainedModel draws
    them: at 0 every one of them is zero."""
    _, tf_module, make_config = llama
    config = make_config()
    config.initializer_range = 0.0
    model = tf_module.TFLlamaForCausalLM(config)
    model.build_in_name_scope()
    drawn = [w for w in model.weights if w.name.endswith(("kernel:0", "embeddings:0"))]
    assert drawn and all(not np.any(w.numpy()) for w in drawn)


def test_outputs_asked_through_the_config(llama):
    """llama records hidden states and attentions with hooks (`check_model_inputs`): the config's flags ask for
    them as the call's do."""
    _, tf_module, make_config = llama
    config = make_config()
    config.output_hidden_states = config.output_attentions = False
    ids = _ids(config)
    model = tf_module.TFLlamaForCausalLM(config)
    assert model(ids).hidden_states is None and model(ids).attentions is None
    by_call = model(ids, output_hidden_states=True, output_attentions=True)
    config.output_hidden_states = config.output_attentions = True
    for name in ("TFLlamaModel", "TFLlamaForCausalLM"):
        outputs = getattr(tf_module, name)(config)(ids)
        assert len(outputs.hidden_states) == config.num_hidden_layers + 1 == len(by_call.hidden_states)
        assert len(outputs.attentions) == config.num_hidden_layers == len(by_call.attentions)


def test_inputs_by_dtype_and_form(llama):
    """int32 and int64 ids give the same logits; so do a dict, keywords and a list input, and a list input that
    carries labels and the Python int `logits_to_keep` (Keras makes it a 0-d tensor)."""
    import inspect

    import tensorflow as tf

    _, tf_module, make_config = llama
    config = make_config()
    model = tf_module.TFLlamaForCausalLM(config)
    ids = _ids(config)
    expected = model(ids).logits.numpy()
    np.testing.assert_allclose(model(tf.cast(ids, tf.int64)).logits.numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(model({"input_ids": ids}).logits.numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(model(input_ids=ids).logits.numpy(), expected, atol=1e-6)
    names = [n for n in inspect.signature(model.call).parameters if n != "kwargs"]
    positional = [inspect.signature(model.call).parameters[n].default for n in names]
    positional[names.index("input_ids")] = ids
    positional[names.index("labels")] = ids
    outputs = model(tuple(positional[:-1]))  # all but `training`; logits_to_keep=0 among them
    np.testing.assert_allclose(outputs.logits.numpy(), expected, atol=1e-6)
    assert outputs.loss.shape.as_list() == [1]
    assert model(ids, logits_to_keep=1).logits.shape[1] == 1  # an int still keeps the last positions


def test_head_mask_as_pytorch_applies_it(bert):
    """Where PyTorch takes `head_mask` (BERT), the generated port applies it as PyTorch does."""
    import torch

    from scaffold.checks.weights import load_from_pt

    pt_module, tf_module, make_config = bert
    config = make_config()
    config._attn_implementation = "eager"
    pt_model = pt_module.BertModel(config).eval()
    tf_model, load = load_from_pt(tf_module.TFBertModel, pt_model)
    assert not load.missing
    ids = _ids(config)
    mask = np.ones((config.num_hidden_layers, config.num_attention_heads), dtype="float32")
    mask[0, 0] = 0.0
    with torch.no_grad():
        expected = pt_model(torch.tensor(ids.numpy()).long(), head_mask=torch.tensor(mask), output_attentions=True)
    actual = tf_model(ids, head_mask=mask, output_attentions=True)
    assert float(np.abs(actual.attentions[0].numpy()[:, 0]).sum()) == 0.0
    np.testing.assert_allclose(actual.last_hidden_state.numpy(), expected.last_hidden_state.numpy(), atol=1e-5)


def test_signature_dummies_serving_and_dataset(llama):
    """The input signature and dummy inputs name `call` parameters and build the model; the serving output of a
    call; `prepare_tf_dataset` (with `datasets`) drops columns `call` does not take and trains on the labels."""
    import inspect

    _, tf_module, make_config = llama
    config = make_config()
    config.output_hidden_states = config.output_attentions = False
    model = tf_module.TFLlamaForCausalLM(config)
    takes = inspect.signature(model.call).parameters
    assert set(model.input_signature) <= set(takes) and set(model.dummy_inputs) <= set(takes)
    served = model.serving_output(model(model.dummy_inputs))
    assert served.logits.shape[-1] == config.vocab_size and served.hidden_states is None
    datasets = pytest.importorskip("datasets")
    ids = _ids(config).numpy()
    columns = {"input_ids": ids, "attention_mask": np.ones_like(ids), "labels": ids, "unused": ids}
    data = datasets.Dataset.from_dict(columns)
    batches = model.prepare_tf_dataset(data, batch_size=2, shuffle=False)
    inputs, labels = next(iter(batches))
    assert sorted(inputs) == ["attention_mask", "input_ids"]  # "unused" dropped, labels apart
    model.compile(optimizer="sgd", run_eagerly=True)
    model.train_on_batch(inputs, labels)
