"""`<X>PreTrainedModel(PreTrainedModel)` -> `TF<X>PreTrainedModel(TFPreTrainedModel)` with `config_class`,
`base_model_prefix` and `main_input_name`. (Its base class is swapped by the modules pass; PyTorch-only
members were dropped by the pytorch_only pass.)"""

from __future__ import annotations

import libcst as cst

from ..analysis import ModuleInfo, class_attribute
from ..context import ConvertContext
from ..names import names_in
from .classes import map_classes
from .decorators import assigns_class_attribute, has_class_attribute, with_class_attribute


def _drop_config_annotation(class_def: cst.ClassDef) -> cst.ClassDef:
    """4.5x PyTorch models declare `config: XConfig`; TF models say `config_class = XConfig`."""
    body = [
        s
        for s in class_def.body.body
        if not (
            isinstance(s, cst.SimpleStatementLine)
            and isinstance(s.body[0], cst.AnnAssign)
            and isinstance(s.body[0].target, cst.Name)
            and s.body[0].target.value == "config"
        )
    ]
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


def _config_annotation_to_class(class_def: cst.ClassDef) -> cst.ClassDef:
    """A model class declaring its own `config: SamVisionConfig` (torch reads the annotation): TF's from_pretrained
    reads `config_class`, else it takes the PreTrainedModel's (the composite SamConfig)."""
    body = []
    for s in class_def.body.body:
        small = s.body[0] if isinstance(s, cst.SimpleStatementLine) else None
        if (
            isinstance(small, cst.AnnAssign)
            and small.value is None
            and isinstance(small.target, cst.Name)
            and small.target.value == "config"
            and isinstance(small.annotation.annotation, (cst.Name, cst.Attribute))
        ):
            s = s.with_changes(
                body=[cst.Assign([cst.AssignTarget(cst.Name("config_class"))], small.annotation.annotation)]
            )
        body.append(s)
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


# TFPreTrainedModel derives its input signature (and so its dummy inputs) for input_ids and pixel_values
# only: an audio model declares its own (a waveform; AST's mel frames, a codec's channels: input_signature_for_call
# reads the config); one second of 16 kHz audio is long enough for any conv front end.
AUDIO_SIGNATURE = """
@property
def input_signature(self):
    return input_signature_for_call(self)
"""
AUDIO_DUMMY = """
@property
def dummy_inputs(self):
    return dummy_inputs_for_signature(self.input_signature, lengths={"input_values": 16000})
"""


# input_features (Whisper's log-mel frames, Speech2Text's filter banks): TFPreTrainedModel refuses to guess; the
# layout differs per model (input_signature_for_call reads it from the config), and from_pretrained runs the model
# on dummies long enough for a conv front end
FEATURES_SIGNATURE = """
@property
def input_signature(self):
    return input_signature_for_call(self)
"""
FEATURES_DUMMY = """
@property
def dummy_inputs(self):
    return dummy_inputs_for_signature(self.input_signature)
"""


# pixel values next to text (BLIP, FLAVA, Florence-2): TFPreTrainedModel needs num_channels in the vision config;
# region features (LXMERT) it does not know of, and from_pretrained runs the model on the dummies it derives
INFERRED_SIGNATURE = """
@property
def input_signature(self):
    return input_signature_for_call(self)
"""


# models that put image features in place of placeholder tokens (LLaVA, Gemma 3, ...) refuse pixel values next
# to ids without those tokens; from_pretrained's build call then runs on text (build() makes the vision weights)
INFERRED_DUMMY = """
@property
def dummy_inputs(self):
    return text_dummies_for_placeholders(self, super().dummy_inputs)
"""


# sub-models (`TFAutoModel.from_config`) add a MainLayer level to weight names; checkpoints of 4.57's VLMs are
# saved in a legacy layout (`_checkpoint_conversion_mapping`): from_pretrained(from_pt=True) asks for torch's names
WEIGHT_RENAME = """
def tf_to_pt_weight_rename(self, tf_weight):
    return pt_weight_aliases(self, tf_weight)
"""


# a main input TF cannot make up (decision_transformer's `states`, the forecasters' `past_values`): no dummies,
# and from_pretrained(from_pt=True) runs the model on dummies only when there are some; build it by name scope
# instead (it creates every weight, as build_in_name_scope does) so that the load finds them
BUILT_DUMMY = """
@property
def dummy_inputs(self):
    dummies = super().dummy_inputs
    if not dummies and not self.built:
        self.build_in_name_scope()
    return dummies
"""
KNOWN_INPUTS = ("input_ids", "pixel_values", "input_values", "input_features", "inputs_embeds")


