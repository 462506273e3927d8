"""transformers' own consistency scripts before and after `scaffold port`, on real checkouts of two eras.

    python benchmarks/consistency.py [--era 4.46=/work/checkouts/t446] [--era 4.57=/work/checkouts/t457]
        [--models llama qwen2 gpt_neox] [--pythonpath [ERA=]DIR ...] [--ruff [ERA=]DIR ...] [--json out.json]

For each era, the scripts are the ones the checkout's own Makefile runs in `make repo-consistency` and
`make quality` (the check-only half of `make fixup` / `make style`), read from the Makefile, `$(check_dirs)`
substituted, run from the checkout's root with PYTHONPATH=src as `make` would. Each runs on a fresh copy of the
checkout (never the checkout itself) before the port, then on a fresh copy per model after
`scaffold port <model>` and `git add -A` (check_docstrings checks the objects of files staged or changed against
a `main` branch, which the copy gets). A script that fails before the port is compared on its output: "same"
means the port added no line to what it reports.

`utils/check_repo.py` stops at its first failing check; here its checks run one by one (in the order of its
`check_repo_quality`) so a failure the environment causes before the port cannot hide one the port causes.

The environment: transformers' scripts need packages scaffold does not (pillow, GitPython, torchvision; the
4.46 sources want tokenizers<0.21) and ruff at the version the checkout pins. Give them without touching the
venv: `--pythonpath 4.46=DIR` (prepended after src, for one era or, without `ERA=`, for all), and
`--ruff 4.46=DIR` (a folder holding that ruff's `ruff` executable). What was used is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCAFFOLD_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ERAS = ["4.46=/work/checkouts/t446", "4.57=/work/checkouts/t457"]
TARGETS = ("repo-consistency", "quality")
# Lines of output that carry no finding: TF/absl start-up chatter, timings, tracebacks' code lines.
NOISE = re.compile(
    r"^(I0000|W0000|E0000|WARNING: All log messages|To enable the following instructions|.*cudart_stub|.*port\.cc|"
    r"\s*\^+\s*$|\s*~+\s*$|.*Checking docstrings in the following files|\s*- src/)"
)

# check_repo.py, one check at a time: the names come from its own check_repo_quality().
CHECK_REPO_DRIVER = """\
import ast, inspect, sys
sys.path.insert(0, "utils")
import check_repo
body = ast.parse(inspect.getsource(check_repo.check_repo_quality)).body[0]
names = [n.func.id for n in ast.walk(body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
         and n.func.id.startswith("check_") and hasattr(check_repo, n.func.id)]
failed = 0
for name in names:
    try:
        getattr(check_repo, name)()
        print(f"{name}: ok")
    except BaseException as error:
        failed += 1
        message = " ".join(str(error).split())[:600]
        print(f"{name}: FAIL: {type(error).__name__}: {message}")
sys.exit(1 if failed else 0)
"""


@dataclass
class Run:
    command: str
    status: int
    seconds: float
    output: str  # stdout + stderr, noise removed

    @property
    def ok(self) -> bool:
        return self.status == 0


@dataclass
class EraResult:
    era: str
    checkout: str
    ruff: str
    pythonpath: list[str]
    commands: list[str]
    before: dict[str, Run] = field(default_factory=dict)
    after: dict[str, dict[str, Run]] = field(default_factory=dict)  # model -> command -> run
    port: dict[str, str] = field(default_factory=dict)  # model -> scaffold port's summary (or its error)


def makefile_commands(root: Path) -> list[str]:
    """The shell lines of the check targets, as `make` would run them (variables substituted, `@` dropped)."""
    text = (root / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*:=\s*(.*)$", text, re.M))
    commands: list[str] = []
    for target in TARGETS:
        block = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.M)
        if block is None:
            continue
        for line in block.group(1).splitlines():
            line = line.strip().removeprefix("@")
            line = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), "").strip(), line)
            if line and line not in commands:
                commands.append(line)
    return commands


def pinned_ruff(root: Path) -> str | None:
    match = re.search(r'"ruff==([\d.]+)"', (root / "setup.py").read_text())
    return match.group(1) if match else None


def clean(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.splitlines() if line.strip() and not NOISE.match(line))


def run_command(command: str, root: Path, env: dict[str, str]) -> Run:
    shell = command
    if command == "python utils/check_repo.py":
        shell = f"python -c {shlex.quote(CHECK_REPO_DRIVER)}"
    start = time.perf_counter()
    done = subprocess.run(
        ["nice", "-n", "5", "bash", "-c", shell], cwd=root, env=env, capture_output=True, text=True, timeout=1800
    )
    return Run(command, done.returncode, time.perf_counter() - start, clean(done.stdout + "\n" + done.stderr))


def fresh_copy(checkout: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["cp", "-a", str(checkout), str(target)], check=True)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@invalid"]
    branches = subprocess.run([*git, "branch", "--list", "main"], cwd=target, capture_output=True, text=True).stdout
    if not branches.strip():
        subprocess.run([*git, "branch", "main", "HEAD"], cwd=target, check=True, capture_output=True)
    return target


def environment(root_env: dict[str, str], pythonpath: list[str], ruff_dir: str | None) -> dict[str, str]:
    env = dict(root_env)
    env["PYTHONPATH"] = os.pathsep.join(["src", *pythonpath])
    path = [str(Path(sys.executable).parent), env.get("PATH", "")]
    if ruff_dir:
        path.insert(0, ruff_dir)
    env["PATH"] = os.pathsep.join(path)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_era(era: str, checkout: Path, models: list[str], work: Path, args) -> EraResult:
    pythonpath = [p.split("=", 1)[-1] for p in args.pythonpath if "=" not in p or p.split("=", 1)[0] == era]
    ruff_dirs = [r.split("=", 1)[-1] for r in args.ruff if "=" not in r or r.split("=", 1)[0] == era]
    ruff_dir = ruff_dirs[0] if ruff_dirs else None
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env = environment(base_env, pythonpath, ruff_dir)
    ruff_version = subprocess.run(["ruff", "--version"], env=env, capture_output=True, text=True).stdout.strip()
    pinned = pinned_ruff(checkout)
    commands = [c for c in makefile_commands(checkout) if not args.only or args.only in c]
    result = EraResult(era, str(checkout), f"{ruff_version} (checkout pins {pinned})", pythonpath, commands)
    print(f"== {era}: {checkout}; {result.ruff}; extra PYTHONPATH {pythonpath or '-'}", file=sys.stderr)

    root = fresh_copy(checkout, work / f"{era}-before")
    for command in commands:
        result.before[command] = run_command(command, root, env)
        print(f"   before  {_mark(result.before[command])}  {command}", file=sys.stderr)
    shutil.rmtree(root)

    # scaffold formats with the first ruff on PATH: the checkout's pinned one, as in a transformers dev set-up
    scaffold_env = dict(base_env, PYTHONPATH=str(SCAFFOLD_ROOT), PATH=env["PATH"])
    for model in models:
        root = fresh_copy(checkout, work / f"{era}-{model}")
        done = subprocess.run(
            [sys.executable, "-m", "scaffold.cli", "port", model, "--repo", str(root)],
            env=scaffold_env,
            capture_output=True,
            text=True,
        )
        result.port[model] = done.stderr.strip().splitlines()[0] if done.stderr.strip() else ""
        todos = re.search(r"(\d+) TODO\(scaffold\)", done.stderr)
        if todos:
            result.port[model] += f" ({todos.group(1)} TODO(scaffold))"
        if done.returncode != 0:
            print(f"   {model}: scaffold port failed: {done.stderr.strip()}", file=sys.stderr)
            continue
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        runs = result.after.setdefault(model, {})
        for command in commands:
            runs[command] = run_command(command, root, env)
            print(f"   {model:<8} {_mark(runs[command])}  {command}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(root)
    return result


def _mark(run: Run) -> str:
    return "pass" if run.ok else f"FAIL({run.status})"


# the lines that say what failed: a ruff finding (path:line:col: CODE), a check's FAIL line, an exception
_FINDING = re.compile(r"^\S+:\d+:\d+: [A-Z]+\d+ |: FAIL: |^\w*(Error|Exception): ")

# a copy's own folder (…/4.46-llama/…) in a script's output is not a finding: outputs are compared without it
_COPY = re.compile(r"\S*/\d+\.\d+-[\w.-]+(?=/)")


def new_lines(before: Run, after: Run) -> list[str]:
    """The lines of after's output that before's lacks, copy folders aside; order does not matter (several
    scripts print sets)."""
    seen = {_COPY.sub("<copy>", line) for line in before.output.splitlines()}
    return [line for line in after.output.splitlines() if _COPY.sub("<copy>", line) not in seen]


def verdict(before: Run, after: Run) -> str:
    if after.ok:
        return "pass" if before.ok else "pass (fixed)"
    if before.ok:
        return "**FAIL**"
    return "fail, nothing new" if not new_lines(before, after) else "**FAIL, new findings**"


def short(command: str) -> str:
    command = re.sub(r"^python (utils/)?", "", command)
    command = command.split(" || ")[0]
    if command.startswith("-c"):
        return "from transformers import *"
    return re.sub(
        r" (examples|tests|src|utils|scripts|benchmark|benchmark_v2|setup\.py|conftest\.py)(?= |$)", "", command
    )


def report(results: list[EraResult]) -> str:
    lines = []
    for era in results:
        models = list(era.after)
        lines.append(f"\n### transformers {era.era} ({era.checkout})\n")
        lines.append(f"ruff: {era.ruff}; extra PYTHONPATH: {', '.join(era.pythonpath) or '-'}")
        for model, summary in era.port.items():
            lines.append(f"- `scaffold port {model}`: {summary}")
        lines.append("")
        lines.append("| script | before | " + " | ".join(f"after {m}" for m in models) + " |")
        lines.append("|---|---|" + "---|" * len(models))
        for command in era.commands:
            before = era.before[command]
            cells = [verdict(before, era.after[m][command]) for m in models]
            lines.append(f"| `{short(command)}` | {'pass' if before.ok else 'fail'} | " + " | ".join(cells) + " |")
        details = []
        for command in era.commands:
            before = era.before[command]
            if not before.ok:
                output = before.output.splitlines()
                tail = [t for t in output if _FINDING.search(t)][:4] or output[-3:]
                details.append(f"- before, `{short(command)}`: " + " / ".join(t.strip()[:300] for t in tail))
            for model in models:
                after = era.after[model][command]
                if after.ok:
                    continue
                shown = after.output.splitlines() if before.ok else new_lines(before, after)
                findings = [t for t in shown if _FINDING.search(t)]
                shown = (findings or shown[-12:])[:24]
                if shown:
                    details.append(f"- after {model}, `{short(command)}`:")
                    details += [f"    {t.strip()[:400]}" for t in shown]
        if details:
            lines.append("")
            lines += details
    return "\n".join(lines) + "\n"


def load(era: dict) -> EraResult:
    result = EraResult(**{k: v for k, v in era.items() if k not in ("before", "after")})
    result.before = {c: Run(**r) for c, r in era["before"].items()}
    result.after = {m: {c: Run(**r) for c, r in runs.items()} for m, runs in era["after"].items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--era", action="append", help="NAME=CHECKOUT (default: 4.46 and 4.57 under /work/checkouts)")
    parser.add_argument("--models", nargs="+", default=["llama", "qwen2", "gpt_neox"])
    parser.add_argument("--pythonpath", action="append", default=[], help="[ERA=]DIR added to PYTHONPATH after src")
    parser.add_argument("--ruff", action="append", default=[], help="[ERA=]DIR holding the ruff executable to use")
    parser.add_argument("--only", help="run only the commands containing this text (quick iterations)")
    parser.add_argument("--keep", action="store_true", help="keep the ported copies (under --work)")
    parser.add_argument("--work", type=Path, help="where the copies go (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="write every run's status and output here")
    parser.add_argument("--report-from", type=Path, help="render the table of an earlier --json run; run nothing")
    args = parser.parse_args()
    if args.report_from:
        print(report([load(era) for era in json.loads(args.report_from.read_text())]))
        return

    results = []
    with tempfile.TemporaryDirectory(prefix="consistency-") as folder:
        work = args.work or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        for spec in args.era or DEFAULT_ERAS:
            era, _, path = spec.partition("=")
            checkout = Path(path)
            if not (checkout / "Makefile").is_file() or not (checkout / "utils").is_dir():
                sys.exit(f"{checkout}: not a full transformers checkout (no Makefile or utils/)")
            results.append(run_era(era, checkout, args.models, work, args))
    print(report(results))
    if args.json:
        payload = [asdict(r) for r in results]
        args.json.write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
