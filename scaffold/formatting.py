"""Format generated Python the way transformers does: ruff (isort rules, unused imports, format) at line
length 119, with the checkout's own settings when one is given; black in-process where ruff cannot run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LINE_LENGTH = 119


def _ruff() -> list[str] | None:
    executable = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    return [executable] if Path(executable).exists() else None


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
