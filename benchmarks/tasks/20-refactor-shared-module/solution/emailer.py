"""E-mails to customers."""

from templating import render

SUBJECT = "Your order {order} has shipped"
BODY = "Hello {name},\n\nyour order {order} is on its way.\n"


def shipped_email(name, order):
    values = {"name": name, "order": order}
    return {"subject": render(SUBJECT, values), "body": render(BODY, values)}
