"""MoE twins of snippets/tf_helpers.py ("# --- MoE") and of the converted expert dispatch against torch: same
inputs, same values, eagerly and under tf.function.

Marked `frameworks` (TensorFlow and torch are imported).
"""

import pytest

from tests.test_text_twins import _assert_twin, _close

pytestmark = pytest.mark.frameworks

SCORES = [[0.1, 0.9, 0.3, 0.7, 0.5], [0.6, 0.2, 0.8, 0.4, 0.0]]
TIES = [3, 1, 0, 1, 3, 0, 2, 1]  # top-k expert ids, flattened: many equal values
ROWS = [[0.5, -1.0, 2.0], [3.0, 0.25, -4.0], [1.5, 2.5, -0.5], [0.0, 7.0, 1.0]]


@pytest.fixture(scope="module")
def helpers():
    from scaffold.convert.snippets import tf_helpers

    return tf_helpers


@pytest.mark.parametrize(
    ("expression", "inputs"),
    [
        ("torch.sort(x, dim=-1)", {"x": SCORES}),
        ("torch.sort(x, 0, descending=True)", {"x": SCORES}),
        ("x.sort(dim=1, descending=True).indices", {"x": SCORES}),
        ("i.sort(0)", {"i": TIES}),
        ("i.sort(0, descending=True)[1]", {"i": TIES}),
        ("torch.argsort(x, dim=0)", {"x": SCORES}),
        ("i.argsort(descending=True)", {"i": TIES}),
        ("i.div(3, rounding_mode='trunc')", {"i": [-7, -3, 0, 2, 5, 9]}),
        ("x.div(0.3, rounding_mode='trunc')", {"x": [[-1.0, -0.2, 0.0, 0.7, 2.0]]}),
        ("i.div(2, rounding_mode='floor')", {"i": [-7, -3, 0, 2, 5, 9]}),
        ("x.div(0.5)", {"x": SCORES}),
        ("x.divide(y)", {"x": SCORES, "y": [[2.0] * 5] * 2}),
        ("x.index_add(0, i, y)", {"x": ROWS, "i": [3, 0, 3], "y": ROWS[:3]}),
        ("x.index_add(1, i, y, alpha=2.0)", {"x": ROWS, "i": [2, 2], "y": [[1.0, 2.0]] * 4}),
        ("x.index_add(-1, i, y)", {"x": ROWS, "i": [0], "y": [[1.0]] * 4}),
        ("x.index_copy(0, i, y)", {"x": ROWS, "i": [3, 0, 1], "y": ROWS[:3]}),
        ("x.index_copy(-1, i, y)", {"x": ROWS, "i": [1, 0], "y": [[1.0, 2.0]] * 4}),
        ("torch.zeros_like(x).scatter_(1, i, 1.0)", {"x": SCORES, "i": [[0, 4], [3, 2]]}),
        # deepseek_v3's rotary keys: a starred size stays starred
        ("x.expand(*y.shape[:-1], -1)", {"x": [[[1.0, 2.0, 3.0]]], "y": [[[0.0] * 5] * 4] * 2}),
        ("x.expand(*y.shape)", {"x": [[[1.0]]], "y": [[[0.0] * 5] * 4] * 2}),
    ],
)
def test_moe_op_translations_match_torch(expression, inputs):
    import numpy as np

    inputs = {k: np.asarray(v, dtype="int64") if k == "i" else v for k, v in inputs.items()}
    tf_code = _assert_twin(expression, **inputs)
    assert "torch" not in tf_code.replace("torch_", ""), tf_code


