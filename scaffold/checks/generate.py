"""Generation checks of a TF port against its PyTorch twin: greedy `generate()` token for token, and logits with a
key/value cache against logits without one.

The checks import TensorFlow and torch inside their functions (the tests, benchmarks and `verify`'s worker run
them); `generation_problems` / `generation_summary` read their plain-data results for `verify_report`. A class is
checked when it generates in both frameworks (the PyTorch twin mixes in GenerationMixin, the TF class overrides
`prepare_inputs_for_generation`); a TF class that cannot while its twin can gets a note. Any error while
generating is a failure naming it, as is any token that differs, and cached logits beyond the tolerance.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import asdict, dataclass, field

from .trace import beyond  # the one tolerance rule (trace imports no framework)

NEW_TOKENS = 12  # greedy tokens generated and compared
SPLIT = 3  # cached-logits check: the first SPLIT tokens fill the cache, the rest run on it


@dataclass
class GenerateCheck:
    """What the checks found; None where a check did not run (`xla` unless asked for)."""

    new_tokens: int = NEW_TOKENS
    eager_equal: bool | None = None
    xla_equal: bool | None = None
    first_difference: dict | None = None  # {"mode", "row", "step", "pt", "tf"} at the first differing token
    cache_max_diff: float | None = None
    cache_scale: float = 0.0  # the largest |logit|: the tolerance is relative above 1, as for outputs
    errors: dict[str, str] = field(default_factory=dict)  # check ("eager", "xla", "cache") -> the error it raised

    def as_dict(self) -> dict:
        return asdict(self)


def is_generative(tf_class, pt_class) -> bool:
    """Both classes generate: the TF one overrides prepare_inputs_for_generation, the PyTorch one mixes in
    GenerationMixin (a TF class that cannot while its twin can is `cannot_generate`)."""
    from transformers.generation import GenerationMixin

    return issubclass(pt_class, GenerationMixin) and tf_class.can_generate()


def cannot_generate(tf_class, pt_class) -> str | None:
    """The note for a TF class whose PyTorch twin generates while it cannot (TF generate would refuse it)."""
    from transformers.generation import GenerationMixin

    if issubclass(pt_class, GenerationMixin) and not tf_class.can_generate():
        return f"cannot generate (no prepare_inputs_for_generation) while {pt_class.__name__} can"
    return None


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"


def _seq2seq(model) -> bool:
    return "decoder_input_ids" in inspect.signature(model.call if hasattr(model, "call") else model.forward).parameters


def prompt(config, seed: int = 0):
    """Two prompts of 5 tokens, the second left-padded by 2 (ids avoid 0-2: pad, bos, eos in most configs)."""
    import numpy as np

    vocab = getattr(getattr(config, "text_config", None) or config, "vocab_size", 99)
    ids = np.random.default_rng(seed).integers(3, vocab, (2, 5)).astype("int32")
    mask = np.ones_like(ids)
    mask[1, :2] = 0
    return ids, mask


def generation_config(config, new_tokens: int):
    """Greedy decoding of exactly `new_tokens` tokens: no end-of-sequence stop, no forced or banned tokens."""
    from transformers import GenerationConfig

    pad = getattr(config, "pad_token_id", None)
    start = getattr(config, "decoder_start_token_id", None)
    return GenerationConfig(
        max_new_tokens=new_tokens,
        do_sample=False,
        num_beams=1,
        pad_token_id=0 if pad is None else pad,
        bos_token_id=getattr(config, "bos_token_id", None),
        decoder_start_token_id=start if start is not None else pad,
        eos_token_id=None,
    )


def _first_difference(mode: str, pt_ids, tf_ids, start: int) -> dict | None:
    import numpy as np

    if pt_ids.shape != tf_ids.shape:
        return {"mode": mode, "row": None, "step": None, "pt": list(pt_ids.shape), "tf": list(tf_ids.shape)}
    where = np.argwhere(pt_ids != tf_ids)
    if not len(where):
        return None
    row, column = (int(x) for x in where[0])
    return {
        "mode": mode,
        "row": row,
        "step": column - start + 1,
        "pt": int(pt_ids[row, column]),
        "tf": int(tf_ids[row, column]),
    }


def check_generation(
    tf_model, pt_model, config, atol: float, xla: bool = False, new_tokens: int = NEW_TOKENS
) -> GenerateCheck:
    """Greedy tokens of both frameworks (eagerly; under `tf.function(jit_compile=True)` too with `xla`), then the
    TF logits for the prompt's last tokens computed on a cache against those computed without one."""
    result = GenerateCheck(new_tokens=new_tokens)
    ids, mask = prompt(config)
    generation = generation_config(config, new_tokens)
    # torch fills what a given generation config leaves at its defaults from the model's own (BART's forced <eos>):
    # both models get the same one
    saved = pt_model.generation_config, tf_model.generation_config
    pt_model.generation_config, tf_model.generation_config = copy.deepcopy(generation), copy.deepcopy(generation)
    try:
        _generate_both(result, tf_model, pt_model, ids, mask, generation, xla, new_tokens)
    finally:
        pt_model.generation_config, tf_model.generation_config = saved
    try:
        if pytorch_caches(pt_model, ids):  # BERT's LM head keeps no cache unless its config is a decoder's
            result.cache_max_diff, result.cache_scale = cached_logits_difference(tf_model, ids)
    except Exception as error:
        result.errors["cache"] = _error(error)
    return result


