"""`scaffold check` and `scaffold verify` on hand-written ports in a checkout made from the installed package, and
on faults injected into them: each fault must be caught and located."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold.checks.checklist import parse_or_none, public_names
from scaffold.cli import main
from scaffold.edits.docs import needs_documentation
from tests.conftest import index_table

MODELS = ("bert", "gpt2", "vit", "bart")


@pytest.fixture(scope="session")
def registered(pristine_checkout, tmp_path_factory) -> Path:
    """The pristine checkout plus what the installed package lacks and a real checkout has for these models:
    docs pages documenting the TF classes, index rows with TF ✅, and the TF test files."""
    root = tmp_path_factory.mktemp("registered") / "transformers"
    shutil.copytree(pristine_checkout, root)
    docs = root / "docs/source/en"
    rows = []
    for model in MODELS:
        tf_source = (root / f"src/transformers/models/{model}/modeling_tf_{model}.py").read_text()
        sections = [
            f"## {name}\n\n[[autodoc]] {name}\n    - call\n"
            for name in public_names(parse_or_none(tf_source))
            if needs_documentation(name) and name not in UNDOCUMENTED
        ]
        (docs / f"model_doc/{model}.md").write_text(f"# {model}\n\n<tf>\n\n" + "\n".join(sections) + "\n</tf>\n")
        rows.append((model.upper(), model, "✅", "✅", "✅"))
        tests = root / f"tests/models/{model}"
        tests.mkdir(parents=True, exist_ok=True)
        (tests / f"test_modeling_tf_{model}.py").write_text("# the TF tests of this model\n")
    (docs / "index.md").write_text("# Transformers\n\n" + index_table(rows))
    (root / "utils/check_repo.py").write_text(CHECK_REPO)
    return root


# utils/check_repo.py's own exemption lists, as the real script builds them (shortened)
UNDOCUMENTED = ("TFBartPretrainedModel",)
CHECK_REPO = f"""\
PRIVATE_MODELS = ["DPRSpanPredictor"]
IGNORE_NON_AUTO_CONFIGURED = PRIVATE_MODELS.copy() + ["TFGPT2DoubleHeadsModel"]
UNDOCUMENTED_OBJECTS = {list(UNDOCUMENTED)!r}
"""


@contextlib.contextmanager
def edited(path: Path, old: str, new: str, count: int = 1):
    """The file with `old` replaced by `new` for the duration (restored after, whatever happens)."""
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))
    try:
        yield
    finally:
        path.write_text(text)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def tf_file(root: Path, model: str) -> Path:
    return root / f"src/transformers/models/{model}/modeling_tf_{model}.py"


# -- check: static, fast ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_check_passes_on_hand_written_ports(registered, model):
    result = run("check", model, "--repo", str(registered))
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output and "PASS: all" in result.output
    items = re.findall(r"^([✓-]) (\d)\. .*\((.*)\)$", result.output, re.M)
    assert [int(number) for _, number, _ in items] == list(range(1, 10))
    for mark, _, count in items:  # n/a exactly where there was nothing to check
        assert (mark == "-") == count.startswith("n/a"), result.output


def test_an_item_with_nothing_to_check_is_na_not_a_failure(registered):
    # encoder-decoder wraps other models' MainLayers: item 4 has nothing to check
    result = run("check", "encoder_decoder", "--repo", str(registered))
    assert "- 4. `@keras_serializable` on the MainLayer (n/a: no TF<X>MainLayer class in this file)" in result.output
    assert "✗ 4." not in result.output
    assert re.search(r"\(\d+ n/a\)$", result.output.strip())


def test_check_follows_transformers_documentation_rule(registered):
    page = registered / "docs/source/en/model_doc/bert.md"
    # utils/check_repo.py leaves Embeddings, Layer, Encoder, Decoder, Attention, PreTrainedModel undocumented;
    # the real 4.x bert page documents neither TFBertEmbeddings nor TFBertMainLayer, and neither does this one
    assert {"TFBertEmbeddings", "TFBertMainLayer"} <= set(
        public_names(parse_or_none(tf_file(registered, "bert").read_text()))
    )
    assert "TFBertEmbeddings" not in page.read_text() and "TFBertMainLayer" not in page.read_text()
    result = run("check", "bert", "--repo", str(registered))
    assert result.exit_code == 0, result.output
    # and utils/check_repo.py's own lists: TFBartPretrainedModel is in its UNDOCUMENTED_OBJECTS here
    assert "TFBartPretrainedModel" not in (registered / "docs/source/en/model_doc/bart.md").read_text()
    assert run("check", "bart", "--repo", str(registered)).exit_code == 0
    # a model class must be documented, on its page or on any other (check_repo reads every page)
    with edited(page, "[[autodoc]] TFBertForMaskedLM\n", ""):
        result = run("check", "bert", "--repo", str(registered))
        assert "bert.md: has no [[autodoc]] section for TFBertForMaskedLM" in result.output
        other = registered / "docs/source/en/main_classes/heads.md"
        other.parent.mkdir(exist_ok=True)
        other.write_text("## Heads\n\n[[autodoc]] transformers.TFBertForMaskedLM\n    - call\n")
        try:
            result = run("check", "bert", "--repo", str(registered))
        finally:
            other.unlink()
    assert result.exit_code == 0, result.output


def test_check_fails_a_port_that_does_not_import(registered):
    path = tf_file(registered, "vit")
    old = "from ...modeling_tf_utils import ("
    with (
        edited(path, old, old + "\n    TFNoSuchHelper,"),
        edited(path, "\n__all__", "\nREGISTRY.append(TFViTModel)\n__all__"),
    ):
        bad_import = line_of(path, "from ...modeling_tf_utils import (")
        bad_name = line_of(path, "REGISTRY.append(TFViTModel)")
        result = run("check", "vit", "--repo", str(registered))
    assert result.exit_code == 1
    assert "✗ 7. the module imports" in result.output
    assert (
        f"modeling_tf_vit.py:{bad_import}: `from ...modeling_tf_utils import TFNoSuchHelper`: "
        "transformers.modeling_tf_utils has no TFNoSuchHelper" in result.output
    )
    assert f"modeling_tf_vit.py:{bad_name}: undefined name `REGISTRY` at import time (NameError)" in result.output
    assert "✓ 8." in result.output  # not counted twice


def test_check_names_undefined_names_and_counts_todos(registered):
    path = tf_file(registered, "vit")
    old = "        embeddings = self.dropout(embeddings, training=training)\n"
    new = (
        "        # TODO(scaffold): no TF translation for torch.frobnicate yet\n"
        "        embeddings = frobnicated + self.dropout(embeddings, training=training)\n"
    )
    with edited(path, old, new):
        todo, undefined = line_of(path, "TODO(scaffold)"), line_of(path, "frobnicated +")
        result = run("check", "vit", "--repo", str(registered))
    assert result.exit_code == 1
    assert (
        f"✗ 8. no undefined names (ruff F821) (1 checked)\n    src/transformers/models/vit/modeling_tf_vit.py:{undefined}: undefined name `frobnicated`"
        in result.output
    )
    assert "✓ 9. TODO(scaffold) markers resolved (1 left)" in result.output  # a warning, not a failure
    assert (
        f"    warning: src/transformers/models/vit/modeling_tf_vit.py:{todo}: no TF translation for torch.frobnicate yet"
        in result.output
    )
    assert "✓ 7." in result.output  # inside a function body: not an import failure


def line_of(path: Path, needle: str, start: str | None = None) -> int:
    lines = path.read_text().splitlines()
    begin = next(i for i, line in enumerate(lines) if start in line) if start else 0
    return next(i for i in range(begin, len(lines)) if needle in lines[i]) + 1


def test_check_catches_a_dropout_called_without_training(registered):
    path = tf_file(registered, "bert")
    with edited(path, "self.dropout(inputs=hidden_states, training=training)", "self.dropout(inputs=hidden_states)"):
        line = line_of(path, "self.dropout(inputs=hidden_states)")
        result = run("check", "bert", "--repo", str(registered))
    assert result.exit_code == 1
    assert "✗ 1. `training` passed" in result.output
    assert f"modeling_tf_bert.py:{line}: TFBertSelfOutput.call: self.dropout(...) (Dropout)" in result.output


def test_check_catches_unpack_inputs_removed_from_a_model_call(registered):
    path = tf_file(registered, "bert")
    text = path.read_text()
    start = text.index("class TFBertForMaskedLM(")
    target = text.index("    @unpack_inputs\n", start)
    path.write_text(text[:target] + text[target + len("    @unpack_inputs\n") :])
    try:
        line = line_of(path, "def call(", start="class TFBertForMaskedLM(")
        result = run("check", "bert", "--repo", str(registered))
    finally:
        path.write_text(text)
    assert result.exit_code == 1
    assert "✗ 3." in result.output
    assert f"modeling_tf_bert.py:{line}: TFBertForMaskedLM.call has no @unpack_inputs" in result.output


def test_check_catches_keras_serializable_removed_from_the_main_layer(registered):
    path = tf_file(registered, "gpt2")
    with edited(path, "@keras_serializable\nclass TFGPT2MainLayer", "class TFGPT2MainLayer"):
        line = line_of(path, "class TFGPT2MainLayer")
        result = run("check", "gpt2", "--repo", str(registered))
    assert result.exit_code == 1
    assert "✗ 4." in result.output
    assert f"modeling_tf_gpt2.py:{line}: TFGPT2MainLayer has no @keras_serializable" in result.output


def test_check_catches_a_renamed_sub_layer_and_an_unbuilt_one(registered):
    path = tf_file(registered, "vit")
    unbuilt = (
        "with tf.name_scope(self.value.name):\n                self.value.build([None, None, self.config.hidden_size])"
    )
    with edited(path, 'name="query"', 'name="querry"'), edited(path, unbuilt, "pass"):
        line = line_of(path, 'name="querry"')
        result = run("check", "vit", "--repo", str(registered))
    assert result.exit_code == 1
    assert f"modeling_tf_vit.py:{line}: TFViTSelfAttention.query is named 'querry'" in result.output
    assert "TFViTSelfAttention.build() does not build self.value" in result.output


def test_check_catches_a_copy_that_drifted(registered):
    path = tf_file(registered, "roberta")
    old = "self.all_head_size = self.num_attention_heads * self.attention_head_size"
    with edited(path, old, "self.all_head_size = self.attention_head_size"):
        result = run("check", "roberta", "--repo", str(registered))
    assert "✗ 2." in result.output
    assert re.search(
        r"modeling_tf_roberta.py:\d+: TFRobertaSelfAttention differs from "
        r"transformers.models.bert.modeling_tf_bert.TFBertSelfAttention",
        result.output,
    )


def test_check_names_missing_registrations(registered):
    init = registered / "src/transformers/models/vit/__init__.py"
    with edited(init, "from .modeling_tf_vit import *\n", ""):
        result = run("check", "vit", "--repo", str(registered))
    assert result.exit_code == 1
    assert "src/transformers/models/vit/__init__.py: does not import modeling_tf_vit" in result.output
    with edited(registered / "docs/source/en/model_doc/vit.md", "[[autodoc]] TFViTForImageClassification", ""):
        result = run("check", "vit", "--repo", str(registered))
    assert "vit.md: has no [[autodoc]] section for TFViTForImageClassification" in result.output


def test_check_and_verify_refuse_a_model_without_a_tf_file(registered):
    for command in ("check", "verify"):
        result = run(command, "llama", "--repo", str(registered))
        assert result.exit_code == 2
        assert "run `scaffold port llama` first" in result.output


# -- verify: runs both frameworks in a worker process on the checkout's own src ----------------------------------


# What transformers' own TF ports leave out of PyTorch's losses: the problem_type branches of classification heads
# (they always compute sparse cross entropy) and, in BERT's QA head, the clamping of positions past the sequence
HAND_WRITTEN_LOSS_GAPS = {
    "bert": {
        "TFBertForQuestionAnswering": ("positions past the end",),
        "TFBertForSequenceClassification": ("multi-label", "regression"),
        "TFBertLMHeadModel": ("generate",),  # no position ids for a padded prompt (the test below)
    },
    "gpt2": {"TFGPT2ForSequenceClassification": ("multi-label", "regression")},
    "vit": {"TFViTForImageClassification": ("multi-label", "regression")},
    "bart": {"TFBartForSequenceClassification": ("multi-label", "regression")},
}


def problems_by_class(output: str) -> dict[str, list[str]]:
    """verify's problem lines under each failing class."""
    found: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if re.fullmatch(r"TF\w+:", line):
            current = found.setdefault(line[:-1], [])
        elif line.startswith("  ") and current is not None:
            current.append(line.strip())
        else:
            current = None
    return found


