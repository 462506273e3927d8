# Golden input for scaffold's whole-pipeline test: a small PyTorch model in transformers 4.5x style that
# uses the constructs the converter rewrites. Its expected TF output is tests/data/modeling_tf_tiny.py,
# regenerated with `python scripts/regen_golden.py`.
"""PyTorch Tiny model."""

import math
from typing import Optional, Union

import torch
from torch import nn
from torch.nn import CrossEntropyLoss

from ...activations import ACT2FN
from ...modeling_layers import GradientCheckpointingLayer
from ...modeling_outputs import BaseModelOutputWithPooling, SequenceClassifierOutput
from ...modeling_utils import PreTrainedModel
from ...utils import logging
from .configuration_tiny import TinyConfig

logger = logging.get_logger(__name__)


class TinyEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )

    def forward(self, input_ids: torch.LongTensor) -> torch.Tensor:
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class TinySelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_size = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        batch_size, seq_length, _ = hidden_states.shape
        query = self.query(hidden_states).view(batch_size, -1, self.num_heads, self.head_size).transpose(1, 2)
        key = self.key(hidden_states).view(batch_size, -1, self.num_heads, self.head_size).transpose(1, 2)
        value = self.value(hidden_states).view(batch_size, -1, self.num_heads, self.head_size).transpose(1, 2)
        scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(self.head_size)
        if attention_mask is not None:
            scores = scores + attention_mask
        probs = self.dropout(nn.functional.softmax(scores, dim=-1))
        context = torch.matmul(probs, value).permute(0, 2, 1, 3).contiguous()
        return context.view(batch_size, seq_length, -1)


class TinySdpaSelfAttention(TinySelfAttention):
    def forward(self, hidden_states, attention_mask=None):
        return nn.functional.scaled_dot_product_attention(hidden_states, hidden_states, hidden_states)


TINY_ATTENTION_CLASSES = {"eager": TinySelfAttention, "sdpa": TinySdpaSelfAttention}


class TinyOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class TinyLayer(GradientCheckpointingLayer):
    def __init__(self, config):
        super().__init__()
        self.attention = TINY_ATTENTION_CLASSES[config._attn_implementation](config)
        self.intermediate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACT2FN[config.hidden_act]
        self.output = TinyOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.act(self.intermediate(attention_output)), attention_output)


class TinyPreTrainedModel(PreTrainedModel):
    config: TinyConfig
    base_model_prefix = "tiny"
    supports_gradient_checkpointing = True
    _supports_sdpa = True

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config, add_pooling_layer=True):
        super().__init__(config)
        self.embeddings = TinyEmbeddings(config)
        self.layer = nn.ModuleList([TinyLayer(config) for _ in range(config.num_hidden_layers)])
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size) if add_pooling_layer else None
        self.gradient_checkpointing = False
        self.post_init()

    def forward(
        self,
        input_ids: Optional[torch.LongTensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        return_dict: Optional[bool] = None,
    ) -> Union[tuple, BaseModelOutputWithPooling]:
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape)
        extended_attention_mask = self.get_extended_attention_mask(attention_mask, input_ids.shape)
        hidden_states = self.embeddings(input_ids)
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, extended_attention_mask)
        pooled = torch.tanh(self.pooler(hidden_states[:, 0])) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=hidden_states, pooler_output=pooled)


class TinyForSequenceClassification(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.tiny = TinyModel(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, labels=None):
        outputs = self.tiny(input_ids, attention_mask=attention_mask)
        logits = self.classifier(outputs.pooler_output)
        loss = None
        if labels is not None:
            if labels.dtype in (torch.long, torch.int):  # class ids, else one probability per class
                loss = CrossEntropyLoss()(logits, labels)
            else:
                loss = nn.functional.binary_cross_entropy_with_logits(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


__all__ = ["TinyForSequenceClassification", "TinyModel", "TinyPreTrainedModel"]
