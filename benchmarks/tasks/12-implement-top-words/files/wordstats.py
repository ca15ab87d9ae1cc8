"""Word statistics for the review dashboard."""


def top_words(text, n):
    """The `n` most frequent words of `text` as (word, count) tuples.

    A word is a run of the letters a-z, compared in lower case ("The" and "the" are the
    same word; "don't" is the two words "don" and "t"). The list is sorted by count,
    highest first, and words with the same count alphabetically. It is shorter than `n`
    when the text has fewer distinct words.
    """
    raise NotImplementedError
