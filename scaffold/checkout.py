"""A transformers checkout: where it is, which layout it uses, and the files a port reads. I/O at the edge."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ScaffoldError

SRC = Path("src/transformers")


def find_root(start: Path) -> Path:
    """The checkout root: `start` itself, or the nearest folder above it, holding src/transformers."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SRC / "__init__.py").is_file():
            return folder
    raise ScaffoldError(
        "not inside a transformers checkout (no src/transformers above it); run scaffold from a checkout or pass "
        "--repo DIR",
        file=start,
    )


@dataclass(frozen=True)
class Checkout:
    root: Path
    model: str

    @classmethod
    def open(cls, repo: Path | None, model: str) -> Checkout:
        if repo is not None:
            repo = Path(repo)
            if not (repo / SRC / "__init__.py").is_file():
                raise ScaffoldError(
                    "not a transformers checkout (no src/transformers/__init__.py); pass its root", file=repo
                )
            root = repo.resolve()
        else:
            root = find_root(Path.cwd())
        checkout = cls(root, model)
        if not (checkout.model_dir / f"modeling_{model}.py").is_file():
            known = checkout.models_with_pytorch()
            close = difflib.get_close_matches(model, known, n=3, cutoff=0.6)
            hint = (
                f"; did you mean {', '.join(close)}?"
                if close
                else "; give the folder name under src/transformers/models"
            )
            raise ScaffoldError(
                f"unknown model '{model}': no src/transformers/models/{model}/modeling_{model}.py{hint}"
            )
        return checkout

    # -- paths ------------------------------------------------------------------------------------------------

    @property
    def src(self) -> Path:
        return self.root / SRC

    @property
    def model_dir(self) -> Path:
        return self.src / "models" / self.model

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def models_with_pytorch(self) -> list[str]:
        return sorted(
            p.parent.name
            for p in (self.src / "models").glob("*/modeling_*.py")
            if p.stem == f"modeling_{p.parent.name}"
        )

    # -- layout -------------------------------------------------------------------------------------------------

    @property
    def layout(self) -> str:
        """`modern` (define_import_structure, ~4.47+) or `legacy` (explicit _import_structure)."""
        text = self.read(self.model_dir / "__init__.py") or ""
        if "define_import_structure" in text:
            return "modern"
        if "_import_structure" in text:
            return "legacy"
        raise ScaffoldError(
            f"{self.rel(self.model_dir / '__init__.py')}: neither define_import_structure nor _import_structure "
            "found; scaffold knows the transformers 4.x layouts only"
        )

    def doc_page(self, config_class: str | None = None) -> Path | None:
        """docs/source/en/model_doc/<model>.md (or <mo-del>.md), else the page documenting the model's config
        class (`openai` -> openai-gpt.md)."""
        folder = self.root / "docs/source/en/model_doc"
        for name in (self.model, self.model.replace("_", "-")):
            if (folder / f"{name}.md").is_file():
                return folder / f"{name}.md"
        if config_class and folder.is_dir():
            autodoc = re.compile(rf"^\[\[autodoc\]\] (transformers\.)?{re.escape(config_class)}\s*$", re.M)
            return next(
                (p for p in sorted(folder.glob("*.md")) if autodoc.search(p.read_text(errors="replace"))), None
            )
        return None

    @property
    def doc_index(self) -> Path:
        return self.root / "docs/source/en/index.md"

    def table_sources(self) -> tuple[str | None, str | None]:
        """What `utils/check_table.py` builds the index table from: `configuration_auto.py` and the script itself
        (its MODEL_NAMES_WITH_SAME_CONFIG); None for a file the checkout lacks."""
        return (
            self.read(self.src / "models/auto/configuration_auto.py"),
            self.read(self.root / "utils/check_table.py"),
        )

    @property
    def doctest_list(self) -> Path:
        return self.root / "utils/documentation_tests.txt"

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests/models" / self.model

    @property
    def ruff_settings(self) -> Path | None:
        for name in ("pyproject.toml", "ruff.toml", ".ruff.toml"):
            path = self.root / name
            if path.is_file() and ("[tool.ruff" in path.read_text() or name != "pyproject.toml"):
                return path
        return None

    def tf_classes_defined(self) -> set[str]:
        """Every `TF...` class the checkout's TF modeling files define."""
        found: set[str] = set()
        for path in sorted((self.src / "models").glob("*/modeling_tf_*.py")):
            found.update(re.findall(r"^class (TF\w+)\(", path.read_text(encoding="utf-8"), re.M))
        return found

    def config_sources(self, folder: str) -> list[str]:
        """The configuration files of `models/<folder>`."""
        return [
            p.read_text(encoding="utf-8") for p in sorted((self.src / "models" / folder).glob("configuration_*.py"))
        ]

    @staticmethod
    def read(path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