@pytest.mark.frameworks
@pytest.mark.parametrize("model", MODELS)
def test_verify_passes_hand_written_ports_but_for_their_loss_gaps(registered, model):
    result = run("verify", model, "--repo", str(registered))
    assert f"transformers from {registered / 'src/transformers'}" in result.output
    gaps = HAND_WRITTEN_LOSS_GAPS[model]
    assert result.exit_code == 1, result.output
    assert f"FAIL: {len(gaps)} of" in result.output
    problems = problems_by_class(result.output)
    assert set(problems) == set(gaps), result.output
    for name, cases in gaps.items():  # every weight loads, every output matches: only these fail
        found = set()
        for problem in problems[name]:
            loss = re.match(r"loss with (.+?), \w+ labels:", problem)
            found.add(loss.group(1) if loss else "generate" if "generate" in problem else problem)
        assert found == set(cases), problems[name]


@pytest.mark.frameworks
def test_verify_finds_that_tf_berts_lm_head_generates_other_tokens_for_a_padded_prompt(registered):
    """A real difference of the hand-written port: TF BERT's prepare_inputs_for_generation passes no position
    ids, so a left-padded prompt gets other positions than PyTorch's generate gives it (from the attention mask)."""
    result = run("verify", "bert", "--repo", str(registered), "--class", "TFBertLMHeadModel")
    assert result.exit_code == 1, result.output
    assert "✗ TFBertLMHeadModel" in result.output
    assert "greedy generate (eager) differs from PyTorch's: row 1" in result.output  # the padded row
    assert "raised" not in result.output and "cache differ" not in result.output


