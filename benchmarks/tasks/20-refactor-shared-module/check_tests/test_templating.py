import unittest

from templating import render


class RenderTest(unittest.TestCase):
    def test_keys_are_replaced(self):
        self.assertEqual(render("{a}-{b}-{a}", {"a": 1, "b": "x"}), "1-x-1")

    def test_unknown_keys_stay(self):
        self.assertEqual(render("hi {name} {missing}", {"name": "Jo"}), "hi Jo {missing}")


if __name__ == "__main__":
    unittest.main()
