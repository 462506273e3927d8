import pytest

from scaffold.convert.passes.attributes import AttributesPass
from scaffold.convert.passes.calls import TorchCallsPass
from scaffold.convert.passes.methods import TensorMethodsPass
from scaffold.convert.todos import Todo
from tests.conftest import assert_codemod, translate


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        pytest.param("x.view(2, -1, 4)", "tf.reshape(x, [2, -1, 4])", id="view-dims"),
        pytest.param("x.view(new_shape)", "tf.reshape(x, new_shape)", id="view-shape-variable"),
        pytest.param("x.reshape(*y, -1)", "tf.reshape(x, [*y, -1])", id="reshape-starred"),
        pytest.param("x.transpose(1, 2)", "tf.experimental.numpy.swapaxes(x, 1, 2)", id="transpose"),
        pytest.param("x.permute(0, 2, 1, 3)", "tf.transpose(x, perm=[0, 2, 1, 3])", id="permute"),
        pytest.param("x.size()", "tuple(shape_list(x))", id="size-is-a-tuple-like-torch-size"),
        pytest.param("x.size(-1)", "shape_list(x)[-1]", id="size-dim"),
        pytest.param("x.unsqueeze(1)", "tf.expand_dims(x, 1)", id="unsqueeze"),
        pytest.param("x.contiguous()", "x", id="contiguous"),
        pytest.param("x.masked_fill(y, -1.0)", "tf.where(y, tf.cast(-1.0, x.dtype), x)", id="masked-fill"),
        pytest.param("x.masked_fill(~y, 0)", "tf.where(~y, tf.cast(0, x.dtype), x)", id="masked-fill-int-in-x-dtype"),
        pytest.param("x.masked_fill(y, -1)", "tf.where(y, tf.cast(-1, x.dtype), x)", id="masked-fill-negative-int"),
        pytest.param("x.masked_fill(y, z)", "tf.where(y, z, x)", id="masked-fill-tensor-value-as-is"),
        pytest.param("x.to(y.device)", "x", id="to-device"),
        pytest.param("x.to(y.dtype)", "tf.cast(x, y.dtype)", id="to-dtype"),
        pytest.param("(x * y).argmax(-1)", "tf.math.argmax((x * y), axis=-1)", id="argmax"),
        pytest.param("x.argmin(dim=1)", "tf.math.argmin(x, axis=1)", id="argmin-dim"),
        pytest.param("x.expand(2, -1)", "tf.broadcast_to(x, [2, shape_list(x)[-1]])", id="expand-minus-one"),
        pytest.param("x.flatten(2)", "tf.reshape(x, shape_list(x)[:2] + [-1])", id="flatten"),
        pytest.param("x.ne(0)", "tf.math.not_equal(x, 0)", id="ne"),
        pytest.param("x.chunk(2, dim=-1)", "tf.split(x, 2, axis=-1)", id="chunk"),
        pytest.param("x.split(4, dim=2)", "torch_split(x, 4, 2)", id="split-by-size"),
        pytest.param('x.lower().split("|")', 'x.lower().split("|")', id="str-split-is-not-a-tensor-split"),
        pytest.param("x.mean(-1, keepdim=True)", "tf.reduce_mean(x, axis=-1, keepdims=True)", id="mean"),
        pytest.param("shapes.prod(1)", "tf.reduce_prod(shapes, axis=1)", id="prod"),
        pytest.param("x.sum(1)", "torch_sum(x, axis=1)", id="sum-booleans-as-integers"),
        pytest.param("x.float()", "tf.cast(x, tf.float32)", id="float"),
        pytest.param("x.long()", "tf.cast(x, tf.int32)", id="long-is-int32"),
        pytest.param("x.item()", "x.numpy().item()", id="item"),
        pytest.param("self.dense(x)", "self.dense(x)", id="sub-layer-call-no-change"),
        pytest.param("y.items()", "y.items()", id="unknown-method-no-change"),
        pytest.param("x.view()", "x.view()", id="declined-form-of-a-shared-name-no-change"),
    ],
)
def test_translation(torch, tf):
    assert translate(torch, TensorMethodsPass) == tf


def test_dtype_and_default_dtype():
    assert translate("x.to(torch.float32)", AttributesPass, TensorMethodsPass) == "tf.cast(x, tf.float32)"
    assert translate("x.to(torch.get_default_dtype())", TorchCallsPass, TensorMethodsPass) == (
        "tf.cast(x, tf.as_dtype(keras.backend.floatx()))"
    )


def test_to_the_layers_own_device_is_a_no_op():
    """idefics3's `embeddings(input_ids).to(self.device)`: a layer's device is dropped (None), and torch's
    `.to(None)` changes nothing."""
    assert translate("x.to(self.device)", AttributesPass, TensorMethodsPass) == "x"


def test_a_tensor_only_method_without_translation_is_untranslated():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                return x.narrow(1, 0, 2)
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x):
                # TODO(scaffold): tensor method .narrow() is not translated yet
                #   PyTorch: return x.narrow(1, 0, 2)
                raise NotImplementedError("scaffold: no TF translation for .narrow() (see the TODO above)")
        """,
        TensorMethodsPass,
        todos=(Todo("tensor method .narrow() is not translated yet", ".narrow()"),),
    )


def test_max_over_a_dim_is_torchs_values_and_indices():
    assert translate("x.max(-1)", TensorMethodsPass) == "torch_max(x, -1)"
    assert translate("x.min(dim=d, keepdim=True)", TensorMethodsPass) == "torch_min(x, d, keepdim=True)"


def test_max_of_a_dim_or_a_tensor_untold_says_why():
    message = (
        "torch .max(dim) returns (values, indices), .max(tensor) the elementwise max: scaffold cannot tell this one"
    )
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x, other):
                y = x.max(other)
                return y
        """,
        f"""
        class TinyLayer(nn.Module):
            def forward(self, x, other):
                # TODO(scaffold): {message}
                #   PyTorch: y = x.max(other)
                raise NotImplementedError("scaffold: no TF translation for .max(dim) (see the TODO above)")
                return y
        """,
        TensorMethodsPass,
        todos=(Todo(message, ".max(dim)"),),
    )


def test_to_of_something_unknown_is_marked():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x, target):
                return x.to(target)
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x, target):
                # TODO(scaffold): `.to(target)`: a dtype (cast) or a device (drop)? scaffold cannot tell
                #   PyTorch: return x.to(target)
                raise NotImplementedError("scaffold: no TF translation for .to(target) (see the TODO above)")
        """,
        TensorMethodsPass,
        todos=(Todo("`.to(target)`: a dtype (cast) or a device (drop)? scaffold cannot tell", ".to(target)"),),
    )
