"""MoePass: the experts' loop of MoE blocks, in-place index_add_ / scatter_, indexing with index tensors."""

from scaffold.convert.passes.indexing import IndexingPass
from scaffold.convert.passes.moe import MoePass
from scaffold.convert.todos import Todo
from tests.conftest import assert_codemod

MIXTRAL = """\
class TinySparseMoeBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.experts = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])

    def forward(self, hidden_states, routing_weights, expert_mask):
        final_hidden_states = torch.zeros_like(hidden_states)
        expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
        for expert_idx in expert_hit:
            expert_layer = self.experts[expert_idx]
            idx, top_x = torch.where(expert_mask[expert_idx].squeeze(0))
            current_state = hidden_states[None, top_x].reshape(-1, 4)
            current_hidden_states = expert_layer(current_state) * routing_weights[top_x, idx, None]
            final_hidden_states.index_add_(0, top_x, current_hidden_states)
        return final_hidden_states
"""


def test_loop_over_hit_experts_goes_over_every_expert():
    assert_codemod(
        MIXTRAL,
        MIXTRAL.replace(
            "torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()",
            "moe_expert_indices(torch.greater(expert_mask.sum(dim=(-1, -2)), 0))",
        )
        .replace("expert_mask[expert_idx].squeeze(0)", "expert_mask[expert_idx:expert_idx + 1].squeeze(0)")
        .replace("hidden_states[None, top_x]", "torch_index(hidden_states, (None, top_x))")
        .replace("routing_weights[top_x, idx, None]", "torch_index(routing_weights, (top_x, idx, None))")
        .replace(
            "final_hidden_states.index_add_(0, top_x, current_hidden_states)",
            "final_hidden_states = final_hidden_states.index_add(0, top_x, current_hidden_states)",
        ),
        IndexingPass,
        MoePass,
    )


GPT_OSS = """\
class TinyExperts(nn.Module):
    def forward(self, hidden_states, routing_weights, expert_mask):
        next_states = torch.zeros_like(hidden_states)
        expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
        for expert_idx in expert_hit[:]:
            expert_idx = expert_idx[0]
            _, token_idx = torch.where(expert_mask[expert_idx])
            out = hidden_states[token_idx] @ self.down_proj[expert_idx]
            next_states.index_add_(0, token_idx, out * routing_weights[token_idx, expert_idx, None])
        return next_states
"""


def test_loop_variable_taken_as_an_int_first_is_an_int_already():
    """`expert_idx = expert_idx[0]` is dropped: the loop gives ints; `t[expert_idx]` then indexes as torch's 0-d."""
    assert_codemod(
        GPT_OSS,
        GPT_OSS.replace(
            "torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()",
            "moe_expert_indices(torch.greater(expert_mask.sum(dim=(-1, -2)), 0))",
        )
        .replace("            expert_idx = expert_idx[0]\n", "")
        .replace("hidden_states[token_idx]", "torch_index(hidden_states, token_idx)")
        .replace(
            "routing_weights[token_idx, expert_idx, None]",
            "torch_index(routing_weights, (token_idx, expert_idx, None))",
        )
        .replace(
            "next_states.index_add_(0, token_idx,",
            "next_states = next_states.index_add(0, token_idx,",
        ),
        IndexingPass,
        MoePass,
    )


def test_nonzero_used_otherwise_and_loops_over_other_tensors_unchanged():
    before = """\
    class TinyLayer(nn.Module):
        def forward(self, mask, x):
            hit = mask.nonzero()
            for row in hit:
                x = x + row
            return x, hit
    """
    assert_codemod(before, before, MoePass)


def test_in_place_statements_and_fresh_tensors():
    assert_codemod(
        """\
        class TinyRouter(nn.Module):
            def forward(self, logits, idx, values):
                mask = torch.zeros_like(logits)
                mask.scatter_(1, idx, 1)
                self.buffer.index_add_(0, idx, values)
                mask.index_copy_(0, idx, values)
                scores = torch.zeros_like(logits).scatter_(1, idx, values)
                return mask, scores, logits.scatter_(1, idx, values)
        """,
        """\
        class TinyRouter(nn.Module):
            def forward(self, logits, idx, values):
                mask = torch.zeros_like(logits)
                mask = mask.scatter(1, idx, 1)
                self.buffer = self.buffer.index_add(0, idx, values)
                mask = mask.index_copy(0, idx, values)
                scores = torch.zeros_like(logits).scatter(1, idx, values)
                return mask, scores, logits.scatter_(1, idx, values)
        """,
        IndexingPass,
        MoePass,
    )


