"""One-line texts for the daily order report."""

TAX = 0.2


def summary_line(orders):
    total = 0
    for order in orders:
        total += order["price"] * order["qty"]
    total = round(total * (1 + TAX), 2)
    return f"{len(orders)} orders, {total:.2f} incl. tax"


def footer_line(orders, currency="EUR"):
    total = 0
    for order in orders:
        total += order["price"] * order["qty"]
    total = round(total * (1 + TAX), 2)
    return f"Total due: {total:.2f} {currency}"


def header_line(day):
    return f"Orders of {day}"
