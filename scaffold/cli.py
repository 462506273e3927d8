"""The command line: thin. Domain errors become one line on stderr and exit status 2.

Nothing here imports tensorflow or torch: `scaffold --help` and `scaffold convert` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import ScaffoldError


def _fail(error: ScaffoldError) -> None:
    click.echo(f"scaffold: error: {error.message}", err=True)
    sys.exit(error.exit_code)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scaffold")
def main() -> None:
    """A working head start on porting a transformers model from PyTorch to TensorFlow."""


@main.command()
@click.argument("src", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the TF file here (default: stdout).")
@click.option("--model-name", help="Model name (default: from SRC, modeling_<name>.py).")
@click.option("--no-format", is_flag=True, help="Skip ruff/black formatting of the result.")
def convert(src: Path, output: Path | None, model_name: str | None, no_format: bool) -> None:
    """Rewrite a PyTorch modeling_<model>.py into a TF modeling_tf_<model>.py.

    Every construct without a faithful TF translation is marked `# TODO(scaffold): ...` in the output and
    listed on stderr with its line number.
    """
    from .convert import convert_source, model_name_from_path
    from .files import write_atomic

    try:
        source = read_python_source(src)
        name = model_name or model_name_from_path(src)
        result = convert_source(source, name, filename=str(src), format_code=not no_format)
        if output is not None:
            write_atomic(output, result.code)
    except ScaffoldError as error:
        _fail(error)
        return
    if output is None:
        click.echo(result.code, nl=False)
    where = output if output is not None else "<stdout>"
    if result.todos:
        click.echo(f"scaffold: {len(result.todos)} TODO(scaffold) in {where}:", err=True)
        for todo in result.todos:
            click.echo(f"  {where}:{todo.line}: {todo.message}", err=True)
    else:
        click.echo(f"scaffold: converted {src} with no TODO", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
