"""Before/after cases of the text-model op translations (translate/: repeat_interleave, baddbmm, polar, topk, ...),
through the calls, methods and attributes passes; their numbers against torch are in tests/test_text_twins.py."""

import pytest

from scaffold.convert.passes.attributes import AttributesPass
from scaffold.convert.passes.calls import TorchCallsPass
from scaffold.convert.passes.methods import TensorMethodsPass
from tests.conftest import run_passes, translate

PASSES = (AttributesPass, TorchCallsPass, TensorMethodsPass)

CASES = [
    ("x.unbind(0)", "tuple(tf.unstack(x, axis=0))"),
    ("torch.unbind(x, dim=1)", "tuple(tf.unstack(x, axis=1))"),
    ("x.unbind()", "tuple(tf.unstack(x, axis=0))"),
    ("torch.view_as_real(x)", "torch_view_as_real(x)"),
    ("torch.tile(x, (2, 1))", "torch_tile(x, (2, 1))"),
    ("torch.repeat_interleave(x, 2, dim=-1)", "tf.repeat(x, 2, axis=-1)"),
    ("torch.repeat_interleave(x, y, 1, output_size=8)", "tf.repeat(x, y, axis=1)"),
    ("torch.repeat_interleave(x, 3)", "tf.repeat(x, 3)"),
    ("x.repeat_interleave(2, dim=-1)", "tf.repeat(x, 2, axis=-1)"),
    ("x.repeat_interleave(y)", "tf.repeat(x, y)"),
    ("torch.topk(x, 2, dim=-1)", "torch_topk(x, 2, dim=-1)"),
    ("x.topk(y, largest=False)", "torch_topk(x, y, largest=False)"),
    ("torch.baddbmm(x, a, b, beta=0.0, alpha=s)", "torch_baddbmm(x, a, b, beta=0.0, alpha=s)"),
    ("x.baddbmm(batch1=a, batch2=b)", "torch_baddbmm(x, batch1=a, batch2=b)"),
    ("torch.polar(x, y)", "tf.complex(x * tf.math.cos(y), x * tf.math.sin(y))"),
    ("torch.max(x, dim=-1)", "torch_max(x, -1)"),
    ("torch.ne(x, 0)", "tf.math.not_equal(x, 0)"),
    ("torch.tril(x, -2)", "torch_tril(x, -2)"),
    ("nn.functional.one_hot(x, num_classes=4)", "tf.one_hot(x, 4, dtype=tf.int32)"),
    (
        "nn.functional.layer_norm(x, (4,), None, None, 1e-5)",
        "torch_layer_norm(x, normalized_shape=(4,), weight=None, bias=None, eps=1e-5)",
    ),
    ("torch.empty(2, 3)", "tf.zeros([2, 3])"),
    ("torch.pow(x, y)", "torch_pow(x, y)"),
    ("x.scatter(1, y, 1)", "torch_scatter(x, 1, y, 1)"),
    ("nn.functional.linear(x, y)", "tf.matmul(x, y, transpose_b=True)"),
    ("torch.where(x)", "tuple(tf.unstack(tf.cast(tf.where(x), tf.int32), axis=1))"),
    ("x.nonzero()", "tf.cast(tf.where(x), tf.int32)"),
    ("x.cumsum(dim=-1)", "tf.math.cumsum(x, axis=-1)"),
]


@pytest.mark.parametrize(
    ("torch", "tf"),
    [("x[..., [-2], :]", "x[..., -2:-1, :]"), ("x[..., [-1], :]", "x[..., -1:, :]"), ("x[:, [0]]", "x[:, 0:1]")],
)
def test_one_index_in_a_list_keeps_its_dim_as_a_slice(torch, tf):
    """falcon's `_split_heads`: `fused_qkv[..., [-2], :]` (TF slicing takes no list)."""
    from scaffold.convert.passes.indexing import IndexingPass

    assert translate(torch, IndexingPass) == tf


@pytest.mark.parametrize(("torch", "tf"), CASES, ids=[c[0] for c in CASES])
def test_translation(torch, tf):
    assert translate(torch, *PASSES) == tf


@pytest.mark.parametrize(
    ("torch", "construct"),
    [("torch.repeat_interleave(x)", "torch.repeat_interleave"), ("x.repeat_interleave()", ".repeat_interleave()")],
    ids=["function-repeats-only", "method-no-repeats"],
)
def test_forms_without_a_twin_raise_naming_the_construct(torch, construct):
    code = run_passes(
        f"""
        class TinyLayer(nn.Module):
            def forward(self, x):
                return {torch}
        """,
        *PASSES,
    )
    assert "raise NotImplementedError" in code and construct.split("(")[0] in code