@pytest.mark.parametrize(
    "key",
    ["(None, a)", "(a, b, None)", "(a, 1, None)", "(None, a, b, None)", "(None, None, a)", "(a, None)"],
)
def test_torch_index_with_new_axes_matches_torch(helpers, key):
    import numpy as np
    import torch

    x = np.arange(4 * 3 * 2, dtype="float32").reshape(4, 3, 2)
    a, b = np.asarray([3, 0, 3, 1]), np.asarray([2, 0, 1, 1])
    expected = eval(f"x[{key}]", {"x": torch.tensor(x), "a": torch.tensor(a), "b": torch.tensor(b)})
    tf = helpers.tf
    actual = helpers.torch_index(tf.constant(x), eval(key, {"a": tf.constant(a), "b": tf.constant(b, dtype=tf.int32)}))
    _close(actual, expected.numpy())


def test_moe_expert_indices_every_expert_of_a_static_mask(helpers):
    tf = helpers.tf
    assert helpers.moe_expert_indices(tf.constant([True, False, True])) == [0, 1, 2]
    with pytest.raises(NotImplementedError, match="1-D expert mask"):
        helpers.moe_expert_indices(tf.zeros([2, 3]))
    traced = tf.function(lambda m: len(helpers.moe_expert_indices(m)), input_signature=[tf.TensorSpec([None])])
    with pytest.raises(NotImplementedError, match="static length"):
        traced.get_concrete_function()


DISPATCH = """\
class TinySparseMoeBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.experts = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])

    def forward(self, hidden_states, selected_experts, routing_weights):
        final_hidden_states = torch.zeros_like(hidden_states)
        expert_mask = torch.nn.functional.one_hot(selected_experts, num_classes=self.num_experts).permute(2, 1, 0)
        expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
        for expert_idx in expert_hit:
            expert_layer = self.experts[expert_idx]
            idx, top_x = torch.where(expert_mask[expert_idx].squeeze(0))
            current_state = hidden_states[None, top_x].reshape(-1, hidden_states.shape[-1])
            current_hidden_states = expert_layer(current_state) * routing_weights[top_x, idx, None]
            final_hidden_states.index_add_(0, top_x, current_hidden_states.to(hidden_states.dtype))
        return final_hidden_states
"""


def _converted_forward(source):
    """The class's forward as scaffold converts it (every node pass), as a TF function of (self, ...)."""
    import textwrap

    from scaffold.convert import NODE_PASSES
    from scaffold.convert.snippets import tf_helpers
    from tests.conftest import run_passes

    code = run_passes(source, *NODE_PASSES)
    call = code[code.index("    def call") :]
    namespace = dict(vars(tf_helpers))
    exec(textwrap.dedent(call), namespace)
    return code, namespace["call"]


@pytest.mark.parametrize("top_k", [1, 2])
def test_converted_dispatch_matches_torch_eager_and_traced(top_k):
    """Mixtral's dispatch: experts no token is routed to (expert 2 here) included; repeated experts per token."""
    import types
    from functools import partial

    import numpy as np
    import torch

    from scaffold.convert.snippets.tf_helpers import tf

    code, call = _converted_forward(DISPATCH)
    assert "moe_expert_indices" in code and "torch_index_add" in code and ".nonzero()" not in code
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(3, 4, 4)).astype("float32")
    hidden = rng.normal(size=(5, 4)).astype("float32")
    selected = np.asarray([[0, 1], [1, 0], [0, 0], [1, 1], [0, 1]])[:, :top_k]
    routing = rng.uniform(size=(5, top_k)).astype("float32")

    pt_self = types.SimpleNamespace(
        experts=[partial(torch.matmul, other=torch.tensor(w)) for w in weights], num_experts=3
    )
    with torch.no_grad():
        expected = _torch_forward(DISPATCH)(pt_self, *map(torch.tensor, (hidden, selected, routing))).numpy()
    tf_self = types.SimpleNamespace(experts=[partial(tf.matmul, b=w) for w in weights], num_experts=3)
    eager = call(tf_self, tf.constant(hidden), tf.constant(selected), tf.constant(routing))
    _close(eager, expected)
    traced = tf.function(
        lambda h, s, r: call(tf_self, h, s, r),
        input_signature=[
            tf.TensorSpec([None, 4], tf.float32),
            tf.TensorSpec([None, top_k], tf.int64),
            tf.TensorSpec([None, top_k], tf.float32),
        ],
    )
    _close(traced(tf.constant(hidden), tf.constant(selected), tf.constant(routing)), expected)


