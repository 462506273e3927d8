"""`tests/models/<m>/test_modeling_tf_<m>.py` from a template: a TF model tester and test class in
transformers' style, sizes taken from the PyTorch test's model tester when the checkout has it.

What the file builds on is read from the checkout when it is rendered (`TestSupport`): where
`tests/test_modeling_tf_common.py` exists the test class mixes in transformers' `TFModelTesterMixin`;
where it does not (transformers 4.53 and later), it mixes in scaffold's own `TFPortTesterMixin` from
`tests/tf_port_common.py`, written next to it, which checks the same behaviours. Where
`transformers.testing_utils` has no `require_tf`, the file defines its own.
"""

from __future__ import annotations

import ast
import datetime
import re
from dataclasses import dataclass

import libcst as cst

from ..checks.tiny import SMALL
from ..templates import render

# the size knobs worth carrying over from a PyTorch model tester
SIZE_NAMES = set(SMALL) | {"type_vocab_size", "num_channels", "num_labels", "hidden_act", "max_position_embeddings"}
# the tester attributes the common tests read, taken from the config where the sizes use other names
TESTER_NAMES = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads")
SPECIAL_TOKENS = ("pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id", "sep_token_id")

COMMON_MODULE = "tf_port_common"  # tests/tf_port_common.py, where the checkout has no TFModelTesterMixin
GENERATIVE = ("ForCausalLM", "LMHeadModel", "WithLMHeadModel", "ForConditionalGeneration")
# the labels a head's loss takes: (name, shape, upper bound), shape "batch" or "tokens", bound one of the
# tester's "seq", "labels", "choices", "vocab", "pair"
HEAD_LABELS: tuple[tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]], ...] = (
    (("ForMultipleChoice",), (("labels", "batch", "choices"),)),
    (("ForQuestionAnswering",), (("start_positions", "batch", "seq"), ("end_positions", "batch", "seq"))),
    (("ForSequenceClassification",), (("labels", "batch", "labels"),)),
    (("ForNextSentencePrediction",), (("next_sentence_label", "batch", "pair"),)),
    (("ForTokenClassification",), (("labels", "tokens", "labels"),)),
    (("ForMaskedLM", "ForCausalLM", "LMHeadModel", "WithLMHeadModel"), (("labels", "tokens", "vocab"),)),
)


@dataclass(frozen=True)
class TestSupport:
    """What the checkout's test tree offers a TF test file."""

    has_mixin: bool  # tests/test_modeling_tf_common.py exists
    has_require_tf: bool  # transformers.testing_utils defines require_tf


def support_of(common_test: str | None, testing_utils: str | None) -> TestSupport:
    """From the text of `tests/test_modeling_tf_common.py` and `src/transformers/testing_utils.py` (None where
    the file does not exist)."""
    defines = re.compile(r"^(def require_tf\(|require_tf\s*=)", re.MULTILINE)
    return TestSupport(
        has_mixin=common_test is not None and "class TFModelTesterMixin" in common_test,
        has_require_tf=testing_utils is not None and defines.search(testing_utils) is not None,
    )


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


def config_defaults(config_source: str | None, config_class: str) -> tuple[dict[str, object], set[str]]:
    """The config class's `__init__` defaults that are literals (None included), and its `attribute_map` keys."""
    defaults: dict[str, object] = {}
    aliases: set[str] = set()
    if not config_source:
        return defaults, aliases
    try:
        tree = ast.parse(config_source)
    except SyntaxError:
        return defaults, aliases
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == config_class):
            continue
        for item in node.body:
            if isinstance(item, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "attribute_map" for t in item.targets
            ):
                if isinstance(item.value, ast.Dict):
                    aliases = {k.value for k in item.value.keys if isinstance(k, ast.Constant)}
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                args = item.args
                positional = args.posonlyargs + args.args
                pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
                for arg, default in pairs:
                    try:
                        defaults[arg.arg] = ast.literal_eval(default)
                    except ValueError:
                        continue
    return defaults, aliases


def head_labels(name: str, forward_params: set[str] | None) -> tuple[tuple[str, str, str], ...]:
    """The labels `name`'s loss takes, as the PyTorch twin names them; () for a class without a loss."""
    for suffixes, labels in HEAD_LABELS:
        if name.endswith(suffixes):
            if forward_params is not None and not all(label in forward_params for label, _, _ in labels):
                return ()
            return labels
    if name.endswith("ForPreTraining") and forward_params and {"labels", "next_sentence_label"} <= forward_params:
        return (("labels", "tokens", "vocab"), ("next_sentence_label", "batch", "pair"))
    return ()


def forward_parameters(pt_source: str | None) -> dict[str, set[str]]:
    """The parameters of each PyTorch class's own `forward`, by class name."""
    if not pt_source:
        return {}
    try:
        tree = ast.parse(pt_source)
    except SyntaxError:
        return {}
    params: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "forward":
                    args = item.args
                    params[node.name] = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    return params


