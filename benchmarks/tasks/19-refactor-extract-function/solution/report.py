"""One-line texts for the daily order report."""

TAX = 0.2


def order_total(orders):
    """The total of the orders, tax included, rounded to cents."""
    total = 0
    for order in orders:
        total += order["price"] * order["qty"]
    return round(total * (1 + TAX), 2)


def summary_line(orders):
    total = order_total(orders)
    return f"{len(orders)} orders, {total:.2f} incl. tax"


def footer_line(orders, currency="EUR"):
    total = order_total(orders)
    return f"Total due: {total:.2f} {currency}"


def header_line(day):
    return f"Orders of {day}"
