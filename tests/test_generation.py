"""Generated causal LMs generate as PyTorch does: greedy tokens equal for 12 new tokens, eagerly and under XLA, and
logits on the key/value cache equal to logits without it; a generated port whose cache update is lost is caught
by `scaffold verify`. Marked `frameworks`; tiny random configs."""

import pytest

pytestmark = pytest.mark.frameworks

ATOL = 1e-5


@pytest.mark.parametrize("model, head", [("llama", "LlamaForCausalLM"), ("gpt2", "GPT2LMHeadModel")])
def test_generated_head_generates_pytorchs_tokens_eagerly_and_under_xla(model, head, tmp_path):
    from scaffold.checks.generate import NEW_TOKENS, check_generation, generated_pair

    pt_model, tf_model, config = generated_pair(model, head, tmp_path)
    result = check_generation(tf_model, pt_model, config, ATOL, xla=True)
    assert result.errors == {}
    assert result.eager_equal and result.xla_equal, result.first_difference
    assert result.new_tokens == NEW_TOKENS >= 12
    # verify's rule (checks/generate.py): the tolerance is relative where the logits exceed 1
    assert result.cache_max_diff < ATOL * max(1.0, result.cache_scale)


def test_tf_generate_pads_the_xla_cache_and_the_step_writes_at_the_real_position():
    """The mask TF generate builds under XLA (filled, padding, the new token last) gives the new token's position
    just after the filled ones, and a cache made with it writes the keys there as well."""
    import numpy as np
    import tensorflow as tf

    from scaffold.convert.snippets import tf_cache

    mask = tf.constant([[0, 1, 1, 0, 0, 0, 1], [1, 1, 1, 0, 0, 0, 1]])  # row 0 left-padded; 3 filled, 3 padding
    position, step_mask = tf_cache._padded_cache_step(mask, 1)
    assert position.numpy().tolist() == [3]
    assert step_mask.numpy().tolist() == [[0, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0]]
    keys = tf.random.normal((2, 1, 6, 2))
    cache = tf_cache.cache_from_legacy(((keys, keys),), cache_position=position)
    assert int(cache.get_seq_length()) == 3
    new = tf.ones((2, 1, 1, 2))
    updated, _ = cache.update(new, new, 0)
    assert updated.shape == (2, 1, 7, 2) and int(cache.get_seq_length()) == 4
    np.testing.assert_array_equal(updated[:, :, 3].numpy(), new[:, :, 0].numpy())
    np.testing.assert_array_equal(updated[:, :, 6].numpy(), new[:, :, 0].numpy())  # where generate reads it
    np.testing.assert_array_equal(updated[:, :, :3].numpy(), keys[:, :, :3].numpy())


def test_verify_catches_a_generated_port_whose_cache_update_is_lost(pristine_checkout, tmp_path):
    import shutil

    from click.testing import CliRunner

    from scaffold.cli import main

    root = tmp_path / "transformers"
    shutil.copytree(pristine_checkout, root)
    ported = CliRunner().invoke(main, ["port", "llama", "--repo", str(root)])
    assert ported.exit_code == 0, ported.output
    path = root / "src/transformers/models/llama/modeling_tf_llama.py"
    text = path.read_text()
    update = (
        "key_states, value_states = past_key_values.update(key_states, value_states, self.layer_idx, cache_kwargs)"
    )
    assert text.count(update) == 1
    path.write_text(
        text.replace(update, "past_key_values.update(key_states, value_states, self.layer_idx, cache_kwargs)")
    )
    result = CliRunner().invoke(main, ["verify", "llama", "--repo", str(root), "--class", "TFLlamaForCausalLM"])
    assert result.exit_code == 1, result.output
    assert "✗ TFLlamaForCausalLM" in result.output
    assert "greedy generate (eager) differs from PyTorch's: row" in result.output
    assert "logits with the key/value cache differ from logits without it" in result.output