def test_indices_from_sort_topk_and_argsort():
    assert_codemod(
        """\
        class TinyGating(nn.Module):
            def forward(self, experts, gates, x):
                _, order = experts.sort(0)
                weights, chosen = torch.topk(gates, 2)
                ranks = gates.argsort()
                return gates[order], x[chosen], x[ranks], x[weights]
        """,
        """\
        class TinyGating(nn.Module):
            def forward(self, experts, gates, x):
                _, order = experts.sort(0)
                weights, chosen = torch.topk(gates, 2)
                ranks = gates.argsort()
                return torch_index(gates, order), torch_index(x, chosen), torch_index(x, ranks), x[weights]
        """,
        MoePass,
    )


def test_a_name_bound_twice_is_not_known_to_be_an_index():
    before = """\
    class TinyLayer(nn.Module):
        def forward(self, mask, x):
            rows, cols = torch.where(mask)
            rows = 0
            return x[rows]
    """
    assert_codemod(before, before, MoePass)


def test_a_second_run_changes_nothing():
    from tests.conftest import run_passes

    once = run_passes(MIXTRAL, MoePass)
    assert run_passes(once, MoePass) == once


def test_in_place_inside_an_expression_is_marked_by_the_methods_pass():
    from scaffold.convert.passes.methods import TensorMethodsPass

    assert_codemod(
        """\
        class TinyLayer(nn.Module):
            def forward(self, x, i, v):
                return x.index_add_(0, i, v)
        """,
        """\
        class TinyLayer(nn.Module):
            def forward(self, x, i, v):
                # TODO(scaffold): tensor method .index_add_() is not translated yet
                #   PyTorch: return x.index_add_(0, i, v)
                raise NotImplementedError("scaffold: no TF translation for .index_add_() (see the TODO above)")
        """,
        MoePass,
        TensorMethodsPass,
        todos=(Todo("tensor method .index_add_() is not translated yet", ".index_add_()"),),
    )


def test_indices_returned_by_a_sub_layer_and_divided_with_rounding():
    """granitemoe / jetmoe: the router returns the sorted positions and the token indices derived from them."""
    before = """\
    class TinyGating(nn.Module):
        def forward(self, x):
            _, order = x.sort(0)
            tokens = order.div(2, rounding_mode="trunc")
            floor = order // 2
            return order, tokens, floor, x


    class TinyMoE(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.router = TinyGating()

        def forward(self, x, gates):
            order, tokens, floor, scores = self.router(x)
            return x[order], x[tokens], gates[floor], x[scores]
    """
    assert_codemod(
        before,
        before.replace(
            "x[order], x[tokens], gates[floor]",
            "torch_index(x, order), torch_index(x, tokens), torch_index(gates, floor)",
        ),
        MoePass,
    )


def test_device_type():
    assert_codemod(
        """\
        class TinyExperts(nn.Module):
            def forward(self, x):
                if x.device.type == "cpu" or self.training:
                    return x
                if self.device.type == "mps":
                    return -x
                return torch.device("cpu").type
        """,
        """\
        class TinyExperts(nn.Module):
            def forward(self, x):
                if torch_device_type(x) == "cpu" or self.training:
                    return x
                if torch_device_type(self) == "mps":
                    return -x
                return torch.device("cpu").type
        """,
        MoePass,
    )


def test_uniform_on_a_named_tensor_is_marked():
    from scaffold.convert.passes.methods import TensorMethodsPass

    assert_codemod(
        """\
        class TinyLayer(nn.Module):
            def forward(self, x):
                return x.uniform_(0.0, 1.0)
        """,
        """\
        class TinyLayer(nn.Module):
            def forward(self, x):
                # TODO(scaffold): tensor method .uniform_() is not translated yet
                #   PyTorch: return x.uniform_(0.0, 1.0)
                raise NotImplementedError("scaffold: no TF translation for .uniform_() (see the TODO above)")
        """,
        TensorMethodsPass,
        todos=(Todo("tensor method .uniform_() is not translated yet", ".uniform_()"),),
    )


def test_indices_packed_by_one_method_and_unpacked_by_another():
    """jetmoe's MoA: `map` packs the routing topology, `reduce` takes it as a parameter."""
    before = """\
    class TinyMoA(nn.Module):
        def map(self, x):
            _, order = x.sort(0)
            topo_info = (order, x)
            return topo_info

        def reduce(self, y, topo_info):
            order, scores = topo_info
            return y[order], y[scores]
    """
    assert_codemod(before, before.replace("y[order]", "torch_index(y, order)"), MoePass)
