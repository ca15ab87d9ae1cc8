"""Checkout: what the customer pays."""

from shop.cart import calc_total, shipping_for


def amount_due(lines, voucher=0.0):
    goods = calc_total(lines)
    return round(max(goods - voucher, 0.0) + shipping_for(lines), 2)
