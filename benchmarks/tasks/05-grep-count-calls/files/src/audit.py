"""The audit trail: every change a user makes is recorded here."""

TRAIL = []


def emit_audit_event(actor, action, target=None):
    TRAIL.append({"actor": actor, "action": action, "target": target})
    return len(TRAIL)
