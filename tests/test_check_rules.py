"""The pure rules behind `scaffold check` items 6-8, on small texts: what transformers' own scripts read from a
checkout (check_repo's lists, check_table's names, the legacy init halves) and how imports resolve."""

from __future__ import annotations

import ast

from scaffold.checks.imports import check_imports, check_undefined_names
from scaffold.checks.registration import RepoRules, import_structure_names
from scaffold.edits import docs, inits
from tests.conftest import dedent


def test_repo_rules_evaluate_check_repo_lists_built_from_other_lists():
    rules = RepoRules.parse(
        dedent(
            """
            PRIVATE_MODELS = ["DPRSpanPredictor", "TFDPRSpanPredictor"]
            IGNORE_NON_AUTO_CONFIGURED = PRIVATE_MODELS.copy() + ["TFBlipForQuestionAnswering"]
            DEPRECATED_OBJECTS = ["TFBartPretrainedModel"]
            UNDOCUMENTED_OBJECTS = ["TFDPRPretrainedReader"]
            SHOULD_HAVE_THEIR_OWN_PAGE = ["TFAutoBackbone"]
            """
        )
    )
    assert rules.not_auto_configured == {"DPRSpanPredictor", "TFDPRSpanPredictor", "TFBlipForQuestionAnswering"}
    assert rules.undocumented == {"TFBartPretrainedModel", "TFDPRPretrainedReader", "TFAutoBackbone"}
    assert RepoRules.parse(None) == RepoRules() == RepoRules.parse("def broken(:\n")


def test_documentation_rule_is_check_repos():
    for name in ("TFBertEmbeddings", "TFBertMainLayer", "TFBertPreTrainedModel", "TFBartEncoder", "TFXAttention"):
        assert not docs.needs_documentation(name), name
    for name in ("TFBertModel", "TFBertForMaskedLM", "TFBartPretrainedModel"):  # the last: check_repo's lists
        assert docs.needs_documentation(name), name
    assert docs.autodoc_names("[[autodoc]] transformers.TFSwinModel\n    - call\n") == ["TFSwinModel"]


def test_table_names_follow_the_config_class_and_check_tables_same_config_names():
    configuration_auto = dedent(
        """
        CONFIG_MAPPING_NAMES = OrderedDict[str, str](
            [("code_llama", "LlamaConfig"), ("llama", "LlamaConfig"), ("mllama", "MllamaConfig")]
        )
        MODEL_NAMES_MAPPING = OrderedDict([("code_llama", "CodeLlama"), ("llama", "LLaMA"), ("mllama", "Mllama")])
        """
    )
    check_table = 'MODEL_NAMES_WITH_SAME_CONFIG = {"Llama2": "LLaMA", "BARThez": "BART"}\n'
    assert docs.table_names("LlamaConfig", configuration_auto, check_table) == {"CodeLlama", "LLaMA", "Llama2"}
    assert docs.table_names("LlamaConfig", configuration_auto, None) == {"CodeLlama", "LLaMA"}
    assert docs.table_names("LlamaConfig", None, None) == set()


LEGACY_TOP = """\
_import_structure = {"models.opt": ["OPTConfig"]}

try:
    if not is_tf_available():
        raise OptionalDependencyNotAvailable()
except OptionalDependencyNotAvailable:
    pass
else:
    _import_structure["models.opt"].extend(["TFOPTForCausalLM", "TFOPTModel", "TFOPTPreTrainedModel"])

if TYPE_CHECKING:
    try:
        if not is_tf_available():
            raise OptionalDependencyNotAvailable()
    except OptionalDependencyNotAvailable:
        pass
    else:
        from .models.opt import TFOPTForCausalLM, TFOPTModel, TFOPTPreTrainedModel
"""


def test_legacy_top_level_halves_are_read_in_the_one_line_form_and_not_added_twice():
    names = ["TFOPTForCausalLM", "TFOPTModel", "TFOPTPreTrainedModel"]
    assert inits.legacy_toplevel_names(LEGACY_TOP, "opt") == (names, names)
    assert inits.legacy_toplevel_init(LEGACY_TOP, "opt", names) == LEGACY_TOP


def test_import_structure_names_read_a_legacy_package_init():
    init = '_import_structure = {"configuration_bart": ["BartConfig"]}\n'
    init += '_import_structure["modeling_tf_bart"] = ["TFBartModel", "TFBartPretrainedModel"]\n'
    assert import_structure_names(init, "modeling_tf_bart") == ["TFBartModel", "TFBartPretrainedModel"]
    assert import_structure_names(init, "modeling_tf_opt") == []


SOURCES = {
    "transformers.modeling_tf_utils": "from .utils import logging\ndef unpack_inputs(f):\n    return f\n",
    "transformers.utils": "from .generic import *\n",
    "transformers.utils.__init__": "from .generic import *\n",
    "transformers.utils.generic": "class ModelOutput:\n    pass\n",
    "transformers.utils.logging": "def get_logger(name):\n    pass\n",
    "transformers.models.tiny.configuration_tiny": "class TinyConfig:\n    pass\n",
    "transformers.lazy": "_import_structure = {'x': ['LazyThing']}\nsys.modules[__name__] = _LazyModule()\n",
}


def items(code: str, undefined=None):
    tree = ast.parse(dedent(code))
    module = "transformers.models.tiny.modeling_tf_tiny"
    return check_imports(tree, module, SOURCES.get, undefined), check_undefined_names(tree, undefined)


def test_imports_resolve_through_star_imports_packages_submodules_and_lazy_modules():
    imports, _ = items(
        """
        import tensorflow as tf
        from ...modeling_tf_utils import unpack_inputs
        from ...utils import ModelOutput, logging
        from ...lazy import LazyThing
        from .configuration_tiny import TinyConfig
        try:
            from ...missing import Thing
        except ImportError:
            Thing = None
        """
    )
    assert imports.ok and imports.checked == 4, imports.findings


def test_an_import_that_cannot_resolve_and_an_undefined_name_at_import_time_fail_item_7():
    imports, undefined = items(
        """
        from ...modeling_tf_utils import unpack_inputs, get_initializer
        from ...no_such_module import x

        REGISTRY.append(1)


        def f():
            return frobnicate()
        """,
        undefined=[(4, "REGISTRY"), (8, "frobnicate")],
    )
    messages = [(f.line, f.message) for f in imports.findings]
    assert messages == [
        (
            1,
            "`from ...modeling_tf_utils import get_initializer`: transformers.modeling_tf_utils has no get_initializer",
        ),
        (2, "`from ...no_such_module import ...`: no module transformers.no_such_module"),
        (4, "undefined name `REGISTRY` at import time (NameError)"),
    ]
    assert [(f.line, f.message) for f in undefined.findings] == [(8, "undefined name `frobnicate`")]


def test_undefined_names_are_na_when_ruff_cannot_run():
    _, undefined = items("x = 1\n", undefined=None)
    assert not undefined.applicable and undefined.note == "ruff could not run"