def _torch_forward(source):
    """The class's forward as PyTorch runs it, as a function of (self, ...)."""
    import textwrap

    import torch

    namespace = {"torch": torch, "nn": torch.nn}
    exec(textwrap.dedent(source[source.index("    def forward") :]), namespace)
    return namespace["forward"]


def test_torch_tolist_eager_and_traced(helpers):
    """granitemoe's expert sizes: `.tolist()` then `split`; traced, the sizes stay symbolic and split still works."""
    import numpy as np
    import torch

    tf = helpers.tf
    sizes = np.asarray([2, 0, 3])
    assert helpers.torch_tolist(tf.constant(sizes)) == torch.tensor(sizes).tolist()
    assert helpers.torch_tolist(tf.constant([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    rows = np.arange(10, dtype="float32").reshape(5, 2)
    expected = [p.numpy() for p in torch.tensor(rows).split(torch.tensor(sizes).tolist(), dim=0)]

    @tf.function(input_signature=[tf.TensorSpec([3], tf.int32), tf.TensorSpec([None, 2], tf.float32)])
    def traced(s, x):
        return helpers.torch_split(x, helpers.torch_tolist(s), 0)

    parts = traced(tf.constant(sizes, dtype=tf.int32), tf.constant(rows))
    assert len(parts) == len(expected)
    for actual, e in zip(parts, expected):
        np.testing.assert_array_equal(actual.numpy(), e)  # an expert with no rows: an empty part


def test_torch_device_type(helpers):
    tf = helpers.tf
    assert helpers.torch_device_type(tf.constant([1.0])) == "cpu"  # the test machine has no GPU for TF
    assert tf.function(lambda x: tf.constant(helpers.torch_device_type(x) == "cpu"))(tf.constant([1.0]))
    assert helpers.torch_device_type(helpers.keras.layers.Dense(2)) == "cpu"  # modernbert's `self.device.type`


def test_router_jitter_draws_from_torchs_distribution():
    """`hidden_states *= torch.empty_like(hidden_states).uniform_(1 - j, 1 + j)` (training only): random, so the
    draws are checked for torch's shape, dtype and range, not values."""
    import numpy as np

    from scaffold.convert.snippets import tf_helpers
    from tests.test_text_twins import _twin

    x = np.zeros((3, 4, 5), dtype="float32")
    tf_code, actual, expected = _twin("torch.empty_like(x).uniform_(1.0 - 0.25, 1.0 + 0.25)", x=x)
    assert tf_code.startswith("tf.random.uniform(") and actual.dtype == tf_helpers.tf.float32
    assert tuple(actual.shape) == tuple(expected.shape) == (3, 4, 5)
    values = actual.numpy()
    assert values.min() >= 0.75 and values.max() < 1.25 and values.std() > 0


def test_a_fresh_tensor_drawn_uniformly_has_torchs_shape_dtype_and_range():
    """qwen3_next's `A = torch.empty(self.num_v_heads).uniform_(0, 16)` (in `__init__`, then `nn.Parameter(torch.log(A))`):
    random, so checked for torch's shape, dtype and range."""
    import numpy as np

    from scaffold.convert.snippets import tf_helpers
    from tests.test_text_twins import _twin

    for expression in ("torch.empty(6).uniform_(0, 16)", "torch.empty(2, 3, dtype=torch.float32).uniform_(0, 16)"):
        tf_code, actual, expected = _twin(expression)
        assert tf_code.startswith("tf.random.uniform("), tf_code
        assert actual.dtype == tf_helpers.tf.float32 and tuple(actual.shape) == tuple(expected.shape)
        values = actual.numpy()
        assert values.min() >= 0 and values.max() < 16 and np.std(values) > 0
