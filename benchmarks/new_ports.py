"""New-ports benchmark: every PyTorch-only architecture of a transformers checkout, ported as a user would.

    python benchmarks/new_ports.py [--checkout /work/checkouts/t457] [--set pt-only|pairs] [--out DIR] [file ...]

1. Enumerate (statically, from the checkout's sources): every `models/<m>/modeling_<x>.py` with no
   `modeling_tf_<x>.py` beside it (`--set pt-only`), and the base model class(es) to measure: the classes of
   `MODEL_MAPPING_NAMES` defined in that file (the entry whose model type is the folder's name is the file's
   primary class, the one the headline counts); a file no entry points at (heads only: colpali, depth_anything,
   ...) gets its first public PreTrainedModel subclass, `...Model` names first. `--set pairs`: every model type
   in both `MODEL_MAPPING_NAMES` and `TF_MODEL_MAPPING_NAMES` (parity.py's 69), measured against PyTorch and
   also the hand-written TF class on the same config and inputs.
2. Port, in a scratch copy of the checkout: `scaffold port <m>` (the same plan and write as the CLI) where the
   file is `modeling_<folder>.py`, else `scaffold convert` (data2vec_audio, donut_swin, ...); pairs are
   converted to `modeling_tf_<x>_scaffold.py` beside the hand-written port, which stays.
3. Measure, in worker processes (`benchmarks/new_ports_worker.py`, the checkout's `src` first on sys.path,
   TensorFlow imported once per chunk, one worker at a time, a timeout per model): import the generated module,
   build the TF class from a tiny config derived from the config class (scaffold/checks/tiny.py), load
   PyTorch weights (moved off their initial values) with from_pretrained(from_pt=True), every weight loaded
   (tied aliases, non-saved buffers and BatchNorm counters excepted, as `scaffold verify` counts), run both on
   the same inputs (scaffold verify's), and compare the main output (the first tensor PyTorch returns) below
   1e-5, relative where values exceed 1: eagerly, then under tf.function. A mismatch is located at the first
   diverging module, as `scaffold verify` does.
4. Report the funnel (converted / imports / builds / loads all weights / runs / matches eager / matches
   traced), failure causes grouped by construct (most frequent first, with example models), the constructs
   named by `NotImplementedError("scaffold: no TF translation for ...")`, TODO(scaffold) markers and ruff F821
   undefined names over the generated files. JSON per model and `summary.json` go to `--out`
   (default benchmarks/results/new_ports/<version>-<set>/).

Failures of the harness itself (PyTorch cannot build or run the tiny config, an input kind the harness does
not make) are reported as `harness: ...` causes, apart from the port's.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES = ("converted", "imports", "builds", "loads", "runs", "matches_eager", "matches_traced")
ATOL = 1e-5


# -- enumeration (static: reads the checkout's sources, imports nothing) -------------------------------------------


@dataclass
class Target:
    """One class to measure: `file` is relative to `src/transformers/models`."""

    file: str  # "llama/modeling_llama.py"
    pt_class: str  # "LlamaModel"
    primary: bool = True  # the class the file's headline counts
    model_type: str | None = None  # the MODEL_MAPPING_NAMES key, if one points at the class
    reference: str | None = None  # pairs: the hand-written TF class ("TFBertModel")

    @property
    def id(self) -> str:
        return f"{self.stem}:{self.pt_class}"

    @property
    def folder(self) -> str:
        return self.file.split("/")[-2]

    @property
    def stem(self) -> str:  # "llama" for modeling_llama.py, "data2vec_audio" for modeling_data2vec_audio.py
        return Path(self.file).stem[len("modeling_") :]

    @property
    def portable(self) -> bool:
        """`scaffold port` takes it (the file is named after its folder, not in deprecated/)."""
        return self.stem == self.folder and "/" not in self.file[: -len(Path(self.file).name) - 1]


def mapping_names(source: str, variable: str) -> dict[str, str | tuple[str, ...]]:
    """`X = OrderedDict([...])` in an auto module, read without importing it."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets)
            and isinstance(node.value, ast.Call)
            and node.value.args
        ):
            return {k: tuple(v) if isinstance(v, list) else v for k, v in ast.literal_eval(node.value.args[0])}
    raise ValueError(f"no {variable} = OrderedDict([...]) found")


