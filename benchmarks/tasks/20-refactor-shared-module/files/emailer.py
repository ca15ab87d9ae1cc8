"""E-mails to customers."""

SUBJECT = "Your order {order} has shipped"
BODY = "Hello {name},\n\nyour order {order} is on its way.\n"


def _render(template, values):
    """template with every {key} replaced by values[key]; unknown keys are left as they are."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", str(value))
    return out


def shipped_email(name, order):
    values = {"name": name, "order": order}
    return {"subject": _render(SUBJECT, values), "body": _render(BODY, values)}
