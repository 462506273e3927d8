"""Losses: torch's loss modules and functions, and transformers' `self.loss_function`, as the TF twins of
`snippets/tf_losses.py` (torch's arguments, torch's numbers; a reduced loss has shape (1,) as in TF ports).

- `nn.CrossEntropyLoss(ignore_index=i)` (made in `__init__` or in a forward body) -> `TorchCrossEntropyLoss(...)`,
  the same arguments; `nn.functional.cross_entropy(x, y, ...)` -> `torch_cross_entropy(x, y, ...)`;
  `nn.functional.ctc_loss` -> `torch_ctc_loss` (the `with torch.backends.cudnn.flags(...)` around it is dropped).
- `self.loss_function(...)` -> the loss transformers picks for the class: torch's `PreTrainedModel.__init__`
  sets `loss_type` from the class name (the name itself when `LOSS_MAPPING` has it, else the first of its keys
  found in the name), and `loss_function` falls back to the causal-LM loss when there is none. The converter
  knows the class name, so the twin is chosen here, once: `ForCausalLMLoss(logits=..., labels=..., ...)`.
- transformers' loss functions called by name (`from transformers.loss.loss_utils import ForCausalLMLoss`).

A loss with no twin stays untranslated: the statement raises `NotImplementedError` naming it.
"""

from __future__ import annotations

import re

import libcst as cst

from .registry import Args, Context, function

# torch.nn loss modules -> their twin classes (made with the module's own constructor arguments)
MODULE_TWINS = {
    "CrossEntropyLoss": "TorchCrossEntropyLoss",
    "NLLLoss": "TorchNLLLoss",
    "MSELoss": "TorchMSELoss",
    "L1Loss": "TorchL1Loss",
    "SmoothL1Loss": "TorchSmoothL1Loss",
    "HuberLoss": "TorchHuberLoss",
    "BCEWithLogitsLoss": "TorchBCEWithLogitsLoss",
    "BCELoss": "TorchBCELoss",
    "KLDivLoss": "TorchKLDivLoss",
}
# torch.nn.functional losses -> their twin functions (torch's parameters, in torch's order)
FUNCTION_TWINS = {
    "cross_entropy": "torch_cross_entropy",
    "nll_loss": "torch_nll_loss",
    "mse_loss": "torch_mse_loss",
    "l1_loss": "torch_l1_loss",
    "smooth_l1_loss": "torch_smooth_l1_loss",
    "huber_loss": "torch_huber_loss",
    "binary_cross_entropy_with_logits": "torch_binary_cross_entropy_with_logits",
    "binary_cross_entropy": "torch_binary_cross_entropy",
    "kl_div": "torch_kl_div",
    "ctc_loss": "torch_ctc_loss",
}
LOSS_UTILS = "transformers.loss.loss_utils"
# transformers' loss functions with a twin of the same name and parameters
LOSS_UTILS_TWINS = (
    "fixed_cross_entropy",
    "ForCausalLMLoss",
    "ForMaskedLMLoss",
    "ForSequenceClassificationLoss",
    "ForQuestionAnsweringLoss",
    "ForTokenClassification",
)
# transformers' LOSS_MAPPING (loss/loss_utils.py, 4.57), in its order: loss type -> the function it names. The
# types whose function has no twin map to that function's name, so the TODO can name it
LOSS_MAPPING = {
    "ForCausalLM": "ForCausalLMLoss",
    "ForMaskedLM": "ForMaskedLMLoss",
    "ForQuestionAnswering": "ForQuestionAnsweringLoss",
    "ForSequenceClassification": "ForSequenceClassificationLoss",
    "ForImageClassification": "ForSequenceClassificationLoss",
    "ForVideoClassification": "ForSequenceClassificationLoss",
    "ForAudioClassification": "ForSequenceClassificationLoss",
    "ForTokenClassification": "ForTokenClassification",
    "ForSegmentation": "ForSegmentationLoss",
    "ForObjectDetection": "ForObjectDetectionLoss",
    "ForConditionalGeneration": "ForCausalLMLoss",
    "DeformableDetrForObjectDetection": "DeformableDetrForObjectDetectionLoss",
    "ConditionalDetrForObjectDetection": "DeformableDetrForObjectDetectionLoss",
    "DabDetrForObjectDetection": "DeformableDetrForObjectDetectionLoss",
    "GroundingDinoForObjectDetection": "GroundingDinoForObjectDetectionLoss",
    "MMGroundingDinoForObjectDetection": "GroundingDinoForObjectDetectionLoss",
    "ConditionalDetrForSegmentation": "DeformableDetrForSegmentationLoss",
    "RTDetrForObjectDetection": "RTDetrForObjectDetectionLoss",
    "RTDetrV2ForObjectDetection": "RTDetrForObjectDetectionLoss",
    "DFineForObjectDetection": "DFineForObjectDetectionLoss",
    "CsmForConditionalGeneration": "ForCausalLMLoss",
}
_LOSS_TYPES = re.compile(f"({'|'.join(LOSS_MAPPING)})")


def loss_type(class_name: str) -> str | None:
    """The `loss_type` torch's PreTrainedModel gives a class: its name if LOSS_MAPPING has it, else the first
    LOSS_MAPPING key found in the name (leftmost, the mapping's order at one position), else None."""
    if class_name in LOSS_MAPPING:
        return class_name
    found = _LOSS_TYPES.findall(class_name)
    return found[0] if found else None


def loss_function_of(class_name: str) -> str:
    """The name of the function `self.loss_function` is in a class: None falls back to the causal-LM loss."""
    return LOSS_MAPPING[loss_type(class_name) or "ForCausalLM"]


@function(*(f"torch.nn.{kind}" for kind in MODULE_TWINS), *(f"torch.nn.modules.loss.{kind}" for kind in MODULE_TWINS))
def loss_module(a: Args, cx: Context) -> cst.BaseExpression:
    """`nn.CrossEntropyLoss(...)` -> `TorchCrossEntropyLoss(...)`, in `__init__` as in a forward body."""
    return cx.call(MODULE_TWINS[a.name.rpartition(".")[2]], *a.args)


@function(*(f"torch.nn.functional.{name}" for name in FUNCTION_TWINS))
def loss_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`nn.functional.cross_entropy(x, y, ...)` -> `torch_cross_entropy(x, y, ...)`."""
    return cx.call(FUNCTION_TWINS[a.name.rpartition(".")[2]], *a.args) if a.args else None


@function(*(f"{LOSS_UTILS}.{name}" for name in LOSS_UTILS_TWINS))
def loss_utils_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """transformers' own loss functions, imported by name: their twins take the same arguments."""
    return cx.call(a.name.rpartition(".")[2], *a.args) if a.args else None


@function("self.loss_function")
def self_loss_function(a: Args, cx: Context) -> cst.BaseExpression | None:
    """`self.loss_function(...)` -> the twin of the function transformers picks for this class's name."""
    if cx.class_name is None:
        return None
    name = loss_function_of(cx.class_name)
    if name not in LOSS_UTILS_TWINS:
        cx.untranslated(
            "self.loss_function",
            f"self.loss_function is transformers' {name} in {cx.class_name}: scaffold has no TF twin of it",
        )
        return a.call
    return cx.call(name, *a.args)


@function("torch.backends.cudnn.flags")
def cudnn_flags(a: Args, cx: Context) -> cst.BaseExpression:
    """`with torch.backends.cudnn.flags(enabled=False):` (around CTC losses) steers torch's GPU kernels only: the
    pytorch_only pass drops the `with` and keeps its body."""
    return a.call
