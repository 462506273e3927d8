"""Compare a converted TF base model with its PyTorch original and with the hand-written TF port.

Imports TensorFlow, torch and transformers: only the tests, benchmarks and `verify` load this module.
A comparison goes through stages (convert, build, load, run, match) and records where it stopped and why.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..convert import convert_source
from ..files import modeling_layers_source
from .tiny import RESOLUTION, SMALL, tiny_config
from .weights import LoadReport, import_generated, load_from_pt, pt_names

STAGES = ("convert", "build", "load", "run", "match")
ATOL = 1e-5


@dataclass
class ModelComparison:
    model_type: str
    stage: str = "convert"  # the last stage reached; "match" with max_abs_diff < ATOL is a full pass
    error: str | None = None  # why the next stage failed
    todos: int = 0
    generated_names: set[str] = field(default_factory=set)
    reference_names: set[str] | None = None  # None where transformers has no hand-written TF port
    load: LoadReport | None = None
    reference_load: LoadReport | None = None
    max_abs_diff: float | None = None
    graph_max_abs_diff: float | None = None  # the same run under tf.function, when asked for
    graph_error: str | None = None

    @property
    def names_match(self) -> bool | None:
        return None if self.reference_names is None else self.generated_names == self.reference_names

    @property
    def matches(self) -> bool:
        return self.max_abs_diff is not None and self.max_abs_diff < ATOL


def model_classes(model_type: str):
    """(modeling module, base model class name, config class) of a transformers model type; the module is
    the PyTorch file's dotted name (`transformers.models.data2vec.modeling_data2vec_vision`)."""
    import transformers
    from transformers import CONFIG_MAPPING
    from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES

    config_class = CONFIG_MAPPING[model_type]
    base = MODEL_MAPPING_NAMES[model_type]
    if isinstance(base, (tuple, list)):
        base = base[0]
    return getattr(transformers, base).__module__, base, config_class


