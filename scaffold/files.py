"""File I/O at the edge: reading the Python files scaffold is given (writes go through scaffold.plan.Plan)."""

from __future__ import annotations

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
