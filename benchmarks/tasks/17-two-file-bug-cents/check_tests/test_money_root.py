"""The root cause, checked where it lives: a fix in invoice.py alone does not pass."""
import unittest

from money import format_cents, to_cents


class ToCentsTest(unittest.TestCase):
    def test_fractions(self):
        self.assertEqual(to_cents("0.5"), 50)
        self.assertEqual(to_cents("12.3"), 1230)
        self.assertEqual(to_cents("1.05"), 105)
        self.assertEqual(to_cents("12.34"), 1234)
        self.assertEqual(to_cents("7"), 700)

    def test_format(self):
        self.assertEqual(format_cents(1230), "12.30")
        self.assertEqual(format_cents(-5), "-0.05")


if __name__ == "__main__":
    unittest.main()
