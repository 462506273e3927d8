"""`scaffold verify`'s loss check: given labels, each head's loss in PyTorch and in TF, on the same labels.

The labels follow the head's kind, as TFModelTesterMixin's `_prepare_for_class(return_labels=True)` makes them
(the kind read from the PyTorch auto mappings, else from the class name), random instead of zeros, with -100 at
some positions of token-level labels (and no pad token: padding is -100 in labels). Integer labels reach TF as
int32 and as int64 (TF callers pass either; PyTorch gets torch.long). Sequence classification heads are also
given float labels under `problem_type` "multi_label_classification" and "regression"; question answering heads
also get positions past the sequence (PyTorch clamps and ignores them). CTC heads get transcripts padded with
-100.

A TF loss of one value per example (hand-written ports' `hf_compute_loss` for classification heads, which
keras' `fit` averages) is compared by its mean, and says so. A TF head that raises, or gives no loss where
PyTorch gives one, fails. `compare_losses` runs in verify's worker (frameworks imported lazily); `judge_losses`
and `loss_cell` are pure: `verify_report` renders with them.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from .trace import beyond

# (kind, transformers' auto mapping of PyTorch class names): the first mapping that lists the class decides
KIND_MAPPINGS = (
    ("multiple_choice", "MODEL_FOR_MULTIPLE_CHOICE_MAPPING_NAMES"),
    ("question_answering", "MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES"),
    ("sequence_classification", "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES"),
    ("sequence_classification", "MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES"),
    ("sequence_classification", "MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES"),
    ("next_sentence", "MODEL_FOR_NEXT_SENTENCE_PREDICTION_MAPPING_NAMES"),
    ("token_classification", "MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES"),
    ("language_modeling", "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"),
    ("language_modeling", "MODEL_FOR_MASKED_LM_MAPPING_NAMES"),
    ("language_modeling", "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES"),
    ("language_modeling", "MODEL_FOR_PRETRAINING_MAPPING_NAMES"),
    ("ctc", "MODEL_FOR_CTC_MAPPING_NAMES"),
)
# where no mapping lists the class: by the end of its name
KIND_SUFFIXES = (
    ("multiple_choice", ("ForMultipleChoice",)),
    ("question_answering", ("ForQuestionAnswering",)),
    ("sequence_classification", ("ForSequenceClassification", "ForImageClassification", "ForAudioClassification")),
    ("next_sentence", ("ForNextSentencePrediction",)),
    ("token_classification", ("ForTokenClassification",)),
    ("language_modeling", ("ForCausalLM", "ForMaskedLM", "LMHeadModel", "ForConditionalGeneration", "ForPreTraining")),
    ("ctc", ("ForCTC",)),
)
IGNORED = -100


@dataclass
class LabelCase:
    name: str
    labels: dict  # argument name -> numpy array (int64 where the labels are class ids)
    problem_type: str | None = None  # set on both configs for the run (sequence classification)
    integer: bool = True  # the labels are class ids: TF gets them as int32 and as int64
    notes: list[str] = field(default_factory=list)


def head_kind(pt_class) -> str | None:
    """The head kind of a PyTorch model class, or None (a base model, or a head verify has no labels for)."""
    from transformers.models.auto import modeling_auto

    name = pt_class.__name__
    for kind, mapping in KIND_MAPPINGS:
        names = getattr(modeling_auto, mapping, {})
        for value in names.values():
            if name == value or (isinstance(value, (tuple, list)) and name in value):
                return kind
    for kind, suffixes in KIND_SUFFIXES:
        if name.endswith(suffixes):
            return kind
    return None


def _sizes(config) -> tuple[int, int]:
    text = getattr(config, "text_config", None) or config
    return int(getattr(text, "vocab_size", 0) or 0), int(getattr(config, "num_labels", 2) or 2)


def label_cases(kind: str | None, config, forward, inputs: dict) -> list[LabelCase]:
    """The labels a head of `kind` is checked with, for the inputs verify runs it on."""
    import numpy as np

    params = inspect.signature(forward).parameters
    rng = np.random.default_rng(7)
    first = next(iter(inputs.values()), None)
    batch = 2 if first is None else int(first.shape[0])
    length = int(inputs["input_ids"].shape[-1]) if "input_ids" in inputs else 0
    vocab, num_labels = _sizes(config)
    cases: list[LabelCase] = []

    def ids(high: int, shape) -> np.ndarray:
        return rng.integers(0, max(high, 1), shape).astype("int64")

    if kind == "language_modeling" and "labels" in params and vocab:
        target = inputs.get("decoder_input_ids", inputs.get("input_ids"))
        if target is None:
            return []
        labels = ids(vocab, target.shape[:2])
        pad = getattr(config, "pad_token_id", None)
        if isinstance(pad, int):  # padding is -100 in labels (TF seq2seq ports also drop pad-token labels)
            labels[labels == pad] = (pad + 1) % vocab
        labels[0, 0] = labels[0, 2 % labels.shape[1]] = labels[1, -1] = IGNORED
        case = LabelCase("labels", {"labels": labels}, notes=["with -100"])
        if "next_sentence_label" in params:
            case.labels["next_sentence_label"] = ids(2, (batch,))
        cases.append(case)
    elif kind == "token_classification" and "labels" in params and length:
        labels = ids(num_labels, (batch, length))
        labels[0, 1] = labels[1, -1] = IGNORED
        cases.append(LabelCase("labels", {"labels": labels}, notes=["with -100"]))
    elif kind == "sequence_classification" and "labels" in params:
        if num_labels == 1:
            cases.append(LabelCase("labels", {"labels": rng.normal(size=(batch,)).astype("float32")}, integer=False))
        else:
            cases.append(LabelCase("labels", {"labels": ids(num_labels, (batch,))}))
            multi = (rng.uniform(size=(batch, num_labels)) > 0.5).astype("float32")
            cases.append(LabelCase("multi-label", {"labels": multi}, "multi_label_classification", integer=False))
            regression = rng.normal(size=(batch, num_labels)).astype("float32")
            cases.append(LabelCase("regression", {"labels": regression}, "regression", integer=False))
    elif kind in ("multiple_choice", "next_sentence") and "labels" in params:
        high = 2 if kind == "next_sentence" else int(inputs["input_ids"].shape[1]) if "input_ids" in inputs else 2
        cases.append(LabelCase("labels", {"labels": ids(high, (batch,))}))
    elif kind == "ctc" and "labels" in params and vocab:
        # transcripts shorter than the audio's frames, padded with -100; never the blank (the pad token)
        labels = 1 + ids(vocab - 1, (batch, 4))
        labels[labels == getattr(config, "pad_token_id", 0)] = 1 if getattr(config, "pad_token_id", 0) != 1 else 2
        labels[0, -1] = IGNORED
        cases.append(LabelCase("labels", {"labels": labels}, notes=["with -100"]))
    elif kind == "question_answering" and {"start_positions", "end_positions"} <= set(params) and length:
        starts, ends = ids(length, (batch,)), ids(length, (batch,))
        cases.append(LabelCase("positions", {"start_positions": starts, "end_positions": ends}))
        past = starts.copy()
        past[-1] = length + 3  # clamped to the sequence length, then ignored
        cases.append(LabelCase("positions past the end", {"start_positions": past, "end_positions": ends}))
    return cases


def _loss_of(output):
    loss = getattr(output, "loss", None) if not isinstance(output, (tuple, list)) else None
    if loss is None and isinstance(output, dict):
        loss = output.get("loss")
    return loss


def _number(value):
    import numpy as np

    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value, dtype="float64")


def compare_losses(pt_model, tf_model, inputs: dict, kind: str | None) -> list[dict]:
    """One row per label case and TF label dtype: both losses, their difference, or what failed."""
    import numpy as np
    import torch

    rows: list[dict] = []
    pt_forward, tf_call = pt_model.forward, tf_model.call
    options = {"return_dict": True, "use_cache": False}
    pt_options = {k: v for k, v in options.items() if k in inspect.signature(pt_forward).parameters}
    tf_options = {k: v for k, v in options.items() if k in inspect.signature(tf_call).parameters}
    tf_params = inspect.signature(tf_call).parameters
    tf_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in tf_params.values())
    configs = [pt_model.config, tf_model.config]
    saved = [getattr(c, "problem_type", None) for c in configs]
    cases = label_cases(kind, pt_model.config, pt_forward, inputs)
    takes_labels = [p for p in inspect.signature(pt_forward).parameters if "label" in p or p.endswith("_positions")]
    if not cases and takes_labels:
        reason = f"verify makes no labels for {type(pt_model).__name__} ({', '.join(takes_labels)})"
        return [{"case": "its labels", "arguments": takes_labels, "notes": [], "skipped": reason}]
    try:
        for case in cases:
            for config in configs:
                config.problem_type = case.problem_type
            base = {"case": case.name, "arguments": sorted(case.labels), "notes": case.notes}
            try:
                with torch.no_grad():
                    pt_out = pt_model(
                        **{k: torch.tensor(v) for k, v in {**inputs, **case.labels}.items()}, **pt_options
                    )
                pt_loss = _loss_of(pt_out)
            except Exception as error:  # PyTorch itself does not take these labels: nothing to compare
                rows.append({**base, "skipped": f"PyTorch raises {type(error).__name__}: {_short(error)}"})
                continue
            if pt_loss is None:
                rows.append({**base, "skipped": "PyTorch computes no loss with these labels"})
                continue
            expected = _number(pt_loss)
            renamed = tf_label_names(case.labels, tf_call)
            base["notes"] = case.notes + [f"TF takes {pt} as {tf}" for pt, tf in renamed.items()]
            for dtype in ("int32", "int64") if case.integer else ("float32",):
                for config in configs:
                    config.problem_type = case.problem_type
                labels = {
                    renamed.get(k, k): v.astype(dtype) if v.dtype.kind in "iu" else v for k, v in case.labels.items()
                }
                row = {**base, "dtype": dtype, "pt": float(expected.reshape(-1)[0]) if expected.size else None}
                refused = [k for k in labels if k not in tf_params] if not tf_kwargs else []
                if refused:
                    rows.append({**row, "error": f"TF's call takes no {', '.join(refused)} (PyTorch's loss needs it)"})
                    continue
                try:
                    tf_out = tf_model(**inputs, **labels, **tf_options, training=False)
                    tf_loss = _loss_of(tf_out)
                except Exception as error:
                    rows.append({**row, "error": f"raises {type(error).__name__}: {_short(error)}"})
                    continue
                if tf_loss is None:
                    rows.append({**row, "error": "TF gives no loss where PyTorch gives one"})
                    continue
                got = _number(tf_loss)
                note = None
                if expected.size == 1 and got.size == 1:
                    got, want = got.reshape(()), expected.reshape(())
                elif expected.size == 1 and got.ndim == 1 and got.shape[0] == _batch(inputs):
                    got, want = got.mean(), expected.reshape(())
                    note = f"TF gives one loss per example (shape {list(_number(tf_loss).shape)}): their mean"
                elif got.shape == expected.shape:
                    want = expected
                else:
                    shapes = f"TF loss shape {list(got.shape)} != PyTorch {list(expected.shape)}"
                    rows.append({**row, "error": shapes})
                    continue
                row["tf"] = float(np.asarray(got).reshape(-1)[0])
                row["max_abs_diff"] = float(np.max(np.abs(got - want)))
                row["scale"] = float(np.max(np.abs(want)))
                if note:
                    row["note"] = note
                rows.append(row)
    finally:
        for config, value in zip(configs, saved):
            config.problem_type = value
    return rows


def tf_label_names(labels: dict, tf_call) -> dict[str, str]:
    """PyTorch label argument -> the TF call's name for it, where they differ: a label argument the TF call does
    not take is the one TF label argument left (TF BERT's next-sentence head takes `next_sentence_label`)."""
    params = inspect.signature(tf_call).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return {}
    left = [name for name in params if "label" in name and name not in labels]
    missing = [name for name in labels if name not in params]
    return {missing[0]: left[0]} if len(missing) == 1 and len(left) == 1 else {}


def _batch(inputs: dict) -> int:
    first = next(iter(inputs.values()), None)
    return 2 if first is None else int(first.shape[0])


def _short(error: Exception) -> str:
    """The error's message, without the frame keras wraps around errors raised in a layer's call."""
    text = str(error)
    if text.startswith("Exception encountered when calling layer"):
        parts = [part for part in text.split("\n\n") if part.strip()]
        text = parts[1] if len(parts) > 1 else text
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\].*", "", text, flags=re.S)  # TF's op frame
    return " ".join(text.split())[:300]


