import pytest

from scaffold.convert.passes.rename import RenamePass
from tests.conftest import dedent, run_passes


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """
            class TinyLayer(nn.Module):
                pass


            class TinyEncoder(nn.Module):
                def __init__(self, config):
                    self.layer = TinyLayer(config)
            """,
            """
            class TFTinyLayer(nn.Module):
                pass


            class TFTinyEncoder(nn.Module):
                def __init__(self, config):
                    self.layer = TFTinyLayer(config)
            """,
            id="definitions-and-references",
        ),
        pytest.param(
            """
            class TinyLayer(nn.Module):
                def forward(self, x, TinyLayer=None):
                    return x.TinyLayer(TinyLayer=1)
            """,
            """
            class TFTinyLayer(nn.Module):
                def forward(self, x, TinyLayer=None):
                    return x.TinyLayer(TinyLayer=1)
            """,
            id="attribute-keyword-and-parameter-names-are-not-references",
        ),
        pytest.param(
            """
            class TinyLayer(nn.Module):
                def forward(self, x):
                    return nn.Linear(x)
            """,
            """
            class TFTinyLayer(nn.Module):
                def forward(self, x):
                    return nn.Linear(x)
            """,
            id="no-change-to-imported-names",
        ),
    ],
)
def test_rename(before, after):
    assert run_passes(before, RenamePass) == dedent(after)


def test_keras_reserved_attribute_is_renamed_within_its_class():
    code = run_passes(
        """
        class TinyBlock(nn.Module):
            def __init__(self, config):
                self.output = nn.Linear(4, 4)

            def forward(self, x):
                return self.output(x)
        """,
        RenamePass,
    )
    assert "self.tiny_output = nn.Linear(4, 4)" in code
    assert "return self.tiny_output(x)" in code


def test_keras_reserved_attribute_is_renamed_where_another_layer_reaches_it():
    """`self.encoder.layer[0].output` (xmod) and `block.attention.output` (rwkv, `block` a loop variable) reach a
    sub-layer another class renamed: keras' `output` property there raises "has no inbound nodes"."""
    code = run_passes(
        """
        class TinyAttention(nn.Module):
            def __init__(self, config):
                self.output = nn.Linear(4, 4)


        class TinyBlock(nn.Module):
            def __init__(self, config):
                self.attention = TinyAttention(config)


        class TinyEncoder(nn.Module):
            def __init__(self, config):
                self.layer = nn.ModuleList([TinyBlock(config) for _ in range(2)])


        class TinyModel(nn.Module):
            def __init__(self, config):
                self.encoder = TinyEncoder(config)
                self.blocks = nn.ModuleList([TinyBlock(config) for _ in range(2)])

            def forward(self, x, outputs):
                a = self.encoder.layer[0].attention.output.weight
                for block in self.blocks:
                    b = block.attention.output.weight
                return outputs.output, self.encoder.output
        """,
        RenamePass,
    )
    assert "a = self.encoder.layer[0].attention.tiny_output.weight" in code
    assert "b = block.attention.tiny_output.weight" in code
    assert "return outputs.output, self.encoder.output" in code  # not a layer that renamed it
