"""Generation benchmark: greedy `generate()` of generated TF ports against PyTorch, and the speed of cached
generation against transformers' hand-written TF ports.

    python benchmarks/generate.py [model ...] [--no-xla] [--no-speed] [--json out.json]

For each model (default: llama gpt2 gpt_neox mistral qwen2 phi bart t5), from one tiny random config with its
weights moved off their initial values: the generated causal-LM / seq2seq head's greedy tokens against PyTorch's
for 12 new tokens, eagerly and under `tf.function(jit_compile=True)`, and its logits on a key/value cache against
those without one (scaffold.checks.generate). Then, where transformers has a hand-written TF port (gpt2, mistral,
bart, t5), on a small model (hidden size 256, 4 layers, vocabulary 1000: SPEED_SIZES), the median time per new
token of cached greedy generation (64 new tokens, batch 2), generated and hand-written, eagerly and under XLA
(after compilation), and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

HEADS = {
    "llama": "LlamaForCausalLM",
    "gpt2": "GPT2LMHeadModel",
    "gpt_neox": "GPTNeoXForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "phi": "PhiForCausalLM",
    "bart": "BartForConditionalGeneration",
    "t5": "T5ForConditionalGeneration",
}
HAND_WRITTEN = {"gpt2", "mistral", "bart", "t5"}
SPEED_TOKENS = 64
REPEATS = 3  # eager runs (about 3 s each)
REPEATS_XLA = 21  # XLA runs (well under a second each)
# speed is measured on a small model rather than the tiny one, so that computing, not per-op overhead, dominates
SPEED_SIZES = {
    "vocab_size": 1000,
    "hidden_size": 256,
    "intermediate_size": 1024,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 32,
    "max_position_embeddings": 256,
    "n_embd": 256,
    "n_layer": 4,
    "n_head": 8,
    "n_positions": 256,
    "d_model": 256,
    "d_ff": 1024,
    "d_kv": 32,
    "num_layers": 4,
    "num_decoder_layers": 4,
    "num_heads": 8,
    "encoder_layers": 4,
    "decoder_layers": 4,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 1024,
    "decoder_ffn_dim": 1024,
}


def build(model: str, folder: str, sizes: dict | None = None):
    """(PyTorch model, generated TF model, hand-written TF model or None, config): the same weights in each."""
    import importlib
    from pathlib import Path

    from scaffold.checks.generate import generated_pair

    pt, generated, config = generated_pair(model, HEADS[model], folder, sizes=sizes)
    hand = None
    if model in HAND_WRITTEN:
        reference = importlib.import_module(f"transformers.models.{model}.modeling_tf_{model}")
        weights = Path(folder) / (model if sizes is None else f"{model}-sized")
        hand = getattr(reference, "TF" + HEADS[model]).from_pretrained(weights, from_pt=True)
    return pt, generated, hand, config


def times_per_token(models, config, xla: bool) -> list[float]:
    """Median seconds per new token of each model's cached greedy generation, runs of the models alternating
    (a shared machine's load then weighs on each alike); the first run of each (compilation) is not timed."""
    import tensorflow as tf

    from scaffold.checks.generate import generation_config, prompt

    ids, mask = prompt(config)
    generation = generation_config(config, SPEED_TOKENS)
    runs = [tf.function(m.generate, jit_compile=True) if xla else m.generate for m in models]
    for generate in runs:  # compile / warm up
        generate(tf.constant(ids), attention_mask=tf.constant(mask), generation_config=generation)
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(REPEATS_XLA if xla else REPEATS):
        for generate, own in zip(runs, times):
            start = time.perf_counter()
            generate(tf.constant(ids), attention_mask=tf.constant(mask), generation_config=generation)
            own.append((time.perf_counter() - start) / SPEED_TOKENS)
    return [statistics.median(own) for own in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*", default=list(HEADS))
    parser.add_argument("--no-xla", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="skip the equality checks")
    parser.add_argument("--json")
    args = parser.parse_args()
    from scaffold.checks.generate import check_generation

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    print(f"{'model':<9} {'eager':>5} {'xla':>5} {'new':>3} {'cache diff':>10}  speed ms/token gen/hand (ratio)")
    rows, failures = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for model in args.models:
            row: dict = {"model": model}
            try:
                if not args.speed_only:
                    pt, generated, hand, config = build(model, folder)
                    check = check_generation(generated, pt, config, atol=1e-5, xla=not args.no_xla)
                    row.update(check.as_dict())
                if not args.no_speed and model in HAND_WRITTEN:
                    pt, generated, hand, config = build(model, folder, SPEED_SIZES)
                    for mode in ("eager",) + (() if args.no_xla else ("xla",)):
                        try:
                            gen_t, hand_t = times_per_token([generated, hand], config, mode == "xla")
                            row[f"{mode}_ms"] = [gen_t * 1e3, hand_t * 1e3, gen_t / hand_t]
                        except Exception as error:
                            row[f"{mode}_speed_error"] = f"{type(error).__name__}: {str(error)[:200]}"
            except Exception as error:  # report and go on
                row["error"] = f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
            rows.append(row)
            flag = {True: "yes", False: "NO", None: "-"}
            cache = row.get("cache_max_diff")
            speed = "  ".join(
                f"{mode} {v[0]:.1f}/{v[1]:.1f} ({v[2]:.2f})"
                for mode in ("eager", "xla")
                if (v := row.get(f"{mode}_ms"))
            )
            print(
                f"{model:<9} {flag[row.get('eager_equal')]:>5} {flag[row.get('xla_equal')]:>5} "
                f"{row.get('new_tokens', '-'):>3} {'-' if cache is None else f'{cache:.1e}':>10}  {speed}"
            )
            for key in ("error", "errors", "first_difference", "eager_speed_error", "xla_speed_error"):
                if row.get(key):
                    print(f"    {key}: {row[key]}")
            failures += bool(row.get("error") or row.get("errors") or row.get("first_difference"))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
