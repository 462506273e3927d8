"""`scaffold verify`'s worker: prove a TF port against its PyTorch twin, class by class.

Runs in its own process (`python -m scaffold.checks.verify --request JSON`) with the checkout's `src` first on
sys.path, so the transformers imported is the checkout's own. It writes a plain-data report (JSON) that the
CLI renders (`scaffold.checks.verify_report`); nothing here prints the verdict.

Per TF class with a PyTorch twin (the base model and each head): build the PyTorch model from a small random
config, save it, load it with `TF<X>.from_pretrained(<folder>, from_pt=True)`, name every TF weight that got
no value and every PyTorch weight that found no home, run both on the same inputs, compare every output tensor
(hidden states and attentions included), then module by module to name the first one that diverges; then,
given labels, each head's loss against PyTorch's (`losses.py`); for a generative head, greedy `generate()` token
for token and logits with and without the key/value cache (`generate.py`).
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import os
import re
import sys
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


def tf_model_classes(tf_module) -> list[type]:
    """The public TF model classes of a modeling_tf file: TFPreTrainedModel subclasses, base first."""
    from transformers.modeling_tf_utils import TFPreTrainedModel

    names = getattr(tf_module, "__all__", None) or [n for n in vars(tf_module) if n.startswith("TF")]
    classes = []
    for name in names:
        cls = getattr(tf_module, name, None)
        if isinstance(cls, type) and issubclass(cls, TFPreTrainedModel) and cls.__module__ == tf_module.__name__:
            classes.append(cls)
    # the TF<X>PreTrainedModel base is the parent of the others, not a model; nor are its deprecated aliases
    # (TFPretrainedBartModel): they have no forward of their own
    classes = [
        c
        for c in classes
        if not any(o is not c and issubclass(o, c) for o in classes)
        and not re.search(r"Pre[Tt]rained\w*Model$", c.__name__)
    ]
    base = min((c for c in classes if c.__name__.endswith("Model")), key=lambda c: len(c.__name__), default=None)
    return sorted(classes, key=lambda c: (c is not base, names.index(c.__name__)))


def load_config(config_class, config_path: str | None):
    from .tiny import tiny_config

    if config_path:
        config = config_class.from_json_file(config_path)
    else:
        config = tiny_config(config_class)
        if getattr(config, "pad_token_id", 0) is None:  # sequence-classification heads pool at the last non-pad
            config.pad_token_id = 0  # token; the random inputs never use id 0
    config._attn_implementation = "eager"  # attention weights are returned only by the eager path
    config.output_hidden_states = True  # forwards that take these through **kwargs read them from the config
    config.output_attentions = True
    return config


def config_for(config_class, base_config):
    """The config a class is built from: the base one, else the base one's sub-config of the class's type
    (CLIP's text_config for TFCLIPTextModel), else a tiny config of that type."""
    if isinstance(base_config, config_class):
        return base_config
    for name, value in vars(base_config).items():
        if name.endswith("_config") and isinstance(value, config_class):
            for knob in ("_attn_implementation", "output_hidden_states", "output_attentions"):
                setattr(value, knob, getattr(base_config, knob))
            return value
    return load_config(config_class, None)


def built_from(model_class):
    """The config class `model_class.__init__` is annotated with, where it is a config class other than the
    inherited `config_class` (Blip2QFormerModel takes a Blip2QFormerConfig; its base class says Blip2Config);
    else `model_class.config_class`."""
    import typing

    declared = getattr(model_class, "config_class", None)
    try:
        hint = typing.get_type_hints(model_class.__init__).get("config")
    except Exception:  # an annotation naming what the module does not import
        return declared
    if not (isinstance(hint, type) and getattr(hint, "model_type", "") and hasattr(hint, "to_dict")):
        return declared  # no annotation, or PretrainedConfig itself (distilbert's `config: PretrainedConfig`)
    if declared is not None and issubclass(declared, hint):
        return declared
    return hint


def class_inputs(cls_name: str, config, forward) -> dict:
    """The main inputs for one class: `model_inputs`, with a choices axis for multiple-choice heads."""
    import numpy as np

    from .compare import model_inputs

    params = inspect.signature(forward).parameters
    inputs = model_inputs(config, forward)
    eos, ids = getattr(config, "eos_token_id", None), inputs.get("input_ids")
    if isinstance(eos, int) and ids is not None:  # every row ends with one <eos>, as real text does (BART's
        ids[ids == eos] = 1 if eos != 1 else 2  # classification head pools at it)
        ids[:, -1] = eos
    if ids is not None and "decoder_input_ids" in params:
        # as long as the encoder side: BART's classification head pools the decoder states at the encoder's <eos>
        inputs["decoder_input_ids"] = np.roll(ids, 1, axis=1)
    if "input_features" in inputs and getattr(config, "input_feat_per_channel", None):
        # Speech2Text reads (batch, frames, features); Whisper's (batch, mel bins, frames) is model_inputs' default
        features = config.input_feat_per_channel * getattr(config, "input_channels", 1)
        inputs["input_features"] = np.random.default_rng(1).standard_normal((2, 60, features)).astype("float32")
    elif "input_features" in inputs and isinstance(getattr(config, "feature_projection_input_dim", None), int):
        # Wav2Vec2-BERT: (batch, frames, stacked filter-bank features) into its feature projection
        shape = (2, 60, config.feature_projection_input_dim)
        inputs["input_features"] = np.random.default_rng(1).standard_normal(shape).astype("float32")
    vision = getattr(config, "vision_config", None) or config
    if "noise" in params and "pixel_values" in inputs and isinstance(getattr(vision, "patch_size", None), int):
        # ViTMAE masks patches at random: both frameworks must draw the same noise
        patches = (inputs["pixel_values"].shape[-1] // vision.patch_size) ** 2
        inputs["noise"] = np.random.default_rng(2).uniform(size=(2, patches)).astype("float32")
    if "visual_feats" in params and getattr(config, "visual_feat_dim", None):  # LXMERT: region features, boxes
        rng = np.random.default_rng(3)
        inputs["visual_feats"] = rng.standard_normal((2, 3, config.visual_feat_dim)).astype("float32")
        inputs["visual_pos"] = rng.uniform(size=(2, 3, config.visual_pos_dim)).astype("float32")
    token, queries = getattr(config, "image_token_index", None), getattr(config, "num_query_tokens", None)
    if token is None:
        token = getattr(config, "video_token_index", None)  # InstructBLIP-Video
    if isinstance(token, int) and isinstance(queries, int) and ids is not None and "pixel_values" in inputs:
        # BLIP-2 and InstructBLIP put their query outputs at one placeholder per query, ahead of the text (as
        # transformers' tests and processors do)
        ids[ids == token] = 1
        if inputs["pixel_values"].ndim == 5:  # InstructBLIP-Video: the queries of every frame
            queries *= inputs["pixel_values"].shape[1]
        inputs["input_ids"] = np.concatenate([np.full((len(ids), queries), token, dtype=ids.dtype), ids], axis=1)
        if "attention_mask" in inputs:
            inputs["attention_mask"] = np.ones(inputs["input_ids"].shape, dtype="int64")
    if cls_name in CODEBOOK_ROWS and ids is not None:  # one row per codebook: (batch x num_codebooks, length)
        inputs["input_ids"] = np.repeat(ids, config.num_codebooks, axis=0)  # the mask stays per batch row
    if cls_name in CODEBOOK_COLUMNS and ids is not None:
        # Kyutai speech-to-text: each step a text id then one audio code per codebook, (batch, length, 1 + codebooks)
        codes = np.random.default_rng(4).integers(1, config.codebook_vocab_size, (*ids.shape, config.num_codebooks))
        inputs["input_ids"] = np.concatenate([ids[..., None], codes], axis=-1)
    if cls_name in IMAGE_PAIRS and "pixel_values" in inputs:  # (batch, 2 images, channels, height, width)
        pixels = inputs["pixel_values"]
        inputs["pixel_values"] = np.stack([pixels, pixels[::-1]], axis=1)
    if "states" in params and isinstance(getattr(config, "state_dim", None), int):
        inputs.update(trajectory_inputs(config, params))
    if "MultipleChoice" in cls_name:
        inputs = {k: np.stack([v, v[::-1]], axis=1) for k, v in inputs.items()}
    return inputs


# keypoint matchers: one input is a pair of images (the only models whose pixel_values are pairs)
# MusicGen's decoders read one row of audio codes per codebook
CODEBOOK_ROWS = ("MusicgenModel", "MusicgenMelodyModel")
# Kyutai's speech-to-text decoder reads the text id and the audio codes of a step side by side
CODEBOOK_COLUMNS = ("KyutaiSpeechToTextModel",)
IMAGE_PAIRS = ("EfficientLoFTRModel", "LightGlueForKeypointMatching", "SuperGlueForKeypointMatching")


def trajectory_inputs(config, params) -> dict:
    """Decision Transformer: a 7-step trajectory of states, actions, returns-to-go and time steps."""
    import numpy as np

    rng = np.random.default_rng(4)
    inputs = {
        "states": rng.standard_normal((2, 7, config.state_dim)).astype("float32"),
        "actions": rng.standard_normal((2, 7, config.act_dim)).astype("float32"),
        "rewards": rng.standard_normal((2, 7, 1)).astype("float32"),
        "returns_to_go": rng.standard_normal((2, 7, 1)).astype("float32"),
        "timesteps": np.broadcast_to(np.arange(7), (2, 7)).astype("int64").copy(),
        "attention_mask": np.ones((2, 7), dtype="int64"),
    }
    return {k: v for k, v in inputs.items() if k in params}


def call_options(forward, **wanted) -> dict:
    params = inspect.signature(forward).parameters
    return {k: v for k, v in wanted.items() if k in params}


def flatten_outputs(output) -> dict:
    """name -> numpy array for every tensor of a model output (`hidden_states.2`, ...); caches are skipped."""
    import numpy as np

    def array(value):
        return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)

    flat = {}
    items = (
        output.items() if hasattr(output, "items") else enumerate(output if isinstance(output, tuple) else [output])
    )
    for key, value in items:
        if key in ("past_key_values", "mems") or value is None:
            continue
        if hasattr(value, "items") and not hasattr(value, "shape"):
            # an output holding others (InstructBLIP's vision, Q-Former and language model outputs)
            flat.update({f"{key}.{name}": inner for name, inner in flatten_outputs(value).items()})
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                if hasattr(item, "shape") and not isinstance(item, (tuple, list)):
                    flat[f"{key}.{i}"] = array(item)
        elif hasattr(value, "shape"):
            flat[str(key)] = array(value)
    return flat


def compare_outputs(expected: dict, actual: dict) -> list[dict]:
    from .trace import difference

    rows = []
    for name, want in expected.items():
        if name not in actual:
            rows.append({"name": name, "shape": list(want.shape), "max_abs_diff": None, "note": "not in TF output"})
            continue
        got = actual[name]
        if got.shape != want.shape and got.squeeze().shape == want.squeeze().shape:
            got, want = got.squeeze(), want.squeeze()  # TF losses are (1,) where PyTorch's are scalars
        if got.shape != want.shape:
            note = f"TF shape {tuple(got.shape)} != PyTorch {tuple(want.shape)}"
            rows.append({"name": name, "shape": list(want.shape), "max_abs_diff": None, "note": note})
            continue
        diff, scale = difference(want, got)
        rows.append({"name": name, "shape": list(want.shape), "max_abs_diff": diff, "scale": scale, "note": None})
    return rows


PYTORCH_ONLY_BUFFERS = ("num_batches_tracked",)  # BatchNorm's step counter: no TF twin, no effect at inference


def split_tied(pt_model, unexpected: list[str]) -> tuple[list[str], list[str]]:
    """Unexpected PyTorch keys, less the aliases of a tied weight that did load (`decoder.bias` of BERT's
    LM head is `predictions.bias`: the state dict holds the one tensor under both names)."""
    groups: dict = {}
    for key, tensor in pt_model.state_dict(keep_vars=True).items():
        groups.setdefault((tensor.data_ptr(), tuple(tensor.shape)), []).append(key)
    missing_home = set(unexpected)
    tied = sorted(
        k for keys in groups.values() for k in keys if k in missing_home and any(o not in missing_home for o in keys)
    )
    return sorted(missing_home - set(tied)), tied


def not_saved(pt_model, key: str) -> bool:
    """Whether save_pretrained leaves `key` out (Marian's sinusoidal positions: computed at init, never saved)."""
    return any(re.search(pattern, key) for pattern in getattr(pt_model, "_keys_to_ignore_on_save", None) or [])


def perturb(pt_model, scale: float = 0.1) -> None:
    """Move every weight off its initial value. Fresh models start with zero biases, unit LayerNorm scales and
    BatchNorm statistics of 0 and 1: a port that drops a bias or gets an epsilon wrong matches them anyway."""
    import torch

    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in pt_model.state_dict(keep_vars=True).items():
            if not tensor.is_floating_point() or tensor.numel() == 0 or not_saved(pt_model, name):
                continue
            noise = torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype) * scale
            if name.endswith("running_var"):
                tensor.mul_(noise.abs() + 0.5)
            elif name.endswith(("weight", "bias", "running_mean")) or "." not in name or tensor.requires_grad:
                tensor.add_(noise * (tensor.std() if tensor.numel() > 1 and tensor.std() > 0 else 1.0))


