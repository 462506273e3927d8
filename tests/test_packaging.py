"""scaffold as a user installs it: the built wheel, in a fresh environment without TensorFlow, torch or transformers.

The wheel is built offline from a copy of the sources (`pip wheel --no-deps --no-build-isolation`) and installed
into a new venv with `--no-deps --no-index`. Its runtime dependencies (click, libcst, jinja2, black, ruff) come
from this venv's site-packages through a `.pth` line: a path added that way is not itself scanned for `.pth`
files, so this venv's editable scaffold is not picked up (asserted below), and the frameworks are hidden by an
import blocker. An editable install reads templates/ in place and would hide a missing package-data line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import NO_FRAMEWORKS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "scaffold", "templates")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in SHIPPED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    done = subprocess.run([*command, "-w", str(work / "dist"), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (built,) = (work / "dist").glob("scaffold-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; the dependencies visible, the frameworks not. Returns its bin/."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q"]
    done = subprocess.run([*install, str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    site = Path(purelib)
    (site / "_no_frameworks.py").write_text(NO_FRAMEWORKS)
    (site / "zz_dev_dependencies.pth").write_text("import _no_frameworks\n" + sysconfig.get_paths()["purelib"] + "\n")
    return env / "bin"


def run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """A command of the venv, run away from the source tree (`python -c` puts the working folder on sys.path)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    command = [str(bin_dir / args[0]), *args[1:]]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=bin_dir.parent)


def test_the_wheel_ships_templates_and_py_typed(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (ROOT / "templates").glob("*.jinja"))
    assert templates, "templates/ is empty"
    assert {f"scaffold/_templates/{t}" for t in templates} <= names
    assert "scaffold/py.typed" in names


def test_the_installed_wheel_ports_checks_and_refuses_verify_in_one_line(venv, pristine_checkout, tmp_path):
    where = run(venv, "python", "-c", "import scaffold, sys; print(scaffold.__file__); print('torch' in sys.modules)")
    assert where.returncode == 0, where.stderr
    assert where.stdout.splitlines()[0].startswith(str(venv.parent)), "the wheel's scaffold must be the one running"
    blocked = run(venv, "python", "-c", "import tensorflow")
    assert "No module named 'tensorflow'" in blocked.stderr

    checkout = tmp_path / "transformers"
    shutil.copytree(pristine_checkout, checkout)
    dry = run(venv, "scaffold", "port", "llama", "--dry-run", "--repo", str(checkout))
    assert dry.returncode == 0, dry.stderr
    assert "+[[autodoc]] TFLlamaModel" in dry.stdout  # docs sections: templates/doc_tf_sections.md.jinja
    # the test file templates: the pristine checkout has no tests/test_modeling_tf_common.py, so scaffold's own
    assert "+class TFLlamaModelTest(TFPortTesterMixin, unittest.TestCase):" in dry.stdout
    assert "+++ b/tests/tf_port_common.py" in dry.stdout
    assert "dry run, nothing written" in dry.stderr  # the summary template

    assert run(venv, "scaffold", "port", "llama", "--repo", str(checkout)).returncode == 0
    check = run(venv, "scaffold", "check", "llama", "--repo", str(checkout))
    assert check.returncode in (0, 1), check.stderr
    assert "6. registration" in check.stdout and "Traceback" not in check.stderr
    assert "✓ 7. the module imports" in check.stdout  # resolved statically: no framework needed
    assert "8. no undefined names (ruff F821) (1 checked)" in check.stdout  # ruff ran

    verify = run(venv, "scaffold", "verify", "llama", "--repo", str(checkout))
    assert verify.returncode == 2
    assert verify.stderr.strip().count("\n") == 0
    assert "tensorflow, torch are not installed; pip install 'scaffold[frameworks]'" in verify.stderr

    convert = run(venv, "scaffold", "convert", "llama")
    assert convert.returncode == 2 and convert.stderr.strip().count("\n") == 0
    assert "no transformers is installed" in convert.stderr
