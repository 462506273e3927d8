"""The pure parts of benchmarks/new_ports.py: which models it measures, and how it groups failures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import dedent

BENCHMARK = Path(__file__).parents[1] / "benchmarks/new_ports.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("new_ports_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text))


@pytest.fixture
def models(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    write(
        root,
        "auto/modeling_auto.py",
        """
        from collections import OrderedDict
        MODEL_MAPPING_NAMES = OrderedDict(
            [
                # Base model mapping
                ("bert", "BertModel"),
                ("funnel", ("FunnelModel", "FunnelBaseModel")),
                ("siglip", "SiglipModel"),
                ("siglip_vision_model", "SiglipVisionModel"),
                ("data2vec-audio", "Data2VecAudioModel"),
            ]
        )
        """,
    )
    write(
        root,
        "auto/modeling_tf_auto.py",
        """
        from collections import OrderedDict
        TF_MODEL_MAPPING_NAMES = OrderedDict([("bert", "TFBertModel"), ("funnel", ("TFFunnelModel", "TFFunnelBaseModel"))])
        """,
    )
    pretrained = "class {p}PreTrainedModel(PreTrainedModel):\n    pass\n"
    write(root, "bert/modeling_bert.py", pretrained.format(p="Bert") + "class BertModel(BertPreTrainedModel): pass\n")
    write(root, "bert/modeling_tf_bert.py", "class TFBertModel: pass\n")
    write(root, "funnel/modeling_funnel.py", "class FunnelModel: pass\nclass FunnelBaseModel: pass\n")
    write(root, "funnel/modeling_tf_funnel.py", "")
    write(
        root,
        "siglip/modeling_siglip.py",
        "class SiglipVisionModel: pass\nclass SiglipModel: pass\n__all__ = ['SiglipModel', 'SiglipVisionModel']\n",
    )
    write(root, "data2vec/modeling_data2vec_audio.py", "class Data2VecAudioModel: pass\n")
    # no auto entry: the first public PreTrainedModel subclass, a `...Model` before a head
    write(
        root,
        "depth/modeling_depth.py",
        pretrained.format(p="Depth")
        + "class DepthHead(nn.Module): pass\n"
        + "class DepthForDepthEstimation(DepthPreTrainedModel): pass\n"
        + "class DepthInner(DepthForDepthEstimation): pass\n"
        + "class DepthBackboneModel(DepthPreTrainedModel): pass\n"
        + "__all__ = ['DepthPreTrainedModel', 'DepthForDepthEstimation', 'DepthBackboneModel']\n",
    )
    write(root, "flax_only/modeling_flax_flax_only.py", "")
    return root


def test_pt_only_files_and_their_classes(bench, models):
    targets = bench.pt_only_targets(models)
    got = {(t.file, t.pt_class, t.primary, t.model_type) for t in targets}
    assert got == {
        # the entry named after the folder is the primary class; the file's other entries are measured too
        ("siglip/modeling_siglip.py", "SiglipModel", True, "siglip"),
        ("siglip/modeling_siglip.py", "SiglipVisionModel", False, "siglip_vision_model"),
        ("data2vec/modeling_data2vec_audio.py", "Data2VecAudioModel", True, "data2vec-audio"),
        ("depth/modeling_depth.py", "DepthBackboneModel", True, None),
    }
    portable = {t.file: t.portable for t in targets}
    # `scaffold port` takes a folder's own file; data2vec_audio goes through `scaffold convert`
    assert portable == {
        "siglip/modeling_siglip.py": True,
        "data2vec/modeling_data2vec_audio.py": False,
        "depth/modeling_depth.py": True,
    }


def test_pairs_are_model_types_with_both_base_models(bench, models):
    targets = bench.pair_targets(models)
    assert [(t.model_type, t.pt_class, t.reference) for t in targets] == [
        ("bert", "BertModel", "TFBertModel"),
        ("funnel", "FunnelModel", "TFFunnelModel"),
    ]


def test_installed_catalogue(bench, models_dir):
    targets = bench.pt_only_targets(models_dir)
    files = {t.file for t in targets}
    assert "llama/modeling_llama.py" in files and "bert/modeling_bert.py" not in files
    assert not any("modeling_tf_" in f or "modeling_flax_" in f or f.startswith("auto/") for f in files)
    primary = {t.file: t.pt_class for t in targets if t.primary}
    assert primary["llama/modeling_llama.py"] == "LlamaModel"
    assert primary["gemma3/modeling_gemma3.py"] == "Gemma3Model"
    assert all(primary.values()), "every file has a class to measure"
    pairs = {t.model_type: t.pt_class for t in bench.pair_targets(models_dir)}
    assert pairs["bert"] == "BertModel" and "llama" not in pairs


@pytest.mark.parametrize(
    ("error", "where", "expected"),
    [
        ("NameError: name 'nn' is not defined", "build", "NameError: 'nn' undefined in build"),
        (
            "KeyError: 'function gelu_pytorch_tanh not found in ACT2FN mapping [\\'gelu\\', \\'relu\\']'",
            "__init__",
            "KeyError: activation 'gelu_pytorch_tanh' not in TF ACT2FN",
        ),
        (
            "NotImplementedError: scaffold: no TF translation for torch.polar, torch.view_as_complex "
            "(see the TODO above)",
            "call",
            "NotImplementedError: no TF translation for torch.polar, torch.view_as_complex",
        ),
        (
            "AttributeError: 'Gemma3Config' object has no attribute 'vocab_size'",
            "__init__",
            "AttributeError: config has no attribute 'vocab_size' in __init__",
        ),
        (
            "AttributeError: 'tensorflow.python.framework.ops.EagerTensor' object has no attribute 'repeat_interleave'",
            "call",
            "AttributeError: tf.Tensor has no method 'repeat_interleave'",
        ),
        (
            "InvalidArgumentError: Exception encountered when calling layer 'attn' (type TFLlamaAttention). "
            "{{function_node __wrapped__AddV2_device_/job:localhost}} Incompatible shapes: [2,7,32] vs. [2,7,16] "
            "[Op:AddV2] Call arguments received by layer 'attn': x=tf.Tensor(shape=(2, 7))",
            "call",
            "InvalidArgumentError: Incompatible shapes: <shape> vs. <shape> [Op:AddV2] in call",
        ),
        (
            "ImportError: DetrConvEncoder requires the timm library but it was not found in your environment.",
            None,
            "ImportError: needs the timm library (not installed)",
        ),
    ],
)
def test_causes_name_the_construct(bench, error, where, expected):
    assert bench.cause(error, where) == expected


def test_model_prefix_is_generic(bench):
    # one construct in many models is one cause
    llama = bench.cause("NameError: name 'LlamaRotaryEmbedding' is not defined", "__init__", "Llama")
    gemma = bench.cause("NameError: name 'GemmaRotaryEmbedding' is not defined", "__init__", "Gemma")
    assert llama == gemma == "NameError: '<X>RotaryEmbedding' undefined in __init__"


def test_funnel_counts_a_row_only_up_to_its_first_failed_stage(bench):
    rows = [
        {"id": "a", **dict.fromkeys(bench.STAGES, True)},  # a full pass
        {"id": "b", "converted": True, "imports": True, "builds": True, "loads": False, "runs": True},
        {"id": "c", "converted": True, "status": "timeout", "error": "over 150 s (during traced)"},
        {"id": "d", "converted": False, "error": "ScaffoldError: x"},
    ]
    counts = bench.funnel(rows)
    assert counts == {
        "converted": 3,
        "imports": 2,
        "builds": 2,
        "loads": 1,
        "runs": 1,
        "matches_eager": 1,
        "matches_traced": 1,
    }
    assert bench.row_cause(rows[0]) == ""
    assert bench.row_cause(rows[2]) == "timeout: over 150 s (during traced)"


def test_causes_are_grouped_most_frequent_first(bench):
    def failing(name, error, where="call"):
        return {"id": name, "converted": True, "imports": True, "error": error, "where": where}

    rows = [
        failing("gemma", "KeyError: 'function gelu_pytorch_tanh not found in ACT2FN mapping'"),
        failing("siglip", "KeyError: 'function gelu_pytorch_tanh not found in ACT2FN mapping'"),
        failing("persimmon", "KeyError: 'function relu2 not found in ACT2FN mapping'"),
        {
            "id": "opt",
            "converted": True,
            "imports": True,
            "builds": True,
            "loads": False,
            "runs": True,
            "load": {"missing": ["decoder.layers.3.fc1.weight"], "unexpected": [], "mismatched": []},
        },
        {
            "id": "phi",
            **dict.fromkeys(bench.STAGES[:5], True),
            "matches_eager": False,
            "first_divergence": {"pt_class": "PhiRotaryEmbedding"},
            "prefix": "Phi",
        },
    ]
    groups = bench.group_causes(rows)
    assert groups[0] == {
        "cause": "KeyError: activation 'gelu_pytorch_tanh' not in TF ACT2FN",
        "count": 2,
        "examples": ["gemma", "siglip"],
    }
    causes = [g["cause"] for g in groups]
    assert "load: TF weights got no PyTorch value (fc1.weight)" in causes
    assert "mismatch: first diverges at <X>RotaryEmbedding" in causes


def test_todo_constructs_drop_model_specific_names(bench):
    assert bench.todo_construct("no TF translation for torch.polar yet") == "no TF translation for torch.polar"
    assert (
        bench.todo_construct("nn.Conv3d has no keras twin in scaffold's table: port `patch_embed` by hand")
        == "nn.Conv3d has no keras twin in scaffold's table: port `<name>` by hand"
    )


@pytest.mark.frameworks
def test_pytorch_refusing_a_shrunk_knob_gets_it_back_at_its_default():
    import torch
    from transformers import EfficientNetConfig

    spec = importlib.util.spec_from_file_location("new_ports_worker", BENCHMARK.with_name("new_ports_worker.py"))
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)

    class Model(torch.nn.Module):  # a model whose width is derived elsewhere, as EfficientNet's is
        def __init__(self, config):
            super().__init__()
            self.norm = torch.nn.BatchNorm1d(config.hidden_dim)

        def forward(self, pixel_values):
            return self.norm(torch.zeros(2, 2560) + pixel_values.mean())

    def inputs_for(config, model):
        return {"pixel_values": torch.ones(2, 3, 8, 8).numpy()}

    config, _, _, output, note = worker.runnable_config(EfficientNetConfig, Model, inputs_for)
    assert config.hidden_dim == 2560 and config.image_size < EfficientNetConfig().image_size  # the rest shrunk
    assert note.startswith("hidden_dim kept at its default (2560)") and output.shape == (2, 2560)


@pytest.mark.parametrize(
    ("shape", "read", "note"),
    [
        ((2, 80, 60), (2, 60, 80), "per row"),  # Parakeet, UnivNet: (batch, frames, mel bins)
        ((2, 80, 60), (2, 1, 60, 80), "in one channel"),  # CLAP: (batch, 1, frames, bins)
        ((2, 2000), (2, 1, 2000), "one channel axis"),  # DAC: (batch, 1, samples)
    ],
)
def test_audio_inputs_in_the_layout_the_model_reads(shape, read, note):
    import numpy as np
    import torch
    from transformers import BertConfig

    spec = importlib.util.spec_from_file_location("new_ports_worker", BENCHMARK.with_name("new_ports_worker.py"))
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    name = "input_features" if len(shape) == 3 else "input_values"

    class Model(torch.nn.Module):  # refuses every layout but the one it reads
        def __init__(self, config):
            super().__init__()

        def forward(self, **inputs):
            if tuple(inputs[name].shape) != read:
                raise RuntimeError(f"expected {read}, got {tuple(inputs[name].shape)}")
            return inputs[name].sum()

    def inputs_for(config, model):
        return {name: np.arange(np.prod(shape), dtype="float32").reshape(shape)}

    _, _, inputs, output, chosen = worker.runnable_config(BertConfig, Model, inputs_for)
    assert inputs[name].shape == read and note in chosen
    assert float(output) == float(np.arange(np.prod(shape)).sum())  # the same values, laid out again
