import pytest

from scaffold.convert.passes.attributes import AttributesPass
from scaffold.convert.passes.calls import TorchCallsPass
from scaffold.convert.passes.methods import TensorMethodsPass
from scaffold.convert.todos import Todo
from tests.conftest import assert_codemod, translate


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param("torch.matmul(x, y)", "tf.matmul(x, y)", id="matmul"),
        pytest.param("torch.cat([x, y], dim=-1)", "tf.concat([x, y], axis=-1)", id="cat"),
        pytest.param("nn.functional.softmax(x, dim=-1)", "stable_softmax(x, axis=-1)", id="softmax"),
        pytest.param(
            "nn.functional.softmax(x, dim=-1, dtype=y)", "stable_softmax(x, axis=-1)", id="softmax-drops-dtype"
        ),
        pytest.param("torch.full_like(x, 3)", "tf.fill(tf.shape(x), tf.cast(3, x.dtype))", id="full-like"),
        pytest.param("torch.full((2, 3), 1.0)", "tf.fill((2, 3), 1.0)", id="full"),
        pytest.param(
            "torch.linalg.vector_norm(x, ord=2, dim=(1, 2), keepdim=True)",
            "torch_vector_norm(x, ord=2, dim=(1, 2), keepdim=True)",
            id="vector-norm",
        ),
        pytest.param("nn.ReLU()(x)", 'get_tf_activation("relu")(x)', id="activation-module-applied-on-the-spot"),
        pytest.param("nn.functional.gelu(x)", 'get_tf_activation("gelu")(x)', id="functional-activation"),
        pytest.param("torch.zeros(2, 3)", "tf.zeros([2, 3])", id="zeros-dims"),
        pytest.param("torch.ones(y, device=x.device)", "tf.ones(y)", id="ones-drop-device"),
        pytest.param("torch.randn(2, n, device=d)", "tf.random.normal([2, n])", id="randn-dims"),
        pytest.param("torch.randn(config.hidden_size)", "tf.random.normal([config.hidden_size])", id="randn-one-dim"),
        pytest.param("torch.rand(x.size(0))", "tf.random.uniform([x.size(0)])", id="rand-one-size"),
        pytest.param("torch.rand(shape, dtype=x.dtype)", "tf.random.uniform(shape, dtype=x.dtype)", id="rand-shape"),
        pytest.param("torch.rand(size=(2, 3))", "tf.random.uniform((2, 3))", id="rand-size-keyword"),
        pytest.param("torch.tril(x)", "tf.linalg.band_part(x, -1, 0)", id="tril"),
        pytest.param("torch.min(x, y)", "tf.math.minimum(x, y)", id="min-elementwise"),
        pytest.param("torch.max(x)", "tf.reduce_max(x)", id="max-of-all"),
        pytest.param("torch.clamp(x, min=0.0)", "tf.math.maximum(x, 0.0)", id="clamp-min"),
        pytest.param("torch.clamp(x, 0.0, 1.0)", "tf.math.minimum(tf.math.maximum(x, 0.0), 1.0)", id="clamp-both"),
        pytest.param(
            "nn.functional.dropout(x, p=0.1, training=self.training)",
            "tf.nn.dropout(x, rate=0.1) if self.training else x",
            id="functional-dropout",
        ),
        pytest.param("torch.split(x, [1, 4], 1)", "torch_split(x, [1, 4], 1)", id="split-sizes"),
        pytest.param("torch.chunk(x, 3, dim=-1)", "tf.split(x, 3, axis=-1)", id="chunk"),
        pytest.param('torch.meshgrid([x, y], indexing="ij")', 'meshgrid([x, y], indexing="ij")', id="meshgrid"),
        pytest.param('torch.einsum("ij,jk->ik", [x, y])', 'tf.einsum("ij,jk->ik", x, y)', id="einsum-operand-list"),
        pytest.param("torch.flatten(x, 1)", "tf.reshape(x, shape_list(x)[:1] + [-1])", id="flatten-start"),
        pytest.param("torch.flatten(x)", "tf.reshape(x, [-1])", id="flatten-all"),
        pytest.param(
            "torch.roll(x, shifts=(-1, 2), dims=(1, 2))", "tf.roll(x, shift=(-1, 2), axis=(1, 2))", id="roll"
        ),
        pytest.param(
            'nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)',
            'torch_interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)',
            id="interpolate-twin-takes-torch-arguments",
        ),
        pytest.param(
            "nn.functional.unfold(x, kernel_size=2, stride=2)",
            "torch_unfold(x, kernel_size=2, stride=2)",
            id="unfold-twin-takes-torch-arguments",
        ),
        pytest.param("torch.LongTensor(y)", "tf.constant(y, dtype=tf.int32)", id="typed-tensor"),
        pytest.param("torch.div(x, y, rounding_mode='floor')", "tf.math.floordiv(x, y)", id="floor-division"),
        pytest.param("nn.functional.linear(x, w)", "tf.matmul(x, w, transpose_b=True)", id="linear-torch-layout"),
        pytest.param(
            "nn.functional.linear(x, w, bias=b)",
            "tf.nn.bias_add(tf.matmul(x, w, transpose_b=True), b)",
            id="linear-bias",
        ),
        pytest.param("nn.functional.linear(x, w, None)", "tf.matmul(x, w, transpose_b=True)", id="linear-bias-none"),
        pytest.param("torch.eq(x, 0)", "tf.math.equal(x, 0)", id="eq"),
        pytest.param("x + y", "x + y", id="no-change"),
        pytest.param("max(x, y)", "scalar_max(x, y)", id="builtin-max-of-numbers-that-may-be-tensors"),
        pytest.param("max(x)", "max(x)", id="builtin-max-of-an-iterable-no-change"),
        pytest.param("len(x)", "len(x)", id="builtin-no-change"),
    ],
)
def test_translation(torch, tf):
    assert translate(torch, TorchCallsPass) == tf


def test_arguments_are_translated_first():
    assert translate("torch.arange(10, dtype=torch.long)", AttributesPass, TorchCallsPass) == (
        "tf.range(10, dtype=tf.int32)"
    )
    assert translate("torch.unique_consecutive(x.sum(1))", TorchCallsPass, TensorMethodsPass) == (
        "torch_unique_consecutive(torch_sum(x, axis=1))"
    )


def test_untranslated_call_raises_in_forward_naming_the_construct():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                return torch.special.entr(x)
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                # TODO(scaffold): no TF translation for torch.special.entr yet
                #   PyTorch: return torch.special.entr(x)
                raise NotImplementedError("scaffold: no TF translation for torch.special.entr (see the TODO above)")
        """,
        TorchCallsPass,
        todos=(Todo("no TF translation for torch.special.entr yet", "torch.special.entr"),),
    )


def test_a_form_the_translator_declines_is_untranslated():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                return torch.div(x, 2, rounding_mode="trunc")
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                # TODO(scaffold): no TF translation for torch.div yet
                #   PyTorch: return torch.div(x, 2, rounding_mode="trunc")
                raise NotImplementedError("scaffold: no TF translation for torch.div (see the TODO above)")
        """,
        TorchCallsPass,
        todos=(Todo("no TF translation for torch.div yet", "torch.div"),),
    )


def test_untranslated_call_in_init_is_marked_but_kept():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                self.table = torch.special.entr(config.x)
        """,
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                # TODO(scaffold): no TF translation for torch.special.entr yet
                #   PyTorch: self.table = torch.special.entr(config.x)
                self.table = torch.special.entr(config.x)
        """,
        TorchCallsPass,
        todos=(Todo("no TF translation for torch.special.entr yet", "torch.special.entr"),),
    )


def test_a_loss_made_in_forward_is_its_twin_or_raises():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x, y):
                loss = nn.CrossEntropyLoss()(x, y)
                return nn.MarginRankingLoss()(x, y, loss)
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x, y):
                loss = TorchCrossEntropyLoss()(x, y)
                # TODO(scaffold): torch.nn.MarginRankingLoss has no TF twin in scaffold (snippets/tf_losses.py)
                #   PyTorch: return nn.MarginRankingLoss()(x, y, loss)
                raise NotImplementedError("scaffold: no TF translation for MarginRankingLoss (see the TODO above)")
        """,
        TorchCallsPass,
        todos=(
            Todo("torch.nn.MarginRankingLoss has no TF twin in scaffold (snippets/tf_losses.py)", "MarginRankingLoss"),
        ),
    )


def test_layer_constructors_in_init_are_left_to_the_layers_pass():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                self.act = nn.ReLU()
        """,
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                self.act = nn.ReLU()
        """,
        TorchCallsPass,
    )


def test_outside_function_bodies_nothing_changes():
    assert_codemod(
        "x = torch.zeros(2, 3)\n\n\nclass TinyLayer(nn.Module):\n    pass\n",
        "x = torch.zeros(2, 3)\n\n\nclass TinyLayer(nn.Module):\n    pass\n",
        TorchCallsPass,
    )
