from audit import emit_audit_event

USERS = {}


def create_user(actor, name):
    USERS[name] = {"name": name, "active": True}
    emit_audit_event(actor, "user.create", name)


def deactivate_user(actor, name):
    USERS[name]["active"] = False
    emit_audit_event(actor, "user.deactivate", name)


def rename_user(actor, old, new):
    USERS[new] = USERS.pop(old)
    USERS[new]["name"] = new
    emit_audit_event(actor, "user.rename", old)
    emit_audit_event(actor, "user.renamed", new)