@pytest.mark.frameworks
def test_verify_names_weights_that_did_not_load(registered):
    with edited(tf_file(registered, "bert"), 'name="query"', 'name="querry"'):
        result = run("verify", "bert", "--repo", str(registered), "--class", "TFBertModel")
    assert result.exit_code == 1
    assert "TF weight got no PyTorch value: encoder.layer.0.attention.self.querry.weight" in result.output
    assert "PyTorch weight found no TF home: encoder.layer.0.attention.self.query.weight" in result.output
    assert "35/39" in result.output  # 4 of 39 weights (2 layers x kernel, bias) kept their random values


@pytest.mark.frameworks
def test_verify_names_the_first_diverging_module(registered):
    # one LayerNorm, in the second layer only, gets another epsilon
    old = 'self.layer = [TFBertLayer(config, name=f"layer_._{i}") for i in range(config.num_hidden_layers)]'
    new = old + "\n        self.layer[1].attention.dense_output.LayerNorm.epsilon = 1e-3"
    before = sorted(registered.rglob("*"))
    with edited(tf_file(registered, "bert"), old, new):
        result = run("verify", "bert", "--repo", str(registered), "--class", "TFBertModel")
    assert result.exit_code == 1, result.output
    assert sorted(registered.rglob("*")) == before, "verify wrote into the checkout"
    assert "39/39" in result.output  # every weight loaded: only the numbers say something is wrong
    assert "first divergence at encoder.layer.1.attention.output.LayerNorm (LayerNorm)" in result.output


