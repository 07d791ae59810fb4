"""Text for people, in the reader's language.

Services speak to people through the messages of their DomainErrors. They write
them with `_l` (lazy): the text is looked up in the catalog only when it is
shown, so a page or the API shows it in the reader's language and the command
line (no request) in English. Placeholders are named: translators may move them.

    raise Invalid(_l("At most %(max)d characters.", max=limit), code="too_long")

`Hours` puts a time amount into such a message, written as the reader reads
it ("1:30 h", "1:30 Std.").
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyText(LazyString):
    """A message translated when it is read.

    Its placeholders may hold what people typed (names, titles), so it is
    escaped in HTML like any other text, never trusted as markup.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def _l(message: str, **values) -> LazyText:
    """Mark `message` for translation; translate it when it is shown."""
    return LazyText(gettext, message, **values)


def hours(minutes: int | None, signed: bool = False) -> str:
    """90 -> '1:30 Std.' (German) or '1:30 h' (English); None -> '–'."""
    if minutes is None:
        return "–"
    sign = "−" if minutes < 0 else ("+" if signed and minutes > 0 else "")
    whole, rest = divmod(abs(minutes), 60)
    return sign + gettext("%(hours)d:%(minutes)02d h", hours=whole, minutes=rest)


class Hours:
    """A time amount inside a lazy message, written in the reader's language."""

    def __init__(self, minutes: int | None):
        self.minutes = minutes

    def __str__(self) -> str:
        return hours(self.minutes)

    def __repr__(self) -> str:
        return f"Hours({self.minutes!r})"
