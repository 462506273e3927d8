"""The verdict and table of `scaffold verify`, from hand-made worker reports (no frameworks needed)."""

from __future__ import annotations

import re

from scaffold.checks.trace import ModuleDiff, first_divergence
from scaffold.checks.verify_report import render


def row(name="TFTinyModel", **changes) -> dict:
    base = {
        "name": name,
        "base_model_prefix": "tiny",
        "pt_name": name[2:],
        "stage": "done",
        "error": None,
        "tf_weights": 10,
        "missing": [],
        "unexpected": [],
        "mismatched": [],
        "tied": [],
        "outputs": [{"name": "last_hidden_state", "shape": [2, 7, 32], "max_abs_diff": 4e-7, "note": None}],
        "modules_compared": 5,
        "modules_incomparable": 0,
        "modules_pt": 6,
        "first_divergence": None,
    }
    return {**base, **changes}


def report(*rows, **extra) -> dict:
    return {"model": "tiny", "atol": 1e-5, "transformers": "/c/src/transformers", "classes": list(rows), **extra}


def test_all_within_atol_passes():
    text, status = render(report(row(), row("TFTinyForMaskedLM")))
    assert status == 0
    assert "✓ TFTinyModel" in text and "10/10" in text and "PASS: 2 classes" in text


def test_every_weight_that_did_not_load_is_named_once():
    missing = [f"encoder.layer.{i}.weight" for i in range(12)]
    head = row("TFTinyForMaskedLM", base_model_prefix="tiny", missing=[f"tiny.{k}" for k in missing])
    text, status = render(report(row(tf_weights=20, missing=missing, unexpected=["encoder.q.weight"]), head))
    assert status == 1
    assert "✗ TFTinyModel" in text and "8/20" in text
    assert all(f"TF weight got no PyTorch value: {k}\n" in text for k in missing)
    assert "PyTorch weight found no TF home: encoder.q.weight" in text
    assert "TF weight got no PyTorch value: the same 12 as TFTinyModel" in text


def test_output_beyond_atol_and_divergence_fail():
    outputs = [{"name": "last_hidden_state", "shape": [2], "max_abs_diff": 3e-4, "note": None}]
    divergence = {"module": "encoder.layer.1.norm", "pt_class": "LayerNorm", "max_abs_diff": 5e-4}
    text, status = render(report(row(outputs=outputs, first_divergence=divergence)))
    assert status == 1
    assert "outputs beyond 1e-05: last_hidden_state 3.0e-04" in text
    assert "first divergence at encoder.layer.1.norm (LayerNorm): max abs diff 5.0e-04" in text


def test_a_failed_class_and_a_nan_fail():
    nan = [{"name": "logits", "shape": [2], "max_abs_diff": float("nan"), "note": None}]
    text, status = render(report(row(error="ValueError: boom", stage="load"), row("TFTinyForX", outputs=nan)))
    assert status == 1
    assert "failed at load: ValueError: boom" in text and "FAIL: 2 of 2 classes" in text


def test_nothing_checked_is_not_a_pass():
    text, status = render(report(skipped=["TFTinyEncoder"]))
    assert status == 1 and "no TF model class with a PyTorch twin" in text


def test_first_divergence_is_innermost_first_and_skips_incomparable():
    diffs = [
        ModuleDiff("embeddings", 1e-7, (2,), (2,)),
        ModuleDiff("pooler.dense", None, (2,), (2,), "the TF layer applies tanh inside"),
        ModuleDiff("encoder.layer.0.norm", 2e-3, (2,), (2,)),
        ModuleDiff("encoder.layer.0", 1e-3, (2,), (2,)),
    ]
    assert first_divergence(diffs, 1e-5).module == "encoder.layer.0.norm"
    assert first_divergence(diffs[:2], 1e-5) is None


def test_a_difference_the_enclosing_module_undoes_is_a_boundary_not_a_divergence():
    diffs = [
        ModuleDiff("head.decoder", 0.2, (2,), (2,)),  # TF adds the bias one level up
        ModuleDiff("head", 1e-7, (2,), (2,)),
        ModuleDiff("encoder.norm", 1e-3, (2,), (2,)),
        ModuleDiff("encoder", 2e-4, (2,), (2,)),
    ]
    assert first_divergence(diffs, 1e-5).module == "encoder.norm"


