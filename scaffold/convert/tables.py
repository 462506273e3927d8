"""Facts about the transformers 4.x API that the passes look up. Data only.

`tests/test_tables.py` checks these against the installed transformers source, so they cannot drift unnoticed.
"""

# modeling_outputs.X -> modeling_tf_outputs.TFX exists for exactly these (transformers 4.57.6).
TF_OUTPUTS = frozenset(
    {
        "TFBaseModelOutput",
        "TFBaseModelOutputWithNoAttention",
        "TFBaseModelOutputWithPooling",
        "TFBaseModelOutputWithPoolingAndNoAttention",
        "TFBaseModelOutputWithPoolingAndCrossAttentions",
        "TFBaseModelOutputWithPast",
        "TFBaseModelOutputWithCrossAttentions",
        "TFBaseModelOutputWithPastAndCrossAttentions",
        "TFSeq2SeqModelOutput",
        "TFCausalLMOutput",
        "TFCausalLMOutputWithPast",
        "TFCausalLMOutputWithCrossAttentions",
        "TFMaskedLMOutput",
        "TFSeq2SeqLMOutput",
        "TFNextSentencePredictorOutput",
        "TFSequenceClassifierOutput",
        "TFSeq2SeqSequenceClassifierOutput",
        "TFSemanticSegmenterOutput",
        "TFSemanticSegmenterOutputWithNoAttention",
        "TFImageClassifierOutput",
        "TFMultipleChoiceModelOutput",
        "TFTokenClassifierOutput",
        "TFQuestionAnsweringModelOutput",
        "TFSeq2SeqQuestionAnsweringModelOutput",
        "TFSequenceClassifierOutputWithPast",
        "TFImageClassifierOutputWithNoAttention",
        "TFMaskedImageModelingOutput",
    }
)

# modeling_tf_outputs classes lacking fields of their torch twin (transformers 4.57.6): a converted file defines
# its own TF twin with every torch field instead, so that a head returning those fields keeps them.
TF_OUTPUTS_LACKING = {"TFSeq2SeqQuestionAnsweringModelOutput": ("cross_attentions",)}

# activations_tf.ACT2FN keys: get_tf_activation() accepts these strings.
TF_ACTIVATIONS = frozenset(
    {
        "gelu",
        "gelu_10",
        "gelu_fast",
        "gelu_new",
        "glu",
        "mish",
        "quick_gelu",
        "relu",
        "sigmoid",
        "silu",
        "swish",
        "tanh",
    }
)
# torch.nn activation modules -> the activations_tf name with the same numbers
NN_ACTIVATIONS = {"GELU": "gelu", "ReLU": "relu", "Tanh": "tanh", "SiLU": "silu", "Sigmoid": "sigmoid", "Mish": "mish"}

# Modules whose import drags in torch: a TF modeling file must not import from them.
TORCH_ONLY_MODULES = (
    "torch",
    "transformers.modeling_utils",
    "transformers.pytorch_utils",
    "transformers.cache_utils",
    "transformers.modeling_layers",
    "transformers.modeling_attn_mask_utils",
    "transformers.masking_utils",
    "transformers.modeling_flash_attention_utils",
    "transformers.modeling_rope_utils",
    "transformers.integrations",
    "transformers.generation",
    "transformers.modeling_outputs",
    "transformers.activations",
    "transformers.loss",
    "transformers.modeling_gguf_pytorch_utils",
)

# Class-level attributes of PyTorch models that mean nothing to a TF model.
PYTORCH_ONLY_ATTRIBUTES = frozenset(
    {
        "supports_gradient_checkpointing",
        "load_tf_weights",
        "_no_split_modules",
        "_skip_keys_device_placement",
        "_tied_weights_keys",
        "_tp_plan",
        "_pp_plan",
        "_can_compile_fullgraph",
        "_is_stateful",
        "_keep_in_fp32_modules",
        "_keys_to_ignore_on_save",
        "is_parallelizable",
        "accepts_loss_kwargs",
        "_input_embed_layer",
        "input_modalities",
    }
)
PYTORCH_ONLY_ATTRIBUTE_PREFIXES = ("_supports_",)

# Methods of PyTorch models that have no TF counterpart (weight init, device placement, pruning, parallelism).
PYTORCH_ONLY_METHODS = frozenset(
    {
        "_init_weights",
        "_initialize_weights",
        "post_init",
        "_set_gradient_checkpointing",
        "parallelize",
        "deparallelize",
        "_prune_heads",
        "prune_heads",
        "_tie_weights",
        "tie_weights",
        "_backward_compatibility_gradient_checkpointing",
        "freeze_feature_encoder",
        "freeze_feature_extractor",
        "freeze_base_model",
        "_freeze_parameters",
        "set_attn_implementation",
        "_reorder_cache",
        "create_masks_for_generate",  # torch generate's mask hook (gemma3); TF generate makes its masks itself
    }
)

