"""Tiny configs and harness inputs (scaffold/checks/tiny.py, compare.model_inputs): what `scaffold verify` and the
benchmarks build models from. Each case is a config class whose tiny config the model itself refused."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.frameworks  # transformers' config classes import torch


def test_parts_of_composite_configs_derive_sizes_again():
    from transformers import SiglipConfig, T5GemmaConfig

    from scaffold.checks.tiny import tiny_config

    siglip = tiny_config(SiglipConfig)
    # projection_size defaults to the hidden size: carried over at 768 it did not fit the shrunk model
    assert siglip.text_config.hidden_size == siglip.text_config.projection_size == 32
    t5gemma = tiny_config(T5GemmaConfig)  # parts that are not named *_config are parts too
    assert t5gemma.encoder.hidden_size == t5gemma.decoder.hidden_size == 32
    assert t5gemma.encoder.num_hidden_layers == 2


def test_part_configs_get_only_their_own_arguments():
    from transformers import DbrxConfig

    from scaffold.checks.tiny import tiny_config

    config = tiny_config(DbrxConfig)  # DbrxFFNConfig refuses the PretrainedConfig keys a full to_dict() carries
    assert config.d_model == 32 and config.ffn_config.moe_num_experts >= 1


def test_per_layer_lists_follow_the_layer_count():
    from transformers import AyaVisionConfig, Dots1Config

    from scaffold.checks.tiny import tiny_config

    dots1 = tiny_config(Dots1Config)
    assert len(dots1.layer_types) == dots1.num_hidden_layers == 2
    aya = tiny_config(AyaVisionConfig)
    assert len(aya.text_config.layer_types) == aya.text_config.num_hidden_layers == 2


def test_per_stage_numbers_and_integer_kernels_stay():
    from transformers import MambaConfig, SwinConfig

    from scaffold.checks.tiny import tiny_config

    assert tiny_config(MambaConfig).conv_kernel == MambaConfig().conv_kernel  # an int, not wav2vec2's tuple
    swin = tiny_config(SwinConfig)
    assert list(swin.depths) == list(SwinConfig().depths) and list(swin.num_heads) == list(SwinConfig().num_heads)


def test_knobs_left_none_by_the_class_get_a_small_value():
    from transformers import DeepseekV2Config, MinistralConfig, NemotronConfig

    from scaffold.checks.tiny import tiny_config

    assert tiny_config(MinistralConfig).head_dim == 8
    assert tiny_config(NemotronConfig).num_key_value_heads == 2
    deepseek = tiny_config(DeepseekV2Config)
    assert deepseek.num_experts_per_tok == 2 and deepseek.kv_lora_rank == 16


def test_model_inputs_for_videos_non_square_images_and_implied_channels():
    from transformers import AltCLIPConfig, MgpstrConfig, VideoMAEConfig, VideoMAEModel

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config

    video = tiny_config(VideoMAEConfig)
    assert model_inputs(video, VideoMAEModel.forward)["pixel_values"].shape == (2, 4, 3, 32, 32)

    def forward(pixel_values): ...

    mgp = tiny_config(MgpstrConfig)
    assert model_inputs(mgp, forward)["pixel_values"].shape == (2, 3, *MgpstrConfig().image_size)
    altclip = tiny_config(AltCLIPConfig)
    del altclip.vision_config.num_channels
    assert model_inputs(altclip, forward)["pixel_values"].shape[1] == 3


def test_as_many_key_value_heads_as_heads_where_the_class_has_them():
    from transformers import DeepseekV2Config, MistralConfig

    from scaffold.checks.tiny import tiny_config

    deepseek = tiny_config(DeepseekV2Config)  # multi-head latent attention: its keys have one head per query head
    assert deepseek.num_key_value_heads == deepseek.num_attention_heads == 4
    mistral = tiny_config(MistralConfig)  # grouped-query attention stays grouped
    assert (mistral.num_attention_heads, mistral.num_key_value_heads) == (4, 2)


def test_mamba_head_sizes_and_detr_backbones_fit_what_the_config_checks():
    from transformers import BambaConfig, DetrConfig

    from scaffold.checks.tiny import tiny_config

    bamba = tiny_config(BambaConfig)  # heads x head size must be mamba_expand x hidden size
    assert bamba.mamba_n_heads * bamba.mamba_d_head == bamba.mamba_expand * bamba.hidden_size
    detr = tiny_config(DetrConfig)  # timm is no transformers dependency, nor is the Hub reachable
    assert not detr.use_timm_backbone and not detr.use_pretrained_backbone


def test_model_inputs_for_patch_time_series_models():
    from transformers import PatchTSTConfig, PatchTSTModel

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config

    config = tiny_config(PatchTSTConfig)
    inputs = model_inputs(config, PatchTSTModel.forward)
    assert inputs["past_values"].shape == (2, config.context_length, config.num_input_channels)


def test_multimodal_rope_sections_fill_the_small_rotary_half():
    from transformers import Glm4vMoeConfig, MllamaConfig, Qwen2_5OmniThinkerConfig, Qwen2VLConfig

    from scaffold.checks.tiny import tiny_config

    qwen = tiny_config(Qwen2VLConfig).text_config  # None by default: the model subscripts "mrope_section"
    assert sum(qwen.rope_scaling["mrope_section"]) == qwen.hidden_size // qwen.num_attention_heads // 2
    omni = tiny_config(Qwen2_5OmniThinkerConfig).text_config  # a default split, for 128-wide heads: rescaled
    assert sum(omni.rope_scaling["mrope_section"]) == omni.hidden_size // omni.num_attention_heads // 2
    glm = tiny_config(Glm4vMoeConfig).text_config  # half of each head rotates
    head_dim = glm.hidden_size // glm.num_attention_heads
    assert sum(glm.rope_scaling["mrope_section"]) == int(head_dim * glm.partial_rotary_factor) // 2
    assert tiny_config(MllamaConfig).text_config.rope_scaling == {"rope_type": "default"}


def test_backbones_keep_the_stages_their_head_reads():
    from transformers import DepthAnythingConfig, VitPoseConfig

    from scaffold.checks.tiny import tiny_config

    depth = tiny_config(DepthAnythingConfig)
    backbone = depth.backbone_config
    assert backbone.num_hidden_layers == max(backbone.out_indices) and backbone.hidden_size == 32
    assert depth.reassemble_hidden_size == 32  # the head's copy of the backbone's width follows it
    vitpose = tiny_config(VitPoseConfig)
    assert set(vitpose.backbone_config.out_features) <= set(vitpose.backbone_config.stage_names)
    # a class's own default stages follow the layer count: a plain DINOv2 stays 2 layers deep
    from transformers import Dinov2Config

    assert tiny_config(Dinov2Config).num_hidden_layers == 2


def test_knobs_a_model_derives_from_others():
    from transformers import AutoformerConfig, DFineConfig, XmodConfig

    from scaffold.checks.tiny import tiny_config

    autoformer = tiny_config(AutoformerConfig)  # None by default; the decoder starts from label_length steps
    assert autoformer.context_length == autoformer.prediction_length == 4 and autoformer.label_length <= 4
    assert tiny_config(DFineConfig).num_queries == 10  # the top queries among a 32-pixel image's 21 tokens
    xmod = tiny_config(XmodConfig)
    assert xmod.default_language == XmodConfig().languages[0]


def test_shrunk_knobs_name_the_defaults_at_any_depth():
    from transformers import AlignConfig, EfficientNetConfig

    from scaffold.checks.tiny import shrunk_knobs

    assert shrunk_knobs(EfficientNetConfig())["hidden_dim"] == 2560
    knobs = shrunk_knobs(AlignConfig())
    assert knobs["projection_dim"] == 640 and knobs["hidden_size"] == 768  # the text part's


def test_model_inputs_for_forecasters():
    from transformers import (
        InformerConfig,
        InformerModel,
        TimesFmConfig,
        TimesFmModel,
    )

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config

    config = tiny_config(InformerConfig)
    inputs = model_inputs(config, InformerModel.forward)
    past = config.context_length + max(config.lags_sequence)
    assert inputs["past_values"].shape == inputs["past_observed_mask"].shape == (2, past)
    assert inputs["past_time_features"].shape == (2, past, config.num_time_features)
    assert inputs["future_values"].shape == (2, config.prediction_length)
    timesfm = tiny_config(TimesFmConfig)
    inputs = model_inputs(timesfm, TimesFmModel.forward)
    assert inputs["past_values"].shape == inputs["past_values_padding"].shape == (2, timesfm.context_length)
    assert inputs["freq"].shape == (2, 1) and inputs["freq"].max() < timesfm.freq_size


def test_model_inputs_of_one_kind_each():
    from transformers import (
        BrosConfig,
        BrosModel,
        InstructBlipConfig,
        InstructBlipModel,
        LiltConfig,
        LiltModel,
        OneFormerConfig,
        OneFormerModel,
        Pix2StructVisionConfig,
        Pix2StructVisionModel,
        VitPoseConfig,
        VitPoseForPoseEstimation,
    )

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config

    blip = tiny_config(InstructBlipConfig)
    ids = model_inputs(blip, InstructBlipModel.forward)["qformer_input_ids"]
    assert ids.shape == (2, 7) and ids.max() < blip.qformer_config.vocab_size
    lilt = model_inputs(tiny_config(LiltConfig), LiltModel.forward)["bbox"]  # embedded: integers
    assert lilt.dtype == "int64" and (lilt[..., 2:] >= lilt[..., :2]).all()
    assert model_inputs(tiny_config(BrosConfig), BrosModel.forward)["bbox"].dtype == "float32"  # projected
    oneformer = tiny_config(OneFormerConfig)
    assert model_inputs(oneformer, OneFormerModel.forward)["task_inputs"].shape == (2, oneformer.task_seq_len)
    pix = tiny_config(Pix2StructVisionConfig)
    patches = model_inputs(pix, Pix2StructVisionModel.forward)["flattened_patches"]
    assert patches.shape[-1] == pix.patch_embed_hidden_size + 2 and patches[..., :2].min() >= 1
    vitpose = tiny_config(VitPoseConfig)  # the backbone's (256, 192)
    pixels = model_inputs(vitpose, VitPoseForPoseEstimation.forward)["pixel_values"]
    assert pixels.shape[-2:] == tuple(vitpose.backbone_config.image_size)


def test_knobs_the_model_reads_without_a_none_check():
    from transformers import ChameleonConfig, DbrxConfig, Dots1Config, JambaConfig, MimiConfig, OlmoConfig

    from scaffold.checks.tiny import tiny_config

    assert tiny_config(Dots1Config).n_shared_experts == 1
    # clip_qkv stays None where None means "no clipping" (OLMo, MPT); DBRX's eager attention clamps regardless
    assert tiny_config(DbrxConfig).attn_config.clip_qkv == 8.0
    assert tiny_config(OlmoConfig).clip_qkv is None
    assert tiny_config(JambaConfig).use_mamba_kernels is False  # no CUDA kernels: the PyTorch path
    chameleon = tiny_config(ChameleonConfig)
    assert chameleon.vocabulary_map["<image>"] < chameleon.vocab_size
    mimi = tiny_config(MimiConfig)
    assert mimi.upsample_groups == mimi.hidden_size == 32


def test_model_inputs_for_audio_codes_pairs_and_trajectories():
    from transformers import (
        ASTConfig,
        ASTModel,
        DecisionTransformerConfig,
        DecisionTransformerModel,
        LightGlueConfig,
        LightGlueForKeypointMatching,
        MimiConfig,
        MimiModel,
        MusicgenDecoderConfig,
        MusicgenModel,
    )

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config
    from scaffold.checks.verify import class_inputs

    ast = tiny_config(ASTConfig)  # a spectrogram, not a waveform
    assert model_inputs(ast, ASTModel.forward)["input_values"].shape == (2, ast.max_length, ast.num_mel_bins)
    mimi = tiny_config(MimiConfig)
    assert model_inputs(mimi, MimiModel.forward)["input_values"].shape[:2] == (2, mimi.audio_channels)
    music = tiny_config(MusicgenDecoderConfig)
    inputs = class_inputs("MusicgenModel", music, MusicgenModel.forward)
    assert inputs["input_ids"].shape == (2 * music.num_codebooks, 7) and inputs["attention_mask"].shape == (2, 7)
    pairs = class_inputs(
        "LightGlueForKeypointMatching", tiny_config(LightGlueConfig), LightGlueForKeypointMatching.forward
    )
    assert pairs["pixel_values"].shape[:2] == (2, 2)
    trajectory = tiny_config(DecisionTransformerConfig)
    inputs = class_inputs("DecisionTransformerModel", trajectory, DecisionTransformerModel.forward)
    assert inputs["states"].shape == (2, 7, trajectory.state_dim) and inputs["timesteps"].max() < 7


def test_query_placeholders_ahead_of_the_text():
    from transformers import Blip2Config, Blip2Model

    from scaffold.checks.tiny import tiny_config
    from scaffold.checks.verify import class_inputs

    config = tiny_config(Blip2Config)
    assert config.num_query_tokens == 4 and config.image_token_index < config.text_config.vocab_size
    ids = class_inputs("Blip2Model", config, Blip2Model.forward)["input_ids"]
    assert (ids[:, :4] == config.image_token_index).all() and (ids[:, 4:] != config.image_token_index).all()


def test_model_inputs_for_patchified_images():
    from transformers import Siglip2Config, Siglip2Model

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config

    config = tiny_config(Siglip2Config)
    inputs = model_inputs(config, Siglip2Model.forward)
    patch = config.vision_config.patch_size
    assert inputs["pixel_values"].shape == (2, 16, config.vision_config.num_channels * patch * patch)
    assert inputs["spatial_shapes"].prod(axis=1).tolist() == [16, 16] and inputs["pixel_attention_mask"].all()


def test_vlm_vision_towers_shrink_their_depth_and_width():
    from transformers import Qwen2VLConfig, Qwen3VLConfig, SwinConfig

    from scaffold.checks.tiny import tiny_config

    qwen2 = tiny_config(Qwen2VLConfig).vision_config  # 32 x 1280 by default: 650M parameters
    assert (qwen2.depth, qwen2.embed_dim) == (2, 32)
    qwen3 = tiny_config(Qwen3VLConfig).vision_config  # its layers 8, 16, 24 feed the text model
    assert qwen3.depth == max(qwen3.deepstack_visual_indexes) + 1
    assert tiny_config(SwinConfig).embed_dim == SwinConfig().embed_dim  # heads per stage: the width stays


def test_layer_kinds_a_property_derives_but_an_alias_shadows():
    from transformers import GraniteMoeHybridConfig

    from scaffold.checks.tiny import tiny_config

    config = tiny_config(GraniteMoeHybridConfig)  # layers_block_type is aliased to a None layer_types
    assert config.layers_block_type == ["mamba"] * config.num_hidden_layers


def test_tied_widths_stay_equal_when_shrunk():
    from transformers import BltConfig, LightGlueConfig, SqueezeBertConfig, SuperGlueConfig

    from scaffold.checks.tiny import tiny_config

    squeeze = tiny_config(SqueezeBertConfig)  # no projection between embeddings and the first layer
    assert squeeze.embedding_size == squeeze.hidden_size
    # its 1 x 1 convolutions are grouped: every width a whole number of groups
    assert all(w % squeeze.intermediate_groups == 0 for w in (squeeze.hidden_size, squeeze.intermediate_size))
    glue = tiny_config(SuperGlueConfig)  # SuperPoint's descriptors feed SuperGlue's layers as they are
    assert glue.keypoint_detector_config.descriptor_decoder_dim == glue.hidden_size == 32
    assert glue.keypoint_encoder_sizes and glue.gnn_layers_types  # documented defaults the class leaves None
    light = tiny_config(LightGlueConfig)
    assert light.descriptor_dim == light.hidden_size == light.keypoint_detector_config.descriptor_decoder_dim
    blt = tiny_config(BltConfig)  # the byte encoder's view of the global transformer's width
    assert blt.encoder_config.hidden_size_global == blt.global_config.hidden_size == 32


def test_ids_past_the_text_vocabulary_and_halves_of_encoder_decoder_configs():
    from transformers import KyutaiSpeechToTextConfig, MoonshineConfig

    from scaffold.checks.tiny import tiny_config

    kyutai = tiny_config(KyutaiSpeechToTextConfig)  # the last row of the text + audio-codebooks table
    rows = kyutai.vocab_size + kyutai.num_codebooks * kyutai.codebook_vocab_size + 1
    assert kyutai.audio_pad_token_id == rows - 1
    moonshine = tiny_config(MoonshineConfig)  # decoder_* and encoder_* knobs shrink like the unprefixed ones
    assert moonshine.decoder_num_hidden_layers == moonshine.encoder_num_hidden_layers == 2
    assert moonshine.decoder_num_attention_heads == moonshine.decoder_num_key_value_heads == 4


def test_sizes_the_shrinker_missed_at_tiny_size():
    from transformers import Gemma3nTextConfig, Kosmos2Config, Mamba2Config, SegGptConfig, TvpConfig, YolosConfig

    from scaffold.checks.tiny import tiny_config

    yolos = tiny_config(YolosConfig)  # 512 x 864 at 4-pixel patches: 27648 tokens
    assert min(yolos.image_size) == 32 and all(side % yolos.patch_size == 0 for side in yolos.image_size)
    assert yolos.image_size[1] > yolos.image_size[0]  # the aspect stays
    seggpt = tiny_config(SegGptConfig)
    assert list(seggpt.image_size) == [64, 32]
    kosmos = tiny_config(Kosmos2Config)  # the text decoder's own names for its sizes
    assert (kosmos.text_config.layers, kosmos.text_config.ffn_dim, kosmos.latent_query_num) == (2, 38, 4)
    assert tiny_config(Mamba2Config).chunk_size == 16
    gemma = tiny_config(Gemma3nTextConfig)  # one intermediate size per layer
    assert list(gemma.intermediate_size) == [37] * gemma.num_hidden_layers
    assert gemma.vocab_size_per_layer_input == 99
    tvp = tiny_config(TvpConfig)  # read by its text embeddings, never set by the class
    assert tvp.type_vocab_size == 2 and tvp.max_img_size == 64


def test_model_inputs_for_query_formers_prompts_and_position_masks():
    from transformers import (
        Blip2QFormerConfig,
        Blip2QFormerModel,
        Kosmos2Config,
        Kosmos2Model,
        SegGptConfig,
        SegGptModel,
    )

    from scaffold.checks.compare import model_inputs
    from scaffold.checks.tiny import tiny_config
    from scaffold.checks.verify import built_from

    assert built_from(Blip2QFormerModel) is Blip2QFormerConfig  # not the inherited Blip2Config
    from transformers import DistilBertConfig, DistilBertModel

    assert built_from(DistilBertModel) is DistilBertConfig  # annotated `config: PretrainedConfig`
    qformer = tiny_config(Blip2QFormerConfig)
    inputs = model_inputs(qformer, Blip2QFormerModel.forward)
    assert inputs["query_embeds"].shape[-1] == qformer.hidden_size
    assert inputs["encoder_hidden_states"].shape[-1] == qformer.encoder_hidden_size
    seggpt = tiny_config(SegGptConfig)  # the prompt goes above the image: each half the model's height
    pixels = model_inputs(seggpt, SegGptModel.forward)["pixel_values"]
    assert pixels.shape[-2:] == (seggpt.image_size[0] // 2, seggpt.image_size[1])
    kosmos = tiny_config(Kosmos2Config)
    mask = model_inputs(kosmos, Kosmos2Model.forward)["image_embeds_position_mask"]
    assert (mask.sum(axis=1) == kosmos.latent_query_num).all() and mask[:, 0].sum() == 0


def test_video_inputs_where_only_the_forward_counts_frames():
    from transformers import InstructBlipVideoConfig, InstructBlipVideoModel

    from scaffold.checks.tiny import tiny_config
    from scaffold.checks.verify import class_inputs

    config = tiny_config(InstructBlipVideoConfig)  # its placeholder id is left None by the class
    assert config.video_token_index == config.text_config.vocab_size - 1
    inputs = class_inputs("InstructBlipVideoModel", config, InstructBlipVideoModel.forward)
    frames = inputs["pixel_values"].shape[1]
    assert inputs["pixel_values"].ndim == 5  # (batch, frames, channels, height, width)
    # one placeholder per query of every frame
    placeholders = (inputs["input_ids"] == config.video_token_index).sum(axis=1)
    assert placeholders.tolist() == [frames * config.num_query_tokens] * 2