def loss(case="labels", dtype="int64", diff=1e-7, **changes) -> dict:
    return {"case": case, "arguments": ["labels"], "notes": [], "dtype": dtype, "pt": 2.3, "tf": 2.3 + diff,
            "max_abs_diff": diff, "scale": 2.3, **changes}  # fmt: skip


def test_a_head_whose_loss_raises_differs_or_is_missing_fails_naming_the_label_case():
    raises = loss("labels", "int32", error="raises NotImplementedError: scaffold: no TF translation for MSELoss")
    good = row("TFTinyForMaskedLM", losses=[loss(), loss(dtype="int32")])
    bad = row("TFTinyForSequenceClassification", losses=[raises, loss("regression", "float32", diff=3e-3)])
    missing = row("TFTinyForTokenClassification", losses=[loss(error="TF gives no loss where PyTorch gives one")])
    text, status = render(report(row(), good, bad, missing))
    assert status == 1 and "FAIL: 2 of 4 classes" in text
    assert re.search(r"✓ TFTinyForMaskedLM .* 2/2$", text, re.M)
    assert re.search(r"✗ TFTinyForSequenceClassification .* 0/2$", text, re.M)
    assert re.search(r"✓ TFTinyModel .* -$", text, re.M)  # no labels: nothing to compare
    assert (
        "loss with labels, int32 labels: raises NotImplementedError: scaffold: no TF translation for MSELoss" in text
    )
    assert "loss with regression, float32 labels: TF 2.303 vs PyTorch 2.3 (diff 3.0e-03)" in text
    assert "loss with labels, int64 labels: TF gives no loss where PyTorch gives one" in text


def test_a_loss_per_example_is_a_note_and_a_case_pytorch_refuses_is_not_compared():
    per_example = loss(note="TF gives one loss per example (shape [2]): their mean")
    refused = {"case": "multi-label", "arguments": ["labels"], "notes": [], "skipped": "PyTorch raises ValueError: x"}
    text, status = render(report(row("TFTinyForSequenceClassification", losses=[per_example, refused])))
    assert status == 0 and "1/1" in text
    assert "loss with multi-label not compared: PyTorch raises ValueError: x" in text
    assert "loss: TF gives one loss per example (shape [2]): their mean" in text


def generate(**changes) -> dict:
    check = {
        "new_tokens": 12,
        "eager_equal": True,
        "xla_equal": None,
        "first_difference": None,
        "cache_max_diff": 4e-6,
        "cache_scale": 3.0,
        "errors": {},
    }
    return {**check, **changes}


def test_a_generative_head_that_generates_as_pytorch_passes_with_a_note():
    text, status = render(report(row("TFTinyForCausalLM", generate=generate(xla_equal=True))))
    assert status == 0
    assert (
        "note: TFTinyForCausalLM: greedy generate gives PyTorch's 12 new tokens eagerly and under XLA; "
        "logits with the cache within 4.0e-06 of those without" in text
    )


def test_other_tokens_a_raising_generate_or_a_wrong_cache_fail():
    difference = {"mode": "eager", "row": 1, "step": 4, "pt": 17, "tf": 52}
    differs = row("TFTinyForCausalLM", generate=generate(eager_equal=False, first_difference=difference))
    raises = row("TFTinyLMHeadModel", generate=generate(eager_equal=None, errors={"xla": "NotImplementedError: XLA"}))
    cache = row("TFTinyForConditionalGeneration", generate=generate(cache_max_diff=2e-3))
    text, status = render(report(differs, raises, cache))
    assert status == 1 and "FAIL: 3 of 3 classes" in text
    assert "greedy generate (eager) differs from PyTorch's: row 1, new token 4: PyTorch 17, TF 52" in text
    assert "generate (xla) raised NotImplementedError: XLA" in text
    assert "logits with the key/value cache differ from logits without it by 2.0e-03" in text
    assert "greedy generate gives" not in text


def test_a_head_that_cannot_generate_while_its_twin_can_is_a_note():
    cannot = "cannot generate (no prepare_inputs_for_generation) while TinyDoubleHeadsModel can"
    text, status = render(report(row("TFTinyDoubleHeadsModel", cannot_generate=cannot)))
    assert status == 0
    assert f"note: TFTinyDoubleHeadsModel: {cannot}" in text
