"""Invoices: lines of (description, unit price as text, quantity)."""

from money import format_cents, to_cents


def line_total(line):
    _, price, quantity = line
    return to_cents(price) * quantity


def invoice_total(lines, discount="0"):
    return format_cents(sum(line_total(line) for line in lines) - to_cents(discount))


def render(lines):
    rows = [f"{d:<10} {q:>3} x {p:>7}" for d, p, q in lines]
    return "\n".join(rows + [f"{'total':<10} {invoice_total(lines):>13}"])
