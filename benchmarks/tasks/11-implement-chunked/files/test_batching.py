import unittest

from batching import chunked, upload_all


class ChunkedTest(unittest.TestCase):
    def test_even_split(self):
        self.assertEqual(chunked([1, 2, 3, 4], 2), [[1, 2], [3, 4]])

    def test_last_chunk_is_shorter(self):
        self.assertEqual(chunked([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]])

    def test_size_larger_than_items(self):
        self.assertEqual(chunked(["a", "b"], 10), [["a", "b"]])

    def test_empty(self):
        self.assertEqual(chunked([], 3), [])

    def test_any_iterable(self):
        self.assertEqual(chunked(range(7), 3), [[0, 1, 2], [3, 4, 5], [6]])
        self.assertEqual(chunked((x * x for x in range(4)), 3), [[0, 1, 4], [9]])

    def test_bad_size(self):
        for bad in (0, -1):
            with self.assertRaises(ValueError):
                chunked([1, 2], bad)

    def test_upload_all(self):
        sent = []
        self.assertEqual(upload_all(range(250), sent.append), 3)
        self.assertEqual([len(b) for b in sent], [100, 100, 50])


if __name__ == "__main__":
    unittest.main()
