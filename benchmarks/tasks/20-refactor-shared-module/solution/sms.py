"""Text messages to customers: at most 160 characters."""

from templating import render

SHIPPED = "{name}, order {order} has shipped. Track it at {url}"


def shipped_sms(name, order, url):
    return render(SHIPPED, {"name": name, "order": order, "url": url})[:160]
