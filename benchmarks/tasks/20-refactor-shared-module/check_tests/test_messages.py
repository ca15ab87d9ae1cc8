import unittest

from emailer import shipped_email
from sms import shipped_sms


class MessagesTest(unittest.TestCase):
    def test_email(self):
        email = shipped_email("Noor", 1042)
        self.assertEqual(email["subject"], "Your order 1042 has shipped")
        self.assertTrue(email["body"].startswith("Hello Noor,"))

    def test_sms(self):
        self.assertEqual(shipped_sms("Noor", 1042, "https://t.example/1042"),
                         "Noor, order 1042 has shipped. Track it at https://t.example/1042")

    def test_sms_is_cut_at_160(self):
        self.assertEqual(len(shipped_sms("N" * 200, 1, "u")), 160)


if __name__ == "__main__":
    unittest.main()
