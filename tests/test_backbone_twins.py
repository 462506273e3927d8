"""Backbones: torch's `load_backbone(config)` -> `load_tf_backbone(config, name=...)` (a sub-model like
`AutoModel.from_config`), the DETR family's `replace_batch_norm` -> its TF twin (snippets/tf_helpers.py,
"# --- backbones"), and where `scaffold port` finds or writes the TF backbone class (edits/backbones.py)."""

from pathlib import Path

import pytest

from scaffold.convert import convert_source
from scaffold.edits import backbones

SOURCE = """
import torch
from torch import nn

from ...modeling_utils import PreTrainedModel
from ...utils.backbone_utils import load_backbone
from .configuration_tiny import TinyConfig


def replace_batch_norm(model):
    for name, module in model.named_children():
        if isinstance(module, nn.BatchNorm2d):
            new_module = TinyFrozenBatchNorm2d(module.num_features)
            model._modules[name] = new_module
        if len(list(module.children())) > 0:
            replace_batch_norm(module)


class TinyConvEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.use_timm_backbone:
            backbone = create_model(config.backbone)
        else:
            backbone = load_backbone(config)
        with torch.no_grad():
            replace_batch_norm(backbone)
        self.model = backbone
        self.channels = self.model.channels
        for name, parameter in self.model.named_parameters():
            if "stage.1" not in name:
                parameter.requires_grad_(False)

    def forward(self, pixel_values):
        return self.model(pixel_values).feature_maps


class TinyPreTrainedModel(PreTrainedModel):
    config_class = TinyConfig
    base_model_prefix = "model"


class TinyConvModel(nn.Module):
    def __init__(self, conv_encoder, scale):
        super().__init__()
        self.conv_encoder = conv_encoder
        self.scale = scale

    def forward(self, pixel_values):
        return self.conv_encoder(pixel_values)


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.backbone = load_backbone(config)
        encoder = TinyConvEncoder(config)
        self.encoder = TinyConvModel(encoder, 2)
        self.projection = nn.Conv2d(encoder.channels[-1], 4, kernel_size=1)

    def forward(self, pixel_values):
        return self.backbone(pixel_values).feature_maps[-1] + self.projection(self.encoder(pixel_values)[-1])

    def freeze_backbone(self):
        for name, param in self.encoder.conv_encoder.model.named_parameters():
            param.requires_grad_(False)
"""


@pytest.fixture(scope="module")
def code():
    return convert_source(SOURCE, "tiny").code


def test_load_backbone_is_a_tf_backbone_named_after_its_attribute_and_built_in_its_scope(code):
    assert 'self.backbone = load_tf_backbone(config, name="backbone")' in code
    # made in a local of one branch (the other is timm's), then assigned: named after the attribute
    assert 'backbone = load_tf_backbone(config, name="model")' in code
    assert "with tf.name_scope(self.model.name):\n                self.model.build(None)" in code
    assert "with tf.name_scope(self.backbone.name):\n                self.backbone.build(None)" in code
    assert "def load_tf_backbone(config, name=None):" in code
    assert " load_backbone(" not in code
    assert "backbone_utils import load_backbone" not in code


def test_a_layer_made_in_a_local_and_passed_to_another_layer_is_named_and_built_where_torch_keeps_it(code):
    assert 'encoder = TFTinyConvEncoder(config, name="conv_encoder")' in code
    assert (
        'if isinstance(getattr(self, "conv_encoder", None), keras.layers.Layer):\n'
        "            with tf.name_scope(self.conv_encoder.name):\n"
        "                self.conv_encoder.build(None)"
    ) in code
    # the projection's input channels are read from the kept layer, never made again in build()
    assert "self.projection.build([None, None, None, self.encoder.conv_encoder.channels[-1]])" in code
    assert "TinyConvEncoder(self.config)" not in code


def test_named_parameters_loops_of_init_run_after_build(code):
    assert (
        "        @after_build(self.model)\n"
        "        def parameters_after_build():\n"
        "            for name, parameter in torch_named_parameters(self.model):\n"
        '                if "stage.1" not in name:\n'
        "                    torch_requires_grad_(parameter, False)"
    ) in code
    # after build already (a method): as it is
    assert "for name, param in torch_named_parameters(self.encoder.conv_encoder.model):" in code


