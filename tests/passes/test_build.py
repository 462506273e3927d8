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
