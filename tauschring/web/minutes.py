"""Time amounts in forms: people type hours ("1:30", "-20"), the ledger keeps minutes.

Accepted: a whole number of hours ("20", "-20") or hours and two-digit minutes
("1:30", "-20:00", "0:45"), optionally signed, optionally followed by the unit
"h" or "Std." as the pages show it. Anything else is refused with ValueError.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField

# Far beyond any sensible limit, yet well inside a 64-bit column.
MAX_HOURS = 1_000_000

_HOURS = re.compile(r"([+-]?) ?([0-9]{1,7})(?::([0-5][0-9]))?")
_UNIT = re.compile(r"\s*(h|std\.?)\Z", re.IGNORECASE)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def parse_hours(text: str) -> int:
    """"1:30" -> 90, "-20" -> -1200, "-0:30" -> -30. ValueError on anything else."""
    if not isinstance(text, str):
        raise ValueError("not text")
    cleaned = _UNIT.sub("", text.strip().translate(_MINUS_SIGNS))
    match = _HOURS.fullmatch(cleaned)
    if not match:
        raise ValueError(f"not hours and minutes: {text!r}")
    sign, whole, rest = match.groups()
    if int(whole) > MAX_HOURS:
        raise ValueError(f"more than {MAX_HOURS} hours: {text!r}")
    minutes = int(whole) * 60 + int(rest or 0)
    return -minutes if sign == "-" else minutes


def format_hours(minutes: int | None) -> str:
    """The form's way of writing minutes back: -90 -> "-1:30"; None -> ""."""
    if minutes is None:
        return ""
    whole, rest = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else ''}{whole}:{rest:02d}"


class HoursField(StringField):
    """A time amount typed as hours ("1:30", "-20"); `data` is whole minutes.

    With `optional=True` an empty field means None (e.g. "no limit" or "the
    ring's default"); otherwise an empty field is an error.
    """

    def __init__(self, label=None, validators=None, optional: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.optional = optional

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            if not self.optional:
                raise ValueError(_l("Please enter a time, e.g. 1:30 or 20."))
            return
        try:
            self.data = parse_hours(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Please write hours and minutes as h:mm (e.g. 1:30, -20:00) "
                                "or whole hours (e.g. -20).")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_hours(self.data)
