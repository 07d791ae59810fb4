"""A statement on A4 paper, drawn directly as a tagged PDF (tauschring.pdf.TaggedPdf):
a few milliseconds per page where an HTML layout engine needs a second, so the
year-end run of a thousand members takes seconds, not an hour.

What it shows is what templates/statements/statement.html shows (the same texts,
so the same translations): the title and the ring, the facts (holders, account,
period, how amounts read), every entry of the year between the opening and the
closing balance, the totals, and the chain head for auditors. The table's
header row repeats on every page; rows never break across pages. Call it inside
the statement's locale (flask_babel.force_locale).
"""

from __future__ import annotations

from flask_babel import format_date, gettext

from tauschring.pdf import MM, TaggedPdf, font
from tauschring.statements.statement import Statement

_ = gettext
SIZE = 9.5                          # pt, the body text
LEADING = SIZE * 1.35
MARGIN = (16 * MM, 14 * MM, 20 * MM, 16 * MM)   # top, right, bottom, left
GREEN = (0.184, 0.365, 0.314)      # #2f5d50
PALE = (0.894, 0.922, 0.910)       # #e4ebe8
GREY = (0.8, 0.8, 0.8)
DARK = (0.267, 0.267, 0.267)       # #444
PAD_X, PAD_Y = 1.2 * MM, 0.8 * MM
# Date, No., Counterparty, Description (the rest), Amount, Balance
COLUMNS = (26 * MM, 15 * MM, 36 * MM, None, 18 * MM, 22 * MM)
RIGHT = (False, False, False, False, True, True)
WRAP = (False, False, True, True, False, False)
MINUS = "\u2212"


def hours(minutes: int, *, signed: bool = False) -> str:
    sign = MINUS if minutes < 0 else ("+" if signed and minutes > 0 else "")
    whole, rest = divmod(abs(minutes), 60)
    return f"{sign}{whole}:{rest:02d}"


