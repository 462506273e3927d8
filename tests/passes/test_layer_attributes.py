from scaffold.convert.passes.layer_attributes import LayerAttributesPass
from scaffold.convert.todos import Todo
from tests.conftest import assert_codemod, run_passes


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
        LayerAttributesPass,
    )
    assert "self.size = (self.model.shared.input_dim, self.model.plain.output_dim)" in code
    assert "self.other = (self.model.num_embeddings, config.num_embeddings)" in code


def test_layer_attributes_in_keras_terms():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.emb = nn.Embedding(4, 8)
                self.dense = nn.Linear(8, 8)
                self.dropout = nn.Dropout(0.1)

            def forward(self, x):
                return self.emb.weight, self.emb.weight.dtype, self.dropout.p, self.other.weight
        """,
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.emb = nn.Embedding(4, 8)
                self.dense = nn.Linear(8, 8)
                self.dropout = nn.Dropout(0.1)

            def forward(self, x):
                return self.emb.embeddings, self.emb.compute_dtype, self.dropout.rate, self.other.weight
        """,
        LayerAttributesPass,
    )


def test_a_dense_weight_is_its_kernel_transposed_and_a_conv_weight_stays():
    """torch's Linear weight is (out, in), keras' Dense kernel (in, out): the transpose is torch's weight. The
    conv twins have torch's `weight` (the kernel in torch's layout) themselves: the read stays."""
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(8, 8)
                self.conv = nn.Conv1d(8, 8, 3)

            def forward(self, x):
                slices = self.dense.weight.split(4, dim=0)
                return x @ self.conv.weight
        """,
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(8, 8)
                self.conv = nn.Conv1d(8, 8, 3)

            def forward(self, x):
                slices = tf.transpose(self.dense.kernel).split(4, dim=0)
                return x @ self.conv.weight
        """,
        LayerAttributesPass,
    )


def test_a_dense_weight_assigned_to_is_the_kernel_marked():
    """An assignment target cannot be a transpose: torch's layout differs, so it stays marked."""
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(8, 8)

            def tie(self, other):
                self.dense.weight = other
        """,
        """
        class TinyLayer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(8, 8)

            def tie(self, other):
                # TODO(scaffold): `self.dense.weight`: keras keeps this as `.kernel`, transposed from torch's layout
                #   PyTorch: self.dense.weight = other
                self.dense.kernel = other
        """,
        LayerAttributesPass,
        todos=(Todo("`self.dense.weight`: keras keeps this as `.kernel`, transposed from torch's layout"),),
    )


def test_conv_attributes_take_their_keras_names():
    """whisper's `self.conv1.stride[0] * self.conv2.stride[0]`."""
    code = run_passes(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.conv1 = nn.Conv1d(4, 8, kernel_size=3, stride=2)

            def forward(self, x):
                return x[:, :, :: self.conv1.stride[0]], self.conv1.out_channels, self.conv1.kernel_size
        """,
        LayerAttributesPass,
    )
    assert "self.conv1.strides[0]], self.conv1.filters, self.conv1.kernel_size" in code
