"""The pure core: PyTorch modeling source text in, TF modeling source text and its TODOs out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from ..errors import ScaffoldError
from . import generic_heads
from .analysis import analyze
from .context import ConvertContext
from .passes import (
    build,
    decorators,
    docstrings,
    dunder_all,
    generation,
    helpers,
    imports,
    inherited,
    main_layer,
    model_api,
    outputs,
    pretrained,
)
from .passes.annotations import AnnotationsPass
from .passes.attributes import AttributesPass
from .passes.cache import CachePass
from .passes.calls import TorchCallsPass
from .passes.helpers import ModelHelpersPass
from .passes.imports import UsagePass
from .passes.indexing import IndexingPass
from .passes.layer_attributes import LayerAttributesPass
from .passes.layers import LayersPass
from .passes.methods import TensorMethodsPass
from .passes.modules import ModulesPass
from .passes.moe import MoePass
from .passes.outputs import OutputsPass
from .passes.promotion import PromotionPass
from .passes.provenance import ProvenancePass
from .passes.pytorch_only import PytorchOnlyPass
from .passes.rename import RenamePass
from .passes.shape_checks import ShapeChecksPass
from .passes.training import TrainingPass
from .pipeline import run_node_passes
from .todos import Todo, Todos, find_todos

# The node-level passes, in the order each node sees them (one traversal; see pipeline.py).
NODE_PASSES = (
    PytorchOnlyPass,  # drop torch-only members first, so nothing else works on them
    ModelHelpersPass,  # torch PreTrainedModel helpers (masks, head mask) -> TF functions
    RenamePass,  # TF prefix on the file's classes
    ProvenancePass,  # `# Copied from` a PyTorch object -> `# Adapted from` (check_copies would enforce it)
    ModulesPass,  # nn.Module -> keras layer; forward -> call(training)
    LayersPass,  # torch.nn constructors -> keras layers with name=
    LayerAttributesPass,  # a torch layer's attributes -> its keras twin's (`.weight` -> `.embeddings`)
    TrainingPass,  # training passed down
    AnnotationsPass,  # torch.Tensor annotations -> tf.Tensor
    IndexingPass,  # tensor indexing and item assignment (TF tensors are immutable)
    MoePass,  # the experts' loop of MoE blocks, index_add_, indexing with torch.where's index tensors
    AttributesPass,  # dtypes, `.shape`, the attention implementation, names with TF twins
    TorchCallsPass,  # torch functions, through the translator registry (before tensor methods)
    TensorMethodsPass,  # tensor methods, through the translator registry
    PromotionPass,  # integer and float tensors mixed in arithmetic: torch's promotion (after the translations)
    OutputsPass,  # modeling_outputs -> modeling_tf_outputs
    CachePass,  # a forward making the cache takes and returns TF's legacy cache tuples
    ShapeChecksPass,  # `if x.size() != (...): raise` -> tf.debugging.assert_equal (holds when traced)
    UsagePass,  # names still used, for the import rewrite
)
# The class-level passes, in order, after the traversal.
CLASS_PASSES = (
    pretrained.apply,
    main_layer.apply,
    inherited.apply,
    generation.apply,
    build.apply,
    decorators.apply,
    model_api.apply,  # embedding accessors, LM head, resizing, flags and int arguments (after the flags are declared)
    dunder_all.apply,
    docstrings.apply,  # argument sections document the TF signature (utils/check_docstrings.py)
)


def finalize(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    """The fixed last step, after every pass has said what the file needs: the helper definitions (and the
    imports they use), the TF output classes, then the import block, rewritten once. A TF modeling file always
    imports tensorflow."""
    module = helpers.apply(module, ctx)
    module = outputs.apply(module, ctx)
    ctx.need("tf")
    return imports.apply(module, ctx)


@dataclass(frozen=True)
class ModelSummary:
    """What the repository edits of a port need to know about the model."""

    prefix: str | None  # "Bert"
    config_class: str | None
    pt_public: tuple[str, ...]  # the PyTorch file's public classes
    tf_public: tuple[str, ...]  # the converted file's __all__
    main_input_name: str
    base_model_inputs: tuple[str, ...]  # parameters of the base model's forward


@dataclass(frozen=True)
class ConversionResult:
    code: str
    todos: tuple[Todo, ...]
    summary: ModelSummary | None = None


def model_name_from_path(path: str | Path) -> str:
    stem = Path(path).stem
    return stem[len("modeling_") :] if stem.startswith("modeling_") else stem


def parse(source: str, filename: str = "<string>") -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        # CPython places syntax errors more precisely than libcst's parser: ask it first
        line, column, message = error.raw_line, error.raw_column + 1, "invalid syntax"
        try:
            compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as python_error:
            line, column, message = python_error.lineno or line, python_error.offset or column, python_error.msg
        except ValueError:
            pass
        raise ScaffoldError(
            f"syntax error: {message}; fix the PyTorch file first", file=filename, line=line, col=column
        ) from None


def convert_module(
    module: cst.Module, model_name: str, source: str | None = None, layers_source: str | None = None
) -> cst.Module:
    return _convert(module, model_name, source, layers_source)[0]


def _convert(
    module: cst.Module, model_name: str, source: str | None, layers_source: str | None
) -> tuple[cst.Module, ModelSummary]:
    info = analyze(module, model_name, source)
    heads = generic_heads.GenericHeads.parse(layers_source)
    written_out = generic_heads.write_out(module, info.base_model_class, heads)
    if written_out is not module:  # heads mixing in torch's generic ones, written out: read those heads
        module = written_out
        info = analyze(module, model_name, source, previous=info)
    ctx = ConvertContext(info=info)
    module = run_node_passes(module, NODE_PASSES, ctx, Todos())
    for apply in CLASS_PASSES:
        module = apply(module, ctx)
    module = finalize(module, ctx)
    base = info.classes.get(info.base_model_class or "")
    forward = base.method("forward") if base is not None else None
    summary = ModelSummary(
        prefix=info.prefix,
        config_class=info.config_class,
        pt_public=tuple(sorted(info.public or (c.name for c in info.classes.values() if c.role == "model"))),
        tf_public=tuple(dunder_all.public_names(module, ctx)),
        main_input_name=info.main_input_name or "input_ids",
        base_model_inputs=tuple(p.name.value for p in forward.params.params) if forward is not None else (),
    )
    return _retitle(module), summary


def _retitle(module: cst.Module) -> cst.Module:
    """`\"\"\"PyTorch BERT model.\"\"\"` -> `\"\"\"TF 2.0 BERT model.\"\"\"`."""
    first = module.body[0] if module.body else None
    if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Expr):
        value = first.body[0].value
        if isinstance(value, cst.SimpleString) and "PyTorch" in value.value:
            doc = first.body[0].with_changes(
                value=value.with_changes(value=value.value.replace("PyTorch", "TF 2.0", 1))
            )
            return module.with_changes(body=[first.with_changes(body=[doc]), *module.body[1:]])
    return module


def convert_source(
    source: str,
    model_name: str,
    *,
    filename: str = "<string>",
    format_code: bool = True,
    settings: Path | None = None,
    layers_source: str | None = None,
) -> ConversionResult:
    """Convert the text of a PyTorch `modeling_<m>.py` into the text of a TF `modeling_tf_<m>.py`.
    `layers_source`: the text of the same transformers' `modeling_layers.py`, where the generic heads some models
    mix in live (`GenericForSequenceClassification`, ...); without it those heads are left as TODOs."""
    try:
        module, summary = _convert(parse(source, filename), model_name, source, layers_source)
    except ScaffoldError as error:
        if error.file is None:
            error.file = filename  # an error about the module being converted is about this file
        raise
    code = module.code
    try:
        compile(code, f"modeling_tf_{model_name}.py", "exec", dont_inherit=True)
    except SyntaxError as error:  # a converter bug: say so rather than hand out broken code
        raise ScaffoldError(
            f"scaffold produced invalid Python at line {error.lineno} ({error.msg}) for {filename}: "
            "this is a scaffold bug, please report it with the input file"
        ) from None
    if format_code:
        from ..formatting import format_source

        code = format_source(code, settings=settings)
    return ConversionResult(code=code, todos=find_todos(code), summary=summary)
