"""The annual report on A4, drawn directly as a tagged PDF (tauschring.pdf.TaggedPdf),
as the statements are (tauschring/statements/paper.py): the trial balance of a ring
of a thousand members takes a fraction of a second where an HTML layout needed
several.

It shows what templates/reports/_sections.html shows on the coordinator's page,
with the same texts (so the same translations): members, exchanges with the
month and category charts and their tables, disputes, fees, the ledger with
every account's balance. Call it inside the report's locale, with the values of
render.template_context.
"""

from __future__ import annotations

from flask_babel import gettext

from tauschring.pdf import MM, Element, TaggedPdf, font
from tauschring.statements.paper import GREEN, GREY, PALE, _Sheet, wrap

_ = gettext
SIZE = 10.0
LEADING = SIZE * 1.35
RED = (0.753, 0.376, 0.310)       # #c0604f
DARK = (0.2, 0.2, 0.2)


def report_pdf_bytes(report: dict, context: dict) -> bytes:
    """The report as a tagged PDF; `context` is render.template_context(report)."""
    hours, minutes, day = context["hours"], context["minutes"], context["day"]
    year, ring = report["year"], report["ring"]["name"]
    title = _("Annual report %(year)s", year=year)
    pdf = TaggedPdf(title=f"{title} – {ring}", language=report["language"])
    page = _Page(pdf)
    period = report["period"]
    page.text("H1", [title], size=19, style="bold")
    page.text("P", [f"{ring} · {day(period['first_day'])} – {day(period['last_day'])}"],
              size=11.5)
    page.space(2 * MM)
    pdf.rule(page.left, page.sheet.top, page.width, 2, GREEN)
    page.space(2 + 4 * MM)
    if not period["complete"]:
        page.note(_("The year is not over yet: the figures run up to %(day)s.",
                    day=day(period["last_day"])))

    members, exchanges = report["members"], report["exchanges"]
    disputes, fees = report["disputes"], report["fees"]
    page.heading("H2", _("Members"))
    page.figures([(_("Members at the start of the year"), str(members["at_start"])),
                  (_("Joined"), str(members["joined"])), (_("Left"), str(members["left"])),
                  (_("Members at the end of the year"), str(members["at_end"])),
                  (_("Active traders"), str(members["active_traders"]))])
    page.note(_("Active traders: members who provided or received at least one exchange "
                "booked in the year."))

    page.heading("H2", _("Exchanges"))
    page.figures([(_("Exchanges booked"), str(exchanges["booked"])),
                  (_("Hours exchanged (net)"), hours(exchanges["minutes"], minus="−")),
                  (_("Reversals"), str(exchanges["reversed"]))])
    columns = [_("Exchanges booked"), _("Hours"), _("Minutes")]
    page.heading("H3", _("Hours exchanged per month"), keep=60 * MM)
    page.column_chart(context["charts"]["months"], _("Hours exchanged per month"))
    page.table([_("Month"), *columns], [
        [context["month_name"](year, row["month"]), str(row["exchanges"]),
         hours(row["minutes"], minus="−"), minutes(row["minutes"])]
        for row in exchanges["by_month"]], widths=[None, 40 * MM, 30 * MM, 30 * MM])
    page.heading("H3", _("Hours exchanged per category"), keep=40 * MM)
    if exchanges["by_category"]:
        page.bar_chart(context["charts"]["categories"], _("Hours exchanged per category"))
        page.table([_("Category"), *columns], [
            [context["category_name"](row), str(row["exchanges"]),
             hours(row["minutes"], minus="−"), minutes(row["minutes"])]
            for row in exchanges["by_category"]], widths=[None, 40 * MM, 30 * MM, 30 * MM])
    else:
        page.text("P", [_("No exchanges were booked in this year.")], size=SIZE)
    page.note(_("Net: a reversal or a correction after a dispute counts in the month it was "
                "booked, against the exchange."))

    page.heading("H2", _("Disputes"))
    page.figures([(_("Disputes opened"), str(disputes["opened"])),
                  *((label, str(disputes[key])) for key, label in context["outcomes"])])
    page.note(_("How each dispute stood at the end of the year."))

    page.heading("H2", _("Account fees"))
    page.figures([(_("Fees booked"), str(fees["charges"])),
                  (_("Hours"), hours(fees["minutes"], minus="−"))])

    if report.get("partners"):
        page.heading("H2", _("Partner rings"), keep=30 * MM)
        page.table([_("Partner ring"), _("Transfers"), _("Hours received"), _("Hours paid")], [
            [row["ring_name"], str(row["transfers"]), hours(row["minutes_in"], minus="−"),
             hours(row["minutes_out"], minus="−")] for row in report["partners"]],
            widths=[None, 28 * MM, 34 * MM, 34 * MM])
        page.note(_("Hours received: paid to members of this ring by members of the partner "
                    "ring; hours paid: paid by members of this ring to them."))

    balance = report["trial_balance"]
    page.heading("H2", _("The ledger at the end of the year"))
    page.figures([(_("Audit of the ledger"),
                   _("in order") if report["audit"]["ok"] else _("not in order")),
                  (_("Sum of all balances"), hours(balance["sum"], minus="−")),
                  (_("Transfers in the chain at year end"), str(report["chain_head"]["seq"])),
                  (_("Chain head at year end"), report["chain_head"]["hash"])])
    page.heading("H3", _("Trial balance at the end of the year"), keep=30 * MM)
    page.table([_("Account"), _("Account holders"), _("Balance"), _("Minutes")], [
        [str(row["account_id"]), context["holders_label"](row),
         hours(row["balance"], minus="−"), minutes(row["balance"])]
        for row in balance["accounts"]], widths=[20 * MM, None, 28 * MM, 28 * MM],
        foot=[_("Sum"), "", hours(balance["sum"], minus="−"), minutes(balance["sum"])])

    page.sheet.number_pages(ring, 9, (0.267, 0.267, 0.267))
    return pdf.write()


