"""Durations written like '1h30m' or '45s', as used in the scheduler's config."""

import re

UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text):
    """The number of seconds in `text`: '1h30m' -> 5400, '90s' -> 90."""
    text = text.strip().lower()
    if not re.fullmatch(r"(\d+[dhms])+", text):
        raise ValueError(f"not a duration: {text!r}")
    total = 0
    for number, unit in re.findall(r"(\d)([dhms])", text):
        total += int(number) * UNITS[unit]
    return total


def format_duration(seconds):
    """The reverse: 5400 -> '1h30m'."""
    parts = []
    for unit, size in UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
