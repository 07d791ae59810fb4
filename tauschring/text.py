"""The one rule for text the service stores: no control characters.

A name, title, e-mail address, memo or subject (a String column) is one line:
no control character at all (C0, DEL, C1; so no line break or tab either).
A description, message or profile text (a Text column) may have line breaks
and tabs; "\\r\\n" and "\\r" are stored as "\\n". Anything else is refused with
Invalid (code "control_characters", the field named), so a name can never
break a mail header, a CSV line or a page.

`check_text` applies the rule to one value. Every ORM write is checked by
`check_flush`, a `before_flush` hook that tauschring.db installs on every
session, so no service can forget it; writes that bypass the ORM (the
ledger's Core SQL) call `check_text` themselves.
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import String, Text, inspect
from sqlalchemy.orm import ColumnProperty, Mapper, Session

from tauschring.errors import Invalid
from tauschring.i18n import _l

CODE = "control_characters"
# C0 controls, DEL and the C1 controls: Unicode's category Cc.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same without tab and line feed (carriage returns are normalised first).
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_RUN = re.compile(r"\s*[\x00-\x1f\x7f-\x9f][\x00-\x1f\x7f-\x9f\s]*")

ONE_LINE = _l("Please write this on one line, without line breaks, tabs or other "
              "control characters.")
NO_CONTROL = _l("This text contains control characters (invisible special characters) "
                "that cannot be stored. Please remove them.")


def check_text(value: str | None, field: str, *, multiline: bool,
               quoting: bool = False) -> str | None:
    """The value as it is stored, or Invalid when it breaks the rule.

    multiline: line breaks and tabs are allowed ("\\r\\n" and "\\r" become "\\n").
    quoting: a single line that quotes other texts (a memo made from an
    exchange's description): its control characters become spaces instead of
    being refused, since the person who wrote them is not the one asking.
    """
    if not isinstance(value, str):
        return value
    if quoting and not multiline:
        return one_line(value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if _CONTROL_IN_LINES.search(value):
            raise Invalid(NO_CONTROL, code=CODE, field=field)
    elif _CONTROL.search(value):
        raise Invalid(ONE_LINE, code=CODE, field=field)
    return value


def one_line(value: str) -> str:
    """Text made into one line: each run of control characters (line breaks,
    tabs, ...) and the spaces around it becomes one space."""
    return _CONTROL_RUN.sub(" ", value).strip()


def printable(value: str) -> str:
    """Text kept as it is allowed to be stored in a Text column: line breaks
    normalised, other control characters dropped (for texts the system writes
    itself, such as a mail server's error message)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_IN_LINES.sub("", value)


@cache
def _text_columns(mapper: Mapper) -> tuple[tuple[str, bool], ...]:
    """(attribute, multiline) of every string column of the mapped class."""
    found = []
    for prop in mapper.column_attrs:
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            continue
        kind = prop.columns[0].type
        if isinstance(kind, String):
            found.append((prop.key, isinstance(kind, Text)))
    return tuple(found)


def check_object(obj, *, new: bool) -> None:
    """Apply the rule to the object's strings: all of a new object, the changed
    ones of a loaded object (an old row's stored texts never block an edit)."""
    state = inspect(obj)
    for key, multiline in _text_columns(state.mapper):
        if new:
            value = state.dict.get(key)
        else:
            added = state.attrs[key].history.added
            value = added[0] if added else None
        if not isinstance(value, str):
            continue
        stored = check_text(value, key, multiline=multiline)
        if stored != value:
            setattr(obj, key, stored)


def check_flush(session: Session, _flush_context, _instances) -> None:
    """before_flush: nothing with a control character reaches the database."""
    for obj in list(session.new):
        check_object(obj, new=True)
    for obj in list(session.dirty):
        check_object(obj, new=False)
