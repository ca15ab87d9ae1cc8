import unittest

from report import order_total


class OrderTotalTest(unittest.TestCase):
    def test_rounded_total_with_tax(self):
        self.assertEqual(order_total([{"price": 2.5, "qty": 4}, {"price": 0.99, "qty": 3}]), 15.56)
        self.assertEqual(order_total([]), 0)


if __name__ == "__main__":
    unittest.main()