def test_autocast_and_no_grad_blocks_keep_their_body_with_no_todo():
    from scaffold.convert.passes.pytorch_only import PytorchOnlyPass
    from tests.conftest import assert_codemod

    assert_codemod(
        """
        class TinyRotaryEmbedding(nn.Module):
            def forward(self, x):
                with torch.autocast(device_type="cpu", enabled=False):
                    y = x * 2
                with torch.no_grad():
                    z = y + 1
                return z
        """,
        """
        class TinyRotaryEmbedding(nn.Module):
            def forward(self, x):
                y = x * 2
                z = y + 1
                return z
        """,
        PytorchOnlyPass,
        TorchCallsPass,
    )


KERAS_MODEL_NAMES = """
import torch
from torch import nn

from ...modeling_utils import PreTrainedModel
from .configuration_tiny import TinyConfig


class TinyLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(4, 4)

    def forward(self, x):
        return self.dense(x)


class TinyPreTrainedModel(PreTrainedModel):
    config_class = TinyConfig
    base_model_prefix = "model"


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.layers = nn.ModuleList([TinyLayer(config) for _ in range(2)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TinyTextModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.layers = nn.ModuleList([TinyLayer(config) for _ in range(2)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
"""


def test_layers_is_renamed_only_where_the_class_stays_a_keras_model():
    """llama4's Llama4TextModel (a model class, not the base model) sets `self.layers`, a keras Model property; the
    base model becomes a MainLayer (a keras Layer), where the name is free."""
    from scaffold.convert import convert_source

    code = convert_source(KERAS_MODEL_NAMES, "tiny", format_code=False).code
    main_layer = code[code.index("class TFTinyMainLayer") : code.index("class TFTinyTextModel")]
    text_model = code[code.index("class TFTinyTextModel") :]
    assert "self.layers = [" in main_layer
    assert "self.tiny_layers = [" in text_model and "self.layers" not in text_model
    assert 'name=f"layers_._{' in text_model


def test_torch_generates_mask_hook_is_dropped():
    """gemma3: `create_masks_for_generate` builds torch generate's masks with masking_utils (no TF twin); TF generate
    makes its own masks, so the hook goes (as `_reorder_cache` does)."""
    from scaffold.convert.passes.pytorch_only import PytorchOnlyPass

    code = run_passes(
        """
        class TinyForConditionalGeneration(nn.Module):
            @staticmethod
            def create_masks_for_generate(config, input_embeds, attention_mask):
                return create_masks_for_generate(config, input_embeds, attention_mask)

            def forward(self, x):
                return x
        """,
        PytorchOnlyPass,
    )
    assert "create_masks_for_generate" not in code and "def forward" in code


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        (
            "10000 ** (torch.arange(0, x, 2, dtype=torch.int64) / x)",
            "10000 ** (tf.cast(tf.range(0, x, 2, dtype=tf.int32), tf.float32) / x)",
        ),
        ("torch.arange(0, x, 2) / x", "tf.cast(tf.range(0, x, 2), tf.float32) / x"),
        ("torch.arange(0, x, 2, dtype=torch.float) / x", "tf.range(0, x, 2, dtype=tf.float32) / x"),
    ],
)
def test_an_integer_range_divided_is_float32_as_in_torch(torch, tf):
    """torch divides integer tensors into its default float (float32); TF's `/` makes float64 of int32."""
    assert translate(torch, *PASSES, params="x") == tf


def test_a_module_level_attention_registry_goes():
    """doge: `ALL_ATTENTION_FUNCTIONS = AttentionInterface()` and `ALL_ATTENTION_FUNCTIONS["x"] = f` (torch only)."""
    from scaffold.convert import convert_source

    source = KERAS_MODEL_NAMES.replace(
        "from ...modeling_utils import PreTrainedModel",
        "from ...modeling_utils import AttentionInterface, PreTrainedModel",
    ).replace(
        "class TinyLayer(nn.Module):",
        'ALL_ATTENTION_FUNCTIONS = AttentionInterface()\nALL_ATTENTION_FUNCTIONS["flex"] = len\n\n\n'
        "class TinyLayer(nn.Module):",
        1,
    )
    code = convert_source(source, "tiny", format_code=False).code
    assert "AttentionInterface" not in code and "ALL_ATTENTION_FUNCTIONS" not in code


