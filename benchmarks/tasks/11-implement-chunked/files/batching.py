"""Splitting work into batches for the upload queue."""


def chunked(items, size):
    """The items in lists of `size`, in order; the last list may be shorter.

    `items` may be any iterable (a list, a range, a generator).
    chunked([1, 2, 3, 4, 5], 2) -> [[1, 2], [3, 4], [5]]
    chunked([], 3) -> []
    Raises ValueError when size is smaller than 1.
    """
    raise NotImplementedError


def upload_all(items, send, size=100):
    """Send every batch; the number of batches sent."""
    batches = chunked(items, size)
    for batch in batches:
        send(batch)
    return len(batches)
