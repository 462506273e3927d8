from scaffold.convert import convert_source


def convert(source: str) -> str:
    return convert_source(source, "tiny", format_code=False).code


MODEL = """
import math

import torch
from torch import nn

from {dots}modeling_utils import PreTrainedModel
from {dots}utils import logging


class TinyLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(4, 4)

    def forward(self, x):
        return self.dense(x) * math.pi
"""


def test_torch_imports_go_and_tf_imports_come():
    code = convert(MODEL.format(dots="..."))
    assert "import torch" not in code and "from torch" not in code
    assert "modeling_utils import" not in code.replace("modeling_tf_utils", "")
    assert "import tensorflow as tf" in code
    assert "from ...modeling_tf_utils import keras" in code
    assert "import math" in code


def test_unused_imports_are_dropped():
    assert "logging" not in convert(MODEL.format(dots="..."))


def test_deprecated_models_keep_their_import_depth():
    code = convert(MODEL.format(dots="...."))
    assert "from ....modeling_tf_utils import keras" in code
    assert "from ...modeling_tf_utils" not in code.replace("....", "")


def test_guarded_torch_only_imports_disappear_with_their_guard():
    source = MODEL.format(dots="...").replace(
        "from ...utils import logging\n",
        "from ...utils import is_flash_attn_available, logging\n\n"
        "if is_flash_attn_available():\n"
        "    from ...modeling_flash_attention_utils import _flash_attention_forward\n",
    )
    code = convert(source)
    assert "is_flash_attn_available" not in code
    assert "_flash_attention_forward" not in code
    compile(code, "modeling_tf_tiny.py", "exec")


ROPE_MODEL = """
import torch
from torch import nn

from ...modeling_rope_utils import ROPE_INIT_FUNCTIONS


class TinyRotaryEmbedding(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.rope_init_fn = ROPE_INIT_FUNCTIONS[config.rope_scaling["rope_type"]]

    def forward(self, x):
        return x
"""


def test_a_helper_that_needs_a_standard_module_gets_its_import_once():
    """The RoPE twins use `math`: scheduled as `import math` where the file has none, not twice where it has."""
    code = convert(ROPE_MODEL)
    assert code.count("import math\n") == 1 and "def _compute_yarn_parameters" in code
    code = convert("import math\n" + ROPE_MODEL)
    assert code.count("import math\n") == 1
    compile(code, "modeling_tf_tiny.py", "exec")


def test_a_guard_left_with_pass_goes_with_its_test():
    """gpt_bigcode: `if is_flash_attn_available(): pass` (the import it guarded is gone in modular's output)."""
    source = MODEL.format(dots="...").replace(
        "from ...utils import logging\n",
        "from ...modeling_flash_attention_utils import is_flash_attn_available\n"
        "from ...utils import logging\n\nif is_flash_attn_available():\n    pass\n",
    )
    code = convert(source)
    assert "is_flash_attn_available" not in code
    compile(code, "modeling_tf_tiny.py", "exec")