PROMOTION_CASES = [
    ("torch.arange(3) * torch.exp(x)", "torch_mul(tf.range(3), tf.math.exp(x))"),
    ("torch.arange(3, dtype=torch.float32) * torch.exp(x)", "tf.range(3, dtype=tf.float32) * tf.math.exp(x)"),
    ("position_ids * 0.5", "torch_mul(position_ids, 0.5)"),
    ("1.0 - attention_mask", "torch_sub(1.0, attention_mask)"),
    (
        "attention_mask.cumsum(-1) + x.float()",
        "torch_add(tf.math.cumsum(attention_mask, axis=-1), tf.cast(x, tf.float32))",
    ),
    ("attention_mask / attention_mask.sum(-1)", "torch_div(attention_mask, torch_sum(attention_mask, axis=-1))"),
    ("torch.tensor(2.0) * position_ids", "torch_mul(tf.constant(2.0), position_ids)"),
    ("x.long() * torch.rsqrt(x)", "torch_mul(tf.cast(x, tf.int32), tf.math.rsqrt(x))"),
    ("(1 - torch.acos(x) / 3.14) ** 2 * key_mask", "torch_mul((1 - tf.math.acos(x) / 3.14) ** 2, key_mask)"),
    # comparisons, powers and bitwise operators promote too; integer tensors divide into float32
    ("attention_mask != 0.0", 'torch_compare("!=", attention_mask, 0.0)'),
    ("torch.arange(3) <= torch.exp(x)", 'torch_compare("<=", tf.range(3), tf.math.exp(x))'),
    ("position_ids == torch.tensor(False)", 'torch_compare("==", position_ids, tf.constant(False))'),
    ("2.0 ** position_ids", "torch_pow(2.0, position_ids)"),
    ("(1 / x.size(-1)) ** torch.arange(3)", "torch_pow(1 / shape_list(x)[-1], tf.range(3))"),
    ("x | (position_ids > 0)", 'torch_bitwise("or", x, position_ids > 0)'),
    ("(x > 0) & attention_mask", 'torch_bitwise("and", x > 0, attention_mask)'),
    ("attention_mask / 2", "torch_div(attention_mask, 2)"),
    ("torch.log(torch.arange(1, 4))", "tf.math.log(tf.cast(tf.range(1, 4), tf.float32))"),
    ("torch.exp(position_ids)", "tf.math.exp(tf.cast(position_ids, tf.float32))"),
    # Python floats from math functions and max/min (patchtst's div_term, sam's relative coordinates)
    (
        "torch.arange(4) * -(math.log(10000.0) / x.size(-1))",
        "torch_mul(tf.range(4), -(math.log(10000.0) / shape_list(x)[-1]))",
    ),
    (
        "torch.arange(4)[:, None] * max(x.size(-1) / 2, 1.0)",
        "torch_mul(tf.range(4)[:, None], scalar_max(shape_list(x)[-1] / 2, 1.0))",
    ),
    ("torch.arange(4) * math.pi", "torch_mul(tf.range(4), math.pi)"),
    # concatenation of a float tensor with integer masks (flava): the integer parts cast
    (
        "torch.cat([torch.ones(2, 3), attention_mask], dim=1)",
        "tf.concat(torch_promote_all([tf.ones([2, 3]), attention_mask]), axis=1)",
    ),
    ("torch.cat([attention_mask, key_mask], dim=1)", "tf.concat([attention_mask, key_mask], axis=1)"),
    ("x * observed_indicator", "torch_mul(x, observed_indicator)"),
    (
        "(x > 0) * x",
        "torch_mul(x > 0, x)",
    ),  # TF has no arithmetic on booleans  # a mask may be boolean: TF cannot multiply it
    ("attention_mask * x", "torch_mul(attention_mask, x)"),
    (
        "x / torch.stack([spatial_shapes[..., 1], spatial_shapes[..., 0]], -1)",
        "torch_div(x, tf.stack([spatial_shapes[..., 1], spatial_shapes[..., 0]], -1))",
    ),
    ("observed_indicator.sum(-1) / 2", "torch_div(torch_sum(observed_indicator, axis=-1), 2)"),
    # no change: dtypes unknown, both integer, or both float
    ("(x > 0) & (x < 1)", "(x > 0) & (x < 1)"),
    ("attention_mask | 1", "attention_mask | 1"),
    ("x < 0.5", "x < 0.5"),
    ("position_ids < 3", "position_ids < 3"),
    ("position_ids * x", "position_ids * x"),
    ("x * 0.5", "x * 0.5"),
    ("position_ids + 1", "position_ids + 1"),
    ("torch.exp(x) * torch.sin(x)", "tf.math.exp(x) * tf.math.sin(x)"),
    ("attention_mask * position_ids", "attention_mask * position_ids"),
]


