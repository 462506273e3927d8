"""The command line: thin. Domain errors become one line on stderr and exit status 2, at one edge (`error_edge`).

Nothing here imports tensorflow or torch: `scaffold --help` and `scaffold convert` start fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import ScaffoldError
from .files import convert_source_path, modeling_layers_source, read_python_source

Command = TypeVar("Command", bound=Callable[..., Any])


def error_edge(command: Command) -> Command:
    """The one place a ScaffoldError leaves scaffold: `scaffold: error: <file>: <message>` on stderr, one line,
    and its exit status; nothing the command had not yet written is written."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScaffoldError as error:
            click.echo(f"scaffold: error: {error}", err=True)
            sys.exit(error.exit_code)

    return run  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scaffold")
def main() -> None:
    """A working head start on porting a transformers model from PyTorch to TensorFlow."""


@main.command()
@click.argument("src", metavar="SRC|MODEL", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the TF file here (default: stdout).")
@click.option("--model-name", help="Model name (default: from SRC, modeling_<name>.py).")
@click.option("--no-format", is_flag=True, help="Skip ruff/black formatting of the result.")
@error_edge
def convert(src: Path, output: Path | None, model_name: str | None, no_format: bool) -> None:
    """Rewrite a PyTorch modeling_<model>.py into a TF modeling_tf_<model>.py.

    SRC is the file (or its model folder); a model name instead (`scaffold convert llama`) converts that
    model as the installed transformers ships it. Every construct without a faithful TF translation is marked
    `# TODO(scaffold): ...` in the output and listed on stderr with its line number.
    """
    from .convert import convert_source, model_name_from_path
    from .plan import Plan

    given, src = src, convert_source_path(str(src))
    if src != given:
        click.echo(f"scaffold: converting {src}", err=True)
    source = read_python_source(src)
    name = model_name or model_name_from_path(src)
    result = convert_source(
        source, name, filename=str(src), format_code=not no_format, layers_source=modeling_layers_source(src)
    )
    if output is not None:
        target = output.resolve()
        plan = Plan(target.parent)
        plan.add(target, target.read_text(encoding="utf-8") if target.is_file() else None, result.code)
        plan.apply()
    if output is None:
        click.echo(result.code, nl=False)
    where = output if output is not None else "<stdout>"
    if result.todos:
        click.echo(f"scaffold: {len(result.todos)} TODO(scaffold) in {where}:", err=True)
        for todo in result.todos:
            click.echo(f"  {where}:{todo.line}: {todo.message}", err=True)
    else:
        click.echo(f"scaffold: converted {src} with no TODO", err=True)


@main.command()
@click.argument("model")
@click.option("--repo", type=click.Path(path_type=Path), help="The transformers checkout (default: the one around .).")
@click.option("--dry-run", is_flag=True, help="Print the changes as a unified diff; write nothing.")
@click.option("--force", is_flag=True, help="Replace an existing modeling_tf_<model>.py and test file.")
@error_edge
def port(model: str, repo: Path | None, dry_run: bool, force: bool) -> None:
    """Port MODEL (its folder under src/transformers/models) to TensorFlow in a transformers checkout.

    Writes modeling_tf_<model>.py and registers it: package __init__, TF auto mappings, docs, dummy objects
    (legacy layout) and a TF test file. Every change is planned and checked first; nothing is half-written.
    """
    from .checkout import Checkout
    from .port import plan_port
    from .templates import render

    checkout = Checkout.open(repo, model)
    plan, report = plan_port(checkout, force=force)
    plan.validate()
    if dry_run:
        click.echo(plan.diff(), nl=False)
    elif plan.effective:
        plan.apply()
    if not plan.effective:
        click.echo(f"scaffold: nothing to change: the TF port of {model} is already in place", err=True)
        return
    click.echo(
        render(
            "port_summary.txt.jinja",
            dry_run=dry_run,
            model=model,
            layout=report.layout,
            changes=[(c.kind, plan.rel(c.path)) for c in plan.effective],
            kept=[(plan.rel(p), why) for p, why in plan.kept],
            notes=report.notes,
            todos=report.todos,
            modeling=f"src/transformers/models/{model}/modeling_tf_{model}.py",
            prefix=report.prefix,
            test_file=f"tests/models/{model}/test_modeling_tf_{model}.py",
        ),
        err=True,
        nl=False,
    )


@main.command()
@click.argument("model")
@click.option("--repo", type=click.Path(path_type=Path), help="The transformers checkout (default: the one around .).")
@click.option("--atol", type=float, default=1e-5, show_default=True, help="Largest max abs difference that passes.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="A config.json to build from.")
@click.option("--class", "classes", multiple=True, help="Check only this TF class (repeatable; default: all).")
@click.option("--xla", is_flag=True, help="Also generate under tf.function(jit_compile=True) (~15 s a head).")
@error_edge
def verify(
    model: str, repo: Path | None, atol: float, config_path: Path | None, classes: tuple[str, ...], xla: bool
) -> None:
    """Prove the TF port of MODEL against PyTorch: weights, outputs, and the first diverging module.

    Builds every TF model class that has a PyTorch twin from a small random config (or --config), loads the
    PyTorch weights with from_pretrained(from_pt=True), names every weight that did not load, compares every
    output and then every module; a generative head's greedy generate() must give PyTorch's tokens and its
    logits on a key/value cache those without one. Imports transformers from the checkout's own src.
    Exit 0 pass, 1 mismatch.
    """
    from .verify_command import run_verify

    text, status = run_verify(repo, model, atol, config_path, classes, xla)
    click.echo(text, nl=False)
    sys.exit(status)


@main.command()
@click.argument("model")
@click.option("--repo", type=click.Path(path_type=Path), help="The transformers checkout (default: the one around .).")
@error_edge
def check(model: str, repo: Path | None) -> None:
    """Run the porting checklist on modeling_tf_MODEL.py and the repository, statically (no TensorFlow).

    (1) training passed down, (2) `# Copied from` bodies match, (3) @unpack_inputs on call, (4)
    @keras_serializable MainLayer, (5) name= mirrors the PyTorch attribute and build() builds it, (6) package
    init, TF auto mapping, docs and test file. Prints ✓/✗ per item with file:line; exit 1 on any ✗.
    """
    from .check_command import run_check

    text, status = run_check(repo, model)
    click.echo(text, nl=False)
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
