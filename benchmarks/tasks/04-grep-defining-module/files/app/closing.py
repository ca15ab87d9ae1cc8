"""Month-end closing."""


def reconcile_ledger(entries, opening=0):
    """The closing balance, and the entries that were never checked."""
    balance = opening
    mismatches = []
    for entry in entries:
        balance += entry["amount"]
        if not entry.get("checked"):
            mismatches.append(entry)
    return balance, mismatches


def close_month(entries, opening):
    balance, mismatches = reconcile_ledger(entries, opening)
    if mismatches:
        raise RuntimeError("cannot close a month with unchecked entries")
    return balance
