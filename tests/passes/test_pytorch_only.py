from scaffold.convert.passes.pytorch_only import PytorchOnlyPass
from tests.conftest import run_passes


def test_drops_weight_init_flags_and_post_init():
    code = run_passes(
        """
        class TinyPreTrainedModel(PreTrainedModel):
            base_model_prefix = "tiny"
            supports_gradient_checkpointing = True
            _supports_sdpa = True
            _no_split_modules = ["TinyLayer"]

            def _init_weights(self, module):
                module.weight.data.normal_()


        class TinyModel(TinyPreTrainedModel):
            def __init__(self, config):
                super().__init__(config)
                self.gradient_checkpointing = False
                self.post_init()
        """,
        PytorchOnlyPass,
    )
    for gone in (
        "supports_gradient_checkpointing",
        "_supports_sdpa",
        "_no_split_modules",
        "_init_weights",
        "post_init",
        "gradient_checkpointing",
    ):
        assert gone not in code
    assert 'base_model_prefix = "tiny"' in code


def test_attention_dispatch_keeps_eager_only():
    code = run_passes(
        """
        class TinyAttention(nn.Module):
            pass


        class TinySdpaAttention(TinyAttention):
            pass


        TINY_ATTENTION_CLASSES = {"eager": TinyAttention, "sdpa": TinySdpaAttention}
        """,
        PytorchOnlyPass,
    )
    assert "class TinyAttention(nn.Module)" in code
    assert "TinySdpaAttention" not in code
    assert "TINY_ATTENTION_CLASSES" not in code


def test_attention_dispatch_keeps_the_eager_class_listed_under_other_keys_too():
    """falcon: `{"eager": FalconAttention, "sdpa": FalconAttention, "flash_attention_2": FalconFlashAttention2}`."""
    code = run_passes(
        """
        class TinyAttention(nn.Module):
            pass


        class TinyFlashAttention2(TinyAttention):
            pass


        TINY_ATTENTION_CLASSES = {"eager": TinyAttention, "sdpa": TinyAttention, "flash": TinyFlashAttention2}
        """,
        PytorchOnlyPass,
    )
    assert "class TinyAttention(nn.Module)" in code
    assert "TinyFlashAttention2" not in code


def test_gradient_checkpointing_branch_keeps_the_else():
    code = run_passes(
        """
        class TinyEncoder(nn.Module):
            def forward(self, x):
                if self.gradient_checkpointing and self.training:
                    x = checkpoint(x)
                else:
                    x = self.layer(x)
                return x
        """,
        PytorchOnlyPass,
    )
    assert "checkpoint" not in code
    assert "x = self.layer(x)" in code


def test_constant_eager_test_is_folded():
    code = run_passes(
        """
        class TinyAttention(nn.Module):
            def forward(self, x):
                interface = eager
                if "eager" != "eager":
                    interface = ALL_ATTENTION_FUNCTIONS["sdpa"]
                return interface(x)
        """,
        PytorchOnlyPass,
    )
    assert "ALL_ATTENTION_FUNCTIONS" not in code
    assert "interface = eager" in code


def test_module_level_pytorch_utils_registrations_are_dropped_and_own_ones_kept():
    code = run_passes(
        """
        from ...pytorch_utils import ALL_LAYERNORM_LAYERS


        class TinyRMSNorm(nn.Module):
            pass


        ALL_LAYERNORM_LAYERS.append(TinyRMSNorm)
        NORMS = []
        NORMS.append(TinyRMSNorm)
        """,
        PytorchOnlyPass,
    )
    assert "ALL_LAYERNORM_LAYERS.append" not in code
    assert "NORMS.append(TinyRMSNorm)" in code


def test_state_dict_hooks_compiler_hints_and_eval_are_dropped():
    """big_bird: `self.self.eval()` (keras takes the mode per call); mamba: a load hook renaming old checkpoints' keys; its cache marks tensors static for torch.compile; the
    CUDA kernels' branch is taken only outside torch.compile (TF runs the slow path)."""
    from tests.conftest import assert_codemod

    assert_codemod(
        """
        class TinyModel(nn.Module):
            def __init__(self, config):
                super().__init__(config)
                self.x = 1
                self._register_load_state_dict_pre_hook(self.load_hook)
                if not self.training:
                    self.attention.eval()
                state = torch.zeros(2)
                torch._dynamo.mark_static_address(state)

            def forward(self, x):
                if is_fast_path_available and not torch._dynamo.is_compiling():
                    return self.cuda_forward(x)
                return self.slow_forward(x)
        """,
        """
        class TinyModel(nn.Module):
            def __init__(self, config):
                super().__init__(config)
                self.x = 1
                state = torch.zeros(2)

            def forward(self, x):
                return self.slow_forward(x)
        """,
        PytorchOnlyPass,
    )
