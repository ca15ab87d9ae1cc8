import unittest

from pricing import order_price, unit_price


class PricingTest(unittest.TestCase):
    def test_small_orders_pay_full_price(self):
        self.assertEqual(unit_price(5.0, 1), 5.0)
        self.assertEqual(unit_price(5.0, 9), 5.0)

    def test_ten_items_get_the_bulk_discount(self):
        self.assertEqual(unit_price(5.0, 10), 4.5)

    def test_large_orders_get_the_bulk_discount(self):
        self.assertEqual(unit_price(5.0, 25), 4.5)

    def test_order_price(self):
        self.assertEqual(order_price(2.0, 3), 6.0)
        self.assertEqual(order_price(2.0, 10), 18.0)

    def test_empty_orders_are_refused(self):
        with self.assertRaises(ValueError):
            order_price(2.0, 0)


if __name__ == "__main__":
    unittest.main()
