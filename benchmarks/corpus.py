"""Corpus benchmark: convert every PyTorch modeling file transformers ships.

    python benchmarks/corpus.py [--limit N] [--json benchmarks/results/corpus.json]

Reports files converted without an exception, valid Python, undefined names (ruff F821), TODO count, and
time: the converter (no formatting) next to a bare libcst parse + code generation of the same file (the
floor), as the ratio of the totals and the median per-file ratio; formatting is timed apart. Run it on an
otherwise idle machine; the figures are ratios and medians because these machines are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from importlib import metadata
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scaffold.convert import convert_source, find_todos, model_name_from_path  # noqa: E402
from scaffold.files import modeling_layers_source  # noqa: E402
from scaffold.formatting import format_source  # noqa: E402


def corpus() -> list[Path]:
    import importlib.util

    root = Path(importlib.util.find_spec("transformers").origin).parent / "models"
    return sorted(p for p in root.glob("*/modeling_*.py") if not p.name.startswith(("modeling_tf_", "modeling_flax_")))


def best_of(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def undefined_names(folder: Path) -> tuple[dict[str, int], Counter[str]]:
    """Per output file, how many undefined names ruff finds; and which names, over the corpus."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "F821",
            "--output-format",
            "json",
            "--no-cache",
            "--quiet",
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    counts: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for item in json.loads(done.stdout or "[]"):
        counts[Path(item["filename"]).name] += 1
        names[item["message"].split("`")[1] if "`" in item["message"] else item["message"]] += 1
    return dict(counts), names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N files")
    parser.add_argument("--repeat", type=int, default=1, help="timing repeats per file (best of)")
    parser.add_argument("--json", type=Path, help="also write the per-file results here")
    args = parser.parse_args()

    files = corpus()[: args.limit]
    layers = modeling_layers_source()  # the generic heads, as `scaffold convert` finds them
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as out:
        out_dir = Path(out)
        for path in files:
            source = path.read_text()
            name = model_name_from_path(path)
            row = {"file": f"{path.parent.name}/{path.name}", "lines": source.count("\n")}
            try:
                floor = best_of(lambda source=source: cst.parse_module(source).code, args.repeat)
                results = []

                def run(source=source, name=name, path=path, results=results):
                    results.append(
                        convert_source(source, name, filename=str(path), format_code=False, layers_source=layers)
                    )

                seconds = best_of(run, args.repeat)
                result = results[-1]
                start = time.perf_counter()
                formatted = format_source(result.code)
                row.update(
                    converted=True,
                    seconds=seconds,
                    floor=floor,
                    format_seconds=time.perf_counter() - start,
                    todos=len(find_todos(formatted)),
                )
                try:
                    compile(formatted, path.name, "exec", dont_inherit=True)
                    row["valid"] = True
                except SyntaxError as error:
                    row["valid"] = False
                    row["error"] = f"invalid output: {error}"
                (out_dir / f"{path.parent.name}__modeling_tf_{name}.py").write_text(formatted)
            except Exception as error:  # the benchmark records every failure instead of stopping
                row.update(converted=False, valid=False, error=f"{type(error).__name__}: {error}")
                failures.append((row["file"], traceback.format_exc(limit=3)))
            rows.append(row)
            print(f"{row['file']:<70} {'ok' if row.get('valid') else 'FAIL'}", file=sys.stderr, flush=True)
        undefined, undefined_by_name = undefined_names(out_dir)
    for row in rows:
        key = row["file"].replace("/modeling_", "__modeling_tf_", 1)
        row["undefined_names"] = undefined.get(key, 0)

    done = [r for r in rows if r.get("converted")]
    ratios = [r["seconds"] / r["floor"] for r in done]
    bert = next((r for r in done if r["file"] == "bert/modeling_bert.py"), None)
    summary = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, libcst {metadata.version('libcst')}",
        "files": len(rows),
        "converted": len(done),
        "valid_python": sum(1 for r in rows if r.get("valid")),
        "undefined_names_total": sum(r["undefined_names"] for r in rows),
        "files_with_undefined_names": sum(1 for r in rows if r["undefined_names"]),
        "most_common_undefined_names": undefined_by_name.most_common(15),
        "todos_total": sum(r.get("todos", 0) for r in rows),
        "files_without_todo": sum(1 for r in done if r.get("todos") == 0),
        "median_seconds_per_file": statistics.median(r["seconds"] for r in done) if done else None,
        "total_seconds": sum(r["seconds"] for r in done),
        "total_floor_seconds": sum(r["floor"] for r in done),
        "ratio_total_vs_floor": sum(r["seconds"] for r in done) / sum(r["floor"] for r in done) if done else None,
        "ratio_median_vs_floor": statistics.median(ratios) if ratios else None,
        "median_format_seconds": statistics.median(r["format_seconds"] for r in done) if done else None,
        "bert": None
        if bert is None
        else {"seconds": bert["seconds"], "floor": bert["floor"], "ratio": bert["seconds"] / bert["floor"]},
    }
    for file, trace in failures[:10]:
        print(f"\n--- {file}\n{trace}", file=sys.stderr)
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "files": rows}, indent=2))


if __name__ == "__main__":
    main()
