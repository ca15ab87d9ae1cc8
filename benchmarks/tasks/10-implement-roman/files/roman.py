"""Roman numerals for the chapter headings."""


def to_roman(number):
    """The Roman numeral of `number`, from 1 to 3999: 4 -> 'IV', 1994 -> 'MCMXCIV'.

    Raises ValueError for numbers outside 1..3999.
    """
    raise NotImplementedError
