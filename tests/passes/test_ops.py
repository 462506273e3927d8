import pytest

from scaffold.convert.passes.annotations import AnnotationsPass
from scaffold.convert.passes.attributes import AttributesPass
from scaffold.convert.passes.calls import TorchCallsPass
from scaffold.convert.passes.indexing import IndexingPass
from scaffold.convert.passes.layer_attributes import LayerAttributesPass
from scaffold.convert.passes.methods import TensorMethodsPass
from tests.conftest import run_passes

OPS = (LayerAttributesPass, AnnotationsPass, IndexingPass, AttributesPass, TorchCallsPass, TensorMethodsPass)


def translate(expression: str) -> str:
    code = run_passes(
        f"""
        class TinyLayer(nn.Module):
            def forward(self, x, y):
                return {expression}
        """,
        *OPS,
    )
    line = next(line for line in code.splitlines() if line.strip().startswith("return"))
    return line.strip()[len("return ") :]


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param("torch.matmul(x, y)", "tf.matmul(x, y)", id="matmul"),
        pytest.param("torch.cat([x, y], dim=-1)", "tf.concat([x, y], axis=-1)", id="cat"),
        pytest.param("nn.functional.softmax(x, dim=-1)", "stable_softmax(x, axis=-1)", id="softmax"),
        pytest.param("x.view(2, -1, 4)", "tf.reshape(x, [2, -1, 4])", id="view-dims"),
        pytest.param("x.view(new_shape)", "tf.reshape(x, new_shape)", id="view-shape-variable"),
        pytest.param(
            "x.reshape(*x.shape[:-1], -1)", "tf.reshape(x, [*tuple(shape_list(x))[:-1], -1])", id="reshape-starred"
        ),
        pytest.param("x.transpose(1, 2)", "tf.experimental.numpy.swapaxes(x, 1, 2)", id="transpose"),
        pytest.param("x.permute(0, 2, 1, 3)", "tf.transpose(x, perm=[0, 2, 1, 3])", id="permute"),
        pytest.param("x.size()", "tuple(shape_list(x))", id="size-is-a-tuple-like-torch-size"),
        pytest.param("x.size(-1)", "shape_list(x)[-1]", id="size-dim"),
        pytest.param("x.shape[0]", "shape_list(x)[0]", id="shape-index"),
        pytest.param("x.unsqueeze(1)", "tf.expand_dims(x, 1)", id="unsqueeze"),
        pytest.param("x.contiguous()", "x", id="contiguous"),
        pytest.param("x.masked_fill(y, -1.0)", "tf.where(y, -1.0, x)", id="masked-fill"),
        pytest.param("x.to(torch.float32)", "tf.cast(x, tf.float32)", id="to-dtype"),
        pytest.param("x.to(y.device)", "x", id="to-device"),
        pytest.param("x.to(y.device, torch.int32)", "tf.cast(x, tf.int32)", id="to-device-and-dtype"),
        pytest.param("(x * y).argmax(-1)", "tf.math.argmax((x * y), axis=-1)", id="argmax"),
        pytest.param("x.argmin(dim=1)", "tf.math.argmin(x, axis=1)", id="argmin-dim"),
        pytest.param("x[torch.arange(4), y]", "torch_index(x, (tf.range(4), y))", id="advanced-indexing-with-tensors"),
        pytest.param("x[0, y]", "x[0, y]", id="plain-tuple-index-untouched"),
        pytest.param("x[y, :]", "torch_index(x, (y, slice(None)))", id="variable-among-full-slices-may-be-a-mask"),
        pytest.param("x[:, y]", "torch_index(x, (slice(None), y))", id="mask-on-the-second-axis"),
        pytest.param("x[y, 1:]", "x[y, 1:]", id="bounded-slice-untouched"),
        pytest.param(
            "torch.full_like(x, 3, dtype=torch.long)",
            "tf.fill(tf.shape(x), tf.cast(3, tf.int32))",
            id="full-like-with-dtype",
        ),
        pytest.param("torch.full_like(x, 3)", "tf.fill(tf.shape(x), tf.cast(3, x.dtype))", id="full-like"),
        pytest.param("x[None, :]", "x[None, :]", id="new-axis-untouched"),
        pytest.param(
            "torch.unique_consecutive(x.sum(1))",
            "torch_unique_consecutive(torch_sum(x, axis=1))",
            id="unique-consecutive",
        ),
        pytest.param(
            "torch.linalg.vector_norm(x, ord=2, dim=(1, 2), keepdim=True)",
            "torch_vector_norm(x, ord=2, dim=(1, 2), keepdim=True)",
            id="vector-norm",
        ),
        pytest.param("nn.ReLU()(x)", 'get_tf_activation("relu")(x)', id="activation-module-applied-on-the-spot"),
        pytest.param("torch.arange(10, dtype=torch.long)", "tf.range(10, dtype=tf.int32)", id="arange-long-is-int32"),
        pytest.param("torch.zeros(2, 3)", "tf.zeros([2, 3])", id="zeros-dims"),
        pytest.param("torch.ones(x.shape, device=x.device)", "tf.ones(tuple(shape_list(x)))", id="ones-drop-device"),
        pytest.param("x.expand(2, -1)", "tf.broadcast_to(x, [2, shape_list(x)[-1]])", id="expand-minus-one"),
        pytest.param("torch.tril(x)", "tf.linalg.band_part(x, -1, 0)", id="tril"),
        pytest.param("torch.min(x, y)", "tf.math.minimum(x, y)", id="min-elementwise"),
        pytest.param("x.flatten(2)", "tf.reshape(x, shape_list(x)[:2] + [-1])", id="flatten"),
        pytest.param("x.ne(0)", "tf.math.not_equal(x, 0)", id="ne"),
        pytest.param("x.chunk(2, dim=-1)", "tf.split(x, 2, axis=-1)", id="chunk"),
        pytest.param("x.split(4, dim=2)", "torch_split(x, 4, 2)", id="split-by-size"),
        pytest.param(
            "nn.functional.dropout(x, p=0.1, training=self.training)",
            "tf.nn.dropout(x, rate=0.1) if self.training else x",
            id="functional-dropout",
        ),
        pytest.param('ACT2FN["gelu"](x)', 'get_tf_activation("gelu")(x)', id="act2fn"),
        pytest.param("self.config._attn_implementation", '"eager"', id="attention-is-eager"),
        pytest.param("x + y", "x + y", id="no-change"),
    ],
)
def test_translation(torch, tf):
    assert translate(torch) == tf


