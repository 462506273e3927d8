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


def test_attention_variant_subclasses_go_but_models_named_flex_or_flash_stay():
    """An `XSdpaSelfAttention` / `XFlashAttention2` subclass goes without a dispatch dict; a model whose own name holds
    Flex or Flash (flex_olmo, longcat_flash, moshi's FlexibleLinear) keeps every class."""
    code = run_passes(
        """
        class FlexOlmoAttention(nn.Module):
            pass


        class FlexOlmoSdpaSelfAttention(FlexOlmoAttention):
            pass


        class FlexOlmoFlashAttention2(FlexOlmoAttention):
            pass


        class FlexOlmoPreTrainedModel(PreTrainedModel):
            pass


        class FlexOlmoModel(FlexOlmoPreTrainedModel):
            pass


        class LongcatFlashForCausalLM(FlexOlmoPreTrainedModel):
            pass


        class FlexibleLinear(FlexOlmoAttention):
            pass
        """,
        PytorchOnlyPass,
    )
    for kept in ("FlexOlmoAttention(", "FlexOlmoModel(", "LongcatFlashForCausalLM(", "FlexibleLinear("):
        assert f"class {kept}" in code
    assert "FlexOlmoSdpaSelfAttention" not in code
    assert "FlexOlmoFlashAttention2" not in code


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


def test_a_dropped_device_variable_passed_on_is_none():
    """nemotron: `device_type = input.device.type ...` is dropped (TF places tensors itself); its use as an
    argument (`_cast_if_autocast_enabled(device_type, ...)`) passes None instead of an undefined name."""
    code = run_passes(
        """
        class TinyNorm(nn.Module):
            def forward(self, input):
                device_type = input.device.type if input.device.type != "mps" else "cpu"
                target_device = input.device if input.device.type != "meta" else None
                args = cast(device_type, input, device=device_type)
                other = cast(target_device)
                anchors = self.generate_anchors(args, device=target_device)
                return args.to(device_type)
        """,
        PytorchOnlyPass,
    )
    assert "anchors = self.generate_anchors(args, device=None)" in code  # rt_detr: the module's own method
    assert "device_type =" not in code
    assert "args = cast(None, input, device=None)" in code
    assert "target_device =" not in code and "other = cast(None)" in code  # longt5's `target_device`
    assert "return args.to(device_type)" in code  # a method: the methods pass drops the device move


def test_torch_compile_questions_are_false_in_tf_and_the_test_is_simplified():
    """switch_transformers: `if attention_mask is None and not is_torchdynamo_compiling():` makes the default mask
    in TF too (a port never runs under torch.compile); `if is_torchdynamo_compiling(): a else: b` keeps b."""
    code = run_passes(
        """
        class TinyStack(nn.Module):
            def forward(self, attention_mask):
                if attention_mask is None and not is_torchdynamo_compiling():
                    attention_mask = make_mask()
                if is_torchdynamo_compiling():
                    a = 1
                else:
                    a = 2
                if not is_torchdynamo_compiling() or attention_mask is None:
                    b = 3
                return attention_mask, a, b
        """,
        PytorchOnlyPass,
    )
    assert "if attention_mask is None:\n            attention_mask = make_mask()" in code
    assert "a = 1" not in code and "a = 2" in code
    assert "b = 3" in code and "if not" not in code


def test_state_dict_hooks_compiler_hints_and_eval_are_dropped():
    """big_bird: `self.self.eval()` (keras takes the mode per call); mamba: a load hook renaming old checkpoints'
    keys; its cache marks tensors static for torch.compile; `torch._dynamo.is_compiling()` is False in TF (the
    test is simplified: the CUDA kernels' branch stays under `is_fast_path_available`, False without them)."""
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
                if is_fast_path_available:
                    return self.cuda_forward(x)
                return self.slow_forward(x)
        """,
        PytorchOnlyPass,
    )


def test_torch_loading_bookkeeping_read_from_a_sub_model_is_dropped():
    # BLIP-2 / InstructBLIP copy the language model's accelerate bookkeeping; a TF sub-model has none of it
    code = run_passes(
        """
        class TinyModel(nn.Module):
            def __init__(self, config):
                language_model = AutoModel.from_config(config.text_config)
                if language_model._tied_weights_keys is not None:
                    self._tied_weights_keys = [f"language_model.{k}" for k in language_model._tied_weights_keys]
                if self.language_model._no_split_modules is not None:
                    self._no_split_modules.extend(self.language_model._no_split_modules)
                if language_model.config is not None:
                    self._tied_weights_keys = []
                if language_model._tied_weights_keys is not None:
                    self.keep = 1
        """,
        PytorchOnlyPass,
    )
    assert "_no_split_modules" not in code
    assert code.count("_tied_weights_keys") == 2  # the two `if`s whose test or body is not bookkeeping stay
    assert "self.keep = 1" in code and "self._tied_weights_keys = []" in code
