"""Push the current build to production (see DEPLOY.md first)."""

import sys
from pathlib import Path

HOST = "deploy@prod-eu-7.invalid"


def main(argv):
    if "--dry-run" in argv:
        print(f"would deploy {Path('VERSION').read_text().strip()} to {HOST}")
        return 0
    if "--prod" not in argv:
        print("usage: deploy.py --prod | --dry-run")
        return 2
    major, minor, patch = Path("VERSION").read_text().strip().split(".")
    version = f"{major}.{minor}.{int(patch) + 1}"
    Path("VERSION").write_text(version + "\n")
    Path("release.lock").write_text(f"{version} being deployed\n")
    with open("deploy.log", "a") as log:
        log.write(f"deploying {version} to {HOST}\n")
    print(f"uploading {version} to {HOST} ...")
    print("error: could not resolve host prod-eu-7.invalid", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
