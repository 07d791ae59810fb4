"""Word search over text columns that works alike on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, true

MAX_WORDS = 10


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column, text: str):
    """Case-insensitive 'column contains text' (SQLite's lower() is made Unicode-aware)."""
    pattern = f"%{_escape_like(text.lower())}%"
    return func.lower(column).like(pattern, escape="\\")


def every_word(q: str | None, *columns):
    """Each word of `q` occurs in at least one of the columns."""
    words = (q or "").split()[:MAX_WORDS]
    if not words:
        return true()
    return and_(*(or_(*(contains(column, word) for column in columns)) for word in words))
