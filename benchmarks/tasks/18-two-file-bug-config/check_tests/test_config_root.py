"""The root cause, checked where it lives: config.load must trim keys and values."""
import os
import tempfile
import unittest

import config


class LoadTest(unittest.TestCase):
    def load(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "test.conf")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return config.load(path)

    def test_spaces_around_keys_and_values(self):
        settings = self.load("# comment\n  timezone =   Europe/Paris  \nlanguage=de\n")
        self.assertEqual(settings["timezone"], "Europe/Paris")
        self.assertEqual(settings["language"], "de")
        self.assertEqual(settings["name"], "friend")
        self.assertEqual(set(settings), {"language", "name", "timezone"})


if __name__ == "__main__":
    unittest.main()
