"""Loss code in forward bodies (translate/losses.py through the calls pass, dtype tests in the attributes pass,
`.clamp` in the methods pass): torch's losses become the twins of snippets/tf_losses.py, with torch's arguments."""

import pytest

from scaffold.convert.passes.attributes import AttributesPass
from scaffold.convert.passes.calls import TorchCallsPass
from scaffold.convert.passes.methods import TensorMethodsPass
from scaffold.convert.todos import Todo
from scaffold.convert.translate.losses import loss_function_of, loss_type
from tests.conftest import assert_codemod, translate

PASSES = (AttributesPass, TorchCallsPass, TensorMethodsPass)


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param("nn.CrossEntropyLoss()(x, y)", "TorchCrossEntropyLoss()(x, y)", id="module-on-the-spot"),
        pytest.param(
            "nn.CrossEntropyLoss(ignore_index=x.shape[1])(x, y)",
            "TorchCrossEntropyLoss(ignore_index=shape_list(x)[1])(x, y)",
            id="module-arguments-translated-and-kept",
        ),
        pytest.param(
            "nn.BCEWithLogitsLoss(pos_weight=torch.tensor(5.0))(x, y)",
            "TorchBCEWithLogitsLoss(pos_weight=tf.constant(5.0))(x, y)",
            id="bce-pos-weight",
        ),
        pytest.param('nn.MSELoss(reduction="sum")(x, y)', 'TorchMSELoss(reduction="sum")(x, y)', id="mse"),
        pytest.param(
            "nn.functional.cross_entropy(x, y, ignore_index=-1, reduction='sum')",
            "torch_cross_entropy(x, y, ignore_index=-1, reduction='sum')",
            id="functional-cross-entropy",
        ),
        pytest.param(
            "nn.functional.binary_cross_entropy_with_logits(x, y)",
            "torch_binary_cross_entropy_with_logits(x, y)",
            id="functional-bce-with-logits",
        ),
        pytest.param("nn.functional.l1_loss(x, y)", "torch_l1_loss(x, y)", id="functional-l1"),
        pytest.param("nn.functional.kl_div(x, y, reduction='batchmean')", "torch_kl_div(x, y, reduction='batchmean')"),
    ],
)
def test_torch_losses_become_their_twins(torch, tf):
    assert translate(torch, *PASSES) == tf


def test_ctc_loss_and_what_feeds_it():
    """wav2vec2's CTC head: the targets where labels are set, log-probabilities in float32, no TODO for the cudnn
    flags (the pytorch_only pass drops that `with`)."""
    assert_codemod(
        """
        class TinyForCTC(PreTrainedModel):
            def forward(self, logits, labels, input_lengths):
                labels_mask = labels >= 0
                flattened_targets = labels.masked_select(labels_mask)
                log_probs = nn.functional.log_softmax(logits, dim=-1, dtype=torch.float32).transpose(0, 1)
                with torch.backends.cudnn.flags(enabled=False):
                    loss = nn.functional.ctc_loss(
                        log_probs, flattened_targets, input_lengths, labels_mask.sum(-1), blank=0, zero_infinity=True
                    )
                return loss
        """,
        """
        class TinyForCTC(PreTrainedModel):
            def forward(self, logits, labels, input_lengths):
                labels_mask = labels >= 0
                flattened_targets = torch_masked_select(labels, labels_mask)
                log_probs = tf.experimental.numpy.swapaxes(tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1), 0, 1)
                with torch.backends.cudnn.flags(enabled=False):
                    loss = torch_ctc_loss(log_probs, flattened_targets, input_lengths, torch_sum(labels_mask, axis=-1), blank=0, zero_infinity=True
                    )
                return loss
        """,
        *PASSES,
    )