@pytest.mark.frameworks
def test_verify_fails_a_generated_head_whose_loss_differs_or_raises(registered):
    from scaffold.convert import convert_source
    from scaffold.files import modeling_layers_source

    source = (registered / "src/transformers/models/bert/modeling_bert.py").read_text()
    generated = convert_source(source, "bert", layers_source=modeling_layers_source()).code
    differs = generated.replace("    label_smoothing=0.0,\n", "    label_smoothing=0.1,\n", 1)  # the twin's default
    raises = "raise NotImplementedError('scaffold: no TF translation for CrossEntropyLoss (see the TODO above)')"
    broken = differs.replace("loss = loss_fct(reshaped_logits, labels)", raises, 1)
    assert generated != differs != broken
    path = tf_file(registered, "bert")
    with edited(path, path.read_text(), broken):
        result = run(
            "verify", "bert", "--repo", str(registered), "--class", "TFBertForTokenClassification",
            "--class", "TFBertForMultipleChoice",
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert re.search(r"✗ TFBertForTokenClassification +39/39 +6/6 .* 0/2$", result.output, re.M), result.output
    problems = problems_by_class(result.output)
    assert [p.split(":")[0] for p in problems["TFBertForTokenClassification"]] == [
        "loss with labels, int32 labels",
        "loss with labels, int64 labels",
    ]
    assert re.match(
        r"loss with labels, int32 labels: TF [\d.]+ vs PyTorch [\d.]+ \(diff ",
        problems["TFBertForTokenClassification"][0],
    )
    assert problems["TFBertForMultipleChoice"] == [
        f"loss with labels, {dtype} labels: raises NotImplementedError: scaffold: no TF translation for "
        "CrossEntropyLoss (see the TODO above)"
        for dtype in ("int32", "int64")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--atol", "0"], "--atol 0.0: must be a positive number"),
        (["--config", "missing.json"], "--config missing.json: not a readable config.json"),
        (["--repo", "/nonexistent"], "not a transformers checkout"),
    ],
)
def test_verify_usage_errors_are_one_line_and_exit_2(registered, args, message):
    repo = [] if "--repo" in args else ["--repo", str(registered)]
    result = run("verify", "bert", *repo, *args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_check_refuses_an_unknown_model_with_close_names(registered):
    result = run("check", "bertt", "--repo", str(registered))
    assert result.exit_code == 2 and "unknown model 'bertt'" in result.output and "bert" in result.output


def test_check_reports_a_tf_file_that_does_not_parse_in_one_line(registered):
    path = tf_file(registered, "vit")
    with edited(path, "\n__all__", "\ndef broken(:\n__all__"):
        line = line_of(path, "def broken(:")
        result = run("check", "vit", "--repo", str(registered))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert f"modeling_tf_vit.py:{line}:12: syntax error: invalid syntax" in result.output
