"""Format generated Python the way transformers does: ruff (isort rules, unused imports, format) at line
length 119, with the checkout's own settings when one is given; black in-process where ruff cannot run.

Before formatting, ruff's fixes run as `make fixup` would run them (`ruff check --fix` with the checkout's own
rules), plus the C4 rewrites of redundant builtin calls (`tuple(tuple(x))` -> `tuple(x)`), which ruff calls
unsafe only because a user may shadow the builtins; generated code never does. A step that cannot run is
skipped: formatting never fails a conversion."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LINE_LENGTH = 119


def _ruff() -> list[str] | None:
    executable = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if Path(executable).exists():
        return [executable]
    try:  # the ruff package knows where its binary went (another prefix, a --target install)
        from ruff import find_ruff_bin  # type: ignore[import-untyped]

        return [str(find_ruff_bin())]
    except (ImportError, FileNotFoundError):
        return None


def format_source(code: str, *, settings: Path | None = None, filename: str = "modeling_tf.py") -> str:
    ruff = _ruff()
    if ruff is not None:
        config = ["--config", str(settings)] if settings else ["--line-length", str(LINE_LENGTH)]
        fixed = _run(
            [
                *ruff,
                "check",
                "--quiet",
                "--fix-only",
                "--select",
                "I,F401",
                *config,
                "--stdin-filename",
                filename,
                "-",
            ],
            code,
        )
        if fixed is not None:
            steps = [["--unsafe-fixes", "--select", "C4"]]  # the redundant-call rewrites, any config
            if settings:
                steps.insert(0, [])  # the checkout's own rules, safe fixes only (make fixup)
            for extra in steps:
                command = [*ruff, "check", "--quiet", "--fix-only", *extra, *config, "--stdin-filename", filename, "-"]
                fixed = _run(command, fixed) or fixed
            formatted = _run([*ruff, "format", "--quiet", *config, "--stdin-filename", filename, "-"], fixed)
            if formatted is not None:
                return formatted
    import black

    try:
        return black.format_str(code, mode=black.Mode(line_length=LINE_LENGTH))
    except black.InvalidInput:
        return code


def _run(command: list[str], code: str) -> str | None:
    try:
        done = subprocess.run(command, input=code, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def undefined_names(code: str, filename: str = "modeling_tf.py") -> list[tuple[int, str]] | None:
    """ruff's F821 findings on the code, as (line, name); None when ruff cannot run. Isolated from any
    configuration: an undefined name is one whatever the project selects."""
    import json

    ruff = _ruff()
    if ruff is None:
        return None
    command = [*ruff, "check", "--isolated", "--select", "F821", "--output-format", "json"]
    try:
        done = subprocess.run(
            [*command, "--stdin-filename", filename, "-"], input=code, capture_output=True, text=True, timeout=60
        )
        findings = json.loads(done.stdout) if done.returncode in (0, 1) else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if findings is None:
        return None
    found = []
    for finding in findings:
        message = finding.get("message", "")
        name = message.split("`")[1] if message.count("`") >= 2 else message
        found.append((int(finding["location"]["row"]), name))
    return found
