"""The refactoring gate: converter output over the whole corpus, as hashes, and which files differ from a reference.

    python benchmarks/corpus_hash.py                      # convert, save as `current`, compare with `reference`
    python benchmarks/corpus_hash.py --save reference     # record the reference (e.g. at main's HEAD)
    python benchmarks/corpus_hash.py --limit 20           # a quick look at the first 20 files

Converts every PyTorch modeling file of the installed transformers (the corpus of `benchmarks/corpus.py`, with
the same `layers_source`) twice: with formatting (`scaffold convert`'s output) and without (`scaffold port`
formats with the checkout's settings). Prints a sha256 of the concatenated outputs of each, and of the TODO lists
(`line<TAB>message` per TODO). A file the converter refuses contributes its error line instead of an output.

Per-file outputs go to `benchmarks/results/corpus_hash/<name>/` (gitignored), so a difference can be diffed:
`diff -r benchmarks/results/corpus_hash/reference benchmarks/results/corpus_hash/current`. A behaviour-preserving
change must leave every hash unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import corpus  # noqa: E402
from scaffold.convert import convert_source, model_name_from_path  # noqa: E402
from scaffold.errors import ScaffoldError  # noqa: E402
from scaffold.files import modeling_layers_source  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "corpus_hash"
KINDS = ("formatted", "unformatted")


def _todo_lines(result) -> str:
    return "".join(f"{todo.line}\t{todo.message}\n" for todo in result.todos)


def convert_all(files: list[Path], layers: str | None) -> dict[str, dict[str, tuple[str, str]]]:
    """{kind: {file key: (code or error line, todo lines)}}"""
    outputs: dict[str, dict[str, tuple[str, str]]] = {kind: {} for kind in KINDS}
    for number, path in enumerate(files, start=1):
        key = f"{path.parent.name}__{path.name}"
        source = path.read_text()
        name = model_name_from_path(path)
        for kind in KINDS:
            try:
                result = convert_source(
                    source, name, filename=str(path), format_code=kind == "formatted", layers_source=layers
                )
                outputs[kind][key] = (result.code, _todo_lines(result))
            except ScaffoldError as error:
                outputs[kind][key] = (f"ScaffoldError: {error}\n", "")
        print(f"[{number}/{len(files)}] {key}", file=sys.stderr, flush=True)
    return outputs


def digest(texts: list[str]) -> str:
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode("utf-8"))
    return h.hexdigest()


def save(outputs: dict[str, dict[str, tuple[str, str]]], folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    for kind, files in outputs.items():
        (folder / kind).mkdir(parents=True)
        for key, (code, todos) in files.items():
            (folder / kind / key).write_text(code)
            (folder / kind / (key + ".todos")).write_text(todos)


def differing(folder: Path, reference: Path) -> list[str]:
    changed = []
    for kind in KINDS:
        ours = {p.name: p for p in (folder / kind).iterdir()}
        theirs = {p.name: p for p in (reference / kind).iterdir()} if (reference / kind).is_dir() else {}
        for name in sorted(ours):  # (a --limit run compares its own files only)
            if name not in theirs or ours[name].read_bytes() != theirs[name].read_bytes():
                changed.append(f"{kind}/{name}")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N files")
    parser.add_argument("--save", default="current", help="store the outputs under this name (default: current)")
    parser.add_argument("--against", default="reference", help="compare with the outputs stored under this name")
    args = parser.parse_args()

    files = corpus()[: args.limit]
    start = time.perf_counter()
    outputs = convert_all(files, modeling_layers_source())
    seconds = time.perf_counter() - start
    print(f"{len(files)} files, {seconds:.0f} s")
    for kind in KINDS:
        keys = sorted(outputs[kind])
        print(f"{kind:<12} code  sha256 {digest([outputs[kind][k][0] for k in keys])}")
        print(f"{kind:<12} todos sha256 {digest([outputs[kind][k][1] for k in keys])}")
    folder = RESULTS / args.save
    save(outputs, folder)
    reference = RESULTS / args.against
    if args.save != args.against and reference.is_dir():
        changed = differing(folder, reference)
        print(f"against {args.against}: {len(changed)} files differ")
        for name in changed[:50]:
            print(f"  {name}")
        if changed:
            sys.exit(1)


if __name__ == "__main__":
    main()
