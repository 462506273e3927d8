import pytest

from scaffold.convert.passes.attributes import AttributesPass
from tests.conftest import assert_codemod, translate


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param("x.shape[0]", "shape_list(x)[0]", id="shape-index"),
        pytest.param("x.shape", "tuple(shape_list(x))", id="shape-is-a-tuple"),
        pytest.param("self.config.shape", "self.config.shape", id="config-attribute-untouched"),
        pytest.param("self.config._attn_implementation", '"eager"', id="attention-is-eager"),
        pytest.param("next(self.parameters()).dtype", "tf.as_dtype(self.compute_dtype)", id="first-parameter-dtype"),
        pytest.param('ACT2FN["gelu"](x)', 'get_tf_activation("gelu")(x)', id="act2fn"),
        # a name TF's ACT2FN lacks, or one read from the config (any of PyTorch's): the twin table first
        pytest.param('ACT2FN["relu2"](x)', 'torch_activation("relu2")(x)', id="act2fn-torch-only-name"),
        pytest.param("ACT2FN[config.hidden_act]", "torch_activation(config.hidden_act)", id="act2fn-config-name"),
        pytest.param("torch.long", "tf.int32", id="long-is-int32"),
        pytest.param("torch.float16", "tf.float16", id="dtype"),
        pytest.param("torch.finfo(x.dtype).min", "tf.as_dtype(x.dtype).min", id="finfo-min"),
        pytest.param("self.gradient_checkpointing", "False", id="no-gradient-checkpointing"),
        pytest.param("tf.where(m, -torch.inf, x)", 'tf.where(m, -float("inf"), x)', id="torch-inf"),
        pytest.param("torch.nan", 'float("nan")', id="torch-nan"),
        pytest.param("tuple(x.shape)", "tuple(shape_list(x))", id="tuple-of-a-shape-no-c414"),
        pytest.param("list(x.shape)", "list(shape_list(x))", id="list-of-a-shape"),
        pytest.param("tuple(y)", "tuple(y)", id="tuple-no-change"),
        pytest.param("x.y", "x.y", id="no-change"),
    ],
)
def test_translation(torch, tf):
    assert translate(torch, AttributesPass) == tf


def test_attention_implementation_stays_an_assignment_target_and_inside_fstrings():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                self._attn_implementation = "sdpa"
                print(f"{self._attn_implementation}")
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                self._attn_implementation = "sdpa"
                print(f"{self._attn_implementation}")
        """,
        AttributesPass,
    )


def test_a_modules_own_dtype_is_its_compute_dtype_unless_the_class_sets_one():
    """modernbert's `_prepare_4d_attention_mask(mask, self.dtype)`: torch's module dtype; keras' `dtype` is a
    string. lfm2's `device=self.device` passed on: None. A class with its own `self.dtype = ...` keeps its
    attribute."""
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                cache = Cache(x, dtype=self.dtype, device=self.device)
                return x.to(self.dtype)


        class TinyOther(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dtype = config.dtype

            def forward(self, x):
                return x.to(self.dtype)
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                cache = Cache(x, dtype=tf.as_dtype(self.compute_dtype), device=None)
                return x.to(tf.as_dtype(self.compute_dtype))


        class TinyOther(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dtype = config.dtype

            def forward(self, x):
                return x.to(self.dtype)
        """,
        AttributesPass,
    )
