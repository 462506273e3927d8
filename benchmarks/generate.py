"""Generation benchmark: greedy `generate()` of generated TF ports against PyTorch, and the speed of cached
generation against transformers' hand-written TF ports.

    python benchmarks/generate.py [model ...] [--no-xla] [--no-speed] [--json out.json]

For each model (default: llama gpt2 gpt_neox mistral qwen2 phi bart t5), from one tiny random config with its
weights moved off their initial values: the generated causal-LM / seq2seq head's greedy tokens against PyTorch's
for 12 new tokens, eagerly and under `tf.function(jit_compile=True)`, and its logits on a key/value cache against
those without one (scaffold.checks.generate). Then, where transformers has a hand-written TF port (gpt2, mistral,
bart, t5), the median time per new token of cached greedy generation (64 new tokens, batch 2), generated and
hand-written, eagerly and under XLA (after compilation), and their ratio.
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
REPEATS = 3


def build(model: str, folder: str):
    """(PyTorch model, generated TF model, hand-written TF model or None, config): the same weights in each."""
    import importlib
    from pathlib import Path

    from scaffold.checks.generate import generated_pair

    pt, generated, config = generated_pair(model, HEADS[model], folder)
    hand = None
    if model in HAND_WRITTEN:
        reference = importlib.import_module(f"transformers.models.{model}.modeling_tf_{model}")
        hand = getattr(reference, "TF" + HEADS[model]).from_pretrained(Path(folder) / model, from_pt=True)
    return pt, generated, hand, config


def time_per_token(tf_model, config, xla: bool) -> float:
    import tensorflow as tf

    from scaffold.checks.generate import generation_config, prompt

    ids, mask = prompt(config)
    generation = generation_config(config, SPEED_TOKENS)
    generate = tf.function(tf_model.generate, jit_compile=True) if xla else tf_model.generate
    generate(tf.constant(ids), attention_mask=tf.constant(mask), generation_config=generation)  # compile / warm up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        generate(tf.constant(ids), attention_mask=tf.constant(mask), generation_config=generation)
        times.append((time.perf_counter() - start) / SPEED_TOKENS)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*", default=list(HEADS))
    parser.add_argument("--no-xla", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
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
                pt, generated, hand, config = build(model, folder)
                check = check_generation(generated, pt, config, atol=1e-5, xla=not args.no_xla)
                row.update(check.as_dict())
                if not args.no_speed and hand is not None:
                    for mode in ("eager",) + (() if args.no_xla else ("xla",)):
                        try:
                            gen_t = time_per_token(generated, config, mode == "xla")
                            hand_t = time_per_token(hand, config, mode == "xla")
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
