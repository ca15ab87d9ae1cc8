"""The fingerprint of the inventory: the same rows give the same fingerprint, in any order."""

import hashlib
from pathlib import Path

rows = sorted(line.strip() for line in Path("inventory.csv").read_text().splitlines()
              if line.strip() and not line.startswith("sku,"))
digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
print(f"{len(rows)} rows")
print(f"fingerprint: {digest[:12]}")