def verify_class(tf_class, pt_class, config, atol: float, xla: bool = False) -> dict:
    import torch

    from .losses import compare_losses, head_kind
    from .trace import compare_recordings, first_divergence, record_tf, record_torch
    from .weights import load_from_pt

    row: dict = {"name": tf_class.__name__, "pt_name": pt_class.__name__, "error": None, "stage": "build"}
    try:
        if "pixel_values" in inspect.signature(tf_class.call).parameters:
            # TF's dummy inputs read the image shape from the config; some vision configs do not carry it
            vision = getattr(config, "vision_config", None) or config
            if not hasattr(vision, "num_channels"):
                vision.num_channels = 3
            if not hasattr(vision, "image_size") and not hasattr(vision, "input_size"):
                vision.image_size = 32
        torch.manual_seed(0)
        pt_model = pt_class(config).eval()
        perturb(pt_model)
        row["stage"] = "load"
        tf_model, load = load_from_pt(tf_class, pt_model)
        row["tf_weights"] = len(tf_model.weights)
        prefix = row["base_model_prefix"] = tf_model.base_model_prefix
        row["computed"] = [k for k in load.missing if not_saved(pt_model, k) or not_saved(pt_model, f"{prefix}.{k}")]
        row["missing"] = [k for k in load.missing if k not in row["computed"]]
        row["ignored"] = [k for k in load.unexpected if k.endswith(PYTORCH_ONLY_BUFFERS)]
        row["unexpected"], row["tied"] = split_tied(pt_model, [k for k in load.unexpected if k not in row["ignored"]])
        row["mismatched"] = [[k, list(a), list(b)] for k, a, b in load.mismatched]

        row["stage"] = "run"
        inputs = class_inputs(tf_class.__name__, config, pt_model.forward)
        options = dict(output_hidden_states=True, output_attentions=True, use_cache=False, return_dict=True)
        pt_options = call_options(pt_model.forward, **options)
        tf_options = call_options(tf_model.call, **options)
        with torch.no_grad():
            pt_out, pt_trace = record_torch(
                pt_model, lambda: pt_model(**{k: torch.tensor(v) for k, v in inputs.items()}, **pt_options)
            )
        # the PyTorch twin of the TF MainLayer: the base model itself, or the head's base-model attribute
        strip = prefix if not any(n.split(".")[0] == prefix for n, _ in pt_model.named_modules()) else None
        tf_out, tf_trace = record_tf(tf_model, lambda: tf_model(**inputs, **tf_options, training=False), strip)

        row["stage"] = "compare"
        expected, actual = flatten_outputs(pt_out), flatten_outputs(tf_out)
        row["outputs"] = compare_outputs(expected, actual)
        diffs = compare_recordings(pt_trace, tf_trace)
        row["modules_compared"] = sum(d.max_abs_diff is not None for d in diffs)
        row["modules_incomparable"] = sum(d.max_abs_diff is None for d in diffs)
        row["modules_pt"] = len(pt_trace.order)
        diverged = first_divergence(diffs, atol)
        pt_modules = dict(pt_model.named_modules())
        row["first_divergence"] = (
            None
            if diverged is None
            else {
                "module": diverged.module,
                "pt_class": type(pt_modules.get(diverged.module)).__name__,
                "max_abs_diff": diverged.max_abs_diff,
            }
        )
        row["stage"] = "loss"  # given labels, the head's loss against PyTorch's (checks/losses.py)
        row["losses"] = compare_losses(pt_model, tf_model, inputs, head_kind(pt_class))
        from .generate import cannot_generate, check_generation, is_generative

        if is_generative(tf_class, pt_class):  # greedy tokens and cached logits (checks/generate.py)
            row["stage"] = "generate"
            row["generate"] = check_generation(tf_model, pt_model, config, atol, xla=xla).as_dict()
        row["cannot_generate"] = cannot_generate(tf_class, pt_class)
        row["stage"] = "done"
    except Exception as error:  # the port itself failed: report where, keep going with the next class
        row["error"] = f"{type(error).__name__}: {' '.join(str(error).split())[:400]}"
        row["traceback"] = traceback.format_exc(limit=-4)
    return row


