"""File I/O at the edge: reading the Python files scaffold is given (writes go through scaffold.plan.Plan)."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import ScaffoldError


def read_python_source(path: Path) -> str:
    """The text of a Python file, or a ScaffoldError naming the problem."""
    if not path.exists():
        raise ScaffoldError("no such file; give the path to a PyTorch modeling_<model>.py", file=path)
    if path.is_dir():
        raise ScaffoldError("is a folder; give the path to a PyTorch modeling_<model>.py", file=path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScaffoldError(f"cannot read it ({error.strerror}); check its permissions", file=path) from None
    if b"\0" in data:
        raise ScaffoldError("not a Python source file (binary data); give a modeling_<model>.py", file=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldError("not UTF-8 text; give a Python source file saved as UTF-8", file=path) from None


def modeling_layers_source(modeling_file: Path | None = None) -> str | None:
    """The text of transformers' `modeling_layers.py` (the generic heads) for a PyTorch modeling file: the one in
    the same transformers tree (`<src>/transformers/models/<m>/modeling_<m>.py`), else the installed package's
    (found without importing it), else None."""
    import importlib.util

    candidates = []
    if modeling_file is not None:
        candidates.append(Path(modeling_file).resolve().parent.parent.parent / "modeling_layers.py")
    spec = importlib.util.find_spec("transformers")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "modeling_layers.py")
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


_MODEL_NAME = re.compile(r"[A-Za-z][\w\-]*")


def convert_source_path(argument: str) -> Path:
    """What `scaffold convert ARGUMENT` converts: a modeling file; a model folder (`.../models/llama`: its
    `modeling_llama.py`); or, when no such file or folder exists, a model name (`llama`, `xlm-roberta`): that
    model's modeling file in the installed transformers, found without importing it."""
    path = Path(argument)
    if path.is_dir() and (path / f"modeling_{path.name}.py").is_file():
        return path / f"modeling_{path.name}.py"
    if path.exists() or not _MODEL_NAME.fullmatch(argument):
        return path
    return installed_modeling_file(argument)


def installed_modeling_file(name: str) -> Path:
    """`llama` -> `<site-packages>/transformers/models/llama/modeling_llama.py`, or a ScaffoldError naming the fix."""
    import difflib
    import importlib.util
    from importlib import metadata

    try:
        spec = importlib.util.find_spec("transformers")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        raise ScaffoldError(
            f"{name}: no such file, and no transformers is installed to find the model in; "
            "pip install transformers (4.x), or give the path to a modeling_<model>.py"
        )
    models = Path(spec.origin).parent / "models"
    folder = name.replace("-", "_")
    path = models / folder / f"modeling_{folder}.py"
    if path.is_file():
        return path
    try:
        version = metadata.version("transformers")
    except metadata.PackageNotFoundError:
        version = "?"
    known = sorted(p.parent.name for p in models.glob("*/modeling_*.py") if p.stem == f"modeling_{p.parent.name}")
    close = difflib.get_close_matches(folder, known, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "give a folder name under transformers/models or a path"
    raise ScaffoldError(
        f"unknown model '{name}': the installed transformers {version} has no models/{folder}/modeling_{folder}.py; "
        + hint
    )