class _Page:
    """Blocks one below the other: headings, notes, figures, charts, tables."""

    def __init__(self, pdf: TaggedPdf):
        self.pdf, self.sheet = pdf, _Sheet(pdf)
        self.left, self.width = self.sheet.left, self.sheet.width
        self.section: Element = pdf.root

    def space(self, height: float) -> None:
        self.sheet.top += height

    def text(self, tag: str, lines: list[str], *, size: float, style: str = "regular",
             color=None, parent: Element | None = None) -> None:
        leading = size * 1.35
        self.sheet.room(leading * len(lines))
        self.pdf.text(self.pdf.element(tag, parent or self.section), self.left,
                      self.sheet.top, lines, size=size, style=style, color=color)
        self.sheet.top += leading * len(lines)

    def heading(self, tag: str, text: str, keep: float = 25 * MM) -> None:
        """A heading, on the next page unless `keep` more fits below it."""
        size = 14 if tag == "H2" else 11.5
        self.space(7 * MM if tag == "H2" else 4 * MM)
        self.sheet.room(size * 1.35 + 2 * MM + keep)
        if tag == "H2":
            self.section = self.pdf.element("Sect")
            self.pdf.box(self.left, self.sheet.top, self.width, size * 1.35 + 2 * MM, PALE)
            self.pdf.text(self.pdf.element(tag, self.section), self.left + 2 * MM,
                          self.sheet.top + 1 * MM, [text], size=size, style="bold")
            self.sheet.top += size * 1.35 + 4 * MM
        else:
            self.pdf.text(self.pdf.element(tag, self.section), self.left, self.sheet.top,
                          [text], size=size, style="bold", color=GREEN)
            self.sheet.top += size * 1.35 + 1.5 * MM

    def note(self, text: str) -> None:
        self.space(1.5 * MM)
        self.text("P", wrap(text, self.width, 8.5), size=8.5, color=DARK)

    def figures(self, rows: list[tuple[str, str]]) -> None:
        """Labels and their values, two columns (a table with row headers)."""
        label_width = max(font().width(label, SIZE) for label, _value in rows) + 8 * MM
        value_width = self.width - label_width
        table = self.pdf.element("Table", self.section)
        for label, value in rows:
            numeric = len(value) < 16
            lines = [value] if numeric else wrap(value, value_width, 7.5)
            size = SIZE if numeric else 7.5
            height = max(LEADING, size * 1.35 * len(lines)) + 1.2 * MM
            self.sheet.room(height)
            row = self.pdf.element("TR", table)
            top = self.sheet.top + 0.6 * MM
            self.pdf.text(self.pdf.element("TH", row, Scope="Row"), self.left, top, [label],
                          size=SIZE)
            self.pdf.text(self.pdf.element("TD", row), self.left + label_width, top, lines,
                          size=size, align="right" if numeric else "left",
                          width=25 * MM if numeric else 0.0)
            self.sheet.top += height

    def table(self, headers: list[str], rows: list[list[str]], *, widths: list,
              foot: list[str] | None = None) -> None:
        """A table with a header row that repeats on every page; the first column
        left-aligned, the others right-aligned but for text (holders)."""
        pdf, sheet, left = self.pdf, self.sheet, self.left
        widths = list(widths)
        widths[widths.index(None)] = self.width - sum(w for w in widths if w)
        starts = [left + sum(widths[:i]) for i in range(len(widths))]
        right = [i > 0 and headers[i] != _("Account holders") for i in range(len(headers))]
        pad = 1.5 * MM
        table = pdf.element("Table", self.section)
        head_height = 9 * 1.35 + 2 * MM + 1

        def header(cells=None) -> None:
            for i, label in enumerate(headers):
                pdf.text(cells[i] if cells else None, starts[i] + pad, sheet.top + 1 * MM,
                         [label], size=9, style="bold", align="right" if right[i] else "left",
                         width=widths[i] - 2 * pad)
            sheet.top += head_height - 1
            pdf.rule(left, sheet.top, self.width, 1, GREEN)
            sheet.top += 1

        head = pdf.element("TR", pdf.element("THead", table))
        sheet.room(head_height + 2 * LEADING)
        header([pdf.element("TH", head, Scope="Column") for _label in headers])
        body = pdf.element("TBody", table)

        def line(values: list[str], group: Element, bold: bool = False) -> None:
            style = "bold" if bold else "regular"
            wrapped = [wrap(v, widths[i] - 2 * pad, SIZE, style) if not right[i] else [v]
                       for i, v in enumerate(values)]
            height = LEADING * max(len(w) for w in wrapped) + 1.2 * MM
            sheet.room(height + 0.4)
            if bold:
                pdf.rule(left, sheet.top, self.width, 1, (0, 0, 0))
                sheet.top += 1
            row = pdf.element("TR", group)
            for i, lines in enumerate(wrapped):
                cell = pdf.element("TH" if bold and i == 0 else "TD", row,
                                   **({"Scope": "Row"} if bold and i == 0 else {}))
                if lines != [""]:
                    pdf.text(cell, starts[i] + pad, sheet.top + 0.6 * MM, lines, size=SIZE,
                             style=style, align="right" if right[i] else "left",
                             width=widths[i] - 2 * pad)
            sheet.top += height
            if not bold:
                pdf.rule(left, sheet.top, self.width, 0.4, GREY)
                sheet.top += 0.4

        sheet.on_new_page = header
        for values in rows:
            line(values, body)
        sheet.on_new_page = None
        if foot:
            line(foot, pdf.element("TFoot", table), bold=True)

    def _figure(self, title: str, height: float) -> Element:
        self.sheet.room(height)
        figure = self.pdf.element("Figure", self.section)
        figure.alt = title
        return figure

    def column_chart(self, bars: list[dict], title: str, height: float = 48 * MM) -> None:
        """Columns for the months (negative ones red, downwards), labelled in hours."""
        figure = self._figure(title, height)
        values = [bar["value"] for bar in bars]
        top, bottom = max([*values, 0]), min([*values, 0])
        span = (top - bottom) or 1
        plot_top, plot_height = self.sheet.top + 5 * MM, height - 13 * MM
        zero = plot_top + plot_height * top / span
        slot = self.width / max(len(bars), 1)
        for n, bar in enumerate(bars):
            size = plot_height * abs(bar["value"]) / span
            x = self.left + n * slot
            y = zero - size if bar["value"] >= 0 else zero
            if size:
                self.pdf.box(x + slot * 0.15, y, slot * 0.7, size,
                             GREEN if bar["value"] >= 0 else RED)
            if bar["text"]:
                self.pdf.text(figure, x, (y - 3.6 * MM) if bar["value"] >= 0 else y + size,
                              [bar["text"]], size=7.5, align="right",
                              width=slot / 2 + font().width(bar["text"], 7.5) / 2)
            self.pdf.text(figure, x, self.sheet.top + height - 7 * MM, [bar["label"]],
                          size=8.5, align="right",
                          width=slot / 2 + font().width(bar["label"], 8.5) / 2)
        self.sheet.top += height

    def bar_chart(self, bars: list[dict], title: str) -> None:
        """A bar per category (negative ones red), the label at the left."""
        row = 5.5 * MM
        figure = self._figure(title, row * len(bars) + 4 * MM)
        label_width = min(55 * MM, max(font().width(b["label"], 8.5) for b in bars) + 3 * MM)
        plot = self.width - label_width - 20 * MM
        widest = max(abs(bar["value"]) for bar in bars) or 1
        for bar in bars:
            self.sheet.room(row)
            top = self.sheet.top
            self.pdf.text(figure, self.left, top + 0.5 * MM,
                          wrap(bar["label"], label_width - 3 * MM, 8.5)[:1], size=8.5)
            size = plot * abs(bar["value"]) / widest
            if size:
                self.pdf.box(self.left + label_width, top + 0.8 * MM, size, row - 1.6 * MM,
                             GREEN if bar["value"] >= 0 else RED)
            self.pdf.text(figure, self.left + label_width + size + 1.5 * MM, top + 0.5 * MM,
                          [bar["text"]], size=8)
            self.sheet.top += row
        self.sheet.top += 4 * MM
