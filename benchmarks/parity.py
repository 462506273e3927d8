"""Parity benchmark: every model transformers 4.57.6 ships with both a PyTorch and a TF base model.

    python benchmarks/parity.py [--graph] [--json benchmarks/results/parity.json] [model_type ...]

For each model: convert its PyTorch file, build the TF base model from a tiny random config, load the
PyTorch weights (from_pretrained(from_pt=True)), run both on the same random inputs, and compare the first
output (match: max abs diff < 1e-5). Reports how many reach each stage and the main reasons for the rest.
`--graph` also runs the TF model under tf.function.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pairs() -> list[str]:
    from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES
    from transformers.models.auto.modeling_tf_auto import TF_MODEL_MAPPING_NAMES

    return sorted(m for m in TF_MODEL_MAPPING_NAMES if m in MODEL_MAPPING_NAMES)


def reason(error: str | None) -> str:
    """A short, groupable form of an error message."""
    if not error:
        return ""
    text = re.sub(r"\s+", " ", error)
    text = re.sub(r"Exception encountered when calling layer '[^']*' \(type \w+\)\.? ?", "", text)
    text = re.sub(r"Call arguments received by layer.*", "", text)
    text = re.sub(r"'[A-Za-z0-9_]*(tf|TF)[A-Za-z0-9_]*'", "'<layer>'", text)
    return text[:140]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*")
    parser.add_argument("--graph", action="store_true", help="also run under tf.function")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from scaffold.checks.compare import STAGES, compare

    models = args.models or pairs()
    rows = []
    for model in models:
        start = time.perf_counter()
        try:
            r = compare(model, graph=args.graph)
            row = {
                "model": model,
                "stage": r.stage,
                "matches": r.matches,
                "max_abs_diff": r.max_abs_diff,
                "graph_max_abs_diff": r.graph_max_abs_diff,
                "graph_error": r.graph_error,
                "names_match_hand_written": r.names_match,
                "missing": len(r.load.missing) if r.load else None,
                "todos": r.todos,
                "error": r.error,
            }
        except Exception as error:  # the benchmark reports, it does not stop
            row = {"model": model, "stage": "convert", "matches": False, "error": f"{type(error).__name__}: {error}"}
        row["seconds"] = round(time.perf_counter() - start, 1)
        rows.append(row)
        diff = row.get("max_abs_diff")
        print(
            f"{model:<28} {row['stage']:<8} {'MATCH' if row['matches'] else '':<6} "
            f"{'' if diff is None else f'{diff:.1e}':>8}  {reason(row.get('error'))[:90]}",
            flush=True,
        )
    reached = Counter()
    for row in rows:
        for stage in STAGES[: STAGES.index(row["stage"]) + 1]:
            reached[stage] += 1
    summary = {
        "models": len(rows),
        "converted": reached["build"],
        "built": reached["load"],
        "loaded": reached["run"],
        "ran": reached["match"],
        "match_below_1e-5": sum(1 for r in rows if r["matches"]),
        "graph_match_below_1e-5": sum(1 for r in rows if (r.get("graph_max_abs_diff") or 1) < 1e-5)
        if args.graph
        else None,
        "hand_written_names_identical": sum(1 for r in rows if r.get("names_match_hand_written")),
        "main_reasons": Counter(
            f"{r['stage']}: {reason(r['error'])[:100]}" for r in rows if not r["matches"]
        ).most_common(12),
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "models": rows}, indent=2))


if __name__ == "__main__":
    main()
