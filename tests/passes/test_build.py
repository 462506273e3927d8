from scaffold.convert import convert_source
from tests.conftest import PRELUDE, dedent


def converted(body: str) -> str:
    return convert_source(PRELUDE + "\n\n" + dedent(body), "tiny", format_code=False).code


def test_parameter_created_under_an_if_statement_is_created_under_it_in_build():
    code = converted(
        """
        class TinyEmbeddings(nn.Module):
            def __init__(self, config):
                super().__init__()
                if config.use_absolute_embeddings:
                    self.position_embeddings = nn.Parameter(torch.zeros(1, 8, config.hidden_size))
                else:
                    self.position_embeddings = None
                if config.use_cls:
                    self.cls_token = None
                else:
                    self.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size))
        """
    )
    assert "if self.config.use_absolute_embeddings:\n            self.position_embeddings = self.add_weight(" in code
    assert "if not (self.config.use_cls):\n            self.cls_token = self.add_weight(" in code
    assert "self.position_embeddings = None" in code  # __init__'s other branch stays
    assert "is optional in torch" not in code


def test_linear_given_the_layers_bias_parameter_uses_it_after_build():
    """`self.decoder.bias = self.bias` (torch's LM heads): the Dense gets no bias of its own and, once built,
    adds the layer's bias variable."""
    code = converted(
        """
        class TinyLMHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
                self.bias = nn.Parameter(torch.zeros(config.vocab_size))
                self.decoder.bias = self.bias

            def forward(self, x):
                return self.decoder(x)
        """
    )
    assert 'keras.layers.Dense(units=config.vocab_size, use_bias=False, name="decoder")' in code
    init = code[code.index("def __init__") : code.index("def call")]
    assert "self.decoder.bias" not in init
    build = code[code.index("def build") :]
    assert build.index("self.bias = self.add_weight(") < build.index("self.decoder.build(")
    assert build.index("self.decoder.build(") < build.index("self.decoder.bias = self.bias")
    assert "self.decoder.use_bias = True" in build


def test_other_bias_assignments_are_left_alone():
    code = converted(
        """
        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
                self.decoder.bias = None

            def forward(self, x):
                return self.decoder(x)
        """
    )
    assert "self.decoder.bias = None" in code
    assert "use_bias = True" not in code


def test_loss_module_made_in_init_is_its_twin_or_raises_only_when_used():
    code = converted(
        """
        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.loss_fct = nn.CrossEntropyLoss(ignore_index=config.pad_token_id)
                self.ranking = nn.MarginRankingLoss()
        """
    )
    assert "self.loss_fct = TorchCrossEntropyLoss(ignore_index=config.pad_token_id)" in code
    assert "class TorchCrossEntropyLoss(_TorchLoss):" in code
    assert "loss_fct.build" not in code and "ranking.build" not in code
    assert 'self.ranking = TorchOnly("torch.nn.MarginRankingLoss")' in code
    assert "TODO(scaffold): nn.MarginRankingLoss has no TF twin in scaffold" in code
    assert "class TorchOnly:" in code


def test_a_buffer_torch_saves_is_a_non_trainable_weight_others_stay_constants():
    code = converted(
        """
        class TinyEmbed(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.shared = nn.Embedding(config.vocab_size, config.hidden_size)


        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.model = TinyEmbed(config)
                self.register_buffer("final_logits_bias", torch.zeros((1, self.model.shared.num_embeddings)))
                self.register_buffer("position_ids", torch.arange(8).expand((1, -1)))
                self.register_buffer("scratch", torch.zeros(4), persistent=False)

            def forward(self, x):
                return x + self.final_logits_bias
        """
    )
    assert "self.register_buffer" not in code and "self.final_logits_bias = tf.zeros" not in code
    assert (
        'self.final_logits_bias = self.add_weight(name="final_logits_bias", shape=(1, self.model.shared.input_dim), '
        'initializer="zeros", trainable=False)'
    ) in code
    assert "self.position_ids = tf.broadcast_to(" in code or "self.position_ids = " in code
    assert "self.scratch = tf.zeros" in code
    # persistent, computed in __init__ (swin's relative_position_index): a weight starting at that value
    build = code[code.index("class TFTinyHead") :]
    build = build[build.index("def build") :]
    assert (
        'if getattr(self, "position_ids", None) is not None:\n'
        "            value = tf.convert_to_tensor(self.position_ids)\n"
        "            self.position_ids = self.add_weight(\n"
        '                name="position_ids", shape=value.shape, dtype=value.dtype,\n'
        "                initializer=keras.initializers.Constant(value), trainable=False\n"
        "            )"
    ) in build
    assert "self.scratch = self.add_weight" not in build