@dataclass
class ModelFile:
    path: str  # relative to models/
    classes: list[str] = field(default_factory=list)  # top-level classes, in order
    public: list[str] | None = None  # __all__, when the file has one
    bases: dict[str, list[str]] = field(default_factory=dict)  # class -> base names (last dotted part)


_CLASS = re.compile(r"^class (\w+)(?:\(([^)]*)\))?:", re.M)
_ALL = re.compile(r"^__all__ = (\[[^\]]*\])", re.M)


def read_model_file(path: str, source: str) -> ModelFile:
    """Top-level classes, their bases and `__all__`, by pattern (a full parse of the ~370 files costs seconds)."""
    info = ModelFile(path)
    for match in _CLASS.finditer(source):
        info.classes.append(match.group(1))
        info.bases[match.group(1)] = [b.strip().split(".")[-1] for b in (match.group(2) or "").split(",") if b.strip()]
    match = _ALL.search(source)
    if match:
        try:
            info.public = list(ast.literal_eval(match.group(1)))
        except (ValueError, SyntaxError):
            pass
    return info


def _pretrained_subclasses(info: ModelFile) -> list[str]:
    """Classes deriving (within the file) from a `...PreTrainedModel`, the `...PreTrainedModel` bases excluded."""
    pretrained = re.compile(r"Pre[Tt]rainedModel$")
    known: set[str] = set()
    for name in info.classes:  # a class's bases are defined before it
        bases = info.bases[name]
        if any(pretrained.search(b) or b in known for b in bases) and not pretrained.search(name):
            known.add(name)
    return [c for c in info.classes if c in known]


def fallback_class(info: ModelFile) -> str | None:
    """The class to measure in a file no MODEL_MAPPING_NAMES entry points at: its first public PreTrainedModel
    subclass, names ending in `Model` first (the base model), heads after."""
    candidates = [c for c in _pretrained_subclasses(info) if info.public is None or c in info.public]
    candidates.sort(key=lambda c: (not c.endswith("Model"), "For" in c))
    return candidates[0] if candidates else None


def model_files(models: Path, deprecated: bool = False) -> dict[str, ModelFile]:
    patterns = ["*/modeling_*.py"] + (["deprecated/*/modeling_*.py"] if deprecated else [])
    files = {}
    for pattern in patterns:
        for path in sorted(models.glob(pattern)):
            if path.name.startswith(("modeling_tf_", "modeling_flax_")) or path.parent.name == "auto":
                continue
            rel = str(path.relative_to(models))
            files[rel] = read_model_file(rel, path.read_text(encoding="utf-8"))
    return files


def has_tf_twin(models: Path, rel: str) -> bool:
    path = models / rel
    return (path.parent / path.name.replace("modeling_", "modeling_tf_", 1)).is_file()


def pt_only_targets(models: Path) -> list[Target]:
    """Every PyTorch-only modeling file and its classes to measure (see the module docstring)."""
    files = {rel: f for rel, f in model_files(models).items() if not has_tf_twin(models, rel)}
    mapping = mapping_names((models / "auto/modeling_auto.py").read_text(encoding="utf-8"), "MODEL_MAPPING_NAMES")
    owner = {c: rel for rel, f in files.items() for c in f.classes}
    by_file: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for model_type, names in mapping.items():
        for name in (names,) if isinstance(names, str) else names:
            if name in owner and name not in [c for _, c in by_file[owner[name]]]:
                by_file[owner[name]].append((model_type, name))
    targets = []
    for rel, info in files.items():
        entries = by_file.get(rel, [])
        if not entries:
            name = fallback_class(info)
            if name is not None:
                targets.append(Target(rel, name, True, None))
            else:
                targets.append(Target(rel, "", True, None))  # nothing to measure: reported at port time
            continue
        folder, stem = rel.split("/")[-2], Path(rel).stem[len("modeling_") :]
        primary = next(
            (e for e in entries if e[0].replace("-", "_") in (stem, folder)),
            next((e for e in entries if "For" not in e[1]), entries[0]),
        )
        targets.append(Target(rel, primary[1], True, primary[0]))
        targets += [Target(rel, c, False, t) for t, c in entries if (t, c) != primary]
    return targets


