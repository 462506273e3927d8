"""File I/O at the edge: atomic writes (a sibling temp file, then os.replace), mode preserved."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import ScaffoldError


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half of one."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ScaffoldError(f"{path}: folder {folder} does not exist; create it or pick another output path")
    mode = None
    if path.exists():
        if not os.access(path, os.W_OK):
            raise ScaffoldError(f"{path}: file is read-only; make it writable (chmod u+w) and run again")
        mode = stat.S_IMODE(path.stat().st_mode)
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise ScaffoldError(f"{path}: cannot write in {folder} ({error.strerror}); check its permissions") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if mode is not None:
            os.chmod(temp, mode)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


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
