"""A small random config derived from a config class: every size knob the class has, shrunk (sub-configs of
composite models too)."""

from __future__ import annotations

import inspect
import math
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# attribute -> small value; set only where the config class has the attribute
SMALL: dict[str, Any] = {
    "vocab_size": 99,
    "hidden_size": 32,
    "embedding_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 37,
    "max_position_embeddings": 64,
    "d_model": 32,
    "d_kv": 8,
    "d_ff": 37,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 4,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 37,
    "decoder_ffn_dim": 37,
    "n_embd": 32,
    "n_layer": 2,
    "n_head": 4,
    "n_positions": 64,
    "dim": 32,
    "hidden_dim": 37,
    "n_layers": 2,
    "n_heads": 4,
    "image_size": 32,
    "patch_size": 4,
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 2,
    "head_dim": 8,
    "projection_dim": 16,
    "rotary_dim": 4,
    "coordinate_size": 4,  # layoutlmv3: 4 x coordinate + 2 x shape = hidden_size
    "shape_size": 8,
    "input_size": 32,  # layoutlmv3's image size
    "max_source_positions": 30,  # whisper: 2 x 30 = the 60 input frames compare.model_inputs gives
    # multi-head latent attention (DeepSeek V2/V3): the low-rank and per-part head sizes
    "kv_lora_rank": 16,
    "q_lora_rank": 24,
    "qk_nope_head_dim": 8,
    "qk_rope_head_dim": 8,
    "v_head_dim": 8,
    "moe_intermediate_size": 16,
    # state-space layers (Mamba, Bamba, Falcon-H1, Zamba)
    "state_size": 8,
    "mamba_d_state": 8,
    "mamba_n_heads": 4,
    "mamba_d_head": 8,
    "mamba_d_ssm": 32,
    "mamba_chunk_size": 16,
    "time_step_rank": 8,
    "num_frames": 4,  # video models (VideoMAE's tubelets take 2 frames each)
    # object queries of DETR-style detectors: two-stage ones (RT-DETR, Grounding DINO) pick the top ones among
    # the encoder's tokens, 21 for a 32-pixel image at strides 8, 16 and 32
    "num_queries": 10,
    "num_query_tokens": 4,  # BLIP-2's Q-Former queries, one image placeholder each in the text
    "crop_size": 32,  # V-JEPA 2's video frames
    "frames_per_clip": 4,
    # Kosmos-2's text decoder counts its layers, heads and feed-forward width without the usual prefixes
    "layers": 2,
    "attention_heads": 4,
    "ffn_dim": 38,  # even: Kyutai's gated MLP splits its ffn_dim in two halves
    "chunk_size": 16,
    "latent_query_num": 4,  # Kosmos-2's image tokens in the text (64; Kosmos-2.5's 2048)
    # TVP pads its frames (max_img_size square) with a learnt prompt visual_prompt_size wide; its ResNet (stride
    # 32) and max-pooling need 64 pixels
    "max_img_size": 64,
    "visual_prompt_size": 4,
    # Gemma 3n's per-layer inputs: a second embedding table (262144 x layers x 256 wide) beside the main one
    "vocab_size_per_layer_input": 99,
    "hidden_size_per_layer_input": 8,  # Mamba-2's SSD chunks (256): a 7-token sequence is padded up to one chunk
}
# knobs some config classes default to None although their model reads a number (MinistralConfig's head_dim,
# NemotronConfig's num_key_value_heads, DeepseekV2Config's num_experts_per_tok, Dots1Config's n_routed_experts:
# transformers' own tests always set them; the time-series transformers' prediction_length, which their
# context_length defaults to): a None there is given the small value
NONE_NEEDS_VALUE = {
    "head_dim": 8,
    "num_key_value_heads": 2,
    "num_experts_per_tok": 2,
    "n_routed_experts": 4,
    "prediction_length": 4,
    "n_shared_experts": 1,  # Dots1's shared expert width is moe_intermediate_size x n_shared_experts
    # SuperGlue's config documents these defaults but stores the None it was given
    "keypoint_encoder_sizes": [32, 64],
    "gnn_layers_types": ["self", "cross"],
}
# knobs None by default that one model's eager path reads without a None check, with the source that shows it:
# DBRX's eager attention clamps by clip_qkv unconditionally (its SDPA path checks; OLMo and MPT read None as "no
# clipping", so only there). Model-specific: the value is transformers' own test's
UNCHECKED_NONE = {"clip_qkv": (8.0, r"max_val = self\.clip_qkv\n")}
# knobs a modeling file reads that its config class never sets (TVP's text embeddings read type_vocab_size):
# given the value transformers' own tests give them, where the modeling source reads them
MISSING_KNOBS = {"type_vocab_size": 2}
# the encoder and decoder halves of a config counted apart (Moonshine's decoder_num_attention_heads): shrunk like
# the unprefixed knob
HALVES = ("encoder_", "decoder_")
HALF_KNOBS = ("num_hidden_layers", "num_attention_heads", "num_key_value_heads", "hidden_size", "intermediate_size")
CONV_TUPLES = {"conv_dim": 32, "conv_stride": 4, "conv_kernel": 8}
TOKEN_IDS = ("pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id", "sep_token_id", "cls_token_id")