@pytest.mark.parametrize(("torch", "tf"), PROMOTION_CASES, ids=[c[0] for c in PROMOTION_CASES])
def test_integer_and_float_tensors_mixed_go_through_the_promoting_twins(torch, tf):
    from scaffold.convert.passes.promotion import PromotionPass

    params = "x, position_ids, attention_mask, key_mask, observed_indicator, spatial_shapes"
    assert translate(torch, *PASSES, PromotionPass, params=params) == tf
    assert translate(tf, PromotionPass, params=params) == tf  # a second run changes nothing


def test_names_assigned_in_the_function_carry_their_kind():
    """bloom's ALiBi: float slopes from a float constant, the integer cumsum of the mask, several statements apart."""
    from scaffold.convert.passes.promotion import PromotionPass
    from tests.conftest import run_passes

    code = run_passes(
        """
        def build_alibi_tensor(attention_mask, num_heads):
            base = torch.tensor(0.5, dtype=torch.float32)
            powers = torch.arange(1, 1 + num_heads, dtype=torch.int32)
            slopes = torch.pow(base, powers)
            arange_tensor = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
            return slopes[..., None] * arange_tensor


        class TinyLayer(nn.Module):
            pass
        """,
        *PASSES,
        PromotionPass,
    )
    assert "return torch_mul(slopes[..., None], arange_tensor)" in code
    assert "(tf.math.cumsum(attention_mask, axis=-1) - 1) * attention_mask" in code


def test_a_dtype_the_function_binds_is_not_taken_for_a_float():
    """cpmant: `dtype = input_ids.dtype` then `torch.cat((torch.arange(n, dtype=dtype), input_ids))`: both integer,
    nothing promoted (the convention that a model's `dtype` is floating holds for names the function does not
    bind)."""
    from scaffold.convert.passes.promotion import PromotionPass
    from tests.conftest import run_passes

    code = run_passes(
        """
        class TinyPrompts(nn.Module):
            def forward(self, input_ids):
                dtype, device = input_ids.dtype, input_ids.device
                prompts = torch.arange(3, dtype=dtype).repeat(input_ids.size(0), 1)
                return torch.cat((prompts, input_ids), dim=1), torch.zeros(2, dtype=self.dtype) + input_ids
        """,
        *PASSES,
        PromotionPass,
    )
    assert "tf.concat((prompts, input_ids), axis=1)" in code and "torch_promote_all" not in code
    assert "torch_add(tf.zeros(2, dtype=tf.as_dtype(self.compute_dtype)), input_ids)" in code


def test_augmented_assignments_promote_too():
    """paligemma's `causal_mask *= torch.arange(n) > cache_position.reshape(-1, 1)`: float times boolean."""
    from scaffold.convert.passes.promotion import PromotionPass
    from tests.conftest import run_passes

    code = run_passes(
        """
        class TinyMasks(nn.Module):
            def forward(self, x, cache_position):
                causal_mask = torch.full((2, 3), fill_value=-1.0)
                causal_mask *= torch.arange(3) > cache_position.reshape(-1, 1)
                steps = torch.arange(3)
                steps += 1
                return causal_mask, steps
        """,
        *PASSES,
        PromotionPass,
    )
    assert "causal_mask = torch_mul(causal_mask, tf.range(3) > tf.reshape(cache_position, [-1, 1]))" in code
    assert "steps += 1" in code


def test_kinds_come_from_layers_parameters_and_what_functions_return():
    """mamba: `hidden_states` from the class's own Linear (split in two), times the integer mask; minimax: a
    method's integer range raised to a float; a module function's float result compared with integer ids."""
    from scaffold.convert.passes.promotion import PromotionPass
    from tests.conftest import run_passes

    code = run_passes(
        """
        def slopes(n):
            return torch.exp(torch.arange(n) * 0.5)


        class TinyMixer(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.in_proj = nn.Linear(4, 8)
                self.act = nn.SiLU()
                self.D = nn.Parameter(torch.ones(4))

            def exponents(self):
                return torch.arange(3) + 1

            def forward(self, input_states, attention_mask, position_ids):
                hidden_states, gate = torch.chunk(self.in_proj(input_states), 2, dim=-1)
                hidden_states = hidden_states * attention_mask.unsqueeze(-1)
                gated = self.act(gate) * attention_mask.unsqueeze(-1)
                scaled = self.D * attention_mask.unsqueeze(-1)
                rate = 0.5 ** self.exponents()
                close = slopes(4) > position_ids
                return hidden_states, gated, scaled, rate, close
        """,
        *PASSES,
        PromotionPass,
    )
    assert "hidden_states = torch_mul(hidden_states, tf.expand_dims(attention_mask, -1))" in code
    assert "gated = torch_mul(self.act(gate), tf.expand_dims(attention_mask, -1))" in code
    assert "scaled = torch_mul(self.D, tf.expand_dims(attention_mask, -1))" in code
    assert "rate = torch_pow(0.5, self.exponents())" in code
    assert 'close = torch_compare(">", slopes(4), position_ids)' in code