def pair_targets(models: Path) -> list[Target]:
    """Every model type with a PyTorch and a TF base model in the auto mappings (parity.py's set)."""
    pt = mapping_names((models / "auto/modeling_auto.py").read_text(encoding="utf-8"), "MODEL_MAPPING_NAMES")
    tf = mapping_names((models / "auto/modeling_tf_auto.py").read_text(encoding="utf-8"), "TF_MODEL_MAPPING_NAMES")
    files = model_files(models, deprecated=True)
    owner = {c: rel for rel, f in files.items() for c in f.classes}
    targets = []
    for model_type in sorted(m for m in tf if m in pt):
        pt_name = pt[model_type] if isinstance(pt[model_type], str) else pt[model_type][0]
        tf_name = tf[model_type] if isinstance(tf[model_type], str) else tf[model_type][0]
        if pt_name in owner and has_tf_twin(models, owner[pt_name]):
            targets.append(Target(owner[pt_name], pt_name, True, model_type, tf_name))
    return targets


# -- causes: failures grouped by construct (pure) -----------------------------------------------------------------

_NOISE = [
    (re.compile(r"\{\{function_node [^}]*\}\}"), ""),
    (re.compile(r"Exception encountered when calling layer '[^']*' \(type \w+\)\.?"), ""),
    (re.compile(r"Call arguments received by layer.*", re.S), ""),
    (re.compile(r"\s+"), " "),
]


def _clean(message: str) -> str:
    for pattern, replacement in _NOISE:
        message = pattern.sub(replacement, message)
    return message.strip()


def _generic(message: str, prefix: str | None) -> str:
    """Model-specific parts out: class names with the model's prefix, shapes, numbers, paths."""
    if prefix:
        message = re.sub(rf"\b(TF)?{re.escape(prefix)}(?=[A-Z_]|\b)", r"\1<X>", message)
    message = re.sub(
        r"\bEagerTensor\b|\bSymbolicTensor\b|\btensorflow\.python\.framework\.\w+\.Tensor\b", "Tensor", message
    )
    message = re.sub(r"'TF\w+'", "'<layer>'", message)
    message = re.sub(r"\[[\d, ]*\]|\([\d, ]*\)|TensorShape\(\[[^\]]*\]\)", "<shape>", message)
    message = re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e-?\d+)?\b", "N", message)
    message = re.sub(r"(/[\w.-]+)+\.py", "<file>", message)
    return message


def _no_translation(message: str) -> list[str]:
    """The constructs a scaffold NotImplementedError names."""
    match = re.search(r"no TF translation for (.+?)(?: \(see the TODO| yet|$)", message)
    if not match:
        return []
    return [part.strip() for part in match.group(1).split(", ") if part.strip()]


def cause(error: str | None, where: str | None = None, prefix: str | None = None) -> str:
    """A short, groupable name for a failure: the construct where the message names one.

    `error` is "Type: message"; `where` the function of the generated module it was raised in (`build`, ...)."""
    if not error:
        return ""
    kind, _, message = error.partition(": ")
    message = _clean(message)
    at = f" in {where}" if where else ""
    if kind == "NameError":
        match = re.search(r"name '(\w+)' is not defined", message)
        name = match.group(1) if match else message
        return f"NameError: '{_generic(name, prefix)}' undefined{at}"
    if kind == "KeyError" and "ACT2FN" in message:
        match = re.search(r"function (\S+) not found", message)
        return f"KeyError: activation '{match.group(1) if match else '?'}' not in TF ACT2FN"
    if kind == "NotImplementedError":
        constructs = _no_translation(message)
        if constructs:
            return f"NotImplementedError: no TF translation for {', '.join(constructs)}"
        return f"NotImplementedError: {_generic(message.removeprefix('scaffold: '), prefix)[:110]}"
    if kind == "AttributeError":
        match = re.search(r"'(\w*Config)' object has no attribute '(\w+)'", message)
        if match:
            return f"AttributeError: config has no attribute '{match.group(2)}'{at}"
        match = re.search(r"'([\w.]+)' object has no attribute '(\w+)'", message)
        if match and match.group(1).split(".")[-1] in ("Tensor", "EagerTensor", "SymbolicTensor", "ResourceVariable"):
            return f"AttributeError: tf.Tensor has no method '{match.group(2)}'"
    if kind == "ImportError" and (match := re.search(r"requires the (\w+) library", message)):
        return f"ImportError: needs the {match.group(1)} library (not installed)"
    if kind == "OSError" and "huggingface.co" in message:
        return "OSError: downloads from the Hub (no network)"
    if kind == "ImportError" or kind == "ModuleNotFoundError":
        match = re.search(r"cannot import name '(\w+)' from '([\w.]+)'", message)
        if match:
            return f"ImportError: cannot import '{_generic(match.group(1), prefix)}' from {match.group(2)}"
    return f"{kind}: {_generic(message, prefix)[:120]}{at}"


