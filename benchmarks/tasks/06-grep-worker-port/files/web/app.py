"""The web front end."""

from common import net, settings


def main():
    server = net.listen(settings.WEB_PORT, host="0.0.0.0")
    print("web front end ready")
    return server
