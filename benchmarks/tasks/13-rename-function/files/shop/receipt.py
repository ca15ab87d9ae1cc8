"""The printed receipt."""

from shop import cart
from shop.checkout import amount_due


def receipt(lines, voucher=0.0):
    rows = [f"{name:<12} {quantity:>3} x {price:>6.2f}" for name, price, quantity in lines]
    rows.append(f"{'goods':<12} {cart.calc_total(lines):>16.2f}")
    rows.append(f"{'to pay':<12} {amount_due(lines, voucher):>16.2f}")
    return "\n".join(rows)