# Decorators that only make sense on torch code.
PYTORCH_ONLY_DECORATORS = frozenset(
    {
        "auto_docstring",
        "deprecate_kwarg",
        "use_kernel_forward_from_hub",
        "torch.no_grad",
        "torch.jit.script",
        "torch.jit.unused",
        "torch.compiler.disable",
        "add_start_docstrings_to_model_forward",
        "add_code_sample_docstrings",
        "replace_return_docstrings",
        "add_start_docstrings",
        "_prepare_4d_attention_mask",
        "lru_cache",
        "compile_compatible_method_lru_cache",
    }
)

# Names from modeling_tf_utils / tf_utils / activations_tf that generated code may use, by source module.
TF_HELPERS = {
    "keras": "transformers.modeling_tf_utils",
    "get_initializer": "transformers.modeling_tf_utils",
    "keras_serializable": "transformers.modeling_tf_utils",
    "unpack_inputs": "transformers.modeling_tf_utils",
    "TFPreTrainedModel": "transformers.modeling_tf_utils",
    "TFModelInputType": "transformers.modeling_tf_utils",
    "TFConv1D": "transformers.modeling_tf_utils",
    "TFSequenceSummary": "transformers.modeling_tf_utils",
    "TFCausalLanguageModelingLoss": "transformers.modeling_tf_utils",
    "TFMaskedLanguageModelingLoss": "transformers.modeling_tf_utils",
    "TFSequenceClassificationLoss": "transformers.modeling_tf_utils",
    "TFTokenClassificationLoss": "transformers.modeling_tf_utils",
    "TFQuestionAnsweringLoss": "transformers.modeling_tf_utils",
    "TFMultipleChoiceLoss": "transformers.modeling_tf_utils",
    "TFNextSentencePredictionLoss": "transformers.modeling_tf_utils",
    "shape_list": "transformers.tf_utils",
    "stable_softmax": "transformers.tf_utils",
    "check_embeddings_within_bounds": "transformers.tf_utils",
    "get_tf_activation": "transformers.activations_tf",
    "ModelOutput": "transformers.utils",
    "BackboneMixin": "transformers.utils.backbone_utils",  # framework-free: out_features, stage_names, ...
}

# transformers' TF auto classes (models/auto/modeling_tf_auto.py, 4.57): `AutoModelForX.from_config` in a torch
# file becomes `TFAutoModelForX.from_config` where one exists
TF_AUTO_CLASSES = frozenset(
    {
        "AutoModel",
        "AutoModelForAudioClassification",
        "AutoModelForCausalLM",
        "AutoModelForDocumentQuestionAnswering",
        "AutoModelForImageClassification",
        "AutoModelForMaskedImageModeling",
        "AutoModelForMaskedLM",
        "AutoModelForMaskGeneration",
        "AutoModelForMultipleChoice",
        "AutoModelForNextSentencePrediction",
        "AutoModelForPreTraining",
        "AutoModelForQuestionAnswering",
        "AutoModelForSemanticSegmentation",
        "AutoModelForSeq2SeqLM",
        "AutoModelForSequenceClassification",
        "AutoModelForSpeechSeq2Seq",
        "AutoModelForTableQuestionAnswering",
        "AutoModelForTextEncoding",
        "AutoModelForTokenClassification",
        "AutoModelForVision2Seq",
        "AutoModelForZeroShotImageClassification",
    }
)
TF_HELPERS.update({f"TF{name}": "transformers.models.auto.modeling_tf_auto" for name in TF_AUTO_CLASSES})

# Read-only properties keras.Model adds (a TF model class is a keras Model): `self.layers` in a base model that
# stays a model class (no MainLayer split, e.g. llama4's text model) must be renamed as well.
KERAS_MODEL_RESERVED_ATTRIBUTES = frozenset({"layers", "metrics_names", "distribute_strategy", "state_updates"})

# Read-only properties of keras.layers.Layer (tf-keras 2.21): a layer cannot have an attribute of that name,
# so `self.output = BertOutput(...)` becomes `self.bert_output = TFBertOutput(..., name="output")`.
KERAS_RESERVED_ATTRIBUTES = frozenset(
    {
        "activity_regularizer",
        "compute_dtype",
        "dtype",
        "dtype_policy",
        "dynamic",
        "inbound_nodes",
        "input",
        "input_mask",
        "input_shape",
        "input_spec",
        "losses",
        "metrics",
        "name",
        "name_scope",
        "non_trainable_variables",
        "non_trainable_weights",
        "outbound_nodes",
        "output",
        "output_mask",
        "output_shape",
        "stateful",
        "submodules",
        "supports_masking",
        "trainable",
        "trainable_variables",
        "trainable_weights",
        "updates",
        "variable_dtype",
        "variables",
        "weights",
    }
)