def _without_class_attribute(class_def: cst.ClassDef, name: str) -> cst.ClassDef:
    body = [s for s in class_def.body.body if not assigns_class_attribute(s, name)]
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


def _has_sub_models(info: ModuleInfo) -> bool:
    return any(sub.sub_model for cls in info.classes.values() for sub in cls.sublayers.values())


def _maps_checkpoints(info: ModuleInfo) -> bool:
    return any(has_class_attribute(cls.node, "_checkpoint_conversion_mapping") for cls in info.classes.values())


def _takes_pixel_values(info: ModuleInfo, inputs: tuple[str, ...] = ("pixel_values", "visual_feats")) -> bool:
    for cls in info.classes.values():
        forward = cls.method("forward") if cls.role == "model" else None
        if forward is not None and any(p.name.value in inputs for p in forward.params.params):
            return True
    return False


def _requires_more_than_pixels(info: ModuleInfo) -> bool:
    """A model whose forward requires another input beside pixel values (Grounding DINO's `input_ids`): its dummies
    are inferred from `call` (INFERRED_SIGNATURE), not pixel values alone."""
    for cls in info.classes.values():
        forward = cls.method("forward") if cls.role == "model" else None
        if forward is None:
            continue
        names = [p.name.value for p in forward.params.params]
        required = [p.name.value for p in forward.params.params if p.default is None and p.name.value != "self"]
        if "pixel_values" in names and any(name != "pixel_values" for name in required):
            return True
    return False


# pixel_values: TFPreTrainedModel needs config.image_size; configs without one (ResNet, RegNet) use 224; a model
# whose backbone fixes the size (VitPose's, [256, 192]) takes the backbone config's, height and width; video
# models (VideoMAE, ViViT, TimeSformer: a config with num_frames) take (batch, frames, channels, height, width)
VISION_SIGNATURE = """
@property
def input_signature(self):
    vision_config = getattr(self.config, "vision_config", None) or self.config
    if not hasattr(vision_config, "image_size") and hasattr(getattr(vision_config, "backbone_config", None), "image_size"):
        vision_config = vision_config.backbone_config
    size = getattr(vision_config, "image_size", 224)
    height, width = (size, size) if isinstance(size, int) else size[:2]
    shape = (None, getattr(vision_config, "num_channels", 3), height, width)
    frames = getattr(vision_config, "num_frames", None)
    if isinstance(frames, int):
        shape = (None, frames, *shape[1:])
    return {"pixel_values": tf.TensorSpec(shape, tf.float32, name="pixel_values")}
"""


# pixel_values_videos as the main input (V-JEPA 2): (batch, frames, channels, height, width), read from the config
VIDEO_SIGNATURE = """
@property
def input_signature(self):
    config = self.config
    frames = getattr(config, "num_frames", None) or getattr(config, "frames_per_clip", None)
    channels = getattr(config, "num_channels", None) or getattr(config, "in_chans", None) or 3
    size = getattr(config, "image_size", None) or getattr(config, "crop_size", None)
    shape = (None, frames, channels, size, size)
    return {"pixel_values_videos": tf.TensorSpec(shape, tf.float32, name="pixel_values_videos")}
"""


def _with_audio_inputs(class_def: cst.ClassDef, ctx: ConvertContext) -> cst.ClassDef:
    defined = {s.name.value for s in class_def.body.body if isinstance(s, cst.FunctionDef)}
    extra = [
        ctx.statement(source)
        for name, source in (("input_signature", AUDIO_SIGNATURE), ("dummy_inputs", AUDIO_DUMMY))
        if name not in defined
    ]
    if not extra:
        return class_def
    return class_def.with_changes(body=class_def.body.with_changes(body=[*class_def.body.body, *extra]))


def _with_property(class_def: cst.ClassDef, name: str, source: str, ctx: ConvertContext) -> cst.ClassDef:
    if any(isinstance(s, cst.FunctionDef) and s.name.value == name for s in class_def.body.body):
        return class_def
    return class_def.with_changes(body=class_def.body.with_changes(body=[*class_def.body.body, ctx.statement(source)]))


class _WrapReturns(cst.CSTTransformer):
    """`return dummies` -> `return dummy_inputs_for_call(self, dummies)`, not inside nested functions."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return self.depth == 1

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.depth -= 1
        return updated

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if updated.value is None:
            return updated
        call = cst.Call(cst.Name("dummy_inputs_for_call"), [cst.Arg(cst.Name("self")), cst.Arg(updated.value)])
        return updated.with_changes(value=call)


def _dummies_for_call(class_def: cst.ClassDef, ctx: ConvertContext) -> cst.ClassDef:
    """The torch PreTrainedModel's own `dummy_inputs` (T5's names decoder inputs) serve every head: each model
    takes the ones its `call` accepts, as TFPreTrainedModel's default dummies do."""
    body = []
    for statement in class_def.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "dummy_inputs":
            ctx.need("dummy_inputs_for_call")
            statement = statement.visit(_WrapReturns())  # type: ignore[assignment]
        body.append(statement)
    return class_def.with_changes(body=class_def.body.with_changes(body=body))


