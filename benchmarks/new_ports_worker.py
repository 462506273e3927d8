"""The worker of benchmarks/new_ports.py: measures generated TF ports against PyTorch, one job after another.

    python benchmarks/new_ports_worker.py --src CHECKOUT/src --jobs jobs.json --out events.jsonl

Imports transformers from `--src` (first on sys.path), TensorFlow and torch once, then for each job appends
JSON lines to `--out`: {"event": "start"}, {"event": "stage"} as it goes (so the driver knows where a job
that hangs or kills the process was), {"event": "done", "row": {...}}. Nothing is printed for the driver.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import os
import re
import sys
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

ATOL = 1e-5


def relax_requirements(src: Path) -> list[str]:
    """transformers checks some installed versions at import (`dependency_versions_check`): 4.46.3 wants
    tokenizers <0.21, which nothing here uses. Load its table first with each requirement the installed
    package fails relaxed to the bare name; returns what was relaxed."""
    from importlib import metadata

    from packaging.requirements import Requirement

    path = src / "transformers/dependency_versions_table.py"
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location("transformers.dependency_versions_table", path)
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    checked = src / "transformers/dependency_versions_check.py"
    runtime = re.findall(r'^\s+"([\w-]+)",$', checked.read_text(), re.M) if checked.is_file() else list(table.deps)
    relaxed = []
    for key, requirement in table.deps.items():
        if key not in runtime:
            continue
        try:
            parsed = Requirement(requirement)
            version = metadata.version(parsed.name)
        except Exception:
            continue
        if parsed.specifier and not parsed.specifier.contains(version, prereleases=True):
            table.deps[key] = parsed.name
            relaxed.append(f"{requirement} (installed {version})")
    sys.modules[spec.name] = table
    return relaxed


class Emitter:
    def __init__(self, path: str):
        self.handle = open(path, "a")

    def __call__(self, **event) -> None:
        self.handle.write(json.dumps(event, default=str) + "\n")
        self.handle.flush()


def where_in(error: BaseException, path: str) -> tuple[str | None, int | None]:
    """The innermost frame of the generated file in the traceback: (function, line)."""
    found = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == path:
            found = (frame.name, frame.lineno)
    return found


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())[:600]}"


def first_output(flat: dict, key: str | None = None):
    if key is not None and key in flat:
        return key, flat[key]
    return next(iter(flat.items()), (None, None))


NON_TEXT = ("pixel_values", "input_features", "input_values")


def runnable_config(config_class, pt_class, inputs_for):
    """A tiny config PyTorch builds and runs on the harness's inputs: first shrunk, then with the resolution knobs
    at their defaults (swin's windows), then with one shrunk knob at a time back at its default (a width the
    model derives elsewhere from another knob: EfficientNet's hidden_dim), those whose default the error names
    first, for RESTORE_SECONDS at most. A multimodal model that refuses random token ids next to an image (its
    ids carry no image tokens) is run on text alone. Returns (config, pt_model, inputs, output, note); raises
    the first error PyTorch raised."""
    import time

    from scaffold.checks.tiny import RESOLUTION, shrunk_knobs

    error: Exception | None = None
    for keep in ((), RESOLUTION):
        config = None
        try:
            config = tiny_config_for(config_class, keep)
            return attempt(config, pt_class, inputs_for)
        except Exception as caught:
            error = error or caught  # the first attempt's error is the one to report
            if config is not None and not has_resolution(config):
                break
    assert error is not None
    numbers = set(re.findall(r"\d+", str(error)))
    knobs = shrunk_knobs(config_class())
    candidates = sorted(knobs, key=lambda k: str(knobs[k]) not in numbers)  # stable: the class's order next
    deadline = time.monotonic() + RESTORE_SECONDS
    for knob in candidates:
        if time.monotonic() > deadline:
            break
        try:
            config = tiny_config_for(config_class, (knob,))
            config, pt_model, inputs, output, note = attempt(config, pt_class, inputs_for)
        except Exception:
            continue
        kept = f"{knob} kept at its default ({knobs[knob]}): PyTorch cannot run it shrunk"
        return config, pt_model, inputs, output, f"{note}; {kept}" if note else kept
    raise error


RESTORE_SECONDS = 25


def attempt(config, pt_class, inputs_for):
    """Build the PyTorch model from `config` (weights moved off their initial values) and run it; with text
    alone if it refuses random ids next to an image. Raises what PyTorch raised on the full inputs."""
    import torch

    from scaffold.checks.verify import perturb

    torch.manual_seed(0)
    pt_model = pt_class(config).eval()
    perturb(pt_model)
    inputs = inputs_for(config, pt_model)
    variants = [(inputs, None), *layouts(inputs)]
    if "input_ids" in inputs and any(k in inputs for k in NON_TEXT):
        text = {k: v for k, v in inputs.items() if k not in NON_TEXT}
        variants.append((text, "text only: PyTorch refused random ids next to the non-text input"))
    refused = None
    for chosen, note in variants:
        try:
            with torch.no_grad():
                output = pt_model(**{k: torch.tensor(v) for k, v in chosen.items()})
            return config, pt_model, chosen, output, note
        except Exception as caught:
            refused = refused or caught
    raise refused


def layouts(inputs: dict) -> list[tuple[dict, str]]:
    """The audio input in the other layouts audio models read, each with its note: features frames-first
    (Parakeet, UnivNet: (batch, frames, mel bins); Whisper's (batch, mel bins, frames) is model_inputs'), as one
    image channel (CLAP's (batch, 1, frames, bins)), a waveform as one channel (DAC, X-Codec: (batch, 1, samples))."""
    import numpy as np

    variants = []
    for name in ("input_features", "input_values"):
        value = inputs.get(name)
        if value is None:
            continue
        if value.ndim == 3:
            swapped = np.ascontiguousarray(np.swapaxes(value, 1, 2))
            variants.append(({**inputs, name: swapped}, f"{name} as {swapped.shape[1:]} per row"))
            variants.append(({**inputs, name: swapped[:, None]}, f"{name} as {swapped.shape[1:]} in one channel"))
        if value.ndim in (2, 3):
            variants.append(({**inputs, name: value[:, None]}, f"{name} with one channel axis"))
    return variants


def has_resolution(config) -> bool:
    """Whether the config or one of its parts (ViTMatte's backbone) has a resolution knob to keep."""
    from scaffold.checks.tiny import RESOLUTION, is_config

    parts = [config] + [v for v in vars(config).values() if is_config(v)]
    return any(getattr(part, k, None) is not None for part in parts for k in RESOLUTION)


def tiny_config_for(config_class, keep):
    """scaffold verify's tiny config (scaffold.checks.verify.load_config), with `keep` knobs at their defaults."""
    from scaffold.checks.tiny import tiny_config

    config = tiny_config(config_class, keep=keep)
    if getattr(config, "pad_token_id", 0) is None:
        config.pad_token_id = 0
    config._attn_implementation = "eager"
    return config


def measure(job: dict, emit, relaxed: list[str]) -> dict:
    import tensorflow as tf
    import torch

    from scaffold.checks.trace import compare_recordings, first_divergence, record_tf, record_torch
    from scaffold.checks.verify import built_from, class_inputs, flatten_outputs, not_saved, split_tied
    from scaffold.checks.weights import load_from_pt

    row = dict(job, relaxed=relaxed)
    path = job["tf_path"]

    def fail(stage_error: BaseException, generated: bool = True) -> dict:
        row["error"] = describe(stage_error)
        if generated:
            row["where"], row["line"] = where_in(stage_error, path)
        row["traceback"] = traceback.format_exc(limit=-6)[-3000:]
        return row

    def stage(name: str) -> None:
        emit(event="stage", id=job["id"], stage=name)

    stage("imports")
    try:
        generated = importlib.import_module(job["tf_module"])
        tf_class = getattr(generated, f"TF{job['pt_class']}", None)
        if tf_class is None:
            raise AttributeError(f"the generated module has no TF{job['pt_class']}")
    except Exception as error:
        return fail(error)
    row["imports"] = True

    # then PyTorch: a model PyTorch cannot build or run at the tiny size is the harness's failure
    stage("pytorch")
    try:
        pt_class = getattr(importlib.import_module(job["pt_module"]), job["pt_class"])
        config_class = built_from(pt_class)  # Blip2QFormerModel's own Blip2QFormerConfig, not Blip2Config

        def inputs_for(config, pt_model):
            return class_inputs(pt_class.__name__, config, pt_model.forward)

        config, pt_model, inputs, pt_output, note = runnable_config(config_class, pt_class, inputs_for)
        if note:
            row["inputs_note"] = note
        if not inputs:
            raise ValueError(f"no input the harness knows in {pt_class.__name__}.forward")
    except Exception as error:
        row["harness"] = describe(error)
        row["traceback"] = traceback.format_exc(limit=-6)[-3000:]
        return row
    row["inputs"] = {k: list(v.shape) for k, v in inputs.items()}
    expected = flatten_outputs(pt_output)
    main_key, want = first_output(expected)
    row["main_output"] = main_key

    if job.get("reference"):  # pairs: the hand-written TF port on the same config and inputs, whatever ours does
        stage("reference")
        try:
            module = importlib.import_module(job["pt_module"].replace(".modeling_", ".modeling_tf_", 1))
            reference, _ = load_from_pt(getattr(module, job["reference"]), pt_model)
            _, got = first_output(flatten_outputs(reference(**inputs, training=False)), main_key)
            row["reference_matches"] = _compare(want, got, {}, "reference")
        except Exception as error:
            row["reference_error"] = describe(error)
            row["reference_matches"] = False

    stage("builds")
    try:
        tf_model = tf_class(config)
        tf_model.build_in_name_scope()
        row["tf_weights"] = len(tf_model.weights)
    except Exception as error:
        return fail(error)
    row["builds"] = True
    del tf_model

    stage("loads")
    try:
        loaded, load = load_from_pt(tf_class, pt_model)
    except Exception as error:
        return fail(error)
    prefix = loaded.base_model_prefix
    computed = [k for k in load.missing if not_saved(pt_model, k) or not_saved(pt_model, f"{prefix}.{k}")]
    missing = [k for k in load.missing if k not in computed]
    unexpected, _tied = split_tied(pt_model, [k for k in load.unexpected if not k.endswith("num_batches_tracked")])
    row["load"] = {"missing": missing, "unexpected": unexpected, "mismatched": [list(m[:1]) for m in load.mismatched]}
    row["loads"] = not (missing or unexpected or load.mismatched)

    # run and compare even when some weight did not load: the rest tells what else would fail
    stage("runs")
    try:
        actual_output = loaded(**inputs, training=False)
        actual = flatten_outputs(actual_output)
    except Exception as error:
        return fail(error)
    row["runs"] = True
    _, got = first_output(actual, main_key)
    eager = _compare(want, got, row, "eager")
    row["matches_eager"] = eager
    if not eager and got is not None and row.get("shape_mismatch") is None:
        stage("divergence")
        try:
            strip = prefix if not any(n.split(".")[0] == prefix for n, _ in pt_model.named_modules()) else None
            with torch.no_grad():
                _, pt_trace = record_torch(
                    pt_model, lambda: pt_model(**{k: torch.tensor(v) for k, v in inputs.items()})
                )
            _, tf_trace = record_tf(loaded, lambda: loaded(**inputs, training=False), strip)
            diverged = first_divergence(compare_recordings(pt_trace, tf_trace), ATOL)
            if diverged is not None:
                modules = dict(pt_model.named_modules())
                row["first_divergence"] = {
                    "module": diverged.module,
                    "pt_class": type(modules.get(diverged.module)).__name__,
                    "max_abs_diff": diverged.max_abs_diff,
                }
        except Exception as error:
            row["divergence_error"] = describe(error)

    stage("traced")
    try:
        traced = tf.function(lambda **kw: loaded(**kw, training=False))
        graph = flatten_outputs(traced(**inputs))
        _, got = first_output(graph, main_key)
        row["matches_traced_alone"] = _compare(want, got, row, "traced")
    except Exception as error:
        row["traced_error"] = describe(error)
        row["traced_where"], _ = where_in(error, path)
        row["matches_traced_alone"] = False
    row["matches_traced"] = bool(row["matches_eager"] and row["matches_traced_alone"])

    return row


def _compare(want, got, row: dict, label: str) -> bool:
    import numpy as np

    from scaffold.checks.trace import beyond, difference

    if got is None or want is None:
        row[f"{label}_note"] = "no output to compare"
        return False
    got = np.asarray(got)
    if got.shape != want.shape:
        if got.squeeze().shape == want.squeeze().shape:
            got, want = got.squeeze(), want.squeeze()
        else:
            row["shape_mismatch"] = f"TF {tuple(got.shape)} vs PyTorch {tuple(want.shape)}"
            return False
    diff, scale = difference(want, got)
    row[f"{label}_max_abs_diff"] = diff
    row[f"{label}_scale"] = scale
    return not beyond(diff, scale, ATOL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True, type=Path)
    parser.add_argument("--jobs", required=True, type=Path)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    emit = Emitter(args.out)
    sys.path.insert(0, str(args.src))
    relaxed = relax_requirements(args.src)
    import torch  # noqa: F401
    import transformers
    from transformers.modeling_tf_utils import keras

    where = Path(transformers.__file__).resolve()
    if args.src.resolve() not in where.parents:
        raise SystemExit(f"imported transformers from {where.parent}, not {args.src}")
    emit(event="ready")
    for job in json.loads(args.jobs.read_text()):
        emit(event="start", id=job["id"])
        try:
            row = measure(job, emit, relaxed)
        except Exception as error:  # a harness bug: report it on the row, go on
            row = dict(job, harness=f"internal: {describe(error)}", traceback=traceback.format_exc(limit=-6))
        emit(event="done", id=job["id"], row=row)
        keras.backend.clear_session()
        gc.collect()


if __name__ == "__main__":
    main()
