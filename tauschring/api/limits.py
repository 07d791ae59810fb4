"""Bounds of the numbers the API accepts, so out-of-range input is refused
as bad input (404 or 422) instead of failing in the database (500)."""

from __future__ import annotations

# Ids are INTEGER columns: 32-bit signed on PostgreSQL.
ID_MAX = 2**31 - 1
# Balances and limits: the largest whole number every JSON client reads exactly
# (JavaScript numbers), far inside the 64-bit BIGINT columns.
MINUTES_MAX = 2**53 - 1


NUL_MESSAGE = "Text must not contain NUL characters."
NUMBER_MESSAGE = (f"Numbers must lie between {-MINUTES_MAX} and {MINUTES_MAX} "
                  "(what every JSON client reads exactly).")


def first_unfit_value(value) -> tuple[str, str] | None:
    """(path, message) of the first value no endpoint can take, if any.

    Text with NUL (PostgreSQL cannot store it) and whole numbers beyond what
    JSON clients read exactly (I-JSON, RFC 7493) are refused up front, for
    every endpoint, before they reach a query. The walk is iterative, so no
    nesting depth can exhaust the stack.
    """
    pending = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path or "_body", NUL_MESSAGE
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -MINUTES_MAX <= item <= MINUTES_MAX:
                return path or "_body", NUMBER_MESSAGE
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    return name, NUL_MESSAGE
                pending.append((name, child))
        elif isinstance(item, list):
            pending.extend((f"{path}.{i}" if path else str(i), child)
                           for i, child in reversed(list(enumerate(item))))
    return None
