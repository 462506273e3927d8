"""Dev-set benchmark: weights and numbers of generated ports against PyTorch and the hand-written TF ports.

    python benchmarks/devset.py [model_type ...]      (default: bert gpt2 vit bart t5 wav2vec2)

For each model, from one tiny random config: does the generated TF<X>Model create exactly the weights the
hand-written port creates (compared as the PyTorch keys they load from), does from_pretrained(from_pt=True)
leave any weight missing, and the max abs difference of the base model's first output against PyTorch.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEV_SET = ["bert", "gpt2", "vit", "bart", "t5", "wav2vec2"]


def main() -> None:
    from scaffold.checks.compare import compare

    models = sys.argv[1:] or DEV_SET
    print(
        f"{'model':<10} {'weights':>7} {'same names':>10} {'missing':>7} {'ref missing':>11} {'max |diff|':>11} {'TODOs':>5} {'seconds':>7}"
    )
    failures = 0
    for model in models:
        start = time.perf_counter()
        try:
            r = compare(model)
        except Exception as error:  # report and go on
            print(f"{model:<10} ERROR {type(error).__name__}: {str(error)[:120]}")
            failures += 1
            continue
        same = "n/a" if r.names_match is None else ("yes" if r.names_match else "NO")
        ref_missing = "n/a" if r.reference_load is None else len(r.reference_load.missing)
        print(
            f"{model:<10} {len(r.generated_names):>7} {same:>10} {len(r.load.missing):>7} {ref_missing:>11} "
            f"{r.max_abs_diff:>11.2e} {r.todos:>5} {time.perf_counter() - start:>7.1f}"
        )
        if r.names_match is False:
            print(f"    only generated: {sorted(r.generated_names - r.reference_names)[:8]}")
            print(f"    only hand-written: {sorted(r.reference_names - r.generated_names)[:8]}")
        if r.load.missing:
            print(f"    missing: {r.load.missing[:8]}")
        failures += bool(r.names_match is False or r.load.missing or r.max_abs_diff >= 1e-5)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
