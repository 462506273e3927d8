"""Regenerate the expected outputs of the golden tests: tests/data/modeling_<x>.py -> modeling_tf_<x>.py.

    python scripts/regen_golden.py

Review the diff before committing it: it is the converter's behaviour, line by line.
"""

from pathlib import Path

from scaffold.convert import convert_source, model_name_from_path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> None:
    for source in sorted(DATA.glob("modeling_*.py")):
        if source.name.startswith("modeling_tf_"):
            continue
        name = model_name_from_path(source)
        result = convert_source(source.read_text(), name, filename=source.name)
        target = source.with_name(f"modeling_tf_{name}.py")
        target.write_text(result.code)
        print(f"wrote {target.relative_to(DATA.parents[1])} ({len(result.todos)} TODOs)")


if __name__ == "__main__":
    main()
