"""Money as whole cents, so that sums are exact."""


def to_cents(amount):
    """The cents in a price written as text: '12.34' -> 1234, '7' -> 700, '0.5' -> 50."""
    amount = amount.strip()
    whole, _, fraction = amount.partition(".")
    if len(fraction) > 2:
        raise ValueError(f"more than two decimals: {amount!r}")
    return int(whole or 0) * 100 + int(fraction or 0)


def format_cents(cents):
    """1234 -> '12.34'."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