@pytest.mark.parametrize(
    ("torch", "tf"),
    [
        ("torch.normal(0, s, size=(4,))", "tf.random.normal((4,), mean=0, stddev=s)"),
        ("torch.is_autocast_enabled()", "False"),
        ("nn.functional.layer_norm(*x)", "torch_layer_norm(*x)"),
        ("torch.sum(x, dim=-1, dtype=torch.float32)", "torch_sum(x, axis=-1, dtype=tf.float32)"),
        ("torch.masked_fill(x, s, 0.5)", "tf.where(s, tf.cast(0.5, x.dtype), x)"),
        ("torch.scalar_tensor(0, dtype=torch.float32)", "tf.constant(0, dtype=tf.float32)"),
        ("nn.functional.embedding(s, x)", "tf.gather(x, s)"),
        ("torch.full((2, 3), fill_value=False)", "tf.fill((2, 3), False)"),
        ("x.repeat(s, 1)", "torch_repeat(x, [s, 1])"),
        ("x.repeat(s)", "tf.tile(x, s)"),
        ("torch.clone(x)", "tf.identity(x)"),
        ("torch.arange(0, s, 1.0, dtype=torch.int64)", "tf.range(0, s, 1, dtype=tf.int32)"),
        ("torch.arange(0, s, 0.5)", "tf.range(0, s, 0.5)"),
        ("x.item()", "x.numpy().item()"),
        (
            'nn.functional.grid_sample(x, s, mode="bilinear", padding_mode="zeros", align_corners=False)',
            'torch_grid_sample(x, s, mode="bilinear", padding_mode="zeros", align_corners=False)',
        ),
        ('np.ceil(np.log1p(s)).astype("int").item()', 'np.ceil(np.log1p(s)).astype("int").item()'),
        ("torch.acos(x)", "tf.math.acos(x)"),
        ("nn.MaxPool1d(kernel_size=s, stride=s)(x)", "ChannelsFirstMaxPool1D(pool_size=s, strides=s)(x)"),
        ("torch.fft.fft(x, axis=s)", "torch_fft(x, dim=s)"),
        ("partial(torch.fft.fftn, dim=(1, 2))(x).real", "tf.math.real(partial(torch_fftn, dim=(1, 2))(x))"),
        ("F(x, nn.functional.relu, torch.tanh(s))", "F(x, tf.nn.relu, tf.math.tanh(s))"),
        ("x.unbind(0)", "tuple(tf.unstack(x, axis=0))"),
        ("torch.unbind(x, dim=1)", "tuple(tf.unstack(x, axis=1))"),
        ("torch.cat((x, s))", "tf.concat((x, s), axis=0)"),
        ("torch.cat([x, s], dim=-1)", "tf.concat([x, s], axis=-1)"),
        ("torch.stack([x, s], 1)", "tf.stack([x, s], 1)"),
        ("torch.as_tensor(s, dtype=torch.long, device=x.device)", "tf.cast(s, tf.int32)"),
        ("torch.as_tensor(s)", "tf.convert_to_tensor(s)"),
        ("x.to(torch.complex64)", "tf.cast(x, tf.complex64)"),
        ("torch.logical_and(x, s > 0)", "tf.math.logical_and(tf.cast(x, tf.bool), s > 0)"),
        ("x.logical_not()", "tf.math.logical_not(tf.cast(x, tf.bool))"),
        ("torch.logical_not(x > 1)", "tf.math.logical_not(x > 1)"),
        ("torch.zeros_like(x).requires_grad_()", "tf.zeros_like(x)"),
    ],
)
def test_more_translations(torch, tf):
    assert translate(torch, *PASSES, params="x, s") == tf
