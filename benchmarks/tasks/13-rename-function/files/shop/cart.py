"""The shopping cart: a list of (name, unit price, quantity) lines."""

SHIPPING_FREE_FROM = 50.0
SHIPPING = 4.95


def calc_total(lines):
    """The price of the goods in the cart, before shipping."""
    return round(sum(price * quantity for _, price, quantity in lines), 2)


def shipping_for(lines):
    return 0.0 if calc_total(lines) >= SHIPPING_FREE_FROM else SHIPPING
