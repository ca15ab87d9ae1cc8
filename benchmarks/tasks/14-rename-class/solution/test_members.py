import unittest

import api
from models import Member
from store import Store


class MembersTest(unittest.TestCase):
    def test_store_adds_and_finds(self):
        store = Store()
        added = store.add("Ada", "Ada@Example.org")
        self.assertIsInstance(added, Member)
        self.assertEqual(store.find("ada@example.org"), Member("Ada", "ada@example.org"))
        self.assertEqual(store.unpaid(), [added])

    def test_api(self):
        self.assertEqual(api.join("Grace", "grace@example.org"),
                         "Member(name='Grace', paid=False)")
        self.assertTrue(api.mark_paid("GRACE@example.org").paid)
        with self.assertRaises(KeyError):
            api.mark_paid("nobody@example.org")


if __name__ == "__main__":
    unittest.main()
