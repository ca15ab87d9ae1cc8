"""The ledger: entries in, balances out."""

from app.closing import reconcile_ledger


def nightly(entries, opening):
    """Run every night by the scheduler."""
    balance, mismatches = reconcile_ledger(entries, opening)
    if mismatches:
        print(f"{len(mismatches)} entries did not reconcile")
    return balance


def add_entry(entries, amount, memo=""):
    entries.append({"amount": amount, "memo": memo, "checked": False})
    return entries
