import audit


def nightly_cleanup(removed):
    for name in removed:
        audit.emit_audit_event("system", "cleanup.remove", name)
    audit.emit_audit_event("system", "cleanup.done")


def rotate_keys():
    audit.emit_audit_event("system", "keys.rotate")
