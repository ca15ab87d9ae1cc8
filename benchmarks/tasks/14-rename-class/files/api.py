"""What the web front end calls."""

import models
from store import Store

STORE = Store()


def join(name, email):
    return repr(STORE.add(name, email))


def mark_paid(email):
    record = STORE.find(email)
    if not isinstance(record, models.UserRecord):
        raise KeyError(email)
    record.paid = True
    return record
