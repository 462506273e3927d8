from scaffold.convert.passes.attributes import AttributesPass
from scaffold.convert.passes.methods import TensorMethodsPass
from scaffold.convert.passes.shape_checks import ShapeChecksPass
from tests.conftest import assert_codemod


def test_a_shape_check_that_raises_becomes_a_tf_assertion():
    assert_codemod(
        """
        class TinyAttention(nn.Module):
            def forward(self, x, bsz, q_len):
                # the output must keep its shape
                if x.size() != (bsz, self.num_heads, q_len):
                    raise ValueError(f"`x` should be of size {(bsz, self.num_heads, q_len)}, but is {x.size()}")
                if tuple(x.shape) != [bsz, q_len]:
                    raise ValueError
                return x
        """,
        """
        class TinyAttention(nn.Module):
            def forward(self, x, bsz, q_len):
                # the output must keep its shape
                tf.debugging.assert_equal(tuple(shape_list(x)), (bsz, self.num_heads, q_len), message=f"`x` should be of size {(bsz, self.num_heads, q_len)}, but is {tuple(shape_list(x))}")
                tf.debugging.assert_equal(tuple(shape_list(x)), [bsz, q_len])
                return x
        """,
        AttributesPass,
        TensorMethodsPass,
        ShapeChecksPass,
    )


def test_other_checks_are_left_alone():
    code = """
        class TinyAttention(nn.Module):
            def forward(self, x, bsz, mask):
                if x.size() != (bsz, 2):
                    raise ValueError("wrong")
                else:
                    x = x + 1
                if x.size() == (bsz, 2):
                    raise ValueError("same")
                if x.size() != (bsz, 2):
                    logger.warning("wrong")
                    raise ValueError("wrong")
                if mask != (bsz, 2):
                    raise ValueError("not a shape")
                if x.size() != (bsz, 2):
                    raise ValueError("wrong") from None
                return x


        if SIZE.shape != (1, 2):
            raise ValueError("module level")
        """
    assert_codemod(code, code, ShapeChecksPass)