def apply(module: cst.Module, ctx: ConvertContext) -> cst.Module:
    info = ctx.info
    if info.pretrained_class is None:
        return module
    target = ctx.tf_name(info.pretrained_class)
    placeholders = bool({"image_token_id", "image_token_index"} & set(names_in(module)))

    def change(class_def: cst.ClassDef) -> cst.ClassDef:
        if class_def.name.value != target:
            cls = info.classes.get(class_def.name.value[2:]) if class_def.name.value.startswith("TF") else None
            own = cls is not None and (cls.role == "model" or cls.serializable)
            return _config_annotation_to_class(class_def) if own else class_def
        class_def = _dummies_for_call(_drop_config_annotation(class_def), ctx)
        if not info.base_model_prefix:  # None, or torch's "" (4.57's VLMs): the MainLayer's name
            class_def = _without_class_attribute(class_def, "base_model_prefix")
            class_def = with_class_attribute(class_def, "base_model_prefix", f'"{info.model_name}"')
        if _has_sub_models(info) or _maps_checkpoints(info):
            class_def = _with_property(class_def, "tf_to_pt_weight_rename", WEIGHT_RENAME, ctx)
        if info.config_class:
            class_def = with_class_attribute(class_def, "config_class", info.config_class)
        return _with_inputs(class_def, info.main_input_name, info, ctx, placeholders)

    def change_other(class_def: cst.ClassDef) -> cst.ClassDef:
        """Another PreTrainedModel of the file (Florence-2's, Emu3's and InternVL's models subclass the second one):
        its config class and the input signature its own main input (or the file's inputs) needs, as the first one
        gets."""
        cls = others.get(class_def.name.value)
        if cls is None:
            return class_def
        value = class_attribute(cls, "main_input_name")
        main_input = str(value.evaluated_value) if isinstance(value, cst.SimpleString) else None
        # its own `config: InternVLConfig` is TF's config_class (from_pretrained reads it; torch the annotation)
        return _with_inputs(_config_annotation_to_class(class_def), main_input, info, ctx, placeholders)

    others = {
        ctx.tf_name(c.name): c
        for c in info.classes.values()
        if c.role == "pretrained" and c.name != info.pretrained_class
    }
    module = map_classes(module, change)
    return map_classes(module, change_other) if others else module


def _with_inputs(
    class_def: cst.ClassDef, main_input_name: str | None, info: ModuleInfo, ctx: ConvertContext, placeholders: bool
) -> cst.ClassDef:
    """The input signature (and dummies) TFPreTrainedModel cannot derive for this main input or these inputs."""
    if main_input_name == "input_values":
        class_def = _with_audio_inputs(class_def, ctx)
    elif main_input_name == "input_features":
        class_def = _with_property(class_def, "input_signature", FEATURES_SIGNATURE, ctx)
        class_def = _with_property(class_def, "dummy_inputs", FEATURES_DUMMY, ctx)
    elif main_input_name == "pixel_values" and not _requires_more_than_pixels(info):
        class_def = _with_property(class_def, "input_signature", VISION_SIGNATURE, ctx)
    elif main_input_name == "pixel_values_videos":
        class_def = _with_property(class_def, "input_signature", VIDEO_SIGNATURE, ctx)
    elif _takes_pixel_values(info):
        class_def = _with_property(class_def, "input_signature", INFERRED_SIGNATURE, ctx)
        if placeholders:
            class_def = _with_property(class_def, "dummy_inputs", INFERRED_DUMMY, ctx)
    elif _takes_pixel_values(info, ("input_features", "input_values")):
        # an audio encoder declaring main_input_name itself (qwen2_audio, voxtral), an audio-text model:
        # TFPreTrainedModel refuses to guess; each class takes the inputs its call names
        class_def = _with_property(class_def, "input_signature", FEATURES_SIGNATURE, ctx)
        class_def = _with_property(class_def, "dummy_inputs", FEATURES_DUMMY, ctx)
    elif main_input_name is not None and main_input_name not in KNOWN_INPUTS:
        class_def = _with_property(class_def, "dummy_inputs", BUILT_DUMMY, ctx)
    return class_def
