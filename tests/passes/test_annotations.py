from scaffold.convert.passes.annotations import AnnotationsPass
from tests.conftest import assert_codemod

PRELUDE_CACHE = "from ...cache_utils import Cache\n\n\nclass TinyLayer(nn.Module):\n    pass\n\n\n"


def test_tensor_annotations_become_tf_tensor():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def forward(self, x: Optional[torch.FloatTensor] = None, y: torch.Tensor | None = None) -> torch.Tensor:
                return x
        """,
        """
        class TinyLayer(nn.Module):
            def forward(self, x: Optional[tf.Tensor] = None, y: tf.Tensor | None = None) -> tf.Tensor:
                return x
        """,
        AnnotationsPass,
    )


def test_an_annotation_naming_a_torch_only_type_is_dropped():
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            def f(x: PreTrainedModel, y: int) -> PreTrainedModel:
                return x
        """,
        """
        class TinyLayer(nn.Module):
            def f(x, y: int):
                return x
        """,
        AnnotationsPass,
    )


def test_cache_annotations_become_tuples():
    assert_codemod(
        PRELUDE_CACHE + "x: Cache = None\n",
        PRELUDE_CACHE + "x: tuple = None\n",
        AnnotationsPass,
    )


def test_other_annotations_are_kept():
    source = "class TinyLayer(nn.Module):\n    def f(x: int, y: Optional[str]) -> bool:\n        pass\n"
    assert_codemod(source, source, AnnotationsPass)


def test_annotated_assignments_in_functions_become_plain_ones():
    """autograph cannot convert control flow around an annotated local ("annotated name can't be nonlocal")."""
    assert_codemod(
        """
        class TinyLayer(nn.Module):
            inv_freq: torch.Tensor

            def forward(self, x):
                if x is None:
                    x: torch.Tensor = self.embed(x)
                y: int
                return x
        """,
        """
        class TinyLayer(nn.Module):
            inv_freq: tf.Tensor

            def forward(self, x):
                if x is None:
                    x = self.embed(x)
                y: int
                return x
        """,
        AnnotationsPass,
    )


def test_a_forward_reference_to_a_class_of_the_file_names_its_tf_class():
    """modernbert_decoder: `def eager_attention_forward(module: "ModernBertDecoderAttention", ...)`."""
    assert_codemod(
        """
        class TinyAttention(nn.Module):
            pass


        def attention_forward(module: "TinyAttention", other: "SomethingElse"):
            return module
        """,
        """
        class TinyAttention(nn.Module):
            pass


        def attention_forward(module: "TFTinyAttention", other: "SomethingElse"):
            return module
        """,
        AnnotationsPass,
    )