def test_replace_batch_norm_is_replaced_by_its_twin(code):
    assert "isinstance(module, nn.BatchNorm2d)" not in code
    assert code.count("def replace_batch_norm(model):") == 1
    assert "layer.trainable = False" in code


@pytest.mark.frameworks
def test_replace_batch_norm_twin_matches_torch_frozen_batch_norm_in_training():
    import numpy as np
    import tensorflow as tf
    import torch
    from transformers.modeling_tf_utils import keras
    from transformers.models.detr import modeling_detr

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(0)
    torch_model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4, eps=1e-3))
    with torch.no_grad():
        for tensor in (torch_model[1].weight, torch_model[1].bias, torch_model[1].running_mean):
            tensor.copy_(torch.tensor(rng.normal(size=4), dtype=torch.float32))
        torch_model[1].running_var.copy_(torch.tensor(rng.uniform(1e-4, 1e-3, size=4), dtype=torch.float32))
        modeling_detr.replace_batch_norm(torch_model)
    torch_model.train()  # the frozen batch norm normalizes with its running statistics in training too

    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = keras.layers.Conv2D(4, 1, data_format="channels_first", name="0")
            self.norm = keras.layers.BatchNormalization(axis=1, epsilon=1e-3, momentum=0.9, name="1")

        def call(self, x, training=False):
            return self.norm(self.conv(x), training=training)

    block = Block()
    tf_helpers.replace_batch_norm(block)  # in __init__, before build, as the port calls it
    x = rng.normal(size=(2, 3, 5, 5)).astype("float32")
    block(x)
    conv, norm = torch_model[0], torch_model[1]
    block.conv.set_weights([conv.weight.detach().numpy().transpose(2, 3, 1, 0), conv.bias.detach().numpy()])
    block.norm.set_weights([t.numpy() for t in (norm.weight, norm.bias, norm.running_mean, norm.running_var)])
    expected = torch_model(torch.tensor(x)).detach().numpy()
    for run in (block, tf.function(block)):
        got = run(x, training=True).numpy()
        np.testing.assert_allclose(got, expected, atol=1e-5)
    # frozen: the statistics did not move and gamma/beta are not trained
    np.testing.assert_allclose(block.norm.moving_mean.numpy(), norm.running_mean.numpy())
    assert [w.name for w in block.trainable_weights] == [w.name for w in block.conv.trainable_weights]
    # without the twin, keras' own epsilon (1e-3) differs from torch's frozen 1e-5 on these small variances
    plain = Block()
    plain(x)
    plain.set_weights(block.get_weights())
    assert np.abs(plain(x).numpy() - expected).max() > 1e-3


@pytest.mark.frameworks
@pytest.mark.parametrize(
    ("settings", "error", "words"),
    [
        ({"use_timm_backbone": True, "backbone": "resnet50"}, NotImplementedError, "timm"),
        (
            {"use_timm_backbone": False, "use_pretrained_backbone": True, "backbone": "x/y", "backbone_config": None},
            NotImplementedError,
            "pretrained backbone",
        ),
        ({"use_timm_backbone": False, "backbone_type": "dinov2"}, NotImplementedError, "'dinov2'"),
        ({"use_timm_backbone": False, "backbone_type": "swin"}, NotImplementedError, "TFSwinBackbone"),
    ],
)
def test_load_tf_backbone_raises_naming_what_has_no_tf_backbone(settings, error, words):
    from transformers import AutoConfig, DetrConfig

    from scaffold.convert.snippets import tf_helpers

    settings = dict(settings)
    kind = settings.pop("backbone_type", None)
    if kind is not None:
        settings["backbone_config"] = AutoConfig.for_model(kind)
    config = DetrConfig(**{"use_pretrained_backbone": False, **settings})
    with pytest.raises(error, match=words):
        tf_helpers.load_tf_backbone(config, name="model")


