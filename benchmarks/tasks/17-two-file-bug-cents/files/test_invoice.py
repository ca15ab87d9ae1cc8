import unittest

from invoice import invoice_total, render


class InvoiceTest(unittest.TestCase):
    def test_whole_cents(self):
        self.assertEqual(invoice_total([("pen", "1.25", 4), ("pad", "3.10", 1)]), "8.10")

    def test_prices_with_one_decimal(self):
        self.assertEqual(invoice_total([("tea", "2.5", 2), ("cake", "3.25", 1)]), "8.25")

    def test_discount(self):
        self.assertEqual(invoice_total([("lamp", "20", 1)], discount="2.5"), "17.50")

    def test_render_ends_with_the_total(self):
        self.assertTrue(render([("tea", "2.5", 2)]).endswith("5.00"))


if __name__ == "__main__":
    unittest.main()