def row_cause(row: dict) -> str:
    """The cause of the first stage a measured row did not pass ('' for a full pass)."""
    prefix = row.get("prefix")
    if row.get("harness"):
        return f"harness: {cause(row['harness'], None, prefix)}"
    failed = first_failed_stage(row)
    if failed is None:
        return ""
    if failed in ("timeout", "memory", "crash"):
        return f"{failed}: {row.get('error') or ''}".strip()
    if failed == "loads" and not row.get("error"):
        load = row.get("load") or {}
        for key, label in (
            ("missing", "TF weights got no PyTorch value"),
            ("unexpected", "PyTorch weights found no TF home"),
            ("mismatched", "weights of another shape"),
        ):
            if load.get(key):
                first = load[key][0] if isinstance(load[key][0], str) else load[key][0][0]
                return f"load: {label} ({_weight_pattern(first)})"
    if failed == "matches_eager" and not row.get("error"):
        if row.get("shape_mismatch"):
            return f"mismatch: output shape {row['shape_mismatch']}"
        diverged = row.get("first_divergence")
        if diverged:
            return f"mismatch: first diverges at {_generic(diverged.get('pt_class') or '?', prefix)}"
        if row.get("divergence_error"):
            return "mismatch: the divergence could not be located (recording failed)"
        return "mismatch: no module diverges (the output is assembled wrong)"
    if failed == "matches_traced":
        if row.get("traced_error"):
            return f"traced: {cause(row['traced_error'], row.get('traced_where'), prefix)}"
        return "traced: output differs from eager"
    return cause(row.get("error"), row.get("where"), prefix)


def _weight_pattern(name: str) -> str:
    parts = re.sub(r"(?<=[._])\d+(?=[._]|$)", "N", name).split(".")
    return ".".join(parts[-2:])


def first_failed_stage(row: dict) -> str | None:
    if row.get("status") in ("timeout", "memory", "crash"):
        return row["status"]
    for stage in STAGES:
        if not row.get(stage):
            return stage
    return None


def funnel(rows: list[dict]) -> dict[str, int]:
    """How many rows reach each stage (each stage counts only rows that passed every earlier one)."""
    counts = dict.fromkeys(STAGES, 0)
    for row in rows:
        for stage in STAGES:
            if not row.get(stage):
                break
            counts[stage] += 1
    return counts


def group_causes(rows: list[dict], examples: int = 3) -> list[dict]:
    """Failure causes, most frequent first, each with its count and a few example models."""
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        reason = row_cause(row)
        if reason:
            groups[reason].append(row["id"])
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [{"cause": c, "count": len(ids), "examples": ids[:examples]} for c, ids in ordered]


def not_translated(rows: list[dict]) -> Counter:
    """Constructs named by the NotImplementedErrors the runs hit, per row."""
    counts: Counter = Counter()
    for row in rows:
        counts.update(
            set(_no_translation(row.get("error") or "")) | set(_no_translation(row.get("traced_error") or ""))
        )
    return counts


def todo_construct(message: str) -> str:
    """A TODO(scaffold) message without its model-specific parts (attribute names in backticks, numbers)."""
    constructs = _no_translation(message)
    if constructs:
        return "no TF translation for " + ", ".join(constructs)
    message = re.sub(r"`[^`]*`", "`<name>`", message)
    return re.sub(r"\b\d+\b", "N", message)[:120]


# -- the run: port, measure in workers, report -------------------------------------------------------------------


def copy_checkout(checkout: Path, into: Path) -> Path:
    """A scratch copy of the checkout (src, docs, tests, utils and the ruff config: what `scaffold port` reads)."""
    root = into / "transformers"
    root.mkdir(parents=True)
    for name in ("src", "docs", "tests", "utils"):
        if (checkout / name).is_dir():
            shutil.copytree(checkout / name, root / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "ruff.toml", "setup.py"):
        if (checkout / name).is_file():
            shutil.copy2(checkout / name, root / name)
    return root


