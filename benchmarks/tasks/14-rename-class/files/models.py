"""The club's data model."""


class UserRecord:
    """One member of the club."""

    def __init__(self, name, email, paid=False):
        self.name = name
        self.email = email.lower()
        self.paid = paid

    def __repr__(self):
        return f"UserRecord(name={self.name!r}, paid={self.paid})"

    def __eq__(self, other):
        return isinstance(other, UserRecord) and other.email == self.email