def pytorch_caches(pt_model, ids) -> bool:
    """Whether the PyTorch twin returns a key/value cache when asked for one."""
    import torch

    seq2seq = "decoder_input_ids" in inspect.signature(pt_model.forward).parameters
    inputs = {"input_ids": torch.tensor(ids[:, :SPLIT], dtype=torch.long)}
    if seq2seq:
        inputs["decoder_input_ids"] = inputs["input_ids"]
    with torch.no_grad():
        output = pt_model(**inputs, use_cache=True, return_dict=True)
    return getattr(output, "past_key_values", None) is not None


def _generate_both(result, tf_model, pt_model, ids, mask, generation, xla: bool, new_tokens: int) -> None:
    import numpy as np
    import tensorflow as tf
    import torch

    with torch.no_grad():
        expected = pt_model.generate(
            torch.tensor(ids, dtype=torch.long),
            attention_mask=torch.tensor(mask, dtype=torch.long),
            generation_config=generation,
        ).numpy()
    start = expected.shape[1] - new_tokens  # where the new tokens begin (decoder start token(s) excluded)
    runs = [("eager", tf_model.generate)]
    if xla:
        runs.append(("xla", tf.function(tf_model.generate, jit_compile=True)))
    for mode, generate in runs:
        try:
            got = generate(tf.constant(ids), attention_mask=tf.constant(mask), generation_config=generation)
            got = np.asarray(got.sequences if hasattr(got, "sequences") else got)
        except Exception as error:  # the port cannot generate this way: a failure, named
            result.errors[mode] = _error(error)
            continue
        difference = _first_difference(mode, expected, got, start)
        setattr(result, f"{mode}_equal", difference is None)
        if difference is not None and result.first_difference is None:
            result.first_difference = difference


def cached_logits_difference(tf_model, ids) -> tuple[float, float]:
    """Max abs difference between the logits of the tokens after SPLIT computed with the cache the first SPLIT
    tokens left, and those of one run over all tokens without a cache; and the largest |logit|."""
    import numpy as np
    import tensorflow as tf

    seq2seq = _seq2seq(tf_model)
    key = "decoder_input_ids" if seq2seq else "input_ids"
    common = {"input_ids": tf.constant(ids)} if seq2seq else {}
    full = tf_model(**common, **{key: tf.constant(ids)}, use_cache=False, return_dict=True).logits
    first = tf_model(**common, **{key: tf.constant(ids[:, :SPLIT])}, use_cache=True, return_dict=True)
    if first.past_key_values is None:
        raise ValueError(f"{type(tf_model).__name__} returned no past_key_values with use_cache=True")
    second = tf_model(
        **common,
        **{key: tf.constant(ids[:, SPLIT:])},
        past_key_values=first.past_key_values,
        use_cache=True,
        return_dict=True,
    ).logits
    expected = np.asarray(full)[:, SPLIT:]
    return float(np.abs(expected - np.asarray(second)).max()), float(np.abs(expected).max())