def verify(model: str, atol: float, config_path: str | None, only: list[str] | None = None, xla: bool = False) -> dict:
    import importlib

    import transformers

    report: dict = {"model": model, "atol": atol, "transformers": str(Path(transformers.__file__).parent)}
    tf_module = importlib.import_module(f"transformers.models.{model}.modeling_tf_{model}")
    pt_module = importlib.import_module(f"transformers.models.{model}.modeling_{model}")
    classes = tf_model_classes(tf_module)
    report["classes"], report["skipped"] = [], []
    if only:
        report["known_classes"] = [c.__name__ for c in classes]
        report["unknown_classes"] = [n for n in only if n not in report["known_classes"]]
        if report["unknown_classes"]:
            return report
        classes = [c for c in classes if c.__name__ in only]
    if not classes:
        report["error"] = f"modeling_tf_{model}.py defines no TFPreTrainedModel subclass"
        return report
    try:
        base_config = load_config(classes[0].config_class, config_path)
    except (ValueError, TypeError, AttributeError) as error:  # composite configs (RAG, encoder-decoder) need parts
        report["error"] = (
            f"cannot build a small {classes[0].config_class.__name__} on its own ({' '.join(str(error).split())[:200]}); "
            "pass --config PATH to a config.json"
        )
        return report
    for tf_class in classes:
        pt_class = getattr(pt_module, tf_class.__name__[2:], None)
        if pt_class is None:
            report["skipped"].append(tf_class.__name__)
            continue
        # a copy each: a constructor may set what the next class reads (GPT2DoubleHeadsModel sets num_labels = 1)
        # a part built from its own config (Blip2QFormerModel): that part of the base config
        declared = built_from(pt_class)
        config = copy.deepcopy(config_for(declared if declared is not None else tf_class.config_class, base_config))
        report["classes"].append(verify_class(tf_class, pt_class, config, atol, xla=xla))
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True, help="the checkout's src folder, imported first")
    parser.add_argument("--model", required=True)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--config")
    parser.add_argument("--class", dest="classes", action="append")
    parser.add_argument("--out", required=True, help="where to write the JSON report")
    parser.add_argument("--xla", action="store_true", help="also generate under tf.function(jit_compile=True)")
    args = parser.parse_args()

    sys.path.insert(0, args.src)
    report: dict
    try:
        import transformers

        where = Path(transformers.__file__).resolve()
        if Path(args.src).resolve() not in where.parents:
            report = {"model": args.model, "error": f"imported transformers from {where.parent}, not {args.src}"}
        else:
            report = verify(args.model, args.atol, args.config, args.classes, xla=args.xla)
    except Exception as error:
        report = {
            "model": args.model,
            "transformers": str(Path(sys.modules["transformers"].__file__).parent)
            if "transformers" in sys.modules
            else "?",
            "error": f"{type(error).__name__}: {' '.join(str(error).split())[:400]}",
            "traceback": traceback.format_exc(limit=-4),
        }
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