def wrap(text: str, width: float, size: float, style: str = "regular") -> list[str]:
    """Lines of `text` no wider than `width`: broken between words, and inside a
    word that is wider than a whole line."""
    face, text = font(style), str(text)
    if face.width(text, size) <= width:
        return [text]
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if face.width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while face.width(word, size) > width:
            cut = len(word) - 1
            while cut > 1 and face.width(word[:cut], size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


class _Sheet:
    """The pages as they fill: where the next block goes, new pages as needed."""

    def __init__(self, pdf: TaggedPdf):
        self.pdf = pdf
        self.left = MARGIN[3]
        self.width = pdf.width - MARGIN[1] - MARGIN[3]
        self.bottom = pdf.height - MARGIN[2]
        self.top = 0.0
        self.on_new_page = None
        self.new_page()

    def new_page(self) -> None:
        self.pdf.new_page()
        self.top = MARGIN[0]
        if self.on_new_page is not None:
            self.on_new_page()

    def room(self, height: float) -> None:
        """Start a new page unless `height` still fits on this one."""
        if self.top + height > self.bottom and self.top > MARGIN[0] + 1:
            self.new_page()

    def number_pages(self, footer: str, size: float, color) -> None:
        """On every page, below the margin: `footer` at the left (one line), the
        translated "Page 2 of 5" at the right."""
        pdf, pages = self.pdf, len(self.pdf.pages)
        for number in range(1, pages + 1):
            pdf.go_to_page(number)
            baseline = pdf.height - MARGIN[2] + 6 * MM
            pdf.text(None, self.left, baseline, wrap(footer, self.width * 0.7, size)[:1],
                     size=size, color=color)
            pdf.text(None, self.left, baseline,
                     [_("Page %(page)s of %(pages)s", page=number, pages=pages)], size=size,
                     color=color, align="right", width=self.width)


def statement_pdf_bytes(statement: Statement) -> bytes:
    """The statement as a tagged PDF, in the current locale."""
    days: dict = {}

    def day(value) -> str:            # a year has 365 days and 400 entries
        found = days.get(value)
        if found is None:
            found = days[value] = format_date(value, "medium")
        return found

    title = _("Statement of account %(year)s", year=statement.year)
    pdf = TaggedPdf(title=f"{title} – {statement.holder_label}", language=statement.language)
    sheet = _Sheet(pdf)
    left, width = sheet.left, sheet.width

    # Title, ring, and whether the year is still running.
    pdf.text(pdf.element("H1"), left, sheet.top, [title], size=17, style="bold")
    sheet.top += 17 * 1.35 + 1 * MM
    pdf.text(pdf.element("P"), left, sheet.top, wrap(statement.ring_name, width, 11, "bold"),
             size=11, style="bold")
    sheet.top += 11 * 1.35 * len(wrap(statement.ring_name, width, 11, "bold"))
    if not statement.complete:
        lines = wrap(_("The year is not over yet: this statement shows the entries up to "
                       "%(day)s.", day=day(statement.last_day)), width, SIZE)
        sheet.top += 1 * MM
        pdf.text(pdf.element("P"), left, sheet.top, lines, size=SIZE)
        sheet.top += LEADING * len(lines)
    sheet.top += 2 * MM
    pdf.rule(left, sheet.top, width, 2, GREEN)
    sheet.top += 2 + 5 * MM

    # The facts: a two-column table of labels and values.
    facts = [(_("Account holders"), statement.holder_label),
             *([(_("Member no."), ", ".join(map(str, statement.member_numbers)))]
               if statement.member_numbers else []),
             (_("Account"), str(statement.account_id)),
             (_("Period"), f"{day(statement.first_day)} – {day(statement.last_day)}"),
             (_("Amounts"), _("hours and minutes (h:mm); + received, − given"))]
    label_width = max(font("bold").width(label, SIZE) for label, _value in facts) + 6 * MM
    table = pdf.element("Table")
    for label, value in facts:
        lines = wrap(value, width - label_width, SIZE)
        row = pdf.element("TR", table)
        pdf.text(pdf.element("TH", row, Scope="Row"), left, sheet.top, [label], size=SIZE,
                 style="bold")
        pdf.text(pdf.element("TD", row), left + label_width, sheet.top, lines, size=SIZE)
        sheet.top += LEADING * len(lines) + 0.6 * MM
    sheet.top += 5 * MM

    _entries(pdf, sheet, statement, day)
    _totals(pdf, sheet, statement)

    # For auditors: the chain head at the year's end.
    text = " ".join((
        _("Verification: at the end of %(day)s the ring’s hash chain held %(count)s transfers "
          "and ended in this hash:", day=day(statement.last_day),
          count=statement.chain_head.seq),
        f"{statement.chain_head.hash}.",
        _("Every transfer of this statement (column No.) lies in that chain; an auditor can "
          "check the statement against the ledger with it.")))
    lines = wrap(text, width, 8)
    sheet.top += 7 * MM
    sheet.room(8 * 1.35 * len(lines))
    pdf.text(pdf.element("P"), left, sheet.top, lines, size=8, color=(0.2, 0.2, 0.2))

    sheet.number_pages(f"{statement.ring_name} · {statement.holder_label}", 8.5, DARK)
    return pdf.write()


def _entries(pdf: TaggedPdf, sheet: _Sheet, statement: Statement, day) -> None:
    """The year's entries between the opening and the closing balance; the header
    row again at the top of every further page (as an artifact there)."""
    left, width = sheet.left, sheet.width
    widths = list(COLUMNS)
    widths[3] = width - sum(w for w in COLUMNS if w)
    starts = [left + sum(widths[:i]) for i in range(len(widths))]
    labels = [_("Date"), _("No."), _("Counterparty"), _("Description"), _("Amount"),
              _("Balance")]
    table = pdf.element("Table")
    head_height = 8.5 * 1.35 + 2 * MM + 1

    def header(element_of=None) -> None:
        for i, label in enumerate(labels):
            pdf.text(element_of(i) if element_of else None, starts[i] + PAD_X,
                     sheet.top + 1 * MM, [label], size=8.5, style="bold", align=(
                         "right" if RIGHT[i] else "left"), width=widths[i] - 2 * PAD_X)
        sheet.top += head_height - 1
        pdf.rule(left, sheet.top, width, 1, GREEN)
        sheet.top += 1

    head_row = pdf.element("TR", pdf.element("THead", table))
    cells = [pdf.element("TH", head_row, Scope="Column") for _label in labels]
    sheet.room(head_height + 2 * LEADING)
    header(lambda i: cells[i])
    body = pdf.element("TBody", table)

    def row(values: list[str], *, bold: bool = False, spans: dict | None = None) -> None:
        style = "bold" if bold else "regular"
        spans = spans or {}
        columns, i = [], 0
        while i < len(values):           # (start, width, text, right-aligned)
            span = spans.get(i, 1)
            columns.append((starts[i], sum(widths[i:i + span]), values[i],
                            RIGHT[i] and span == 1, span, WRAP[i] or span > 1))
            i += span
        wrapped = [wrap(text, w - 2 * PAD_X, SIZE, style) if wraps else [text]
                   for _x, w, text, _right, _span, wraps in columns]
        height = LEADING * max(len(lines) for lines in wrapped) + 2 * PAD_Y
        sheet.room(height + 0.4)
        if bold:
            pdf.box(left, sheet.top, width, height, PALE)
        element = pdf.element("TR", body)
        for (x, w, _text, right, span, _wraps), lines in zip(columns, wrapped, strict=True):
            cell = pdf.element("TD", element, **({"ColSpan": span} if span > 1 else {}))
            if lines != [""]:
                pdf.text(cell, x + PAD_X, sheet.top + PAD_Y, lines, size=SIZE, style=style,
                         align="right" if right else "left", width=w - 2 * PAD_X)
        sheet.top += height
        pdf.rule(left, sheet.top, width, 1 if bold else 0.4, GREEN if bold else GREY)
        sheet.top += 1 if bold else 0.4

    sheet.on_new_page = header
    row([day(statement.first_day), "", _("Opening balance"), "", "",
         hours(statement.opening_balance)], bold=True, spans={2: 3})
    for line in statement.lines:
        memo = f"{line.memo} · {line.category}" if line.category else line.memo
        row([day(line.day), str(line.transfer_id), line.counterparty, memo,
             hours(line.minutes, signed=True), hours(line.balance_after)])
    if not statement.lines:
        row([_("No entries in this year."), "", "", "", "", ""], spans={0: 6})
    row([day(statement.last_day), "", _("Closing balance"), "", "",
         hours(statement.closing_balance)], bold=True, spans={2: 3})
    sheet.on_new_page = None


def _totals(pdf: TaggedPdf, sheet: _Sheet, statement: Statement) -> None:
    """Opening, received, given, closing: in hours and in minutes, at the right."""
    def minutes(value: int) -> str:
        return _("%(minutes)s min", minutes=value).replace("-", MINUS)

    rows = [(_("Opening balance"), hours(statement.opening_balance),
             minutes(statement.opening_balance)),
            (_("Received"), hours(statement.received), minutes(statement.received)),
            (_("Given"), hours(statement.given), minutes(statement.given)),
            (_("Closing balance"), hours(statement.closing_balance),
             minutes(statement.closing_balance))]
    bold, regular = font("bold"), font("regular")
    widths = [max(bold.width(r[0], SIZE) for r in rows) + 6 * MM,
              max(regular.width(r[1], SIZE) for r in rows) + 2 * PAD_X,
              max(bold.width(r[2], SIZE) for r in rows) + 2 * PAD_X]
    right = sheet.left + sheet.width
    x = right - sum(widths)
    sheet.top += 5 * MM
    sheet.room(len(rows) * (LEADING + 2 * PAD_Y) + 2)
    table = pdf.element("Table")
    for n, (label, in_hours, in_minutes) in enumerate(rows):
        closing = n == len(rows) - 1
        style = "bold" if closing else "regular"
        if closing:
            pdf.rule(x, sheet.top, sum(widths), 1, (0, 0, 0))
            sheet.top += 1
        row = pdf.element("TR", table)
        top = sheet.top + PAD_Y
        pdf.text(pdf.element("TH", row, Scope="Row"), x, top, [label], size=SIZE,
                 style="bold")
        pdf.text(pdf.element("TD", row), x + widths[0], top, [in_hours], size=SIZE,
                 style=style, align="right", width=widths[1] - PAD_X)
        pdf.text(pdf.element("TD", row), x + widths[0] + widths[1], top, [in_minutes],
                 size=SIZE, style=style, align="right", width=widths[2] - PAD_X)
        sheet.top += LEADING + 2 * PAD_Y
