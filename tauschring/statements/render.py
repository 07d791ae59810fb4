"""A statement as CSV (for spreadsheets) and as PDF (A4, for paper), in the
holder's language. Both show the same figures from the same Statement.

CSV: UTF-8 with a byte-order mark, so Excel reads umlauts; German statements
separate fields with ";" (what German Excel expects), English ones with ",".
Minutes are whole numbers; each amount also as hours "h:mm". Text that
Excel would take for a formula (=, +, -, @ at the start) is quoted with an
apostrophe. Dates are YYYY-MM-DD.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from flask_babel import force_locale, format_date, gettext

from tauschring.pdf import collector_paused, render_pdf_tagged
from tauschring.statements.paper import statement_pdf_bytes
from tauschring.statements.statement import Statement

BOM = "\ufeff"
DELIMITER = {"de": ";", "en": ","}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hours(minutes: int, *, signed: bool = False, minus: str = "-") -> str:
    """-90 -> "-1:30"; with signed, 90 -> "+1:30"."""
    sign = minus if minutes < 0 else ("+" if signed and minutes > 0 else "")
    whole, rest = divmod(abs(minutes), 60)
    return f"{sign}{whole}:{rest:02d}"


def csv_text(value) -> str:
    """Text for a CSV cell that no spreadsheet runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_delimiter(language: str) -> str:
    return DELIMITER.get(language, ",")


def statement_csv(statement: Statement) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(statement.language),
                        lineterminator="\r\n")
    with force_locale(statement.language):
        _ = gettext
        t = csv_text
        writer.writerows([
            [_("Statement of account"), statement.year],
            [_("Ring"), t(statement.ring_name)],
            [_("Account"), statement.account_id],
            [_("Account holders"), t(statement.holder_label)],
            [_("Period"), statement.first_day.isoformat(), statement.last_day.isoformat(),
             statement.timezone],
            [_("Opening balance"), statement.opening_balance,
             hours(statement.opening_balance)],
            [],
            [_("Date"), _("Transfer"), _("Counterparty"), _("Description"), _("Category"),
             _("Minutes"), _("Hours"), _("Balance (minutes)"), _("Balance (hours)")],
        ])
        for line in statement.lines:
            writer.writerow([line.day.isoformat(), line.transfer_id, t(line.counterparty),
                             t(line.memo), t(line.category), line.minutes,
                             hours(line.minutes), line.balance_after,
                             hours(line.balance_after)])
        head = statement.chain_head
        writer.writerows([
            [],
            [_("Received"), statement.received, hours(statement.received)],
            [_("Given"), statement.given, hours(statement.given)],
            [_("Closing balance"), statement.closing_balance,
             hours(statement.closing_balance)],
            [_("Chain head at year end"), head.seq, head.hash],
        ])
    return (BOM + buffer.getvalue()).encode("utf-8")


def statement_pdf(statement: Statement) -> bytes:
    """The statement on A4 in the holder's language: a tagged PDF drawn directly
    (paper.py), a few milliseconds a page."""
    with force_locale(statement.language), collector_paused():
        return statement_pdf_bytes(statement)


def statement_pdf_html(statement: Statement) -> bytes:
    """The same statement laid out by WeasyPrint from templates/statements/statement.html
    (tagged too): the reference design, about a second per ten pages."""
    with force_locale(statement.language):
        return render_pdf_tagged("statements/statement.html",
                                 footer=f"{statement.ring_name} · {statement.holder_label}",
                                 statement=statement, hours=hours,
                                 day=lambda value: format_date(value, "medium"))


def slug(text: str) -> str:
    """ASCII for file names: "Jörg Müller" -> "jorg-muller"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60]


def statement_filename(statement: Statement, fmt: str, *, with_holder: bool = False) -> str:
    """kontoauszug-sonnenberg-2025-17.pdf; with the holder's name in ZIPs and folders:
    kontoauszug-2025-00017-anna-becker.pdf (sorted by account)."""
    if with_holder:
        name = slug(statement.holder_label) or "konto"
        return f"kontoauszug-{statement.year}-{statement.account_id:05d}-{name}.{fmt}"
    ring = slug(statement.ring_slug) or "ring"
    return f"kontoauszug-{ring}-{statement.year}-{statement.account_id}.{fmt}"
