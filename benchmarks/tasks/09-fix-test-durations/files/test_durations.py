import unittest

from durations import format_duration, parse_duration


class ParseTest(unittest.TestCase):
    def test_single_units(self):
        self.assertEqual(parse_duration("5s"), 5)
        self.assertEqual(parse_duration("2h"), 7200)

    def test_several_digits(self):
        self.assertEqual(parse_duration("90s"), 90)
        self.assertEqual(parse_duration("1h30m"), 5400)
        self.assertEqual(parse_duration("2d12h"), 216000)

    def test_garbage_is_refused(self):
        with self.assertRaises(ValueError):
            parse_duration("ten minutes")


class FormatTest(unittest.TestCase):
    def test_round_trip(self):
        for text in ("1h30m", "45s", "3d", "1d1h1m1s"):
            self.assertEqual(format_duration(parse_duration(text)), text)


if __name__ == "__main__":
    unittest.main()
