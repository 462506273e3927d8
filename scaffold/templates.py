"""jinja2 templates: whole files and doc sections. A missing variable fails loudly.

The templates live in `templates/` at the top of the repository; a built wheel carries them as
`scaffold/_templates/` (see setup.py). A source tree or an editable install reads the first, a wheel the second.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .errors import ScaffoldError

_HERE = Path(__file__).resolve().parent
CANDIDATES = (_HERE / "_templates", _HERE.parent / "templates")


def templates_dir() -> Path:
    """The folder holding scaffold's templates, or a ScaffoldError naming where it looked."""
    for folder in CANDIDATES:
        if (folder / "port_summary.txt.jinja").is_file():
            return folder
    raise ScaffoldError(
        f"scaffold's templates are missing (looked in {' and '.join(map(str, CANDIDATES))}); reinstall scaffold"
    )


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **variables: object) -> str:
    return _environment().get_template(name).render(**variables)