def test_untranslated_call_raises_in_forward_naming_the_construct():
    code = run_passes(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                return torch.special.entr(x)
        """,
        *OPS,
    )
    assert "# TODO(scaffold): no TF translation for torch.special.entr yet" in code
    assert "#   PyTorch: return torch.special.entr(x)" in code
    assert (
        'raise NotImplementedError("scaffold: no TF translation for torch.special.entr (see the TODO above)")' in code
    )
    assert not any(line.strip().startswith("return torch") for line in code.splitlines())


def test_untranslated_call_in_init_is_marked_but_kept():
    code = run_passes(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                self.table = torch.special.entr(config.x)
        """,
        *OPS,
    )
    assert "# TODO(scaffold): no TF translation for torch.special.entr yet" in code
    assert "self.table = torch.special.entr(config.x)" in code
    assert "NotImplementedError" not in code


def test_annotations_become_tf_tensor():
    code = run_passes(
        """
        class TinyLayer(nn.Module):
            def forward(self, x: Optional[torch.FloatTensor] = None) -> torch.Tensor:
                return x
        """,
        *OPS,
    )
    assert "def forward(self, x: Optional[tf.Tensor] = None) -> tf.Tensor:" in code


def test_dtype_of_the_first_parameter_is_the_compute_dtype():
    assert translate("next(self.parameters()).dtype") == "tf.as_dtype(self.compute_dtype)"


