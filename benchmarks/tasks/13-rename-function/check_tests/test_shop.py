import unittest

from shop.cart import compute_order_total, shipping_for
from shop.checkout import amount_due
from shop.receipt import receipt

LINES = [("tea", 3.5, 2), ("mug", 8.0, 1)]


class ShopTest(unittest.TestCase):
    def test_total(self):
        self.assertEqual(compute_order_total(LINES), 15.0)
        self.assertEqual(compute_order_total([]), 0)

    def test_shipping(self):
        self.assertEqual(shipping_for(LINES), 4.95)
        self.assertEqual(shipping_for([("lamp", 60.0, 1)]), 0.0)

    def test_amount_due(self):
        self.assertEqual(amount_due(LINES, voucher=5.0), 14.95)

    def test_receipt(self):
        text = receipt(LINES)
        self.assertIn("goods", text)
        self.assertTrue(text.endswith("19.95"))


if __name__ == "__main__":
    unittest.main()
