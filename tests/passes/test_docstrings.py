"""Class docstrings document the TF signature in the form utils/check_docstrings.py parses."""

import libcst as cst

from scaffold.convert.passes import docstrings
from tests.conftest import dedent


def run(code: str) -> str:
    return docstrings.rewrite(cst.parse_module(dedent(code)), config_class=None).code


def test_a_loose_config_entry_becomes_check_docstrings_form():
    code = run(
        '''
        class TFTinyModel(TFTinyPreTrainedModel):
            """
            Transformer decoder.

            Args:
                config: TinyConfig
                embed_tokens (nn.Embedding): output embedding
            """

            def __init__(self, config: TinyConfig, *inputs, **kwargs):
                super().__init__(config, *inputs, **kwargs)
        '''
    )
    assert "        config ([`TinyConfig`]):\n            Model configuration class" in code
    assert "embed_tokens" not in code  # the TF class does not take it
    assert "config: TinyConfig\n" not in code.split('"""')[1]
    assert "Transformer decoder." in code


def test_an_undocumented_config_gets_the_standard_entry_and_documented_arguments_are_kept():
    code = run(
        '''
        class TFTinyLayer(keras.layers.Layer):
            """
            Args:
                hidden_size (`int`, *optional*, defaults to 32):
                    Width of the layer.
            """

            def __init__(self, config, hidden_size=32, **kwargs):
                super().__init__(**kwargs)
        '''
    )
    lines = code.split('"""')[1].splitlines()
    assert lines[2].strip() == "config ([`PretrainedConfig`]):"
    assert "hidden_size (`int`, *optional*, defaults to 32):" in code
    assert "Width of the layer." in code
    assert all(len(line) <= 119 for line in code.splitlines())


def test_the_signature_comes_from_an_in_file_base():
    code = run(
        '''
        class TFTinyBase(keras.layers.Layer):
            def __init__(self, config, **kwargs):
                super().__init__(**kwargs)


        class TFTinyChild(TFTinyBase):
            """
            Args:
                config: TinyConfig
                layer_idx (int): dropped, the TF class does not take it
            """
        '''
    )
    assert "config ([`TinyConfig`]):" in code and "layer_idx" not in code


def test_no_change_without_an_argument_section_or_a_signature():
    for source in (
        '''
        class TFTinyModel(TFTinyPreTrainedModel):
            """The bare model."""

            def __init__(self, config, *inputs, **kwargs):
                super().__init__(config, *inputs, **kwargs)
        ''',
        '''
        class TFTinyOutput(ModelOutput):
            """
            Args:
                last_hidden_state (`tf.Tensor`): the states.
            """

            last_hidden_state: tf.Tensor = None
        ''',
    ):
        assert run(source) == dedent(source)
    assert isinstance(cst.parse_module(run(source)), cst.Module)
