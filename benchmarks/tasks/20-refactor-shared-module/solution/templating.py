"""Message templates shared by the e-mails and the text messages."""


def render(template, values):
    """template with every {key} replaced by values[key]; unknown keys are left as they are."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", str(value))
    return out