_CHECKS = {"eager": "generate (eager)", "xla": "generate (xla)", "cache": "the cached-logits run"}


def generation_problems(check: dict, atol: float) -> list[str]:
    """One line per failed generation check (pure: `verify_report` uses it on the worker's plain data)."""
    problems = [f"{_CHECKS.get(mode, mode)} raised {error}" for mode, error in check.get("errors", {}).items()]
    difference = check.get("first_difference")
    for mode in ("eager", "xla"):
        if check.get(f"{mode}_equal") is False:
            where = ""
            if difference and difference.get("mode") == mode and difference.get("step") is not None:
                where = (
                    f": row {difference['row']}, new token {difference['step']}: "
                    f"PyTorch {difference['pt']}, TF {difference['tf']}"
                )
            problems.append(f"greedy generate ({mode}) differs from PyTorch's{where}")
    cache = check.get("cache_max_diff")
    if cache is not None and beyond(cache, check.get("cache_scale", 0.0), atol):
        problems.append(f"logits with the key/value cache differ from logits without it by {cache:.1e}")
    return problems


def import_generated_file(code: str, model_name: str, folder, suffix: str = "scaffold"):
    """Import generated TF modeling code from a real file in `folder` as `transformers.models.<m>.modeling_tf_<m>_
    <suffix>`: its relative imports resolve as inside a checkout, and autograph (tf.function, XLA) can read the
    source of its methods, as it does for a ported file."""
    import importlib
    import importlib.util
    import sys
    from pathlib import Path

    package = f"transformers.models.{model_name}"
    importlib.import_module(package)
    name = f"{package}.modeling_tf_{model_name}_{suffix}"
    path = Path(folder) / f"modeling_tf_{model_name}_{suffix}.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = package
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generation_summary(check: dict, atol: float) -> str | None:
    """The note a passing generation check leaves (None when a check failed: the problems say it)."""
    if generation_problems(check, atol) or check.get("eager_equal") is not True:
        return None
    modes = "eagerly and under XLA" if check.get("xla_equal") else "eagerly"
    cache = check.get("cache_max_diff")
    cached = "" if cache is None else f"; logits with the cache within {cache:.1e} of those without"
    return f"greedy generate gives PyTorch's {check.get('new_tokens')} new tokens {modes}{cached}"


def generated_pair(
    model: str, head: str, folder, source: str | None = None, noise: float = 0.5, sizes: dict | None = None
):
    """(PyTorch `head`, its generated TF twin, config) with the same weights, for a transformers model type: the
    PyTorch model from a tiny random config with its weights moved off their initial values by `noise` (enough
    for varied greedy tokens), saved to `folder`; the TF class converted from `source` (by default the installed
    `modeling_<model>.py`) and loaded with from_pretrained(from_pt=True). `sizes`: config values to use instead
    of the tiny ones (where the config has them)."""
    from pathlib import Path

    import torch
    import transformers
    from transformers import CONFIG_MAPPING

    from ..convert import convert_source
    from ..files import modeling_layers_source
    from .tiny import tiny_config

    config = tiny_config(CONFIG_MAPPING[model])
    for key, value in (sizes or {}).items():
        if hasattr(config, key):
            setattr(config, key, value)
    if getattr(config, "pad_token_id", None) is None:
        config.pad_token_id = 0
    torch.manual_seed(0)
    pt_model = getattr(transformers, head)(config).eval()
    with torch.no_grad():
        for parameter in pt_model.parameters():
            parameter.add_(torch.randn_like(parameter) * noise)
    weights = Path(folder) / (model if sizes is None else f"{model}-sized")
    pt_model.save_pretrained(weights, safe_serialization=False)
    if source is None:
        source = (Path(transformers.__file__).parent / f"models/{model}/modeling_{model}.py").read_text()
    code = convert_source(source, model, layers_source=modeling_layers_source()).code
    module = import_generated_file(code, model, folder)
    tf_model = getattr(module, "TF" + head).from_pretrained(weights, from_pt=True)
    return pt_model, tf_model, config