def test_lists_of_lists_are_named_by_both_indices_and_built_layer_by_layer():
    """funnel's `nn.ModuleList([nn.ModuleList([...]) for ...])` and segformer's `blocks.append(nn.ModuleList(layers))`
    with `layers.append(...)` in a loop: item j of list i is `<attr>_._<i>_._<j>` (torch's `<attr>.<i>.<j>`)."""
    code = converted(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.blocks = nn.ModuleList(
                    [
                        nn.ModuleList([nn.Linear(4, 4) for _ in range(size)])
                        for block_index, size in enumerate(config.block_sizes)
                    ]
                )
                embeddings = []
                for i in range(config.n):
                    embeddings.append(nn.Linear(4, 8))
                self.embeddings = nn.ModuleList(embeddings)
                heads = []
                for i in range(config.n):
                    heads += [nn.Linear(4, 2)]
                self.heads = nn.ModuleList(heads)
                blocks = []
                for i in range(config.n):
                    layers = []
                    for j in range(config.depth):
                        layers.append(nn.Linear(8, 8))
                    blocks.append(nn.ModuleList(layers))
                self.block = nn.ModuleList(blocks)
        """
    )
    assert 'name=f"blocks_._{block_index}_._{i}") for i in range(size)]' in code
    assert "for block_index, size in enumerate(config.block_sizes)" in code
    assert 'name=f"embeddings_._{len(embeddings)}"' in code
    assert 'heads += [keras.layers.Dense(units=2, name=f"heads_._{len(heads)}")]' in code  # sam's `+= [X(...)]`
    assert 'name=f"block_._{len(blocks)}_._{len(layers)}"' in code
    assert "blocks.append(layers)" in code and "self.block = blocks" in code
    build = code[code.index("def build") :]
    for attr, width in (("blocks", 4), ("block", 8)):
        assert (
            f"for layers in self.{attr}:\n                for layer in layers:\n"
            f"                    with tf.name_scope(layer.name):\n"
            f"                        layer.build([None, None, {width}])"
        ) in build
    assert "for layer in self.embeddings:" in build


def test_items_of_a_comprehension_over_values_are_counted_by_enumerate():
    code = converted(
        """
        class TinyStages(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.stages = nn.ModuleList([nn.Linear(4, size) for size in config.sizes])
                self.skipped = nn.ModuleList([nn.Linear(4, 4) for i in range(1, config.n)])
        """
    )
    assert (
        'self.stages = [keras.layers.Dense(units=size, name=f"stages_._{i}") for i, size in enumerate(config.sizes)]'
        in code
    )
    # torch names a ModuleList's items from 0 whatever the range starts at
    assert 'name=f"skipped_._{i - 1}") for i in range(1, config.n)]' in code


def test_a_weight_initialised_in_place_in_init_becomes_its_layers_initializer():
    """convbert's `self.depthwise.weight.data.normal_(...)`: keras has no kernel before build; the conv is made
    with that initializer (and a bias zeroed in place with "zeros"), and the statements go."""
    code = converted(
        """
        class TinyConv(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.depthwise = nn.Conv1d(4, 4, kernel_size=3, groups=4, bias=False)
                self.proj = nn.Linear(4, 4)
                self.depthwise.weight.data.normal_(mean=0.0, std=config.initializer_range)
                self.proj.bias.data.zero_()
                self.proj.weight.uniform_(-0.5, 0.5)
        """
    )
    init = code[code.index("class TFTinyConv") :]
    init = init[: init.index("def build")]
    assert "kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=config.initializer_range)" in init
    assert 'bias_initializer="zeros"' in init
    assert "kernel_initializer=keras.initializers.RandomUniform(minval=-0.5, maxval=0.5)" in init
    assert ".data" not in init and "normal_" not in init and "TODO" not in code


def test_a_layer_made_into_a_local_then_appended_is_named_at_its_index():
    """convnext's `stage = ConvNextStage(...)` then `self.stages.append(stage)`: named `stages_._<len(self.stages)>`
    (its index once appended), and the list is built."""
    code = converted(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.stages = nn.ModuleList()
                for i in range(config.n):
                    stage = nn.Linear(4, 4)
                    self.stages.append(stage)
                layers = []
                for j in range(config.n):
                    layer = nn.Linear(8, 8)
                    layers.append(layer)
                self.layers = nn.ModuleList(layers)
        """
    )
    assert 'stage = keras.layers.Dense(units=4, name=f"stages_._{len(self.stages)}")' in code
    assert 'layer = keras.layers.Dense(units=8, name=f"layers_._{len(layers)}")' in code
    build = code[code.index("def build") :]
    assert "for layer in self.stages:" in build and "layer.build([None, None, 4])" in build
    assert "for layer in self.layers:" in build and "layer.build([None, None, 8])" in build


def test_list_items_whose_shape_reads_the_comprehension_index_are_built_item_by_item():
    """segformer's `[nn.LayerNorm(config.hidden_sizes[i]) for i in range(n)]`: build() has no `i` of its own."""
    code = converted(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.norms = nn.ModuleList([nn.Linear(config.sizes[i], 4) for i in range(config.n)])
                self.heads = nn.ModuleList()
                for j in range(config.n):
                    self.heads.append(nn.Linear(config.sizes[j], 4))
        """
    )
    build = code[code.index("def build") :]
    assert "for i, layer in enumerate(self.norms):" in build
    assert "layer.build([None, None, self.config.sizes[i]])" in build
    # appended once per pass of a loop: built with the loop's values
    assert "for layer, j in zip(self.heads, range(self.config.n)):" in build
    assert "layer.build([None, None, self.config.sizes[j]])" in build


def test_branches_assigning_different_layers_build_the_one_with_weights_and_a_known_shape():
    """convbert's `nn.Linear` or a grouped linear; convnext's `nn.ModuleList([norm, conv])` or an empty one."""
    code = converted(
        """
        class TinyGrouped(nn.Module):
            def __init__(self, size):
                super().__init__()
                self.weight = nn.Parameter(torch.zeros(size))


        class TinyStage(nn.Module):
            def __init__(self, config, in_channels, out_channels):
                super().__init__()
                if config.groups == 1:
                    self.dense = nn.Linear(config.hidden_size, 4)
                else:
                    self.dense = TinyGrouped(4)
                if in_channels != out_channels:
                    self.down = nn.ModuleList([nn.LayerNorm(in_channels), nn.Conv2d(in_channels, out_channels, 2)])
                else:
                    self.down = nn.ModuleList()
        """
    )
    build = code[code.index("class TFTinyStage") :]
    build = build[build.index("def build") :]
    assert "self.dense.build([None, None, self.config.hidden_size])" in build
    assert 'if len(getattr(self, "down", None) or []) > 1:' in build
    assert "self.down[1].build([None, None, None, self.in_channels])" in build
    assert "self.down[0].build([None, None, self.in_channels])" in build


def test_a_sequential_that_is_a_list_item_is_one_layer_named_where_it_sits():
    """focalnet's `self.focal_layers.append(nn.Sequential(nn.Conv2d(...), nn.GELU()))`."""
    code = converted(
        """
        class TinyModulation(nn.Module):
            def __init__(self, config, dim):
                super().__init__()
                self.focal_layers = nn.ModuleList()
                for k in range(config.levels):
                    self.focal_layers.append(nn.Sequential(nn.Conv2d(dim, dim, 3, padding=1, groups=dim), nn.GELU()))
        """
    )
    assert "TorchSequential(" in code and 'name="0"' in code
    assert "input_shapes=[[None, None, None, dim], None]" in code
    assert 'name=f"focal_layers_._{len(self.focal_layers)}"' in code


def test_act2cls_makes_the_activation_of_that_name():
    """swiftformer's `act_layer = ACT2CLS[config.hidden_act]` then `self.act = act_layer()`."""
    code = converted(
        """
        from ...activations import ACT2CLS


        class TinyMlp(nn.Module):
            def __init__(self, config):
                super().__init__()
                act_layer = ACT2CLS[config.hidden_act]
                self.act = act_layer()
                self.other = ACT2CLS["gelu"]()
        """
    )
    assert "act_layer = (lambda: get_tf_activation(config.hidden_act))" in code  # unformatted
    assert 'self.other = get_tf_activation("gelu")' in code and "ACT2CLS" not in code


def test_an_index_in_a_lifted_shape_is_lifted_too():
    """pvt_v2's `hidden_size = config.hidden_sizes[layer_idx]`: build() reads `self.layer_idx`."""
    code = converted(
        """
        class TinyLayer(nn.Module):
            def __init__(self, config, layer_idx):
                super().__init__()
                hidden_size = config.hidden_sizes[layer_idx]
                self.norm = nn.Linear(hidden_size, 4)
        """
    )
    assert "self.norm.build([None, None, self.config.hidden_sizes[self.layer_idx]])" in code
    assert "self.layer_idx = layer_idx" in code


def test_a_local_rebound_under_conditions_is_read_off_self_once_it_is_settled():
    """lfm2's MLP: `intermediate_size` scaled under `if config.block_auto_adjust_ff_dim:` (and again inside):
    build() reads the value __init__ ended with, kept on `self` after the last statement binding it. A loop's
    rebinding (`in_dim = out_dim`, different per item) is inlined as before."""
    code = converted(
        """
        class TinyMLP(nn.Module):
            def __init__(self, config):
                super().__init__()
                size = config.intermediate_size
                if config.auto_adjust:
                    size = int(2 * size / 3)
                    if config.multiplier is not None:
                        size = int(config.multiplier * size)
                self.w1 = nn.Linear(config.hidden_size, size, bias=False)
                self.w2 = nn.Linear(size, config.hidden_size, bias=False)


        class TinyStack(nn.Module):
            def __init__(self, config):
                super().__init__()
                in_dim = config.hidden_size
                self.layers = nn.ModuleList()
                for out_dim in config.sizes:
                    self.layers.append(nn.Linear(in_dim, out_dim))
                    in_dim = out_dim
        """
    )
    assert "size = int(config.multiplier * size)\n        self.size = size\n        self.w1 = " in code
    assert "self.w2.build([None, None, self.size])" in code
    assert "self.in_dim" not in code


def test_a_local_grown_by_augmented_assignments_is_kept_where_its_layer_is_made():
    """roc_bert: `input_dim += pronunciation_dim` under `if`s inside `if config.concat_input:`, then the Linear
    made from it: kept on `self` right before that statement (a keyword `input_dim=` of an Embedding is no read)."""
    code = converted(
        """
        class TinyEmbeddings(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.words = nn.Embedding(config.vocab_size, config.hidden_size)
                if config.concat_input:
                    input_dim = config.hidden_size
                    if config.enable_shape:
                        input_dim += config.shape_embed_dim
                    self.map_inputs_layer = nn.Linear(input_dim, config.hidden_size)
                else:
                    self.map_inputs_layer = None
        """
    )
    assert (
        "input_dim += config.shape_embed_dim\n            self.input_dim = input_dim\n            self.map_inputs_layer"
        in code
    )
    assert "self.map_inputs_layer.build([None, None, self.input_dim])" in code
    assert code.count("self.input_dim = input_dim") == 1


def test_an_init_argument_named_like_an_attribute_holding_a_weight_is_kept_apart():
    """pvt: `cls_token: bool` decides `self.cls_token = nn.Parameter(...) if cls_token else None`; build() reads
    the argument, not the attribute (which holds the weight, or nothing yet)."""
    code = converted(
        """
        class TinyEmbeddings(nn.Module):
            def __init__(self, config, cls_token=False):
                super().__init__()
                self.position_embeddings = nn.Parameter(torch.zeros(1, 5 if cls_token else 4, config.hidden_size))
                self.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size)) if cls_token else None
        """
    )
    assert "self._init_cls_token = cls_token" in code
    assert "5 if self._init_cls_token else 4" in code
    assert "if self._init_cls_token:\n            self.cls_token = self.add_weight(" in code


def test_module_dict_normal_parameter_and_activation_named_at_run_time_are_built():
    """olmo3's `nn.ModuleDict` of layers (built by key), diffllama's `nn.Parameter(torch.normal(0, std, size=...))`,
    an `ACT2FN[config.hidden_act]` that may be a layer with weights (apertus' xIELU: built in its name scope)."""
    code = converted(
        """
        class TinyMLP(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.proj = nn.ModuleDict({"a": nn.Linear(4, 8), "b": nn.Linear(8, 4)})
                self.lambda_q = nn.Parameter(torch.normal(0, config.lambda_std, size=(8,)))
                self.act_fn = ACT2FN[config.hidden_act]
                self.gelu = ACT2FN["gelu"]
        """
    )
    assert 'self.proj["a"].build([None, None, 4])' in code and 'self.proj["b"].build([None, None, 8])' in code
    assert "initializer=keras.initializers.RandomNormal(mean=0, stddev=self.config.lambda_std)" in code
    assert "shape=(8,)" in code
    assert 'self.act_fn = torch_activation(config.hidden_act, name="act_fn")' in code
    assert "with tf.name_scope(self.act_fn.name):" in code and "self.gelu.build" not in code


def test_a_parameter_drawn_with_the_range_of_a_config_that_may_lack_it_reads_torchs_default_rule():
    """siglip: `nn.Parameter(torch.randn(...))` in a file whose own _init_weights names no initializer_range (and
    whose SiglipConfig has none): the std PreTrainedModel's rule gives, not `self.config.initializer_range`."""
    code = converted(
        """
        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.probe = nn.Parameter(torch.randn(1, 1, config.hidden_size))


        class TinyPreTrainedModel(PreTrainedModel):
            def _init_weights(self, module):
                pass
        """
    )
    assert "initializer=get_initializer(config_initializer_range(self.config))" in code
    assert "def config_initializer_range(config):" in code


def test_a_shape_read_from_names_unpacked_from_a_call_uses_the_call_in_build():
    """`freq, time = self.get_shape(config)` then a Parameter of `freq * time` rows (AST): build() has neither
    local, so each is the call's item, in build()'s terms."""
    code = converted(
        """
        class TinyEmbeddings(nn.Module):
            def __init__(self, config):
                super().__init__()
                freq, time = self.get_shape(config)
                num_patches = freq * time
                self.position_embeddings = nn.Parameter(torch.zeros(1, num_patches + 2, config.hidden_size))

            def get_shape(self, config):
                return config.num_mel_bins // 2, config.max_length // 2
        """
    )
    assert "shape=(1, (self.get_shape(self.config)[0] * self.get_shape(self.config)[1]) + 2," in code


def test_a_list_in_one_branch_and_one_layer_in_the_other_is_built_either_way():
    """bridgetower's `cross_modal_text_transform`: nn.Linear when layers are shared, else an nn.ModuleList."""
    code = converted(
        """
        class TinyModel(nn.Module):
            def __init__(self, config):
                super().__init__()
                if config.share_layers:
                    self.transform = nn.Linear(config.hidden_size, config.hidden_size)
                else:
                    self.transform = nn.ModuleList(
                        [nn.Linear(config.hidden_size, config.hidden_size) for _ in range(config.num_hidden_layers)]
                    )
        """
    )
    assert "for layer in (self.transform if isinstance(self.transform, list) else [self.transform]):" in code


def test_parameters_under_nested_if_and_elif_are_created_under_the_whole_condition():
    """bridgetower's link tower: `if type in [...]: if type == "scaled_add": ... elif type == "interpolate": ...`,
    each a scalar `nn.Parameter(torch.tensor(v))`: created only where torch creates it, with its value."""
    code = converted(
        """
        class TinyLink(nn.Module):
            def __init__(self, config):
                super().__init__()
                if config.kind in ["add", "scaled_add", "interpolate"]:
                    if config.kind == "scaled_add":
                        self.scaled_factor = nn.Parameter(torch.tensor(1.0))
                    elif config.kind == "interpolate":
                        self.beta = nn.Parameter(torch.tensor([0.5, -2]))
        """
    )
    assert 'if self.config.kind in ["add", "scaled_add", "interpolate"] and self.config.kind == "scaled_add":' in code
    assert (
        'if self.config.kind in ["add", "scaled_add", "interpolate"] and not (self.config.kind == "scaled_add") '
        'and self.config.kind == "interpolate":'
    ) in code
    assert "self.scaled_factor = tf.constant(1.0)" in code and "self.beta = tf.constant([0.5, -2])" in code
    assert "initializer=keras.initializers.Constant(value)" in code  # the weight starts at __init__'s value
    assert "is optional in torch" not in code and "give its shape" not in code


def test_a_list_with_none_appended_builds_its_layers_only():
    """informer: `self.conv_layers = nn.ModuleList([...]); self.conv_layers.append(None)`."""
    code = converted(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.conv_layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(config.n - 1)])
                self.conv_layers.append(None)
        """
    )
    assert "for layer in self.conv_layers:\n                if isinstance(layer, keras.layers.Layer):" in code


def test_items_of_a_starred_sequential_are_built_where_present():
    """decision_transformer: `nn.Sequential(*([nn.Linear(...)] + ([nn.Tanh()] if c else [])))`."""
    code = converted(
        """
        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.head = nn.Sequential(*([nn.Linear(8, 4)] + ([nn.Tanh()] if config.tanh else [])))
        """
    )
    assert 'if len(getattr(self, "head", None) or []) > 0:' in code
    assert "self.head[0].build([None, None, 8])" in code


def test_layers_registered_with_add_module_are_built_under_their_names():
    # mask2former's pixel decoder: `self.add_module(f"adapter_{i}", lateral)`; the indexed form stays as it was
    code = converted(
        """
        class TinyDecoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                for idx in range(2):
                    lateral = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
                    self.add_module(f"adapter_{idx + 1}", lateral)


        class TinyIndexed(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.layers = [nn.Linear(2, 2), nn.ReLU()]
                for i, layer in enumerate(self.layers):
                    self.add_module(str(i), layer)
        """
    )
    decoder, indexed = code.split("class TFTinyIndexed")
    assert 'torch_add_module(self, f"adapter_{idx + 1}", lateral)' in decoder
    assert "        torch_build_added_modules(self)" in decoder
    assert "torch_build_added_modules(self)\n" not in indexed and "add_module" not in indexed


def test_a_bare_module_holding_layers_is_a_container_built_in_its_list():
    # emu3 / janus VQ-VAE: `down = nn.Module(); down.block = block; self.down.append(down)`
    code = converted(
        """
        class TinyDown(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.down = nn.ModuleList()
                for i_level in range(2):
                    block = nn.ModuleList()
                    block.append(nn.GroupNorm(2, 4))
                    down = nn.Module()
                    down.block = block
                    self.down.append(down)
        """
    )
    assert 'down = TorchModule(name=f"down_._{len(self.down)}")' in code
    assert "torch_shaped(TorchGroupNorm(" in code
    assert "for layer in self.down:" in code


def test_a_sequential_of_an_appended_local_list_builds_every_item_it_holds():
    # upernet's FCN head: `convs.append(...)` in a loop, then `nn.Sequential(*convs)` or `nn.Identity()`
    code = converted(
        """
        class TinyHead(nn.Module):
            def __init__(self, config):
                super().__init__()
                convs = []
                convs.append(nn.Linear(4, 4))
                for i in range(config.num_convs - 1):
                    convs.append(nn.Linear(4, 4))
                if config.num_convs == 0:
                    self.convs = nn.Identity()
                else:
                    self.convs = nn.Sequential(*convs)
        """
    )
    assert 'name=f"convs_._{len(convs)}"' in code
    assert "self.convs if isinstance(self.convs, list) else [self.convs]" in code
    assert "self.convs[1]" not in code


def test_a_sequential_in_one_branch_and_a_conv_in_the_other_is_built_as_one_layer():
    # swin2sr's `conv`: nn.Conv2d for "1conv", nn.Sequential of convs for "3conv"
    code = converted(
        """
        class TinyBlock(nn.Module):
            def __init__(self, config, dim):
                super().__init__()
                if config.resi_connection == "1conv":
                    self.conv = nn.Conv2d(dim, dim, 3, 1, 1)
                else:
                    self.conv = nn.Sequential(nn.Conv2d(dim, dim // 4, 3, 1, 1), nn.Conv2d(dim // 4, dim, 1))
        """
    )
    assert "self.conv.build([None, None, None, self.dim])" in code
    assert "self.conv[" not in code


def test_a_shape_reading_an_init_local_is_recorded_with_the_layer():
    # janus' VQ encoder: `block_in` changes in a loop; build() cannot read it, the layer keeps torch's shape
    code = converted(
        """
        class TinyEncoder(nn.Module):
            def __init__(self, config):
                super().__init__()
                block_in = config.base_channels
                for mult in config.channel_multiplier:
                    block_in = block_in * mult
                self.norm_out = nn.GroupNorm(num_groups=32, num_channels=block_in, eps=1e-6, affine=True)
                self.proj = nn.Linear(config.hidden_size, 4)
        """
    )
    assert "self.norm_out = torch_shaped(" in code and "[None, block_in, None])" in code
    assert 'self.norm_out.build(getattr(self.norm_out, "_torch_input_shape", None))' in code
    assert "self.proj = keras.layers.Dense(" in code  # build() reads config: nothing recorded
    assert "self.proj.build([None, None, self.config.hidden_size])" in code
