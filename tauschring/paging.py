"""Page numbers of the web pages' lists (`?page=`), read the same way everywhere.

A page number is a few ASCII digits. Anything else (empty, zero, negative,
"abc", "1e3", other scripts' digits) means the first page; a number past
`maximum` means the last page we serve, so no query ever reaches the database
with an offset its integer types cannot hold.
"""

from __future__ import annotations

import re

# With 50 rows a page: five million rows, far more than a ring has.
MAX_PAGE = 100_000

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
