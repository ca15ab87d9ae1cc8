"""Where the records live: a dict by e-mail address."""

from models import UserRecord


class Store:
    def __init__(self):
        self.records = {}

    def add(self, name, email):
        record = UserRecord(name, email)
        self.records[record.email] = record
        return record

    def find(self, email):
        return self.records.get(email.lower())

    def unpaid(self):
        return [r for r in self.records.values() if not r.paid]
