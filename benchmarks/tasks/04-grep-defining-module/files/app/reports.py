"""Printable reports."""

from app import closing


def balance_report(entries, opening):
    balance, mismatches = closing.reconcile_ledger(entries, opening)
    lines = [f"opening {opening:>10.2f}", f"closing {balance:>10.2f}"]
    lines += [f"  unchecked: {e['memo'] or '(no memo)'}" for e in mismatches]
    return "\n".join(lines)
