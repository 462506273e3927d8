"""The forward that makes the key/value cache takes and returns TF's legacy cache tuples; cache constructors
become the TF twins (translate/transformers_api.py); others stay untranslated."""

from scaffold.convert.passes.cache import CachePass
from scaffold.convert.passes.calls import TorchCallsPass
from scaffold.convert.passes.outputs import OutputsPass
from scaffold.convert.todos import Todo
from tests.conftest import assert_codemod, dedent

CACHE_IMPORTS = "from ...cache_utils import Cache, DynamicCache, EncoderDecoderCache, StaticCache\n\n\n"


def cached(body: str) -> str:
    return CACHE_IMPORTS + dedent(body)


def test_the_forward_making_the_cache_converts_legacy_tuples_and_returns_them():
    assert_codemod(
        cached(
            """
        class TinyModel(nn.Module):
            def forward(self, x, past_key_values=None, use_cache=None, cache_position=None):
                \"\"\"Doc.\"\"\"
                if use_cache and past_key_values is None:
                    past_key_values = DynamicCache(config=self.config)
                next_cache = past_key_values if use_cache else None
                if not return_dict:
                    return tuple(v for v in [x, past_key_values, past_key_values.get_seq_length()] if v is not None)
                return BaseModelOutput(last_hidden_state=x, past_key_values=next_cache)
        """
        ),
        cached(
            """
        class TinyModel(nn.Module):
            def forward(self, x, past_key_values=None, use_cache=None, cache_position=None):
                \"\"\"Doc.\"\"\"
                past_key_values = cache_from_legacy(past_key_values, cache_position)
                if use_cache and past_key_values is None:
                    past_key_values = DynamicCache()
                next_cache = past_key_values if use_cache else None
                if not return_dict:
                    return tuple(v for v in [x, legacy_cache(past_key_values), past_key_values.get_seq_length()] if v is not None)
                return TFBaseModelOutput(last_hidden_state=x, past_key_values=legacy_cache(next_cache))
        """
        ),
        TorchCallsPass,
        OutputsPass,
        CachePass,
    )


def test_without_cache_position_the_cache_is_converted_alone():
    assert_codemod(
        cached(
            """
        class TinyDecoder(nn.Module):
            def forward(self, x, past_key_values=None):
                past_key_values = EncoderDecoderCache(DynamicCache(), DynamicCache()) if past_key_values is None else past_key_values
                return x, past_key_values
        """
        ),
        cached(
            """
        class TinyDecoder(nn.Module):
            def forward(self, x, past_key_values=None):
                past_key_values = cache_from_legacy(past_key_values)
                past_key_values = EncoderDecoderCache(DynamicCache(), DynamicCache()) if past_key_values is None else past_key_values
                return x, legacy_cache(past_key_values)
        """
        ),
        TorchCallsPass,
        CachePass,
    )


def test_a_forward_that_only_passes_the_cache_on_is_unchanged():
    source = cached(
        """
        class TinyLayer(nn.Module):
            def forward(self, x, past_key_values=None):
                keys, values = past_key_values.update(x, x, 0)
                return BaseModelOutput(last_hidden_state=keys, past_key_values=past_key_values)
        """
    )
    assert_codemod(source, source.replace("BaseModelOutput(last", "TFBaseModelOutput(last"), OutputsPass, CachePass)


def test_models_named_like_gpt2_return_the_stacked_form_tf_generate_reads():
    assert_codemod(
        cached(
            """
        class GPT2Model(nn.Module):
            def forward(self, x, past_key_values=None):
                past_key_values = DynamicCache()
                return past_key_values
        """
        ),
        cached(
            """
        class GPT2Model(nn.Module):
            def forward(self, x, past_key_values=None):
                past_key_values = cache_from_legacy(past_key_values)
                past_key_values = DynamicCache()
                return legacy_cache(past_key_values, stacked=True)
        """
        ),
        TorchCallsPass,
        CachePass,
        model_name="gpt2",
    )


def test_cache_classes_with_a_twin_stay_the_others_raise():
    assert_codemod(
        cached(
            """
        class TinyModel(nn.Module):
            def forward(self, x, past_key_values=None):
                legacy = DynamicCache.from_legacy_cache(x)
                pair = EncoderDecoderCache(legacy, DynamicCache(config=self.config))
                static = isinstance(past_key_values, StaticCache)
                dynamic = isinstance(past_key_values, Cache)
                other = StaticCache(config=self.config, max_cache_len=8)
                return DynamicCache(x)
        """
        ),
        cached(
            """
        class TinyModel(nn.Module):
            def forward(self, x, past_key_values=None):
                legacy = DynamicCache.from_legacy_cache(x)
                pair = EncoderDecoderCache(legacy, DynamicCache())
                static = False
                dynamic = isinstance(past_key_values, Cache)
                # TODO(scaffold): StaticCache has no TF twin yet (scaffold's caches: Cache, DynamicCache, EncoderDecoderCache)
                #   PyTorch: other = StaticCache(config=self.config, max_cache_len=8)
                raise NotImplementedError("scaffold: no TF translation for StaticCache (see the TODO above)")
                # TODO(scaffold): DynamicCache has no TF twin yet (scaffold's caches: Cache, DynamicCache, EncoderDecoderCache)
                #   PyTorch: return DynamicCache(x)
                raise NotImplementedError("scaffold: no TF translation for DynamicCache (see the TODO above)")
        """
        ),
        TorchCallsPass,
        todos=(
            Todo(
                "StaticCache has no TF twin yet (scaffold's caches: Cache, DynamicCache, EncoderDecoderCache)",
                "StaticCache",
            ),
            Todo(
                "DynamicCache has no TF twin yet (scaffold's caches: Cache, DynamicCache, EncoderDecoderCache)",
                "DynamicCache",
            ),
        ),
    )


def test_a_sub_model_gets_the_cache_as_legacy_tuples_and_own_layers_get_the_object():
    """Idefics3 / SmolVLM make a DynamicCache and hand it to `self.text_model` (AutoModel.from_config): a TF model,
    whose input checks refuse a Python object, takes legacy tuples (and makes its own cache from them); the file's
    own layers keep the cache object they call `update` on."""
    from scaffold.convert import convert_source

    source = CACHE_IMPORTS.replace("from ...cache_utils", "from torch import nn\nfrom ...cache_utils") + dedent(
        """
        from ...models.auto import AutoModel


        class TinyModel(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.text_model = AutoModel.from_config(config.text_config)
                self.layer = TinyLayer(config)

            def forward(self, inputs_embeds=None, past_key_values=None, use_cache=None):
                if use_cache and past_key_values is None:
                    past_key_values = DynamicCache(config=self.config)
                hidden = self.layer(inputs_embeds, past_key_values=past_key_values)
                return self.text_model(inputs_embeds=hidden, past_key_values=past_key_values, use_cache=use_cache)


        class TinyLayer(nn.Module):
            def forward(self, x, past_key_values=None):
                return x
        """
    )
    code = convert_source(source, "tiny", format_code=False).code
    assert "past_key_values=legacy_cache(past_key_values), use_cache=use_cache" in code
    assert "self.layer(inputs_embeds, past_key_values=past_key_values" in code
