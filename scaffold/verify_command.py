"""`scaffold verify` at the edge: check the request, run the worker in a fresh process, render its report.

The worker (`scaffold.checks.verify`) runs in a child process with the checkout's `src` first on its path, so
the transformers it imports is the checkout's own, whatever this process or its environment has installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .checkout import Checkout
from .errors import ScaffoldError

# What verify's worker imports besides the checkout's transformers: module -> the package that provides it.
FRAMEWORKS = {"tensorflow": "tensorflow", "torch": "torch"}


def missing_frameworks(
    find_spec: Callable[[str], object] | None = None, keras_version: str | None = None
) -> list[str]:
    """The packages verify needs and this Python lacks (found without importing them). TensorFlow with Keras 3
    also needs tf-keras: transformers' TF classes are written for Keras 2."""
    import importlib.util
    from importlib import metadata

    def present(module: str) -> bool:
        try:
            return (find_spec or importlib.util.find_spec)(module) is not None
        except (ImportError, ValueError):
            return False

    missing = [package for module, package in FRAMEWORKS.items() if not present(module)]
    if keras_version is None:
        try:
            keras_version = metadata.version("keras")
        except metadata.PackageNotFoundError:
            keras_version = ""
    major = keras_version.split(".")[0]
    if "tensorflow" not in missing and major.isdigit() and int(major) >= 3 and not present("tf_keras"):
        missing.append("tf-keras")
    return missing


def run_verify(
    repo: Path | None,
    model: str,
    atol: float,
    config_path: Path | None,
    classes: tuple[str, ...] = (),
    xla: bool = False,
) -> tuple[str, int]:
    from .checks.verify_report import render

    checkout = Checkout.open(repo, model)
    tf_file = checkout.model_dir / f"modeling_tf_{model}.py"
    if not tf_file.is_file():
        raise ScaffoldError(f"no {checkout.rel(tf_file)}: run `scaffold port {model}` first, then verify")
    if not atol > 0:
        raise ScaffoldError(f"--atol {atol}: must be a positive number such as 1e-5")
    if config_path is not None:
        try:
            json.loads(Path(config_path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ScaffoldError(f"--config {config_path}: not a readable config.json ({error})") from error
    missing = missing_frameworks()
    if missing:
        raise ScaffoldError(
            f"scaffold verify runs the model in both frameworks and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed; pip install 'scaffold[frameworks]'"
        )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        command = [sys.executable, "-m", "scaffold.checks.verify", "--src", str(checkout.src.parent)]
        command += ["--model", model, "--atol", repr(atol), "--out", str(out)]
        for name in classes:
            command += ["--class", name]
        if xla:
            command.append("--xla")
        if config_path is not None:
            command += ["--config", str(Path(config_path).resolve())]
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[1])  # scaffold itself, wherever it is installed
        env["PYTHONPATH"] = os.pathsep.join([str(checkout.src.parent), here, env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # importing the checkout must not write __pycache__ into it
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder)
        if not out.is_file():
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            return f"scaffold verify {model}: the worker stopped (exit {done.returncode}):\n{tail}\n", 1
        report = json.loads(out.read_text())
    if report.get("unknown_classes"):
        known = ", ".join(report.get("known_classes", []))
        raise ScaffoldError(
            f"--class {', '.join(report['unknown_classes'])}: not a TF model class of {model}; one of {known}"
        )
    return render(report)
