"""Text messages to customers: at most 160 characters."""

SHIPPED = "{name}, order {order} has shipped. Track it at {url}"


def _render(template, values):
    """template with every {key} replaced by values[key]; unknown keys are left as they are."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", str(value))
    return out


def shipped_sms(name, order, url):
    return _render(SHIPPED, {"name": name, "order": order, "url": url})[:160]
