"""`tests/models/<m>/test_modeling_tf_<m>.py` from a template: a TF model tester and test class in
transformers' style, sizes taken from the PyTorch test's model tester when the checkout has it."""

from __future__ import annotations

import datetime

import libcst as cst

from ..checks.tiny import SMALL
from ..templates import render

# the size knobs worth carrying over from a PyTorch model tester
SIZE_NAMES = set(SMALL) | {"type_vocab_size", "num_channels", "num_labels", "hidden_act", "max_position_embeddings"}


def tester_sizes(pt_test: str | None, prefix: str) -> dict[str, str]:
    """Literal defaults of `<Prefix>ModelTester.__init__` in the PyTorch test file, by parameter name."""
    if not pt_test:
        return {}
    try:
        module = cst.parse_module(pt_test)
    except cst.ParserSyntaxError:
        return {}
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == f"{prefix}ModelTester":
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef) and item.name.value == "__init__":
                    return {
                        p.name.value: cst.Module([]).code_for_node(p.default)
                        for p in item.params.params
                        if p.default is not None and isinstance(p.default, (cst.Integer, cst.Float, cst.SimpleString))
                    }
    return {}


def test_file(
    *,
    prefix: str,
    config_class: str,
    config_attributes: set[str],
    tf_classes: list[str],
    main_input: str,
    is_encoder_decoder: bool,
    pt_test: str | None,
) -> str:
    from_tester = tester_sizes(pt_test, prefix)
    sizes = {name: value for name, value in from_tester.items() if name in SIZE_NAMES and name in config_attributes}
    if not sizes:
        sizes = {name: repr(value) for name, value in SMALL.items() if name in config_attributes}
    models = [c for c in tf_classes if not c.endswith(("PreTrainedModel", "MainLayer"))]
    base = f"TF{prefix}Model" if f"TF{prefix}Model" in tf_classes else models[0]
    return render(
        "test_modeling_tf.py.jinja",
        year=datetime.date.today().year,
        prefix=prefix,
        config_class=config_class,
        tf_classes=models,
        tf_models=models,
        tf_base_model=base,
        base_model=base[2:],
        sizes=sorted(sizes.items()),
        main_input=main_input,
        is_encoder_decoder=is_encoder_decoder,
    )
