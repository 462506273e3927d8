from scaffold.convert.passes.modules import ModulesPass
from tests.conftest import run_passes


def test_module_becomes_keras_layer_with_kwargs_and_call():
    code = run_passes(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.x = 1

            def forward(self, hidden_states, mask=None):
                return hidden_states
        """,
        ModulesPass,
    )
    assert "class TinyLayer(keras.layers.Layer):" in code
    assert "def __init__(self, config, **kwargs):" in code
    assert "super().__init__(**kwargs)" in code
    assert "def call(self, hidden_states, mask=None, training: bool = False):" in code


def test_pretrained_and_model_classes():
    code = run_passes(
        """
        class TinyPreTrainedModel(PreTrainedModel):
            base_model_prefix = "tiny"


        class TinyModel(TinyPreTrainedModel):
            def __init__(self, config):
                super().__init__(config)
        """,
        ModulesPass,
    )
    assert "class TinyPreTrainedModel(TFPreTrainedModel):" in code
    assert "def __init__(self, config, *inputs, **kwargs):" in code
    assert "super().__init__(config, *inputs, **kwargs)" in code


def test_subclass_of_torch_embedding_subclasses_its_torch_signature_twin():
    """TorchEmbedding (a keras Embedding) takes torch's arguments: prophetnet's padding_idx is kept, and read."""
    code = run_passes(
        """
        class TinyPositions(nn.Embedding):
            def __init__(self, num, dim, pad):
                super().__init__(num + 2, dim, pad)

            def forward(self, ids):
                return super().forward(ids + self.padding_idx)
        """,
        ModulesPass,
    )
    assert "class TinyPositions(TorchEmbedding):" in code
    assert "super().__init__(num + 2, dim, pad, **kwargs)" in code
    assert "return super().call(ids + self.padding_idx)" in code


def test_plain_classes_are_left_alone():
    source = """
    class Helper:
        def forward(self, x):
            return x


    class TinyLayer(nn.Module):
        pass
    """
    code = run_passes(source, ModulesPass)
    assert "class Helper:\n    def forward(self, x):" in code


def test_subclass_of_torch_layernorm_subclasses_its_torch_signature_twin():
    """keras' LayerNormalization takes other arguments (epsilon=, no shape): the twin takes torch's, so the
    subclass passes them on unchanged (eps included)."""
    code = run_passes(
        """
        class TinyLayerNorm(nn.LayerNorm):
            def __init__(self, normalized_shape, *, eps=1e-6, data_format="channels_last", **kwargs):
                super().__init__(normalized_shape, eps=eps, **kwargs)
                self.data_format = data_format
        """,
        ModulesPass,
    )
    assert "class TinyLayerNorm(TorchLayerNorm):" in code
    assert "super().__init__(normalized_shape, eps=eps, **kwargs)" in code
    assert "TODO" not in code


def test_a_forward_taking_extra_keywords_under_another_name_takes_them_as_kwargs():
    """bloom / mpt: `forward(..., **deprecated_arguments)`; TF's @unpack_inputs takes extra keywords as `kwargs` only."""
    from scaffold.convert.passes.modules import ModulesPass
    from tests.conftest import assert_codemod

    assert_codemod(
        """
        class TinyModel(nn.Module):
            def forward(self, x, **deprecated_arguments):
                if deprecated_arguments.pop("position_ids", False) is not False:
                    pass
                return x
        """,
        """
        class TinyModel(keras.layers.Layer):
            def call(self, x, training: bool = False, **kwargs):
                if kwargs.pop("position_ids", False) is not False:
                    pass
                return x
        """,
        ModulesPass,
    )


def test_a_backbone_keeps_torchs_backbone_mixin():
    """hgnet_v2 / vitpose_backbone / rt_detr_resnet: BackboneMixin reads only the config (`_init_backbone`)."""
    code = run_passes(
        """
        from ...utils.backbone_utils import BackboneMixin


        class TinyPreTrainedModel(PreTrainedModel):
            base_model_prefix = "tiny"


        class TinyBackbone(TinyPreTrainedModel, BackboneMixin):
            def __init__(self, config):
                super().__init__(config)
                super()._init_backbone(config)
        """,
        ModulesPass,
    )
    assert "class TinyBackbone(TinyPreTrainedModel, BackboneMixin):" in code


def test_pretrained_model_imported_from_the_top_level_package():
    """textnet / superglue / superpoint: `from transformers import PreTrainedModel`."""
    code = run_passes(
        """
        import transformers


        class TinyPreTrainedModel(transformers.PreTrainedModel):
            base_model_prefix = "tiny"
        """,
        ModulesPass,
    )
    assert "class TinyPreTrainedModel(TFPreTrainedModel):" in code


def test_audio_tokenizer_base_is_a_pretrained_model():
    """dac / encodec / xcodec: PreTrainedAudioTokenizerBase is PreTrainedModel with abstract encode/decode."""
    code = run_passes(
        """
        from ...modeling_utils import PreTrainedAudioTokenizerBase


        class TinyPreTrainedModel(PreTrainedAudioTokenizerBase):
            base_model_prefix = "tiny"
        """,
        ModulesPass,
    )
    assert "class TinyPreTrainedModel(TFPreTrainedModel):" in code