def port_file(root: Path, target: Target, pairs: bool) -> dict:
    """Port (or convert) one modeling file into the scratch checkout as scaffold's CLI would. Returns the
    generated module's dotted name, its path, the TODO count and the model prefix, or an error."""
    from scaffold.checkout import Checkout
    from scaffold.convert import convert_source
    from scaffold.errors import ScaffoldError
    from scaffold.files import modeling_layers_source, read_python_source
    from scaffold.plan import Plan
    from scaffold.port import plan_port

    models = root / "src/transformers/models"
    pt_path = models / target.file
    suffix = "_scaffold" if pairs else ""
    tf_path = pt_path.parent / f"modeling_tf_{target.stem}{suffix}.py"
    start = time.perf_counter()
    result: dict = {}
    try:
        if target.portable and not pairs:
            plan, report = plan_port(Checkout.open(root, target.stem))
            plan.validate()
            plan.apply()
            result["via"] = "port"
            result["prefix"] = report.prefix
            # a composite model's sub-model without a TF port: the port's note says what to port first, and
            # the user would (`scaffold port llama` for LLaVA); a dependency already ported is left as it is
            for dependency in re.findall(r"Port it first \(`scaffold port (\w+)`\)", "\n".join(report.notes)):
                if not (models / dependency / f"modeling_tf_{dependency}.py").exists():
                    try:
                        dep_plan, _ = plan_port(Checkout.open(root, dependency))
                        dep_plan.validate()
                        dep_plan.apply()
                        result.setdefault("dependencies", []).append(dependency)
                    except Exception as error:  # the measure then fails on the sub-model, naming it
                        result.setdefault("dependency_errors", []).append(f"{dependency}: {error}")
        else:
            converted = convert_source(
                read_python_source(pt_path),
                target.stem,
                filename=str(pt_path.relative_to(root)),
                layers_source=modeling_layers_source(pt_path),
            )
            plan = Plan(tf_path.parent)
            plan.add(tf_path, None, converted.code)
            plan.apply()
            result["via"] = "convert"
            result["prefix"] = converted.summary.prefix if converted.summary else None
    except ScaffoldError as error:
        result["error"] = f"ScaffoldError: {error.message}"
    except Exception as error:  # a converter crash is a finding, not the end of the run
        result["error"] = f"{type(error).__name__}: {error}"
    result["seconds"] = round(time.perf_counter() - start, 2)
    if "error" not in result:
        result["tf_path"] = str(tf_path)
        dotted = ".".join(tf_path.relative_to(root / "src").with_suffix("").parts)
        result["tf_module"] = dotted
        text = tf_path.read_text(encoding="utf-8")
        result["todos"] = [todo_construct(m) for m in re.findall(r"#\s*TODO\(scaffold\):\s*(.*)", text)]
    return result


