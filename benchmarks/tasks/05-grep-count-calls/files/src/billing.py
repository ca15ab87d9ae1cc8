from audit import emit_audit_event


def charge(actor, account, amount):
    if amount <= 0:
        emit_audit_event(actor, "billing.rejected", account)
        return False
    emit_audit_event(actor, "billing.charge", account)
    return True


def refund(actor, account, amount):
    emit_audit_event(actor, "billing.refund", account)
    return -amount


def close_account(actor, account):
    emit_audit_event(actor, "billing.close", account)
