"""A small ConfigTester for the synthetic checkouts of tests/test_tests_file.py (a real checkout has
transformers' own): the config round-trips through JSON and save_pretrained."""

import json
import tempfile


class ConfigTester:
    def __init__(self, parent, config_class=None, **kwargs):
        self.parent = parent
        self.config_class = config_class
        self.inputs_dict = kwargs

    def run_common_tests(self):
        config = self.config_class(**self.inputs_dict)
        self.parent.assertEqual(json.loads(config.to_json_string())["model_type"], config.model_type)
        with tempfile.TemporaryDirectory() as folder:
            config.save_pretrained(folder)
            loaded = self.config_class.from_pretrained(folder)
        self.parent.assertEqual(config.to_dict(), loaded.to_dict())
        self.parent.assertEqual(self.config_class(num_labels=5).num_labels, 5)
