"""`scaffold verify` / `scaffold check`: wall time, and how generated ports fare, on a checkout made from the
installed transformers package.

    python benchmarks/verify.py [--runs 3] [model ...]                 time verify and check (default: bert)
    python benchmarks/verify.py --generated [--json out.json] [model ...]
                                        port each model with scaffold (--force), then verify every class
    python benchmarks/verify.py --hand-written [--json out.json] [model ...]
                                        verify and check transformers' own TF ports (default: all of them):
                                        what they flag there is either a real flaw of that port or a false alarm

Runs the real command lines in new processes, so Python start-up and the TensorFlow/torch imports (in verify's
worker) are included. verify checks every TF class with a PyTorch twin (9 for bert) on the default tiny config.
Target: verify on bert in 20 s or less. `check` exits 1 on the bare package: it has no docs or tests/ tree, so
item 6 (registration) fails; items 1-5 are what it times.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEVSET = ["bert", "roberta", "distilbert", "gpt2", "vit", "mistral", "llama", "bart", "t5"]


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done


def checkout(folder: str) -> Path:
    package = Path(importlib.util.find_spec("transformers").origin).parent
    root = Path(folder) / "transformers"
    shutil.copytree(package, root / "src/transformers", ignore=shutil.ignore_patterns("__pycache__"))
    return root


SCAFFOLD = [sys.executable, "-m", "scaffold.cli"]


def wall_time(root: Path, models: list[str], runs: int) -> None:
    for model in models:
        for command in ("verify", "check"):
            times, status, last = [], set(), ""
            for _ in range(runs):
                seconds, done = timed([*SCAFFOLD, command, model, "--repo", str(root)])
                times.append(seconds)
                status.add(done.returncode)
                if done.returncode == 2:
                    sys.exit(f"{model}: scaffold {command} refused: {done.stderr.strip()[-500:]}")
                last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
            print(
                f"{command:<6} {model:<8} median {statistics.median(times):.2f} s  (min {min(times):.2f}, "
                f"max {max(times):.2f}, {runs} runs)  exit {sorted(status)}  {last}"
            )


def verify_run(root: Path, model: str) -> dict:
    """`scaffold verify <model>` in a new process: exit status, class -> passed, the problem lines, seconds."""
    seconds, done = timed([*SCAFFOLD, "verify", model, "--repo", str(root)])
    classes = {m.group(2): m.group(1) == "✓" for m in re.finditer(r"^([✓✗]) (TF\w+)", done.stdout, re.M)}
    reasons = [line.strip() for line in done.stdout.splitlines() if line.startswith(("  ", "error:"))]
    return {
        "model": model,
        "verify_exit": done.returncode,
        "classes": classes,
        "reasons": reasons,
        "seconds": round(seconds, 1),
    }


def generated(root: Path, models: list[str], out: Path | None) -> None:
    rows = []
    for model in models:
        done = subprocess.run(
            [*SCAFFOLD, "port", model, "--repo", str(root), "--force"], capture_output=True, text=True
        )
        if done.returncode != 0:
            rows.append({"model": model, "error": done.stderr.strip()[-300:], "classes": {}})
            print(f"{model:<11} port failed: {done.stderr.strip()[-200:]}")
            continue
        row = verify_run(root, model)
        rows.append(row)
        print(f"{model:<11} {sum(row['classes'].values())}/{len(row['classes'])} classes pass  ({row['seconds']} s)")
        for reason in row["reasons"][:3]:
            print(f"            {reason[:150]}")
    total = sum(len(r["classes"]) for r in rows)
    passed = sum(sum(r["classes"].values()) for r in rows)
    bases = sum(1 for r in rows if r["classes"] and next(iter(r["classes"].values())))
    print(f"\ngenerated ports: {passed}/{total} classes pass verify; base model passes in {bases}/{len(rows)} models")
    if out:
        out.write_text(json.dumps(rows, indent=1))


def hand_written(root: Path, models: list[str], out: Path | None) -> None:
    models = models or sorted(
        p.parent.name
        for p in (root / "src/transformers/models").glob("*/modeling_tf_*.py")
        if p.stem == f"modeling_tf_{p.parent.name}"
    )
    rows = []
    for model in models:
        row = verify_run(root, model)
        _, checked = timed([*SCAFFOLD, "check", model, "--repo", str(root)])
        failed_items = re.findall(r"^✗ (\d)\.", checked.stdout, re.M)
        row["check_failed_items"] = [int(i) for i in failed_items if i != "6"]
        rows.append(row)
        print(
            f"{model:<26} verify exit {row['verify_exit']}  {sum(row['classes'].values())}/{len(row['classes'])} "
            f"classes  check items failed (1-5): {','.join(i for i in failed_items if i != '6') or '-'}"
        )
        for reason in row["reasons"][:2]:
            print(f"                           {reason[:140]}")
    passed = sum(1 for r in rows if r["verify_exit"] == 0)
    total = sum(len(r["classes"]) for r in rows)
    good = sum(sum(r["classes"].values()) for r in rows)
    clean = sum(1 for r in rows if not r["check_failed_items"])
    print(
        f"\nhand-written ports: verify passes on {passed}/{len(rows)} models ({good}/{total} classes); "
        f"check items 1-5 all pass on {clean}/{len(rows)}"
    )
    if out:
        out.write_text(json.dumps(rows, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--generated", action="store_true", help="verify scaffold's own ports (default: dev set)")
    parser.add_argument("--hand-written", action="store_true", help="verify and check transformers' own TF ports")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = checkout(folder)
        if args.generated:
            generated(root, args.models or DEVSET, args.json)
        elif args.hand_written:
            hand_written(root, args.models, args.json)
        else:
            wall_time(root, args.models or ["bert"], args.runs)


if __name__ == "__main__":
    main()
