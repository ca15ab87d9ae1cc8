import unittest

from app import greeting


class GreetingTest(unittest.TestCase):
    def test_language_and_name_from_app_conf(self):
        self.assertEqual(greeting("app.conf"), "Bonjour, Camille!")


if __name__ == "__main__":
    unittest.main()
