"""Domain errors. The CLI turns each into one line on stderr and a non-zero exit status (`cli.error_edge`)."""

from __future__ import annotations

from pathlib import Path


class ScaffoldError(Exception):
    """A problem the user can fix: `message` names the problem and the fix; `file` (with `line` and `col` when
    known) is where it is, a field rather than text in the message: `str(error)` puts it in front."""

    exit_code = 2

    def __init__(
        self, message: str, *, file: str | Path | None = None, line: int | None = None, col: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.col = col

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.col) if p is not None)
        return f"{where}: {self.message}" if self.file is not None else self.message
