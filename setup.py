"""Packaging glue that pyproject.toml cannot express: `templates/` stays at the top of the repository (where
the layout keeps it) and is shipped inside the package as `scaffold/_templates/`, where an installed
scaffold reads it (`scaffold/templates.py`). Everything else is declared in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TEMPLATES = Path(__file__).resolve().parent / "templates"


class BuildPyWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads templates/ in place
            return
        target = Path(self.build_lib) / "scaffold" / "_templates"
        self.mkpath(str(target))
        for path in sorted(TEMPLATES.glob("*.jinja")):
            self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": BuildPyWithTemplates})