# -- pure: the verdict and the table cell ------------------------------------------------------------------------


def _label(row: dict) -> str:
    dtype = f", {row['dtype']} labels" if row.get("dtype") else ""
    return f"loss with {row['case']}{dtype}"


def judge_losses(rows: list[dict], atol: float) -> tuple[list[str], list[str]]:
    """(problems, notes) of a class's loss rows: a TF loss that raises, is missing or differs is a problem."""
    problems, notes = [], []
    for row in rows:
        if row.get("skipped"):
            notes.append(f"{_label(row)} not compared: {row['skipped']}")
        elif row.get("error"):
            problems.append(f"{_label(row)}: {row['error']}")
        elif beyond(row["max_abs_diff"], row.get("scale", 0.0), atol):
            problems.append(
                f"{_label(row)}: TF {row['tf']:.6g} vs PyTorch {row['pt']:.6g} (diff {row['max_abs_diff']:.1e})"
            )
    said = sorted({row["note"] for row in rows if row.get("note")})
    said += sorted({note for row in rows for note in row.get("notes", []) if note.startswith("TF takes")})
    notes += [f"loss: {note}" for note in said]
    return problems, notes


def loss_cell(rows: list[dict] | None, atol: float) -> str:
    """`3/3` (label cases within the tolerance, of those compared), `-` where verify had no labels to give."""
    compared = [r for r in rows or [] if not r.get("skipped")]
    if not compared:
        return "-"
    good = sum(1 for r in compared if not r.get("error") and not beyond(r["max_abs_diff"], r.get("scale", 0.0), atol))
    return f"{good}/{len(compared)}"