def undefined_names(paths: list[str]) -> dict[str, list[str]]:
    """ruff F821 over the generated files: path -> the undefined names, one entry per occurrence."""
    found: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(paths), 100):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--isolated",
                "--select",
                "F821",
                "--output-format",
                "json",
                "--no-cache",
                "--quiet",
                *paths[start : start + 100],
            ],
            capture_output=True,
            text=True,
        )
        for item in json.loads(done.stdout or "[]"):
            name = item["message"].split("`")[1] if "`" in item["message"] else item["message"]
            found[item["filename"]].append(name)
    return found


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_workers(src: Path, jobs: list[dict], timeout: float, chunk: int, memory_mib: float, log) -> dict[str, dict]:
    """Measure every job in worker processes, `chunk` jobs per process, one process at a time. A job that runs
    past `timeout` seconds or past `memory_mib` of memory, or whose worker dies, is recorded as such and the
    rest go on in a new worker."""
    results: dict[str, dict] = {}
    pending = list(jobs)
    worker = Path(__file__).with_name("new_ports_worker.py")
    # scaffold from this tree first; whatever else PYTHONPATH names after it (an overlay with the `bench` extra)
    path = [str(ROOT), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    while pending:
        batch, pending = pending[:chunk], pending[chunk:]
        with tempfile.TemporaryDirectory() as folder:
            jobs_file, out_file = Path(folder) / "jobs.json", Path(folder) / "out.jsonl"
            jobs_file.write_text(json.dumps(batch))
            out_file.touch()
            stderr = open(Path(folder) / "stderr.txt", "w+")
            process = subprocess.Popen(
                [
                    "nice",
                    "-n",
                    "5",
                    sys.executable,
                    str(worker),
                    "--src",
                    str(src),
                    "--jobs",
                    str(jobs_file),
                    "--out",
                    str(out_file),
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                start_new_session=True,
            )
            current, started, offset, stage = None, time.monotonic(), 0, None
            ended = None
            while True:
                with open(out_file) as handle:
                    handle.seek(offset)
                    chunk_text = handle.read()
                lines = chunk_text.split("\n")
                complete, rest = lines[:-1], lines[-1]
                offset += len(chunk_text) - len(rest)
                for line in complete:
                    event = json.loads(line)
                    if event["event"] == "start":
                        current, started, stage = event["id"], time.monotonic(), None
                    elif event["event"] == "stage":
                        stage = event["stage"]
                    elif event["event"] == "done":
                        results[event["id"]] = event["row"]
                        log(event["row"])
                        current = None
                    elif event["event"] == "ready":
                        started = time.monotonic()
                if process.poll() is not None:
                    ended = "exit"
                    break
                if current is not None and time.monotonic() - started > timeout:
                    ended = "timeout"
                elif current is not None and _rss_mib(process.pid) > memory_mib:
                    ended = "memory"
                if ended:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    break
                time.sleep(0.2)
            stderr.seek(0)
            tail = stderr.read()[-2000:]
            stderr.close()
            unfinished = [j for j in batch if j["id"] not in results]
            if current is not None and current not in results:
                job = next(j for j in batch if j["id"] == current)
                status = ended if ended in ("timeout", "memory") else "crash"
                detail = {
                    "timeout": f"over {timeout:.0f} s",
                    "memory": f"over {memory_mib:.0f} MiB",
                }.get(
                    ended,
                    f"worker exit {process.returncode}: {tail.strip().splitlines()[-1][:200] if tail.strip() else ''}",
                )
                row = {**job, "status": status, "error": f"{detail} (during {stage or 'start'})"}
                results[current] = row
                log(row)
                unfinished = [j for j in unfinished if j["id"] != current]
            elif unfinished and current is None and not any(j["id"] in results for j in batch):
                # the worker died before its first job: the harness cannot run at all here
                raise SystemExit(f"the worker failed before any model:\n{tail}")
            pending = unfinished + pending
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="only these (folder names or models/-relative files)")
    parser.add_argument("--checkout", type=Path, default=Path("/work/checkouts/t457"), help="a transformers checkout")
    parser.add_argument("--set", choices=("pt-only", "pairs"), default="pt-only")
    parser.add_argument("--out", type=Path, help="results folder (default benchmarks/results/new_ports/<ver>-<set>)")
    parser.add_argument("--timeout", type=float, default=150, help="seconds per model")
    parser.add_argument("--chunk", type=int, default=25, help="models per worker process")
    parser.add_argument("--memory", type=float, default=8192, help="MiB a worker may use")
    parser.add_argument("--primary-only", action="store_true", help="only each file's primary class")
    parser.add_argument("--keep", type=Path, help="keep the ported scratch checkout in this (new) folder")
    args = parser.parse_args()

    if not (args.checkout / "src/transformers/__init__.py").is_file():
        sys.exit(f"{args.checkout}: not a transformers checkout (no src/transformers/__init__.py)")
    version = re.search(r'__version__ = "([^"]+)"', (args.checkout / "src/transformers/__init__.py").read_text())[1]
    out = args.out or ROOT / f"benchmarks/results/new_ports/{version}-{args.set}"
    pairs = args.set == "pairs"
    started = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="new_ports-") if args.keep is None else str(args.keep)
    try:
        root = copy_checkout(args.checkout, Path(scratch))
        models = root / "src/transformers/models"
        targets = pair_targets(models) if pairs else pt_only_targets(models)
        if args.files:
            targets = [t for t in targets if t.folder in args.files or t.file in args.files or t.stem in args.files]
        if args.primary_only:
            targets = [t for t in targets if t.primary]
        print(f"transformers {version}: {len(targets)} classes in {len({t.file for t in targets})} files", flush=True)

        ported: dict[str, dict] = {}
        for target in targets:
            key = target.file if not pairs else f"{target.file}:{target.model_type}"
            if key not in ported:
                ported[key] = port_file(root, target, pairs)
        port_seconds = time.perf_counter() - started
        print(f"ported in {port_seconds:.0f} s", flush=True)
        generated = sorted({p["tf_path"] for p in ported.values() if "tf_path" in p})
        f821 = undefined_names(generated)

        rows, jobs = {}, []
        for target in targets:
            port = ported[target.file if not pairs else f"{target.file}:{target.model_type}"]
            base = {
                **asdict(target),
                "id": target.id if not pairs else f"{target.model_type}:{target.pt_class}",
                "prefix": port.get("prefix"),
                "via": port.get("via"),
                "port_seconds": port["seconds"],
                "todos": len(port.get("todos", [])),
                "f821": len(f821.get(port.get("tf_path", ""), [])),
            }
            if "error" in port or not target.pt_class:
                rows[base["id"]] = {
                    **base,
                    "converted": False,
                    "error": port.get("error") or "no PreTrainedModel class to measure in the file",
                }
                continue
            pt_module = "transformers.models." + target.file[: -len(".py")].replace("/", ".")
            jobs.append(
                {
                    **base,
                    "converted": True,
                    "pt_module": pt_module,
                    "tf_module": port["tf_module"],
                    "tf_path": port["tf_path"],
                }
            )

        def log(row: dict) -> None:
            failed = first_failed_stage(row)
            verdict = "MATCH" if failed is None else ("eager" if failed == "matches_traced" else "")
            print(f"{row['id']:<55} {verdict:<6} {row_cause(row)[:110]}", flush=True)

        measure_start = time.perf_counter()
        rows.update(run_workers(root / "src", jobs, args.timeout, args.chunk, args.memory, log))
        measure_seconds = time.perf_counter() - measure_start
        rows = [rows[k] for k in sorted(rows)]
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)

    for row in rows:
        row["cause"] = row_cause(row)
    primary = [r for r in rows if r.get("primary")]
    todo_counts = Counter(c for p in ported.values() for c in p.get("todos", []))
    f821_names = Counter(n for names in f821.values() for n in names)
    summary = {
        "transformers": version,
        "checkout": str(args.checkout),
        "set": args.set,
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, shared",
        "files": len(ported),
        "classes": len(rows),
        "funnel_primary": funnel(primary),
        "funnel_all_classes": funnel(rows),
        "harness_failures_primary": sum(1 for r in primary if r.get("harness")),
        "files_with_any_class_matching_traced": len({r["file"] for r in rows if first_failed_stage(r) is None}),
        "relaxed_requirements": sorted({x for r in rows for x in r.get("relaxed", [])}),
        "causes_primary": group_causes(primary),
        "causes_all_classes": group_causes(rows),
        "not_translated_hit": not_translated(rows).most_common(),
        "todo_constructs": todo_counts.most_common(),
        "todo_total": sum(todo_counts.values()),
        "f821_total": sum(f821_names.values()),
        "f821_files": sum(1 for names in f821.values() if names),
        "f821_names": f821_names.most_common(40),
        "seconds": {
            "port": round(port_seconds),
            "measure": round(measure_seconds),
            "total": round(time.perf_counter() - started),
        },
    }
    if pairs:
        reference_ok = [r for r in rows if r.get("reference_matches")]
        summary["hand_written_matches_eager"] = len(reference_ok)
        summary["generated_matches_where_hand_written_matches"] = funnel(reference_ok)
    out.mkdir(parents=True, exist_ok=True)
    for row in rows:
        (out / f"{row['id'].replace(':', '__')}.json").write_text(json.dumps(row, indent=1))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print_report(summary)


def print_report(summary: dict) -> None:
    print(
        f"\ntransformers {summary['transformers']} ({summary['set']}): {summary['files']} files, "
        f"{summary['classes']} classes; {summary['seconds']}"
    )
    for label, key in (("primary class per file", "funnel_primary"), ("all classes", "funnel_all_classes")):
        print(f"funnel ({label}): " + " / ".join(f"{s} {n}" for s, n in summary[key].items()))
    print(f"harness failures (PyTorch itself, or inputs, at the tiny size): {summary['harness_failures_primary']}")
    print(f"F821: {summary['f821_total']} in {summary['f821_files']} files; TODO(scaffold): {summary['todo_total']}")
    print("\ncauses (primary classes), most frequent first:")
    for item in summary["causes_primary"][:40]:
        print(f"  {item['count']:>3}  {item['cause'][:120]}   e.g. {', '.join(item['examples'])}")


if __name__ == "__main__":
    main()
