"""The greeter."""

import config

GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo", "es": "Hola"}


def greeting(path="app.conf"):
    settings = config.load(path)
    word = GREETINGS.get(settings["language"], GREETINGS["en"])
    return f"{word}, {settings['name']}!"


if __name__ == "__main__":
    print(greeting())
