"""A plan of file changes: computed in memory, validated whole, previewed as a diff, then written atomically.

Nothing is written unless every planned Python file parses and every target can be written; the writes are
staged as sibling temp files and moved into place with os.replace, and if one move fails the files already
replaced are restored, so a checkout is never left half-edited.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ScaffoldError


@dataclass(frozen=True)
class FileChange:
    path: Path  # absolute
    before: str | None  # None: the file does not exist yet
    after: str
    note: str = ""

    @property
    def kind(self) -> str:
        if self.before is None:
            return "create"
        return "identical" if self.before == self.after else "modify"


@dataclass
class Plan:
    root: Path
    changes: list[FileChange] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)  # files deliberately left alone, and why

    def add(self, path: Path, before: str | None, after: str, note: str = "") -> None:
        self.changes.append(FileChange(path, before, after, note))

    @property
    def effective(self) -> list[FileChange]:
        return [c for c in self.changes if c.kind != "identical"]

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def validate(self) -> None:
        for change in self.effective:
            if change.path.suffix == ".py":
                try:
                    compile(change.after, str(change.path), "exec", dont_inherit=True)
                except SyntaxError as error:
                    raise ScaffoldError(
                        f"the planned text is not valid Python ({error.msg}); nothing was written (a scaffold bug: "
                        "please report it)",
                        file=self.rel(change.path),
                        line=error.lineno,
                    ) from None
            _check_writable(change.path, self.rel(change.path))

    def diff(self) -> str:
        out: list[str] = []
        for change in self.effective:
            name = self.rel(change.path)
            before = [] if change.before is None else change.before.splitlines(keepends=True)
            out.extend(
                difflib.unified_diff(
                    before,
                    change.after.splitlines(keepends=True),
                    fromfile="/dev/null" if change.before is None else f"a/{name}",
                    tofile=f"b/{name}",
                )
            )
        return "".join(out)

    def apply(self) -> None:
        self.validate()
        staged: list[tuple[FileChange, str]] = []
        try:
            for change in self.effective:
                change.path.parent.mkdir(parents=True, exist_ok=True)
                staged.append((change, _stage(change)))
        except BaseException:
            for _, temp in staged:
                Path(temp).unlink(missing_ok=True)
            raise
        done: list[FileChange] = []
        try:
            for change, temp in staged:
                os.replace(temp, change.path)
                done.append(change)
        except BaseException as error:
            for change in reversed(done):  # put back what was already replaced
                if change.before is None:
                    change.path.unlink(missing_ok=True)
                else:
                    change.path.write_text(change.before, encoding="utf-8")
            for _, temp in staged[len(done) :]:
                Path(temp).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise ScaffoldError(
                    f"writing {change.path} failed ({error.strerror}); every file was restored"
                ) from None
            raise


def is_read_only(path: Path) -> bool:
    """No write permission for its owner (what `chmod a-w` does), or none for us: root may write anyway,
    but a file marked read-only is not scaffold's to change."""
    return not (path.stat().st_mode & stat.S_IWUSR) or not os.access(path, os.W_OK)


def _check_writable(path: Path, name: str) -> None:
    if path.exists() and is_read_only(path):
        raise ScaffoldError(f"{name} is read-only; make it writable (chmod u+w) and run again")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise ScaffoldError(f"cannot create {name}: {folder} is not writable; fix its permissions and run again")


def _stage(change: FileChange) -> str:
    handle, temp = tempfile.mkstemp(dir=change.path.parent, prefix=f".{change.path.name}.", suffix=".scaffold")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
        stream.write(change.after)
    mode = stat.S_IMODE(change.path.stat().st_mode) if change.path.exists() else 0o644
    os.chmod(temp, mode)
    return temp