def test_losses_resolve_by_qualified_name_and_are_made_in_init_too():
    assert_codemod(
        """
        import torch.nn.functional as F
        from torch.nn import CrossEntropyLoss, MSELoss as Squared


        class TinyHead(nn.Module):
            def __init__(self, config):
                self.loss_fct = CrossEntropyLoss(ignore_index=config.pad_token_id)

            def forward(self, x, y, CrossEntropyLoss=None):
                return self.loss_fct(x, y) + Squared()(x, y) + F.mse_loss(x, y)
        """,
        """
        import torch.nn.functional as F
        from torch.nn import CrossEntropyLoss, MSELoss as Squared


        class TinyHead(nn.Module):
            def __init__(self, config):
                self.loss_fct = TorchCrossEntropyLoss(ignore_index=config.pad_token_id)

            def forward(self, x, y, CrossEntropyLoss=None):
                return self.loss_fct(x, y) + TorchMSELoss()(x, y) + torch_mse_loss(x, y)
        """,
        *PASSES,
    )


def test_a_loss_without_twin_raises_naming_it():
    assert_codemod(
        """
        class TinyHead(nn.Module):
            def forward(self, x, y, lengths):
                loss = nn.functional.margin_ranking_loss(x, y, lengths)
                return loss
        """,
        """
        class TinyHead(nn.Module):
            def forward(self, x, y, lengths):
                # TODO(scaffold): no TF translation for torch.nn.functional.margin_ranking_loss yet
                #   PyTorch: loss = nn.functional.margin_ranking_loss(x, y, lengths)
                raise NotImplementedError("scaffold: no TF translation for torch.nn.functional.margin_ranking_loss (see the TODO above)")
                return loss
        """,
        *PASSES,
        todos=(
            Todo(
                "no TF translation for torch.nn.functional.margin_ranking_loss yet",
                "torch.nn.functional.margin_ranking_loss",
            ),
        ),
    )


@pytest.mark.parametrize(
    ("class_name", "twin"),
    [
        pytest.param("TinyForCausalLM", "ForCausalLMLoss", id="causal-lm"),
        pytest.param("TinyForConditionalGeneration", "ForCausalLMLoss", id="conditional-generation"),
        pytest.param("TinyForMaskedLM", "ForMaskedLMLoss", id="masked-lm"),
        pytest.param("TinyForSequenceClassification", "ForSequenceClassificationLoss", id="sequence-classification"),
        pytest.param("TinyForImageClassification", "ForSequenceClassificationLoss", id="image-classification"),
        pytest.param("TinyForTokenClassification", "ForTokenClassification", id="token-classification"),
        pytest.param("TinyForQuestionAnswering", "ForQuestionAnsweringLoss", id="question-answering"),
        pytest.param("TinyLMHeadModel", "ForCausalLMLoss", id="no-loss-type-falls-back-to-causal-lm"),
    ],
)
def test_self_loss_function_is_the_twin_transformers_picks_for_the_class(class_name, twin):
    assert_codemod(
        f"""
        class {class_name}(PreTrainedModel):
            def forward(self, logits, labels, **kwargs):
                return self.loss_function(logits=logits, labels=labels, vocab_size=self.config.vocab_size, **kwargs)
        """,
        f"""
        class {class_name}(PreTrainedModel):
            def forward(self, logits, labels, **kwargs):
                return {twin}(logits=logits, labels=labels, vocab_size=self.config.vocab_size, **kwargs)
        """,
        *PASSES,
    )


def test_self_loss_function_without_twin_raises_naming_transformers_function():
    message = (
        "self.loss_function is transformers' DeformableDetrForObjectDetectionLoss in "
        "DeformableDetrForObjectDetection: scaffold has no TF twin of it"
    )
    assert_codemod(
        """
        class DeformableDetrForObjectDetection(PreTrainedModel):
            def forward(self, logits, labels):
                loss, loss_dict = self.loss_function(logits, labels, self.device)
                return loss
        """,
        f"""
        class DeformableDetrForObjectDetection(PreTrainedModel):
            def forward(self, logits, labels):
                # TODO(scaffold): {message}
                #   PyTorch: loss, loss_dict = self.loss_function(logits, labels, self.device)
                raise NotImplementedError("scaffold: no TF translation for self.loss_function (see the TODO above)")
                return loss
        """,
        *PASSES,
        todos=(Todo(message, "self.loss_function"),),
    )