def model_classes(tf_source: str | None, names: list[str]) -> list[str]:
    """The names that are model classes in the TF file: subclasses of its `TF<X>PreTrainedModel`, directly or
    through another class of the file (a PyTorch `__all__` lists layers too: 4.57's `BertLayer`)."""
    if not tf_source:
        return [n for n in names if not n.endswith(("PreTrainedModel", "MainLayer"))]
    try:
        tree = ast.parse(tf_source)
    except SyntaxError:
        return [n for n in names if not n.endswith(("PreTrainedModel", "MainLayer"))]
    bases = {
        node.name: [ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }

    def is_model(name: str, seen: frozenset = frozenset()) -> bool:
        return name not in seen and any(
            base.endswith("PreTrainedModel") or is_model(base, seen | {name}) for base in bases.get(name, ())
        )

    return [n for n in names if is_model(n) and not n.endswith("PreTrainedModel")]


def test_file(
    *,
    model: str,
    prefix: str,
    config_class: str,
    config_attributes: set[str],
    tf_classes: list[str],
    main_input: str,
    is_encoder_decoder: bool,
    pt_test: str | None,
    base_model_inputs: tuple[str, ...] = ("input_ids", "attention_mask"),
    config_source: str | None = None,
    pt_source: str | None = None,
    support: TestSupport = TestSupport(has_mixin=True, has_require_tf=True),
    year: int | None = None,
    tf_source: str | None = None,
) -> str:
    defaults, aliases = config_defaults(config_source, config_class)
    settable = config_attributes | aliases  # GPT2Config(hidden_size=...) sets n_embd through its attribute_map
    from_tester = tester_sizes(pt_test, prefix)
    sizes = {name: value for name, value in from_tester.items() if name in SIZE_NAMES and name in settable}
    if not sizes:
        sizes = {name: repr(value) for name, value in SMALL.items() if name in config_attributes}
    models = model_classes(tf_source, tf_classes)
    base = f"TF{prefix}Model" if f"TF{prefix}Model" in models else models[0]
    models = [base] + [m for m in models if m != base]  # the common tests take the first class as the base
    forwards = forward_parameters(pt_source)
    labels = {name: head_labels(name, forwards.get(name[2:]) if forwards else None) for name in models}
    labels = {name: value for name, value in labels.items() if value}

    # special tokens must fall inside the tiny vocabulary; heads that pool at the last non-pad token need a pad
    fixed: dict[str, str] = {}
    vocab = sizes.get("vocab_size")
    tiny_vocab = int(vocab) if vocab and vocab.isdigit() else SMALL["vocab_size"]
    for name in SPECIAL_TOKENS:
        default = defaults.get(name)
        if isinstance(default, int) and default >= tiny_vocab and "vocab_size" in sizes:
            fixed[name] = "self.vocab_size - 1"
    if (
        defaults.get("pad_token_id") is None  # None, or not a parameter: PretrainedConfig's None
        and "vocab_size" in sizes
        and any(m.endswith("ForSequenceClassification") for m in models)
    ):
        fixed["pad_token_id"] = "self.vocab_size - 1"
    # the inputs avoid the pad id where the tester chose it (pooling at the last non-pad token is then the last
    # token in PyTorch and in every TF port, whichever rule each implements)
    id_bound = "config.vocab_size - 1" if fixed.get("pad_token_id") else "config.vocab_size"
    known = config_attributes | aliases | set(sizes)
    derived = [name for name in TESTER_NAMES if name not in sizes and name in known]
    if "num_labels" not in sizes:
        derived.append("num_labels")  # every config has it
    generative = [m for m in models if m.endswith(GENERATIVE)] if main_input in ("input_ids", "input_features") else []
    inputs = [name for name in ("attention_mask", "token_type_ids") if name in base_model_inputs]
    if "type_vocab_size" not in config_attributes | set(sizes):  # gpt2 takes token types from its vocabulary
        inputs = [name for name in inputs if name != "token_type_ids"]
    return render(
        "test_modeling_tf.py.jinja",
        year=year or datetime.date.today().year,
        model=model,
        prefix=prefix,
        config_class=config_class,
        tf_models=models,
        tf_base_model=base,
        sizes=sorted(sizes.items()),
        fixed=sorted(fixed.items()),
        derived=derived,
        head_labels=[(name, repr(value)) for name, value in labels.items()],
        generative=generative,
        main_input=main_input,
        inputs=inputs,
        id_bound=id_bound,
        is_encoder_decoder=is_encoder_decoder,
        has_mixin=support.has_mixin,
        has_require_tf=support.has_require_tf,
        common_module=COMMON_MODULE,
        mixin_class="TFModelTesterMixin" if support.has_mixin else "TFPortTesterMixin",
    )


def common_file(year: int | None = None) -> str:
    """`tests/tf_port_common.py`: scaffold's common TF tests, for checkouts without the mixin."""
    return render("tf_port_common.py.jinja", year=year or datetime.date.today().year)


def copyright_year(text: str | None) -> int | None:
    """The year of an existing file's copyright line, kept when the file is regenerated (so a port next year
    does not rewrite a file that has not changed otherwise)."""
    match = re.match(r"# Copyright (\d{4}) ", text or "")
    return int(match.group(1)) if match else None
