"""`scaffold verify` and `scaffold check` wall time on a checkout made from the installed transformers package.

    python benchmarks/verify.py [--runs 3] [model ...]        (default: bert)

Runs the real command lines in new processes, so Python start-up and the TensorFlow/torch imports (in verify's
worker) are included. verify checks every TF class with a PyTorch twin (9 for bert) on the default tiny config.
Target: verify on bert in 20 s or less. `check` exits 1 here: the installed package has no docs or tests/ tree, so
item 6 (registration) fails; items 1-5 are what it times.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", default=["bert"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    package = Path(importlib.util.find_spec("transformers").origin).parent
    scaffold = [sys.executable, "-m", "scaffold.cli"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "transformers"
        shutil.copytree(package, root / "src/transformers", ignore=shutil.ignore_patterns("__pycache__"))
        for model in args.models:
            for command in ("verify", "check"):
                times, status = [], set()
                for _ in range(args.runs):
                    seconds, done = timed([*scaffold, command, model, "--repo", str(root)])
                    times.append(seconds)
                    status.add(done.returncode)
                    if done.returncode == 2:
                        sys.exit(f"{model}: scaffold {command} refused: {done.stderr.strip()[-500:]}")
                    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
                print(
                    f"{command:<6} {model:<8} median {statistics.median(times):.2f} s  (min {min(times):.2f}, "
                    f"max {max(times):.2f}, {args.runs} runs)  exit {sorted(status)}  {last}"
                )


if __name__ == "__main__":
    main()