def small_values(default, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    # a knob the class keeps per stage (swin's num_heads, cvt's embed_dim lists) keeps its default: a scalar
    # there is not a smaller value, it is another type. A knob already below the small value keeps it too:
    # shrinking never enlarges, nor switches a feature on (DPR's projection_dim 0 means no projection)
    values: dict[str, Any] = {
        k: v
        for k, v in SMALL.items()
        if getattr(default, k, None) is not None
        and not isinstance(getattr(default, k), (list, tuple))
        and not (isinstance(getattr(default, k), (int, float)) and getattr(default, k) < v)
        and k not in keep
    }
    for k, v in NONE_NEEDS_VALUE.items():
        if k in vars(default) and getattr(default, k) is None and k not in keep:
            values[k] = v
    heads, kv_heads = getattr(default, "num_attention_heads", None), getattr(default, "num_key_value_heads", None)
    if isinstance(heads, int) and heads == kv_heads and "num_attention_heads" in values:
        # as many key/value heads as heads by default (DeepSeek's multi-head latent attention needs it): kept so
        values["num_key_value_heads"] = values["num_attention_heads"]
    expand = getattr(default, "mamba_expand", None)
    if isinstance(expand, int) and "mamba_d_head" in values and "mamba_n_heads" in values and "hidden_size" in values:
        # Bamba / GraniteMoeHybrid / Falcon-H1 check heads x head size == mamba_expand x hidden size
        values["mamba_d_head"] = expand * values["hidden_size"] // values["mamba_n_heads"]
    if getattr(default, "use_timm_backbone", None):
        # DETR and its kin default to a timm backbone (timm is not a transformers dependency): transformers' own
        # backbone instead, not downloaded
        values.update(use_timm_backbone=False, use_pretrained_backbone=False, backbone=None)
    if getattr(default, "use_mamba_kernels", False) and "use_mamba_kernels" not in keep:
        # Jamba, Zamba: the CUDA kernels (mamba-ssm) are not here; the model's own PyTorch path computes the same
        values["use_mamba_kernels"] = False
    if hasattr(default, "vocab_size") and getattr(default, "vocab_size", None) is None:
        values["vocab_size"] = SMALL["vocab_size"]  # ESM-style configs ship without one
    for knob, value in vars(default).items():
        half = next((knob[len(p) :] for p in HALVES if knob.startswith(p)), None)
        shrinks = half in HALF_KNOBS and isinstance(value, int) and value > SMALL[half]
        if shrinks and knob not in SMALL and knob not in keep:
            values[knob] = SMALL[half]
    for prefix in HALVES:
        # the same per half (Moonshine's decoder reshapes its queries by the key/value head count)
        heads, kv_heads = f"{prefix}num_attention_heads", f"{prefix}num_key_value_heads"
        if heads in values and kv_heads not in keep and getattr(default, heads) == getattr(default, kv_heads, None):
            values[kv_heads] = values[heads]
    for knob, value in MISSING_KNOBS.items():
        if not hasattr(default, knob) and knob not in keep:
            if re.search(rf"config\.{knob}\b", modeling_source(type(default))) and knob not in config_source(default):
                values[knob] = value
    for knob, (value, read) in UNCHECKED_NONE.items():
        if knob in vars(default) and getattr(default, knob) is None and knob not in keep:
            if re.search(read, modeling_source(type(default))):
                values[knob] = value
    size = getattr(default, "image_size", None)
    non_square = isinstance(size, (list, tuple)) and len(size) == 2 and size[0] != size[1]
    if non_square and min(size) > SMALL["image_size"] and "image_size" not in keep:
        # a non-square resolution (YOLOS's 512 x 864, SegGPT's 896 x 448): the same aspect, the short side small,
        # each side a whole number of patches (YOLOS at 4-pixel patches and full size: 27648 tokens)
        patch = values.get("patch_size") or getattr(default, "patch_size", None) or 1
        patches = tuple(patch) if isinstance(patch, (list, tuple)) else (patch, patch)
        scale = SMALL["image_size"] / min(size)
        values["image_size"] = type(size)(max(round(side * scale / p), 1) * p for side, p in zip(size, patches))
    for name, value in CONV_TUPLES.items():  # wav2vec2's per-layer conv tuples (Mamba's conv_kernel is an int)
        if isinstance(getattr(default, name, None), (list, tuple)):
            values[name] = (value,) * 3
    if "num_feat_extract_layers" in default.to_dict():
        values["num_feat_extract_layers"] = 3
    if "vocabulary_map" in vars(default) and default.vocabulary_map is None and "vocabulary_map" not in keep:
        # Chameleon, Emu3: the BPE vocabulary, read at init for the image placeholder's id (image tokens are
        # looked up only when an image is given)
        image = getattr(default, "image_token_id", None)
        vocab = values.get("vocab_size") or SMALL["vocab_size"]
        values["vocabulary_map"] = {"<image>": image if isinstance(image, int) and image < vocab else vocab - 1}
    languages = getattr(default, "languages", None)
    if getattr(default, "default_language", 0) is None and languages and "default_language" not in keep:
        values["default_language"] = languages[0]  # X-MOD runs one language's adapters: the first, unless told
    vocab = values.get("vocab_size")
    if vocab is not None:
        for i, name in enumerate(TOKEN_IDS):  # special tokens must fall inside the tiny vocabulary
            token = getattr(default, name, None)
            if isinstance(token, int) and token >= vocab:
                values[name] = min(i + 1, vocab - 1)
        full = getattr(default, "vocab_size", None)
        for name, token in vars(default).items():
            # a padding id past the text vocabulary (Kyutai's audio_pad_token_id, the padding_idx of one table
            # holding the text and then the audio codebooks' ids): as far past the tiny vocabulary
            past = isinstance(full, int) and isinstance(token, int) and not isinstance(token, bool) and token >= full
            if name.endswith("pad_token_id") and name not in TOKEN_IDS and name not in keep and past:
                values[name] = token - full + vocab
    heads = getattr(default, "num_heads", None)
    for knob, small in (("depth", 2), ("embed_dim", 32)):
        # a VLM's vision tower (Qwen2-VL's 32 x 1280) counts its layers in `depth` and its width in `embed_dim`;
        # per-stage towers (Swin: num_heads per stage) keep theirs, their heads would not divide a small width
        value = getattr(default, knob, None)
        if isinstance(value, int) and value > small and isinstance(heads, int) and knob not in keep:
            values[knob] = small
    stages = []
    if list(getattr(default, "out_indices", None) or ()) != list(class_default(default, "out_indices") or ()):
        # stages a parent config chose (the class's own default follows the layer count): stage 0 is the stem
        stages = [i for i in default.out_indices if isinstance(i, int)]
    stages += [i + 1 for i in getattr(default, "deepstack_visual_indexes", None) or () if isinstance(i, int)]
    count = next((k for k in (*LAYER_COUNTS, "depth") if k in values), None)
    if count is not None and max(stages, default=0) > values[count]:
        # a backbone whose head reads stage 9 of 12 (Depth Anything's DINOv2, ViTPose's ViTDet), a vision tower
        # whose layers 8, 16 and 24 feed the text model (Qwen3-VL): as many layers as the deepest one read
        values[count] = max(stages)
    values.update(per_layer_lists(default, values, keep))
    values.update(shadowed_layer_types(default, values, keep))
    values.update(rope_values(default, values, keep))
    width, small = getattr(default, "hidden_size", None), values.get("hidden_size")
    for knob, value in vars(default).items():
        # a conv grouped per channel (Mimi's upsample_groups: 512, its hidden size) follows the width
        if knob.endswith("groups") and knob not in values and knob not in keep and value == width and small:
            values[knob] = small
    convolved = set(re.findall(r"groups=config\.(\w+)", modeling_source(type(default))))
    groups = [
        v for k, v in vars(default).items() if k in convolved and k not in values and isinstance(v, int) and v > 1
    ]
    if groups:
        # widths split in groups (SqueezeBERT's grouped 1 x 1 convolutions, 4 groups): a whole number per group
        every = math.lcm(*groups)
        for knob in ("hidden_size", "intermediate_size", "embedding_size"):
            if isinstance(values.get(knob), int) and values[knob] % every:
                values[knob] = -(-values[knob] // every) * every
    if isinstance(width, int) and small:
        for knob, value in vars(default).items():
            # a width equal to the hidden size by default (SqueezeBERT's embedding_size, LightGlue's descriptor_dim)
            # stays equal to it: the model adds no projection between the two
            # (a Swin-style embed_dim stays with its per-stage heads: the depth/embed_dim rule above decides it)
            tied = knob == "embedding_size" or (knob.endswith("_dim") and knob not in SMALL and knob != "embed_dim")
            if tied and value == width and knob not in keep and not isinstance(value, bool):
                values[knob] = values["hidden_size"]  # as rounded to the groups above
    label, prediction = getattr(default, "label_length", None), values.get("prediction_length")
    if isinstance(label, int) and isinstance(prediction, int) and label > prediction and "label_length" not in keep:
        # Autoformer's decoder starts from the last label_length steps of the context (context_length defaults
        # to prediction_length): no more than there are
        values["label_length"] = prediction
    declared = getattr(default, "sub_configs", None)
    for name, part in (declared if isinstance(declared, dict) else {}).items():
        # a part the class declares but leaves None although its model reads it (Phi-4-multimodal's vision_config:
        # its __init__ builds the default and drops it): the part's class defaults, shrunk below
        if getattr(default, name, 0) is None and name not in keep and isinstance(part, type) and is_config(part()):
            if re.search(rf"config\.{name}\.", modeling_source(type(default))):
                values[name] = {**own_values(part()), **small_values(part(), keep)}
    widths = {}  # default width -> small width, of the whole model and each of its parts
    if isinstance(getattr(default, "hidden_size", None), int) and values.get("hidden_size"):
        widths[default.hidden_size] = values["hidden_size"]
    parts = {}
    for name, sub in list(vars(default).items()):
        # composite models (CLIP, ...) keep their parts in sub-configs (`text_config`, T5Gemma's `encoder`): shrink
        # those too. A part carries only what differs from its own class's defaults, so what its class derives
        # from a size (SigLIP's projection_size, a layer_types list) is derived again from the small size
        if is_config(sub) and name not in keep:
            parts[name] = sub
            values[name] = {**own_values(sub), **small_values(sub, keep)}
            width, small = getattr(sub, "hidden_size", None), values[name].get("hidden_size")
            if isinstance(width, int) and small is not None:
                widths.setdefault(width, small)
            for knob, value in vars(default).items():
                # the head's copy of its backbone's width (Depth Anything's reassemble_hidden_size: 384, DINOv2's)
                if knob.endswith("hidden_size") and knob not in values and value == width and small is not None:
                    values[knob] = small
    for name, sub in parts.items():
        for knob, value in vars(sub).items():
            # a part's copy of the whole model's or another part's width (SuperPoint's descriptors, 256 like
            # SuperGlue's hidden size; BLT's byte encoder's hidden_size_global, its global transformer's)
            wide = ("hidden_size" in knob or knob.endswith("_dim")) and knob not in SMALL and knob not in values[name]
            if wide and isinstance(value, int) and not isinstance(value, bool) and value in widths:
                values[name][knob] = widths[value]
    text = values.get("text_config")
    for placeholder in ("image_token_index", "video_token_index"):
        if "num_query_tokens" in vars(default) and getattr(default, placeholder, 0) is None:
            # BLIP-2, InstructBLIP (-Video): the Q-Former's outputs replace placeholder ids, which the class leaves
            # unset
            vocab = text.get("vocab_size") if isinstance(text, dict) else None
            values[placeholder] = (vocab or SMALL["vocab_size"]) - 1
    return values


def argument_default(config_class, name: str):
    try:
        parameter = inspect.signature(config_class.__init__).parameters.get(name)
    except (TypeError, ValueError):
        return None
    return None if parameter is None else parameter.default


def class_default(config, name: str):
    try:
        return getattr(type(config)(), name, None)
    except Exception:
        return None


@cache
def modeling_source(config_class) -> str:
    """The source of the modeling file beside a config class's (`configuration_x.py` -> `modeling_x.py`): what
    the model reads of its config, for the rules that derive a knob the class leaves unset. "" if there is none."""
    try:
        path = Path(inspect.getfile(config_class))
    except (TypeError, OSError):
        return ""
    modeling = path.with_name(path.name.replace("configuration_", "modeling_", 1))
    return modeling.read_text() if modeling != path and modeling.is_file() else ""


def config_source(config) -> str:
    try:
        return Path(inspect.getfile(type(config))).read_text()
    except (TypeError, OSError):
        return ""


def rope_values(default, values: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    """`rope_scaling` where the model cannot run with the class's default. Multimodal RoPE (Qwen2-VL, GLM-4V:
    `rope_scaling["mrope_section"]`, None by default) splits the rotary half of each head in three sections
    that must sum to it (of the rotary part: `partial_rotary_factor`): given one split of the small head size. A model that subscripts
    `rope_scaling["rope_type"]` (Mllama) is given the default type, which is what None means elsewhere."""
    if "rope_scaling" in keep or not hasattr(default, "rope_scaling"):
        return {}
    scaling, source = default.rope_scaling, modeling_source(type(default))
    if "mrope_section" in source and (scaling is None or "mrope_section" in scaling):
        head_dim = values.get("head_dim") or getattr(default, "head_dim", None)
        hidden, heads = values.get("hidden_size"), values.get("num_attention_heads")
        if not isinstance(head_dim, int) and isinstance(hidden, int) and isinstance(heads, int):
            head_dim = hidden // heads
        if not isinstance(head_dim, int):
            return {}
        half = int(head_dim * (getattr(default, "partial_rotary_factor", None) or 1)) // 2  # GLM-4V-MoE's 0.5
        side = max(half // 4, 1)
        base = dict(scaling or {"rope_type": "default"})
        return {"rope_scaling": {**base, "mrope_section": [half - 2 * side, side, side]}}
    if scaling is None and re.search(r"rope_scaling\[\"rope_type\"\]", source):
        return {"rope_scaling": {"rope_type": "default"}}
    return {}


def shrunk_knobs(default) -> dict[str, Any]:
    """The knobs small_values changes, at any depth (sub-configs too), with their default values."""
    found: dict[str, Any] = {}

    def walk(config, values: dict[str, Any]) -> None:
        for name, value in values.items():
            current = getattr(config, name, None)
            if isinstance(value, dict) and is_config(current):
                walk(current, value)
            elif name not in found and current != value and not isinstance(current, dict):
                found[name] = current

    walk(default, small_values(default))
    return found


def is_config(value) -> bool:
    return hasattr(value, "to_dict") and hasattr(value, "model_type") and not isinstance(value, type)


def own_values(config) -> dict[str, Any]:
    """What `config` sets apart from its class's defaults (and its model_type, which composite configs read)."""
    mine = config.to_dict()
    try:
        defaults = type(config)().to_dict()
    except Exception:  # a class that needs arguments: everything is its own
        return mine
    return {k: v for k, v in mine.items() if k == "model_type" or k not in defaults or defaults[k] != v}


LAYER_COUNTS = ("num_hidden_layers", "num_layers", "n_layer", "n_layers")


def shadowed_layer_types(default, values: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    """GraniteMoeHybrid's `layers_block_type` property derives the per-layer kinds from a None `layer_types`, but
    its attribute_map aliases the name to `layer_types` itself, so the model reads None: the property's own
    value, at the small layer count, is given as `layer_types`."""
    aliases = [a for a, target in getattr(default, "attribute_map", {}).items() if target == "layer_types"]
    count = next((k for k in LAYER_COUNTS if k in values), None)
    if not aliases or count is None or "layer_types" in keep or getattr(default, "layer_types", 0) is not None:
        return {}
    derived = inspect.getattr_static(type(default), aliases[0], None)
    if not isinstance(derived, property) or derived.fget is None:
        return {}
    try:
        kinds = derived.fget(SimpleNamespace(**{**vars(default), count: values[count]}))
    except Exception:
        return {}
    return {"layer_types": list(kinds)} if isinstance(kinds, (list, tuple)) else {}


def per_layer_lists(default, values: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    """Lists of one string or flag per layer (`layer_types`), cut to the shrunk layer count: configs check that
    the two agree. Lists of numbers are per stage as often as per layer (swin's depths): those stay."""
    count = next((k for k in LAYER_COUNTS if k in values and isinstance(getattr(default, k, None), int)), None)
    if count is None:
        return {}
    layers, small = getattr(default, count), values[count]
    lists = {
        name: type(value)(value[:small])
        for name, value in vars(default).items()
        if isinstance(value, (list, tuple))
        and len(value) == layers > small
        and all(isinstance(v, (str, bool)) for v in value)
        and name not in keep
        and not name.startswith("_")
    }
    for name, value in vars(default).items():
        # a size knob given per layer (Gemma 3n's intermediate_size, one 16384 per layer): the small size per layer
        per_layer = isinstance(value, (list, tuple)) and len(value) == layers > small and name not in keep
        if per_layer and name in SMALL and all(isinstance(v, int) and v > SMALL[name] for v in value):
            if not isinstance(argument_default(type(default), name), int):
                continue  # a list by default is per stage as often (Swin2SR's num_heads)
            lists[name] = [SMALL[name]] * small
    # GPT-Neo's `attention_types`, [[kinds, repeat], ...] expanding to one kind per layer: cut the expansion
    for name, value in vars(default).items():
        if name in keep or name.startswith("_") or not isinstance(value, list) or not value:
            continue
        if all(
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], list) and isinstance(v[1], int) for v in value
        ):
            expanded = [kind for kinds, repeat in value for _ in range(repeat) for kind in kinds]
            if len(expanded) == layers > small and all(isinstance(k, str) for k in expanded):
                lists[name] = [[expanded[:small], 1]]
    return lists


# knobs a model may not run with shrunk (swin's windows need the default resolution): the second try keeps them
RESOLUTION = ("image_size", "patch_size")


def tiny_config(config_class, keep: tuple[str, ...] = (), **overrides):
    """`keep`: knobs left at the class default."""
    default = config_class()
    values = small_values(default, keep)
    values.update(overrides)
    for _ in range(len(values)):
        try:
            return config_class(**values)
        except (NotImplementedError, ValueError, AttributeError, TypeError) as error:
            # a knob this config refuses (funnel's num_hidden_layers, xlnet's max_position_embeddings): drop it
            refused = [name for name in values if name in str(error) and name not in overrides]
            if not refused and "sequence length" in str(error):
                refused = [n for n in ("max_position_embeddings", "n_positions") if n in values]
            if not refused:
                raise
            values.pop(refused[0])
    return config_class(**values)
