"""Reads `key = value` files; lines starting with # are comments."""

DEFAULTS = {"language": "en", "name": "friend", "timezone": "UTC"}


def load(path):
    """The defaults, overridden by what the file sets."""
    settings = dict(DEFAULTS)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            settings[key] = value
    return settings
