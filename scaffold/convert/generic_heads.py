"""torch's generic heads (`transformers.modeling_layers.GenericFor<Task>`), written out in the classes that mix
them in, so that the passes convert them like any head the file defines.

`class LlamaForSequenceClassification(GenericForSequenceClassification, LlamaPreTrainedModel): ...` becomes, before
the analysis, the same class over `LlamaPreTrainedModel` with the generic head's `__init__` and `forward` (what
the class defines itself wins), the base model created as `self.<base_model_prefix> = LlamaModel(config)` (what
`AutoModel.from_config(config)` builds for the file's config) and called as `self.<base_model_prefix>(...)`.
The embedding accessors are left out: TF models reach the embeddings through their MainLayer.
"""

from __future__ import annotations

import libcst as cst

from .names import ImportTable, dotted

GENERIC_MODULE = "transformers.modeling_layers"
BASE_MODEL_SETATTR = "setattr(self, self.base_model_prefix, AutoModel.from_config(config))"
BASE_MODEL_GETATTR = "getattr(self, self.base_model_prefix)"

# transformers 4.57.6's source of each generic head, embedding accessors removed;
# tests/passes/test_generic_heads.py checks it against the installed transformers
GENERIC_HEADS = {
    "GenericForSequenceClassification": """\
class GenericForSequenceClassification:
    base_model_prefix = "model"

    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        # Similar to `self.model = AutoModel.from_config(config)` but allows to change the base model name if needed in the child class
        setattr(self, self.base_model_prefix, AutoModel.from_config(config))
        self.score = nn.Linear(config.hidden_size, self.num_labels, bias=False)

        # Initialize weights and apply final processing
        self.post_init()

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: Optional[torch.LongTensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        position_ids: Optional[torch.LongTensor] = None,
        past_key_values: Optional[Cache] = None,
        inputs_embeds: Optional[torch.FloatTensor] = None,
        labels: Optional[torch.LongTensor] = None,
        use_cache: Optional[bool] = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> SequenceClassifierOutputWithPast:
        transformer_outputs: BaseModelOutputWithPast = getattr(self, self.base_model_prefix)(
            input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            **kwargs,
        )
        hidden_states = transformer_outputs.last_hidden_state
        logits = self.score(hidden_states)

        if input_ids is not None:
            batch_size = input_ids.shape[0]
        else:
            batch_size = inputs_embeds.shape[0]

        if self.config.pad_token_id is None and batch_size != 1:
            raise ValueError("Cannot handle batch sizes > 1 if no padding token is defined.")
        if self.config.pad_token_id is None:
            last_non_pad_token = -1
        elif input_ids is not None:
            # To handle both left- and right- padding, we take the rightmost token that is not equal to pad_token_id
            non_pad_mask = (input_ids != self.config.pad_token_id).to(logits.device, torch.int32)
            token_indices = torch.arange(input_ids.shape[-1], device=logits.device, dtype=torch.int32)
            last_non_pad_token = (token_indices * non_pad_mask).argmax(-1)
        else:
            last_non_pad_token = -1
            logger.warning_once(
                f"{self.__class__.__name__} will not detect padding tokens in `inputs_embeds`. Results may be "
                "unexpected if using padding tokens in conjunction with `inputs_embeds.`"
            )

        pooled_logits = logits[torch.arange(batch_size, device=logits.device), last_non_pad_token]

        loss = None
        if labels is not None:
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=pooled_logits, config=self.config)

        return SequenceClassifierOutputWithPast(
            loss=loss,
            logits=pooled_logits,
            past_key_values=transformer_outputs.past_key_values,
            hidden_states=transformer_outputs.hidden_states,
            attentions=transformer_outputs.attentions,
        )
""",
    "GenericForQuestionAnswering": """\
class GenericForQuestionAnswering:
    base_model_prefix = "model"

    def __init__(self, config):
        super().__init__(config)
        # Similar to `self.model = AutoModel.from_config(config)` but allows to change the base model name if needed in the child class
        setattr(self, self.base_model_prefix, AutoModel.from_config(config))
        self.qa_outputs = nn.Linear(config.hidden_size, 2)

        # Initialize weights and apply final processing
        self.post_init()

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: Optional[torch.LongTensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        position_ids: Optional[torch.LongTensor] = None,
        past_key_values: Optional[Cache] = None,
        inputs_embeds: Optional[torch.FloatTensor] = None,
        start_positions: Optional[torch.LongTensor] = None,
        end_positions: Optional[torch.LongTensor] = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> QuestionAnsweringModelOutput:
        outputs: BaseModelOutputWithPast = getattr(self, self.base_model_prefix)(
            input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            **kwargs,
        )

        sequence_output = outputs.last_hidden_state

        logits = self.qa_outputs(sequence_output)
        start_logits, end_logits = logits.split(1, dim=-1)
        start_logits = start_logits.squeeze(-1).contiguous()
        end_logits = end_logits.squeeze(-1).contiguous()

        loss = None
        if start_positions is not None and end_positions is not None:
            loss = self.loss_function(start_logits, end_logits, start_positions, end_positions, **kwargs)

        return QuestionAnsweringModelOutput(
            loss=loss,
            start_logits=start_logits,
            end_logits=end_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
""",
    "GenericForTokenClassification": """\
class GenericForTokenClassification:
    base_model_prefix = "model"

    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        # Similar to `self.model = AutoModel.from_config(config)` but allows to change the base model name if needed in the child class
        setattr(self, self.base_model_prefix, AutoModel.from_config(config))
        if getattr(config, "classifier_dropout", None) is not None:
            classifier_dropout = config.classifier_dropout
        elif getattr(config, "hidden_dropout", None) is not None:
            classifier_dropout = config.hidden_dropout
        else:
            classifier_dropout = 0.1
        self.dropout = nn.Dropout(classifier_dropout)
        self.score = nn.Linear(config.hidden_size, config.num_labels)

        # Initialize weights and apply final processing
        self.post_init()

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: Optional[torch.LongTensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        position_ids: Optional[torch.LongTensor] = None,
        past_key_values: Optional[Cache] = None,
        inputs_embeds: Optional[torch.FloatTensor] = None,
        labels: Optional[torch.LongTensor] = None,
        use_cache: Optional[bool] = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> TokenClassifierOutput:
        outputs: BaseModelOutputWithPast = getattr(self, self.base_model_prefix)(
            input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            **kwargs,
        )
        sequence_output = outputs.last_hidden_state
        sequence_output = self.dropout(sequence_output)
        logits = self.score(sequence_output)

        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, self.config)

        return TokenClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
""",
}