def model_inputs(config, forward, seed: int = 0) -> dict:
    """Random inputs for every main input the PyTorch forward takes (text, encoder-decoder, vision, audio)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    params = inspect.signature(forward).parameters
    text = getattr(config, "text_config", None) or config
    # the image side: a VLM's vision config, a dense-prediction head's backbone (ViTPose's ViT: (256, 192))
    vision = getattr(config, "vision_config", None) or getattr(config, "backbone_config", None) or config
    inputs = {}
    if "input_ids" in params:
        vocab = getattr(text, "vocab_size", None) or 99  # CANINE hashes code points: it has no vocabulary
        inputs["input_ids"] = rng.integers(1, vocab, (2, 7)).astype("int64")
        if "attention_mask" in params:
            inputs["attention_mask"] = np.ones((2, 7), dtype="int64")
    if "decoder_input_ids" in params and getattr(config, "is_encoder_decoder", False):
        vocab = getattr(text, "vocab_size", None) or 99
        inputs["decoder_input_ids"] = rng.integers(1, vocab, (2, 5)).astype("int64")
    if "pixel_values" in params:
        # ResNet-style configs have no image size; TVP's frames are max_img_size square
        size = getattr(vision, "image_size", None) or getattr(config, "max_img_size", None) or 32
        height, width = (size, size) if isinstance(size, int) else tuple(size[:2])  # MGP-STR's (32, 128)
        if "prompt_pixel_values" in params:  # SegGPT stacks the prompt above the image: each half the height
            height //= 2
        channels = getattr(vision, "num_channels", 3)  # CLIP-style vision configs of VLMs leave it implied
        frames = getattr(vision, "num_frames", None)  # video models (VideoMAE, ViViT): (batch, frames, C, H, W)
        if vision is not config and vision is getattr(config, "backbone_config", None):
            frames = getattr(config, "num_frames", None)  # TVP: an image backbone run on each of its frames
        if not isinstance(frames, int) and VIDEO_UNPACK.search(forward_source(forward)):
            frames = SMALL["num_frames"]  # InstructBLIP-Video: a video model whose configs do not count frames
        shape = (2, channels, height, width) if not isinstance(frames, int) else (2, frames, channels, height, width)
        inputs["pixel_values"] = rng.standard_normal(shape).astype("float32")
    if "pixel_values" in inputs and "spatial_shapes" in params and isinstance(vision.patch_size, int):
        # SigLIP 2 (NaFlex): images arrive as patches, (batch, patches, channels x patch x patch), with the grid
        # of each (here 4 x 4, all valid)
        channels, patch = inputs["pixel_values"].shape[1], vision.patch_size
        inputs["pixel_values"] = rng.standard_normal((2, 16, channels * patch * patch)).astype("float32")
        inputs["spatial_shapes"] = np.full((2, 2), 4, dtype="int64")
        if "pixel_attention_mask" in params:
            inputs["pixel_attention_mask"] = np.ones((2, 16), dtype="int64")
    qformer = getattr(config, "qformer_config", None)
    if "qformer_input_ids" in params and qformer is not None:  # InstructBLIP's instruction to the Q-Former
        inputs["qformer_input_ids"] = rng.integers(1, qformer.vocab_size, (2, 7)).astype("int64")
        if "qformer_attention_mask" in params:
            inputs["qformer_attention_mask"] = np.ones((2, 7), dtype="int64")
    latents = getattr(config, "latent_query_num", None)
    if "image_embeds_position_mask" in params and "pixel_values" in inputs and isinstance(latents, int):
        # Kosmos-2: where the image's latent queries go in the text, right after <s> (as its processor puts them)
        mask = np.zeros(inputs["input_ids"].shape, dtype="int64")
        mask[:, 1 : 1 + latents] = 1
        inputs["image_embeds_position_mask"] = mask
    if "query_embeds" in params and isinstance(getattr(config, "hidden_size", None), int):
        # a Q-Former on its own (BLIP-2's): the learnt queries it reads are an input, (batch, queries, width)
        queries = getattr(config, "num_query_tokens", None) or 4
        inputs["query_embeds"] = rng.standard_normal((2, queries, config.hidden_size)).astype("float32")
        width = getattr(config, "encoder_hidden_size", None)
        if "encoder_hidden_states" in params and isinstance(width, int):  # and the image features they attend to
            inputs["encoder_hidden_states"] = rng.standard_normal((2, 5, width)).astype("float32")
    if "bbox" in params and "input_ids" in inputs:
        inputs["bbox"] = boxes(config, rng)
    if "pixel_values" in inputs and "prompt_pixel_values" in params:  # SegGPT: an image-mask pair as prompt
        inputs["prompt_pixel_values"] = rng.standard_normal(inputs["pixel_values"].shape).astype("float32")
        if "prompt_masks" in params:
            inputs["prompt_masks"] = rng.standard_normal(inputs["pixel_values"].shape).astype("float32")
    if "pixel_values" in inputs and "task_inputs" in params and isinstance(getattr(config, "task_seq_len", 0), int):
        # OneFormer: the tokenized task prompt ("the task is semantic"), as the float ids its processor gives
        task = rng.integers(1, getattr(text, "text_encoder_vocab_size", 99), (2, config.task_seq_len))
        inputs["task_inputs"] = task.astype("float32")
    frames, crop = getattr(vision, "frames_per_clip", None), getattr(vision, "crop_size", None)
    if "pixel_values_videos" in params and isinstance(frames, int) and isinstance(crop, int):  # V-JEPA 2
        channels = getattr(vision, "in_chans", None) or getattr(vision, "num_channels", 3)
        inputs["pixel_values_videos"] = rng.standard_normal((2, frames, channels, crop, crop)).astype("float32")
    patch_width = getattr(vision, "patch_embed_hidden_size", None)
    if "flattened_patches" in params and isinstance(patch_width, int):
        # Pix2Struct: (batch, patches, row + column + patch pixels); rows and columns are 1-based, 0 is padding
        rows, columns = np.divmod(np.arange(16), 4)
        places = np.broadcast_to(np.stack([rows + 1, columns + 1], axis=-1), (2, 16, 2))
        pixels = rng.standard_normal((2, 16, patch_width))
        inputs["flattened_patches"] = np.concatenate([places, pixels], axis=-1).astype("float32")
    if "inputs" in params and not inputs and isinstance(getattr(config, "d_model", None), int):
        # Perceiver without a preprocessor: any array of d_model-wide vectors
        inputs["inputs"] = rng.standard_normal((2, 7, config.d_model)).astype("float32")
    if "input_values" in params:
        frames, bins = getattr(config, "max_length", None), getattr(config, "num_mel_bins", None)
        if "max_length" in inspect.signature(type(config).__init__).parameters and isinstance(bins, int):
            # Audio Spectrogram Transformer: (batch, max_length frames, mel bins), not a waveform
            inputs["input_values"] = rng.standard_normal((2, frames, bins)).astype("float32")
        elif isinstance(getattr(config, "audio_channels", None), int):  # codecs (Mimi): (batch, channels, samples)
            inputs["input_values"] = rng.standard_normal((2, config.audio_channels, 2000)).astype("float32")
        else:
            inputs["input_values"] = rng.standard_normal((2, 2000)).astype("float32")
    if "input_features" in params:
        audio = getattr(config, "audio_config", None) or config  # CLAP's audio tower counts the mel bins
        bins = getattr(audio, "num_mel_bins", 80)
        inputs["input_features"] = rng.standard_normal((2, bins, 60)).astype("float32")
    channels, context = getattr(config, "num_input_channels", None), getattr(config, "context_length", None)
    if "past_values" in params and isinstance(channels, int) and isinstance(context, int):
        # patch time-series models (PatchTST, PatchTSMixer): (batch, context length, channels)
        inputs["past_values"] = rng.standard_normal((2, context, channels)).astype("float32")
    elif "past_values" in params and isinstance(context, int):
        inputs.update(time_series_inputs(config, params, rng))
    return inputs


# a forward that unpacks its pixel_values as a video: `batch_size, frames, channel, height, width = pixel_values.shape`
VIDEO_UNPACK = re.compile(r"\w+, frames, \w+, \w+, \w+ = pixel_values\.shape")


def forward_source(forward) -> str:
    try:
        return inspect.getsource(forward)
    except (TypeError, OSError):
        return ""


def boxes(config, rng):
    """(batch, 7, 4) boxes x0 <= x1, y0 <= y1: integers below max_2d_position_embeddings where the model embeds
    coordinates (LayoutLM-style, LiLT), else fractions of the page (BROS projects them)."""
    import numpy as np

    corners = np.sort(rng.uniform(size=(2, 7, 2, 2)), axis=2)  # (batch, tokens, [low, high], [x, y])
    boxes = np.concatenate([corners[:, :, 0], corners[:, :, 1]], axis=-1)
    limit = getattr(config, "max_2d_position_embeddings", None)
    if isinstance(limit, int):
        return (boxes * (limit - 1)).astype("int64")
    return boxes.astype("float32")


def time_series_inputs(config, params, rng) -> dict:
    """Forecasting inputs, as transformers' own tests make them. The probabilistic forecasters (Time Series
    Transformer, Informer, Autoformer) read `context_length + max(lags_sequence)` past steps, their time
    features and observed mask, static features where the config has some, and `prediction_length` future
    steps; TimesFM reads whole patches, a padding indicator and a frequency class."""
    import numpy as np

    inputs = {}
    length = config.context_length + max(getattr(config, "lags_sequence", None) or [0])
    size = getattr(config, "input_size", 1)
    shape = (2, length) if size == 1 else (2, length, size)
    inputs["past_values"] = rng.standard_normal(shape).astype("float32")
    if "past_observed_mask" in params:
        inputs["past_observed_mask"] = np.ones(shape, dtype=bool)
    if "past_values_padding" in params:  # TimesFM: 1 marks padding; none here
        inputs["past_values_padding"] = np.zeros(shape, dtype="float32")
    if "freq" in params and isinstance(getattr(config, "freq_size", None), int):
        inputs["freq"] = rng.integers(0, config.freq_size, (2, 1)).astype("int64")  # embedded as B x 1 x D
    features, prediction = getattr(config, "num_time_features", None), getattr(config, "prediction_length", None)
    if "past_time_features" in params and isinstance(features, int):
        inputs["past_time_features"] = rng.standard_normal((2, length, features)).astype("float32")
    if "static_categorical_features" in params and getattr(config, "num_static_categorical_features", 0):
        cardinality = config.cardinality
        columns = [rng.integers(0, c, (2,)) for c in cardinality]
        inputs["static_categorical_features"] = np.stack(columns, axis=1).astype("int64")
    if "static_real_features" in params and getattr(config, "num_static_real_features", 0):
        inputs["static_real_features"] = rng.standard_normal((2, config.num_static_real_features)).astype("float32")
    if isinstance(prediction, int):
        future = (2, prediction) if size == 1 else (2, prediction, size)
        if "future_values" in params:
            inputs["future_values"] = rng.standard_normal(future).astype("float32")
        if "future_time_features" in params and isinstance(features, int):
            inputs["future_time_features"] = rng.standard_normal((2, prediction, features)).astype("float32")
    return inputs


def _runnable_config(config_class, pt_class, overrides: dict):
    """The tiny config and its PyTorch model, checked to run on the test inputs; if PyTorch itself cannot run
    it (swin's windows at 32 pixels), the resolution knobs keep their defaults."""
    import torch

    for keep in ((), RESOLUTION):
        config = tiny_config(config_class, keep=keep, **overrides)
        pt_model = pt_class(config).eval()
        if keep == RESOLUTION or not any(getattr(config, k, None) is not None for k in RESOLUTION):
            return config, pt_model
        try:
            with torch.no_grad():
                pt_model(**{k: torch.tensor(v) for k, v in model_inputs(config, pt_model.forward).items()})
            return config, pt_model
        except Exception:
            continue
    return config, pt_model


def _first_tensor(output):
    return output[0] if isinstance(output, (tuple, list)) or hasattr(output, "to_tuple") else output


def compare(
    model_type: str, source: str | None = None, overrides: dict | None = None, graph: bool = False
) -> ModelComparison:
    """Convert `models/<m>/modeling_<m>.py`, build both base models from one tiny config, load the PyTorch
    weights into the TF one through from_pretrained(from_pt=True), and run both on the same inputs."""
    import numpy as np
    import torch
    import transformers

    result = ModelComparison(model_type)
    try:
        module, base_class, config_class = model_classes(model_type)
        package, _, file_stem = module.rpartition(".")
        model_name = file_stem[len("modeling_") :]
        if source is None:
            source = Path(importlib.import_module(module).__file__).read_text()
        converted = convert_source(source, model_name, layers_source=modeling_layers_source())
        result.todos = len(converted.todos)
        generated = import_generated(converted.code, model_name, package=package)
        tf_class = getattr(generated, f"TF{base_class}")
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        return result

    result.stage = "build"
    try:
        config, pt_model = _runnable_config(config_class, getattr(transformers, base_class), overrides or {})
        tf_model = tf_class(config)
        tf_model.build_in_name_scope()
        result.generated_names = set(pt_names(tf_model))
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        return result
    try:
        reference_module = importlib.import_module(f"{package}.modeling_tf_{model_name}")
        reference_class = getattr(reference_module, f"TF{base_class}")
        reference = reference_class(config)
        reference.build_in_name_scope()
        result.reference_names = set(pt_names(reference))
        _, result.reference_load = load_from_pt(reference_class, pt_model)
    except Exception:  # no hand-written port (or it cannot take this config): compare with PyTorch only
        pass

    result.stage = "load"
    try:
        loaded, result.load = load_from_pt(tf_class, pt_model)
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        return result

    result.stage = "run"
    try:
        inputs = model_inputs(config, pt_model.forward)
        with torch.no_grad():
            expected = _first_tensor(pt_model(**{k: torch.tensor(v) for k, v in inputs.items()})).numpy()
        actual = np.asarray(_first_tensor(loaded(**inputs, training=False)))
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        return result
    graph_actual = None
    if graph:  # a failure under tf.function is reported apart: it does not hide the eager result
        import tensorflow as tf

        try:
            traced = tf.function(lambda **kw: _first_tensor(loaded(**kw, training=False)))
            graph_actual = np.asarray(traced(**inputs))
        except Exception as error:
            result.graph_error = f"{type(error).__name__}: {str(error)[:300]}"

    result.stage = "match"
    if expected.shape != actual.shape:
        result.error = f"output shape {actual.shape} != PyTorch {expected.shape}"
        result.max_abs_diff = float("inf")
        return result
    result.max_abs_diff = float(np.max(np.abs(expected - actual)))
    if graph_actual is not None:
        result.graph_max_abs_diff = float(np.max(np.abs(expected - graph_actual)))
    if not result.matches:
        result.error = f"max abs diff {result.max_abs_diff:.2e} >= {ATOL}"
    return result