def statements(body: str) -> list[str]:
    code = run_passes(
        f"""
        class TinyLayer(nn.Module):
            def forward(self, x, y, i):
                {body}
        """,
        *OPS,
    )
    return [line.strip() for line in code.splitlines()[2:] if line.strip()]


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param(
            "x[:, 1:] = y[:, :-1].clone()",
            "x = torch_setitem(x, (slice(None), slice(1, None)), tf.identity(y[:, :-1]))",
            id="slices",
        ),
        pytest.param("x[i, :] = 0", "x = torch_setitem(x, (i, slice(None)), 0)", id="index-and-slice"),
        pytest.param("x[:2, ::2] = y", "x = torch_setitem(x, (slice(None, 2), slice(None, None, 2)), y)", id="bounds"),
        pytest.param("self.cache[i] = y", "self.cache = torch_setitem(self.cache, i, y)", id="attribute-target"),
        pytest.param('x["key"] = y', 'x["key"] = y', id="dict-entry-unchanged"),
    ],
)
def test_item_assignment(torch, tf):
    assert statements(torch) == [tf]


def test_default_dtype_is_keras_floatx():
    assert translate("x.to(torch.get_default_dtype())") == "tf.cast(x, tf.as_dtype(keras.backend.floatx()))"


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param("torch.split(x, [1, 4], 1)", "torch_split(x, [1, 4], 1)", id="split-sizes"),
        pytest.param("torch.chunk(x, 3, dim=-1)", "tf.split(x, 3, axis=-1)", id="chunk"),
        pytest.param('torch.meshgrid([x, y], indexing="ij")', 'meshgrid([x, y], indexing="ij")', id="meshgrid"),
        pytest.param('torch.einsum("ij,jk->ik", [x, y])', 'tf.einsum("ij,jk->ik", x, y)', id="einsum-operand-list"),
        pytest.param("torch.flatten(x, 1)", "tf.reshape(x, shape_list(x)[:1] + [-1])", id="flatten-start"),
        pytest.param("torch.flatten(x)", "tf.reshape(x, [-1])", id="flatten-all"),
        pytest.param(
            "torch.roll(x, shifts=(-1, 2), dims=(1, 2))", "tf.roll(x, shift=(-1, 2), axis=(1, 2))", id="roll"
        ),
        pytest.param("x[y.view(-1)]", "torch_index(x, tf.reshape(y, [-1]))", id="tensor-index"),
        pytest.param("x[:, 0]", "x[:, 0]", id="plain-index"),
    ],
)
def test_more_functions(torch, tf):
    assert translate(torch) == tf


def test_augmented_item_assignment():
    assert statements("x[:, :, 0] *= 2 * i - 1") == [
        "x = torch_setitem(x, (slice(None), slice(None), 0), x[:, :, 0] * (2 * i - 1))"
    ]


def test_interpolate_goes_to_its_twin_with_torch_arguments():
    assert (
        translate('nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)')
        == 'torch_interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)'
    )


def test_embedding_sizes_are_keras_input_dim_and_output_dim_through_sub_layers():
    code = run_passes(
        """
        class TinyScaledEmbedding(nn.Embedding):
            pass


        class TinyModel(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.shared = TinyScaledEmbedding(config.vocab_size, config.hidden_size)
                self.plain = nn.Embedding(config.vocab_size, config.hidden_size)


        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.model = TinyModel(config)
                self.size = (self.model.shared.num_embeddings, self.model.plain.embedding_dim)
                self.other = (self.model.num_embeddings, config.num_embeddings)
        """,
        *OPS,
    )
    assert "self.size = (self.model.shared.input_dim, self.model.plain.output_dim)" in code
    assert "self.other = (self.model.num_embeddings, config.num_embeddings)" in code