# names the generic heads use, and where they come from (imported where the model file does not bind them)
IMPORTED = {
    "Optional": "typing",
    "torch": None,  # `import torch`
    "nn": "torch",
    "Cache": "transformers.cache_utils",
    "BaseModelOutputWithPast": "transformers.modeling_outputs",
    "QuestionAnsweringModelOutput": "transformers.modeling_outputs",
    "SequenceClassifierOutputWithPast": "transformers.modeling_outputs",
    "TokenClassifierOutput": "transformers.modeling_outputs",
    "Unpack": "transformers.processing_utils",
    "TransformersKwargs": "transformers.utils",
    "can_return_tuple": "transformers.utils",
    "logging": "transformers.utils",
}


def _generic_base(node: cst.BaseExpression, imports: ImportTable) -> str | None:
    qualified = imports.resolve(node) or ""
    module, _, name = qualified.rpartition(".")
    return name if module == GENERIC_MODULE and name in GENERIC_HEADS else None


def _assigned_names(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {statement.name.value}
    names = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
                if isinstance(small, cst.AnnAssign)
                else []
            )
            names |= {t.value for t in targets if isinstance(t, cst.Name)}
    return names


def _is_ellipsis(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.Ellipsis)
    )


def _string_value(class_def: cst.ClassDef, name: str) -> str | None:
    for statement in class_def.body.body:
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
            small = statement.body[0]
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                if isinstance(small.value, cst.SimpleString):
                    return small.value.evaluated_value
    return None


def _written_out(class_def: cst.ClassDef, generic: str, base_model: str) -> cst.ClassDef:
    template = cst.parse_module(GENERIC_HEADS[generic]).body[0]
    assert isinstance(template, cst.ClassDef)
    body = (
        class_def.body.body
        if isinstance(class_def.body, cst.IndentedBlock)
        else [cst.SimpleStatementLine(body=class_def.body.body)]
    )
    own = [s for s in body if not _is_ellipsis(s)]
    defined = set().union(*(_assigned_names(s) for s in own)) if own else set()
    attr = _string_value(class_def, "base_model_prefix") or _string_value(template, "base_model_prefix")
    source = (
        GENERIC_HEADS[generic]
        .replace(BASE_MODEL_SETATTR, f"self.{attr} = {base_model}(config)")
        .replace(BASE_MODEL_GETATTR, f"self.{attr}")
    )
    template = cst.parse_module(source).body[0]
    members = [s for s in template.body.body if not (_assigned_names(s) & defined)]
    bases = [
        arg
        for arg in class_def.bases
        if dotted(arg.value) != generic and not dotted(arg.value or "").endswith(generic)
    ]
    bases = [b.with_changes(comma=cst.MaybeSentinel.DEFAULT) for b in bases]
    return class_def.with_changes(bases=bases, body=cst.IndentedBlock(body=[*own, *members]))


def _missing_imports(module: cst.Module, imports: ImportTable) -> list[cst.SimpleStatementLine]:
    bound = set(imports.origins)
    for statement in module.body:
        bound |= _assigned_names(statement)
    lines = []
    for name, origin in IMPORTED.items():
        if name in bound:
            continue
        if origin is None:
            lines.append(cst.parse_statement(f"import {name}"))
        elif origin.startswith("transformers."):
            lines.append(cst.parse_statement(f"from {imports.relative(origin)} import {name}"))
        else:
            lines.append(cst.parse_statement(f"from {origin} import {name}"))
    if "logger" not in bound:
        lines.append(cst.parse_statement("logger = logging.get_logger(__name__)"))
    return lines


def write_out(module: cst.Module, base_model: str | None) -> cst.Module:
    """Every class mixing in a generic head, written out (see the module docstring); the module unchanged when
    none does or when the file has no base model to hold."""
    if base_model is None:
        return module
    imports = ImportTable(module)
    body, changed = [], False
    for statement in module.body:
        if isinstance(statement, cst.ClassDef):
            generic = next((g for g in (_generic_base(a.value, imports) for a in statement.bases) if g), None)
            if generic is not None:
                statement = _written_out(statement, generic, base_model)
                changed = True
        body.append(statement)
    if not changed:
        return module
    position = max((i + 1 for i, s in enumerate(body) if _is_import(s)), default=0)
    body[position:position] = _missing_imports(module, imports)
    return module.with_changes(body=body)


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )
