"""The TF model API where torch inherits it: embedding accessors, LM-head accessors, resizing, output flags passed
on in `**kwargs`, int arguments given inside a list input."""

from scaffold.convert.passes import decorators, main_layer, model_api, pretrained
from tests.conftest import convert_with

SOURCE = """
class TinyPreTrainedModel(PreTrainedModel):
    base_model_prefix = "model"


class TinyModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)

    def forward(self, input_ids=None, **kwargs):
        return self.embed_tokens(input_ids)


class TinyForCausalLM(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.model = TinyModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)

    def forward(self, input_ids=None, logits_to_keep: Union[int, torch.Tensor] = 0, **kwargs):
        hidden_states = self.model(input_ids, **kwargs)
        slice_indices = slice(-logits_to_keep, None) if isinstance(logits_to_keep, int) else logits_to_keep
        return self.lm_head(hidden_states[:, slice_indices, :])


class TinyForSequenceClassification(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.model = TinyModel(config)
        self.score = nn.Linear(config.hidden_size, 2)

    def forward(self, input_ids=None, output_hidden_states=None):
        return self.score(self.model(input_ids, output_hidden_states=output_hidden_states))
"""


def _class(code: str, name: str) -> str:
    start = code.index(f"class {name}(")
    end = code.find("\nclass ", start + 1)
    return code[start : end if end != -1 else None]


def _converted(source: str = SOURCE) -> str:
    return convert_with(source, pretrained.apply, main_layer.apply, decorators.apply, model_api.apply)


def test_main_layer_gets_torchs_input_embedding_accessors():
    main = _class(_converted(), "TFTinyMainLayer")
    assert "    def get_input_embeddings(self):\n        return self.embed_tokens\n" in main
    assert "    def set_input_embeddings(self, value):\n        self.embed_tokens = value\n" in main


def test_input_embed_layer_names_the_attribute_and_own_accessors_win():
    renamed = SOURCE.replace(
        'base_model_prefix = "model"', 'base_model_prefix = "model"\n    _input_embed_layer = "wte"'
    )
    renamed = renamed.replace("self.embed_tokens", "self.wte")
    assert "        return self.wte\n" in _class(_converted(renamed), "TFTinyMainLayer")
    own = SOURCE.replace(
        "    def forward(self, input_ids=None, **kwargs):",
        "    def get_input_embeddings(self):\n        return None\n\n    def forward(self, input_ids=None, **kwargs):",
    )
    main = _class(_converted(own), "TFTinyMainLayer")
    assert main.count("def get_input_embeddings") == 1 and "def set_input_embeddings" not in main


def test_a_model_class_holding_its_own_embeddings_gets_the_accessors():
    # a VLM's text model, made inside the base model (`Glm4vTextModel._from_config(...)`): no MainLayer to ask
    vlm = (
        SOURCE[: SOURCE.index("class TinyForCausalLM")]
        + """

class TinyTextModel(TinyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)

    def forward(self, input_ids=None, **kwargs):
        return self.embed_tokens(input_ids)
"""
    )
    text = _class(_converted(vlm), "TFTinyTextModel")
    assert "    def get_input_embeddings(self):\n        return self.embed_tokens\n" in text
    # a head reaches them through its MainLayer, as before
    assert "def get_input_embeddings" not in _class(_converted(), "TFTinyForSequenceClassification")


def test_lm_head_accessors_and_resizing():
    code = _converted()
    head = _class(code, "TFTinyForCausalLM")
    for expected in (
        "    def get_output_embeddings(self):\n        return self.lm_head\n",
        "    def set_output_embeddings(self, new_embeddings):\n        self.lm_head = new_embeddings\n",
        "    def get_lm_head(self):",
        "    def get_bias(self):",
    ):
        assert expected in head
    classifier = _class(code, "TFTinyForSequenceClassification")
    assert "get_output_embeddings" not in classifier and "get_lm_head" not in classifier
    pretrained_class = _class(code, "TFTinyPreTrainedModel")
    assert "return resize_token_embeddings_with_dense_output(self, new_num_tokens)" in pretrained_class


def test_no_resizing_without_output_embeddings():
    code = _converted(SOURCE[: SOURCE.index("class TinyForCausalLM")])
    assert "resize_token_embeddings" not in code and "get_lm_head" not in code


def test_flags_go_back_into_kwargs_and_int_arguments_back_to_int():
    code = _converted()
    head = _class(code, "TFTinyForCausalLM")
    assert "output_attentions: Optional[bool] = None," in head  # declared: unpack_inputs drops **kwargs
    assert (
        "        kwargs.update(output_attentions=output_attentions, output_hidden_states=output_hidden_states)\n"
        in head
    )
    assert "        logits_to_keep = int_argument(logits_to_keep)\n" in head
    # a call that reads its flags itself passes them on itself; the base model's wrapper passes them explicitly
    assert "kwargs.update" not in _class(code, "TFTinyForSequenceClassification")
    assert "kwargs.update" not in _class(code, "TFTinyModel")
    assert "int_argument" not in _class(code, "TFTinyForSequenceClassification")


def test_a_second_application_changes_nothing():
    once = _converted()
    twice = convert_with(
        SOURCE, pretrained.apply, main_layer.apply, decorators.apply, model_api.apply, model_api.apply
    )
    assert twice == once


def test_arguments_read_from_kwargs_by_name_are_declared_and_put_back():
    """torch reads a deprecated alias from **kwargs (BERT's `next_sentence_label`); unpack_inputs drops **kwargs, so
    the TF call declares it and puts it back when given."""
    source = SOURCE.replace(
        "        return self.score(self.model(input_ids, output_hidden_states=output_hidden_states))",
        '        if "old_labels" in kwargs:\n'
        '            labels = kwargs.pop("old_labels")\n'
        "        return self.score(self.model(input_ids, output_hidden_states=output_hidden_states))",
    ).replace(
        "def forward(self, input_ids=None, output_hidden_states=None):",
        "def forward(self, input_ids=None, output_hidden_states=None, **kwargs):",
    )
    head = _class(_converted(source), "TFTinyForSequenceClassification")
    assert "old_labels=None," in head
    assert '        if old_labels is not None:\n            kwargs["old_labels"] = old_labels\n' in head
    assert "kwargs.update" not in head  # its flags are its own (read by the body)
