"""Prices for the order form.

Orders of BULK_THRESHOLD items or more get the bulk discount on every item.
"""

BULK_THRESHOLD = 10
BULK_DISCOUNT = 0.10


def unit_price(base, quantity):
    """The price of one item when `quantity` items are ordered."""
    if quantity >= BULK_THRESHOLD:
        return round(base * (1 - BULK_DISCOUNT), 2)
    return base


def order_price(base, quantity):
    """The price of the whole order."""
    if quantity < 1:
        raise ValueError("order at least one item")
    return round(unit_price(base, quantity) * quantity, 2)
