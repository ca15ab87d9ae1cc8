import unittest

from report import footer_line, header_line, summary_line

ORDERS = [{"price": 2.5, "qty": 4}, {"price": 10.0, "qty": 1}, {"price": 0.99, "qty": 3}]


class ReportTest(unittest.TestCase):
    def test_summary(self):
        self.assertEqual(summary_line(ORDERS), "3 orders, 27.56 incl. tax")
        self.assertEqual(summary_line([]), "0 orders, 0.00 incl. tax")

    def test_footer(self):
        self.assertEqual(footer_line(ORDERS), "Total due: 27.56 EUR")
        self.assertEqual(footer_line(ORDERS[:1], "USD"), "Total due: 12.00 USD")

    def test_header(self):
        self.assertEqual(header_line("2024-05-01"), "Orders of 2024-05-01")


if __name__ == "__main__":
    unittest.main()
