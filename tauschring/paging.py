"""Lists in pages, and the numbers in the web pages' queries.

`page_of` cuts one page out of a query, for the web pages and the API alike:
{items, page, per_page, total}.

Page numbers (`?page=`) and ids (`?talent=`) in the pages' queries are read
the same way everywhere. A page number is a few ASCII digits. Anything else
(empty, zero, negative, "abc", "1e3", other scripts' digits) means the first
page; a number past `maximum` means the last page we serve, so no query ever
reaches the database with an offset its integer types cannot hold.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tauschring.limits import ID_MAX

# With 50 rows a page: five million rows, far more than a ring has.
MAX_PAGE = 100_000

_DIGITS = re.compile(r"[0-9]+")


def page_of(session: Session, statement: Select, *, page: int, per_page: int,
            scalars: bool = True, total: int | None = None) -> dict:
    """Page `page` (from 1) of `statement`'s rows, `per_page` of them, and how
    many rows there are in all (counted, unless the caller knows: `total`);
    model objects, or rows with scalars=False."""
    if total is None:
        total = session.scalar(select(func.count()).select_from(
            statement.order_by(None).subquery()))
    window = statement.limit(per_page).offset((page - 1) * per_page)
    rows = session.scalars(window).all() if scalars else session.execute(window).all()
    return {"items": rows, "page": page, "per_page": per_page, "total": total}


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
    """An id from the query or a form (ASCII digits, 1 to ID_MAX), else None.

    Not int(): it takes "²"-like digits it then fails on, other scripts' digits,
    signs, spaces and "1_000", and numbers no database column holds.
    """
    text = value if isinstance(value, str) else ""
    if not _DIGITS.fullmatch(text) or len(text.lstrip("0")) > len(str(ID_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None
