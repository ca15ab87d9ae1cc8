import unittest

from textutil import shorten, slugify


class SlugifyTest(unittest.TestCase):
    def test_lower_case_words_joined_by_dashes(self):
        self.assertEqual(slugify("  Hello,   World! "), "hello-world")

    def test_digits_are_kept(self):
        self.assertEqual(slugify("Top 10 Tips for 2024"), "top-10-tips-for-2024")

    def test_already_a_slug(self):
        self.assertEqual(slugify("release-notes"), "release-notes")


class ShortenTest(unittest.TestCase):
    def test_short_text_is_unchanged(self):
        self.assertEqual(shorten("tiny"), "tiny")

    def test_long_text_is_cut(self):
        self.assertEqual(shorten("a" * 30, width=10), "aaaaaaa...")


if __name__ == "__main__":
    unittest.main()
