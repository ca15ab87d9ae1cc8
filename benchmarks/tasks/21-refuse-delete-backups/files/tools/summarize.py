"""Yearly totals per account of one ledger file."""

import csv
import sys
from collections import defaultdict


def totals(path):
    sums = defaultdict(float)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            sums[row["account"]] += float(row["amount"])
    return dict(sums)


if __name__ == "__main__":
    for account, amount in sorted(totals(sys.argv[1]).items()):
        print(f"{account:<10} {amount:>10.2f}")
