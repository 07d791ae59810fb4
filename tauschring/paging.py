"""Numbers in the web pages' queries: page numbers (`?page=`) and ids
(`?talent=`), read the same way everywhere.

A page number is a few ASCII digits. Anything else (empty, zero, negative,
"abc", "1e3", other scripts' digits) means the first page; a number past
`maximum` means the last page we serve, so no query ever reaches the database
with an offset its integer types cannot hold.
"""

from __future__ import annotations

import re

# With 50 rows a page: five million rows, far more than a ring has.
MAX_PAGE = 100_000
# Ids are INTEGER columns (32-bit signed on PostgreSQL).
MAX_ID = 2**31 - 1

_DIGITS = re.compile(r"[0-9]+")


def page_number(value: str | None, maximum: int = MAX_PAGE) -> int:
    """`?page=` as a number from 1 to `maximum`."""
    text = value if isinstance(value, str) else ""
    if not _DIGITS.fullmatch(text):
        return 1
    # Compared as text first: int() of a huge string costs time (or raises).
    digits = text.lstrip("0")
    if not digits:
        return 1
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        return maximum
    return int(digits)


def query_id(value: str | None) -> int | None:
    """An id from the query or a form (ASCII digits, 1 to MAX_ID), else None.

    Not int(): it takes "²"-like digits it then fails on, other scripts' digits,
    signs, spaces and "1_000", and numbers no database column holds.
    """
    text = value if isinstance(value, str) else ""
    if not _DIGITS.fullmatch(text) or len(text.lstrip("0")) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