def test_transformers_loss_functions_imported_by_name_are_their_twins():
    assert_codemod(
        """
        from ...loss.loss_utils import ForCausalLMLoss


        class TinyForCausalLM(PreTrainedModel):
            def forward(self, logits, labels):
                return ForCausalLMLoss(logits, labels, vocab_size=self.config.vocab_size)
        """,
        """
        from ...loss.loss_utils import ForCausalLMLoss


        class TinyForCausalLM(PreTrainedModel):
            def forward(self, logits, labels):
                return ForCausalLMLoss(logits, labels, vocab_size=self.config.vocab_size)
        """,
        *PASSES,
    )


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [
        ("LlamaForCausalLM", "ForCausalLM"),
        ("DeformableDetrForObjectDetection", "DeformableDetrForObjectDetection"),
        ("DetrForObjectDetection", "ForObjectDetection"),
        ("LlavaForConditionalGeneration", "ForConditionalGeneration"),
        ("ViTForImageClassification", "ForImageClassification"),
        ("BertLMHeadModel", None),
        ("BertForPreTraining", None),
    ],
)
def test_loss_type_follows_transformers_rule(class_name, expected):
    assert loss_type(class_name) == expected
    assert loss_function_of("BertLMHeadModel") == "ForCausalLMLoss"


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param(
            "labels.dtype == torch.long or labels.dtype == torch.int",
            "labels.dtype in (tf.int32, tf.int64) or labels.dtype == tf.int32",
            id="equal-long-or-int",
        ),
        pytest.param(
            "labels.dtype in (torch.long, torch.int)", "labels.dtype in (tf.int32, tf.int64)", id="in-long-int"
        ),
        pytest.param("labels.dtype != torch.int64", "labels.dtype not in (tf.int32, tf.int64)", id="not-equal"),
        pytest.param("labels.dtype is torch.int64", "labels.dtype in (tf.int32, tf.int64)", id="is"),
        pytest.param("x.dtype != torch.int32", "x.dtype != tf.int32", id="int32-is-exact"),
        pytest.param(
            "labels.dtype in [torch.float16, torch.long]",
            "labels.dtype in (tf.float16, tf.int32, tf.int64)",
            id="in-mixed-list",
        ),
        pytest.param("labels.dtype == torch.float", "labels.dtype == tf.float32", id="float-unchanged"),
        pytest.param("labels.dtype == torch.int16", "labels.dtype == tf.int16", id="int16-not-an-index-dtype"),
        pytest.param("x < y", "x < y", id="no-dtype"),
    ],
)
def test_tests_against_torch_long_accept_int32_and_int64(torch, tf):
    assert translate(torch, *PASSES, params="x, y, labels") == tf


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param(
            "start_positions.clamp(0, ignored_index)",
            "tf.math.minimum(tf.math.maximum(start_positions, 0), tf.cast(ignored_index, start_positions.dtype))",
            id="clamp-bound-takes-the-dtype",
        ),
        pytest.param("x.clamp(min=-1.0)", "tf.math.maximum(x, -1.0)", id="clamp-min"),
        pytest.param("x.clamp(max=5)", "tf.math.minimum(x, 5)", id="clamp-max"),
        pytest.param("x.clamp(None, 5)", "tf.math.minimum(x, 5)", id="clamp-none-min"),
    ],
)
def test_clamp_method(torch, tf):
    assert translate(torch, *PASSES, params="x, start_positions, ignored_index") == tf


def test_clamp_in_another_form_is_untranslated():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                return x.clamp()
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                # TODO(scaffold): tensor method .clamp() is not translated yet
                #   PyTorch: return x.clamp()
                raise NotImplementedError("scaffold: no TF translation for .clamp() (see the TODO above)")
        """,
        *PASSES,
        todos=(Todo("tensor method .clamp() is not translated yet", ".clamp()"),),
    )
