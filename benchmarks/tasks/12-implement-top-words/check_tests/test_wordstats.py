import unittest

from wordstats import top_words


class TopWordsTest(unittest.TestCase):
    def test_counts_in_lower_case(self):
        self.assertEqual(top_words("The cat and the hat. THE END", 1), [("the", 3)])

    def test_ties_are_alphabetical(self):
        text = "pear apple fig apple pear fig kiwi"
        self.assertEqual(top_words(text, 3), [("apple", 2), ("fig", 2), ("pear", 2)])

    def test_punctuation_and_digits_split_words(self):
        self.assertEqual(top_words("don't stop, don't-stop 42stop", 2),
                         [("stop", 3), ("don", 2)])

    def test_fewer_words_than_n(self):
        self.assertEqual(top_words("one two two", 10), [("two", 2), ("one", 1)])

    def test_empty_text(self):
        self.assertEqual(top_words("", 5), [])
        self.assertEqual(top_words("... 123 !!!", 5), [])


if __name__ == "__main__":
    unittest.main()
