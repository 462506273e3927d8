"""`scaffold port` wall time on a checkout made from the installed transformers package.

    python benchmarks/port.py [--runs 5] [model ...]        (default: llama bert)

Each run gets a fresh copy of the checkout (copying is not timed) and runs the real command line in a new
process, so Python start-up is included. bert already has a hand-written port, so it runs with --force.
Also reports whether TensorFlow or torch got imported (they must not be).
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

PROBE = (
    "import sys\n"
    "from scaffold.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as exit:\n"
    "    code = exit.code\n"
    "heavy = [m for m in ('tensorflow', 'torch') if m in sys.modules]\n"
    "print('HEAVY', ','.join(heavy) or '-', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", default=["llama", "bert"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    package = Path(importlib.util.find_spec("transformers").origin).parent
    with tempfile.TemporaryDirectory() as folder:
        pristine = Path(folder) / "pristine"
        shutil.copytree(package, pristine / "src/transformers", ignore=shutil.ignore_patterns("__pycache__"))
        for model in args.models:
            times, heavy = [], set()
            for run in range(args.runs):
                root = Path(folder) / f"{model}-{run}"
                shutil.copytree(pristine, root)
                command = [sys.executable, "-c", PROBE, "port", model, "--repo", str(root), "--force"]
                start = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True)
                times.append(time.perf_counter() - start)
                if done.returncode != 0:
                    sys.exit(f"{model}: scaffold port failed: {done.stderr.strip()[-500:]}")
                heavy.update(line.split()[1] for line in done.stderr.splitlines() if line.startswith("HEAVY"))
                shutil.rmtree(root)
            print(
                f"{model:<8} median {statistics.median(times):.2f} s  (min {min(times):.2f}, max {max(times):.2f}, "
                f"{args.runs} runs)  heavy imports: {', '.join(sorted(heavy))}"
            )


if __name__ == "__main__":
    main()
