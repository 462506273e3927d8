"""File I/O at the edge: reading the Python files scaffold is given (writes go through scaffold.plan.Plan)."""

from __future__ import annotations

from pathlib import Path

from .errors import ScaffoldError


def read_python_source(path: Path) -> str:
    """The text of a Python file, or a ScaffoldError naming the problem."""
    if not path.exists():
        raise ScaffoldError(f"{path}: no such file; give the path to a PyTorch modeling_<model>.py")
    if path.is_dir():
        raise ScaffoldError(f"{path}: is a folder; give the path to a PyTorch modeling_<model>.py")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScaffoldError(f"{path}: cannot read it ({error.strerror}); check its permissions") from None
    if b"\0" in data:
        raise ScaffoldError(f"{path}: not a Python source file (binary data); give a modeling_<model>.py")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldError(f"{path}: not UTF-8 text; give a Python source file saved as UTF-8") from None