@pytest.mark.frameworks
def test_load_tf_backbone_builds_the_tf_class_of_the_backbone_type(monkeypatch):
    from transformers import ConvNextConfig, DetrConfig

    from scaffold.convert.snippets import tf_helpers

    made = {}

    class TFConvNextBackbone:
        def __init__(self, config, name=None):
            made.update(config=config, name=name)

    # the TF ConvNext port has no backbone class: give it one, as a generated port would
    from transformers.models.convnext import modeling_tf_convnext

    monkeypatch.setattr(modeling_tf_convnext, "TFConvNextBackbone", TFConvNextBackbone, raising=False)
    backbone_config = ConvNextConfig(out_features=["stage2"])
    config = DetrConfig(use_timm_backbone=False, use_pretrained_backbone=False, backbone_config=backbone_config)
    tf_helpers.load_tf_backbone(config, name="m")
    assert made == {"config": backbone_config, "name": "m"}
    tf_helpers.load_tf_backbone(backbone_config, name="own")  # a backbone's own config
    assert made["name"] == "own"


def _models(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "models" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "models"


PT_AUTO = 'MODEL_FOR_BACKBONE_MAPPING_NAMES = OrderedDict(\n    [\n        ("dinov2", "Dinov2Backbone"),\n        ("resnet", "ResNetBackbone"),\n        ("rt_detr_resnet", "RTDetrResNetBackbone"),\n    ]\n)\n'
CONFIG_AUTO = 'SPECIAL_MODEL_TYPE_TO_MODULE_NAME = OrderedDict(\n    [\n        ("rt_detr_resnet", "rt_detr"),\n        ("maskformer-swin", "maskformer"),\n    ]\n)\n'


def _plan(models: Path, model: str, config_source: str, defined: set[str] = frozenset(), modeling: str = ""):  # type: ignore[assignment]
    def read(path: Path):
        return path.read_text() if path.is_file() else None

    def read_folder(folder: str):
        return [p.read_text() for p in sorted((models / folder).glob("configuration_*.py"))]

    types = backbones.backbone_types(model, config_source, modeling, PT_AUTO, read_folder)
    plans = [backbones.plan_backbone(model, models, t, PT_AUTO, CONFIG_AUTO, set(defined), read) for t in types]
    return plans[0] if len(plans) == 1 else plans


def test_a_backbone_of_a_hand_written_tf_port_without_one_is_written_beside_it(tmp_path):
    models = _models(
        tmp_path,
        {
            "resnet/modeling_resnet.py": "class ResNetBackbone(ResNetPreTrainedModel):\n    pass\n",
            "resnet/modeling_tf_resnet.py": "class TFResNetModel:\n    pass\n",
        },
    )
    found = _plan(models, "detr", 'backbone_config = CONFIG_MAPPING["resnet"](out_features=["stage4"])')
    assert (found.model_type, found.pt_class) == ("resnet", "ResNetBackbone")
    assert found.source == models / "resnet/modeling_resnet.py"
    assert found.target == models / "resnet/modeling_tf_resnet_backbone.py"
    assert found.port_first is None
    (models / "resnet/modeling_tf_resnet_backbone.py").write_text("class TFResNetBackbone(X):\n    pass\n")
    assert _plan(models, "detr", 'backbone_config = CONFIG_MAPPING["resnet"]()', {"TFResNetBackbone"}).target is None


def test_a_backbone_of_a_model_with_no_tf_port_is_ported_first(tmp_path):
    models = _models(
        tmp_path, {"dinov2/modeling_dinov2.py": "class Dinov2Backbone(Dinov2PreTrainedModel):\n    pass\n"}
    )
    found = _plan(models, "depth_anything", 'backbone_config = CONFIG_MAPPING["dinov2"](image_size=518)')
    assert found.port_first == "dinov2" and found.target is None
    assert "Port it first (`scaffold port dinov2`)" in found.notes[0]


def test_a_backbone_in_another_file_of_the_folder_made_by_its_config_class(tmp_path):
    models = _models(
        tmp_path,
        {
            "rt_detr/modeling_rt_detr_resnet.py": "class RTDetrResNetBackbone(X):\n    pass\n",
            "rt_detr/configuration_rt_detr_resnet.py": 'class RTDetrResNetConfig(BackboneConfigMixin, PretrainedConfig):\n    model_type = "rt_detr_resnet"\n',
        },
    )
    config = (
        "from .configuration_rt_detr_resnet import RTDetrResNetConfig\n\n\nbackbone_config = RTDetrResNetConfig(\n"
    )
    found = _plan(models, "rt_detr", config)
    assert found.model_type == "rt_detr_resnet"
    assert found.source == models / "rt_detr/modeling_rt_detr_resnet.py"
    assert found.target == models / "rt_detr/modeling_tf_rt_detr_backbone.py"


def test_a_backbone_type_named_in_a_variable_first(tmp_path):
    models = _models(tmp_path, {"dinov2/modeling_dinov2.py": "class Dinov2Backbone(X):\n    pass\n"})
    config = 'backbone_model_type = "dinov2"\nconfig_class = CONFIG_MAPPING[backbone_model_type]\nbackbone_config = config_class(\n'
    assert _plan(models, "d_fine", config).model_type == "dinov2"


def test_backbone_config_classes_the_modeling_file_uses_are_planned_too(tmp_path):
    models = _models(
        tmp_path,
        {
            "maskformer/modeling_maskformer_swin.py": "class MaskFormerSwinBackbone(X):\n    pass\n",
            "maskformer/configuration_maskformer_swin.py": 'class MaskFormerSwinConfig(X):\n    model_type = "maskformer-swin"\n',
            "swin/modeling_swin.py": "class SwinBackbone(X):\n    pass\n",
            "swin/modeling_tf_swin.py": "class TFSwinModel(X):\n    pass\n",
            "swin/configuration_swin.py": 'class SwinConfig(X):\n    model_type = "swin"\n',
        },
    )
    modeling = "from ..detr import DetrConfig\nfrom .configuration_maskformer_swin import MaskFormerSwinConfig\n"
    global PT_AUTO
    saved = PT_AUTO
    PT_AUTO = PT_AUTO.replace(
        '("resnet"',
        '("maskformer-swin", "MaskFormerSwinBackbone"),\n        ("swin", "SwinBackbone"),\n        ("resnet"',
    )
    try:
        swin, maskformer_swin = _plan(
            models, "maskformer", "from ..swin import SwinConfig\nbackbone_config = SwinConfig(\n", modeling=modeling
        )
    finally:
        PT_AUTO = saved
    assert swin.target == models / "swin/modeling_tf_swin_backbone.py"
    assert maskformer_swin.model_type == "maskformer-swin"
    assert maskformer_swin.target == models / "maskformer/modeling_tf_maskformer_backbone.py"


def test_the_backbone_file_exports_its_backbone_class_only():
    code = 'class TFResNetModel:\n    pass\n\n\n__all__ = [\n    "TFResNetModel",\n    "TFResNetBackbone",\n]\n'
    assert backbones.backbone_only(code, "TFResNetBackbone").endswith('__all__ = ["TFResNetBackbone"]\n')


@pytest.mark.frameworks
def test_named_parameters_requires_grad_and_after_build_twins():
    import tensorflow as tf
    import torch
    from transformers.modeling_tf_utils import keras

    from scaffold.convert.snippets import tf_helpers

    class Stage(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(3, name="dense")
            self.norm = keras.layers.LayerNormalization(name="norm")

        def build(self, input_shape=None):
            with tf.name_scope("dense"):
                self.dense.build([None, 2])
            with tf.name_scope("norm"):
                self.norm.build([None, 3])
            self.built = True

    class Body(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.stages = [Stage(name=f"stages_._{i}") for i in range(2)]
            self.seen = []

            @tf_helpers.after_build(self)
            def parameters_after_build():
                for name, parameter in tf_helpers.torch_named_parameters(self):
                    self.seen.append(name)
                    if not name.startswith("stages.1"):
                        tf_helpers.torch_requires_grad_(parameter, False)

        def build(self, input_shape=None):
            for stage in self.stages:
                with tf.name_scope(stage.name):
                    stage.build(None)
            self.built = True

    class TorchStage(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = torch.nn.Linear(2, 3)
            self.norm = torch.nn.LayerNorm(3)

    torch_body = torch.nn.Module()
    torch_body.stages = torch.nn.ModuleList([TorchStage(), TorchStage()])

    body = Body(name="body")
    assert body.seen == []  # nothing to list before build
    with tf.name_scope("outer"):
        with tf.name_scope(body.name):
            body.build(None)
    assert sorted(body.seen) == sorted(name for name, _ in torch_body.named_parameters())
    trainable = [w.name for w in body.trainable_weights]
    assert len(trainable) == 4 and all("stages_._1" in name for name in trainable)
    assert len(body.non_trainable_weights) == 4
    # unfreezing (torch's unfreeze_backbone) lists the frozen weights too and puts them back
    for _, parameter in tf_helpers.torch_named_parameters(body):
        tf_helpers.torch_requires_grad_(parameter, True)
    assert len(body.trainable_weights) == 8 and not body.non_trainable_weights
    # on a tensor: the tensor, cut from the gradient when False
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf_helpers.torch_requires_grad_(x * x, False) + x
    assert float(tape.gradient(y, x)) == 1.0


@pytest.mark.frameworks
def test_group_norm_twin_matches_torch_on_inputs_of_any_rank():
    import numpy as np
    import tensorflow as tf
    import torch

    from scaffold.convert.snippets import tf_helpers

    rng = np.random.default_rng(0)
    torch_norm = torch.nn.GroupNorm(4, 8, eps=1e-5)
    with torch.no_grad():
        torch_norm.weight.copy_(torch.tensor(rng.normal(size=8), dtype=torch.float32))
        torch_norm.bias.copy_(torch.tensor(rng.normal(size=8), dtype=torch.float32))
    norm = tf_helpers.TorchGroupNorm(groups=4, epsilon=1e-5, axis=1, name="1")
    norm.build([None, 8, None])  # what build() knows from torch's constructor: the channels
    norm.set_weights([torch_norm.weight.detach().numpy(), torch_norm.bias.detach().numpy()])
    for shape in [(2, 8, 5), (2, 8, 5, 3)]:  # a Conv1d's output, a Conv2d's (DETR's input projections)
        x = rng.normal(size=shape).astype("float32")
        expected = torch_norm(torch.tensor(x)).detach().numpy()
        for run in (norm, tf.function(norm)):
            np.testing.assert_allclose(run(x).numpy(), expected, atol=1e-5)


def test_group_norm_is_the_twin_that_takes_any_rank():
    code = convert_source(
        "from torch import nn\n\n\nclass TinyBlock(nn.Module):\n    def __init__(self, config):\n"
        "        super().__init__()\n        self.norm = nn.GroupNorm(32, config.d_model)\n",
        "tiny",
    ).code
    assert 'TorchGroupNorm(groups=32, epsilon=1e-05, axis=1, name="norm")' in code
    assert "class TorchGroupNorm(keras.layers.GroupNormalization):" in code


@pytest.mark.frameworks
@pytest.mark.parametrize(
    ("shape", "kwargs"), [((2, 3, 4, 5), {"dim": 1}), ((3, 4), {}), ((2, 3, 4), {}), ((2, 5), {"dim": -1})]
)
def test_torch_softmax_passed_as_a_value_matches_torch(shape, kwargs):
    import numpy as np
    import torch

    from scaffold.convert.snippets import tf_helpers

    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    expected = torch.nn.functional.softmax(torch.tensor(x), **kwargs).numpy()  # no dim: torch's legacy choice
    np.testing.assert_allclose(tf_helpers.torch_softmax(x, **kwargs).numpy(), expected, atol=1e-6)


def test_a_plain_list_registered_by_index_names_its_items_by_index():
    """maskformer's PredictionBlock, upernet's pooling block: `self.layers = [...]`, then `self.add_module(str(i),
    layer)` for each: torch's weights are `<i>.`, as an nn.Sequential's."""
    code = convert_source(
        "from torch import nn\n\n\nclass TinyBlock(nn.Module):\n"
        "    def __init__(self, in_dim, out_dim, activation):\n        super().__init__()\n"
        "        self.layers = [nn.Linear(in_dim, out_dim), activation]\n"
        "        for i, layer in enumerate(self.layers):\n            self.add_module(str(i), layer)\n\n"
        "    def forward(self, x):\n        for layer in self.layers:\n            x = layer(x)\n        return x\n",
        "tiny",
    ).code
    assert 'keras.layers.Dense(units=out_dim, name="0")' in code
    assert "add_module" not in code
    assert "for layer in self.layers:\n" in code[code.index("def build") :]
