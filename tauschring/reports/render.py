"""The annual report as JSON, CSV (one section after another) and PDF (A4,
drawn directly with its bar charts by paper.py; the WeasyPrint layout of
templates/reports/report.html stays for the benchmark's comparison), in the
report's language (the coordinator's)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from flask_babel import force_locale, format_date, gettext

from tauschring.pdf import collector_paused, render_pdf_tagged
from tauschring.reports.paper import report_pdf_bytes
from tauschring.statements.render import BOM, csv_delimiter, csv_text, hours, slug


def as_json(value):
    """The report with dates and moments as ISO 8601 text, ready for JSON."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def report_json(report: dict) -> bytes:
    return json.dumps(as_json(report), ensure_ascii=False, indent=2).encode("utf-8")


def month_name(year: int, month: int) -> str:
    return format_date(date(year, month, 1), "MMM")


def category_name(row: dict) -> str:
    return row["name"] or gettext("Without category")


def chart_data(report: dict) -> dict:
    """Bars for the charts: minutes per month and per category, labelled in hours.
    Call inside the report's locale."""
    year = report["year"]
    exchanges = report["exchanges"]
    return {
        "months": [{"label": month_name(year, row["month"]), "value": row["minutes"],
                    "text": hours(row["minutes"], minus="−") if row["minutes"] else ""}
                   for row in exchanges["by_month"]],
        "categories": [{"label": category_name(row), "value": row["minutes"],
                        "text": hours(row["minutes"], minus="−")}
                       for row in exchanges["by_category"]],
    }


def dispute_outcomes() -> list[tuple[str, str]]:
    return [("booked", gettext("… ended booked")),
            ("cancelled", gettext("… ended cancelled before booking")),
            ("reversed", gettext("… ended with the booking reversed")),
            ("open", gettext("… still open at the end of the year"))]


def holders_label(row: dict) -> str:
    if row["kind"] == "association":
        return gettext("Association")
    return ", ".join(row["holders"]) or "–"


def report_csv(report: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(report["language"]),
                        lineterminator="\r\n")
    with force_locale(report["language"]):
        _ = gettext
        members, exchanges = report["members"], report["exchanges"]
        disputes, fees = report["disputes"], report["fees"]
        period, head = report["period"], report["chain_head"]
        rows = [
            [_("Annual report"), report["year"]],
            [_("Ring"), csv_text(report["ring"]["name"])],
            [_("Period"), period["first_day"].isoformat(), period["last_day"].isoformat(),
             period["timezone"]],
            [],
            [_("Members")],
            [_("Members at the start of the year"), members["at_start"]],
            [_("Joined"), members["joined"]],
            [_("Left"), members["left"]],
            [_("Members at the end of the year"), members["at_end"]],
            [_("Active traders"), members["active_traders"]],
            [],
            [_("Exchanges")],
            [_("Exchanges booked"), exchanges["booked"]],
            [_("Minutes exchanged (net)"), exchanges["minutes"], hours(exchanges["minutes"])],
            [_("Reversals"), exchanges["reversed"]],
            [],
            [_("Month"), _("Exchanges booked"), _("Minutes"), _("Hours")],
            *([row["month"], row["exchanges"], row["minutes"], hours(row["minutes"])]
              for row in exchanges["by_month"]),
            [],
            [_("Category"), _("Exchanges booked"), _("Minutes"), _("Hours")],
            *([csv_text(category_name(row)), row["exchanges"], row["minutes"],
               hours(row["minutes"])] for row in exchanges["by_category"]),
            [],
            [_("Disputes")],
            [_("Disputes opened"), disputes["opened"]],
            *([label, disputes[key]] for key, label in dispute_outcomes()),
            [],
            [_("Account fees")],
            [_("Fees booked"), fees["charges"]],
            [_("Minutes"), fees["minutes"], hours(fees["minutes"])],
            [],
            [_("Partner rings")],
            [_("Partner ring"), _("Transfers"), _("Minutes received"), _("Hours received"),
             _("Minutes paid"), _("Hours paid")],
            *([csv_text(row["ring_name"]), row["transfers"], row["minutes_in"],
               hours(row["minutes_in"]), row["minutes_out"], hours(row["minutes_out"])]
              for row in report.get("partners", [])),
            [],
            [_("Trial balance at the end of the year")],
            [_("Account"), _("Kind"), _("Account holders"), _("Minutes"), _("Hours")],
            *([row["account_id"], row["kind"], csv_text(holders_label(row)), row["balance"],
               hours(row["balance"])] for row in report["trial_balance"]["accounts"]),
            [_("Sum"), "", "", report["trial_balance"]["sum"],
             hours(report["trial_balance"]["sum"])],
            [],
            [_("Audit"), _("in order") if report["audit"]["ok"] else _("not in order")],
            [_("Chain head at year end"), head["seq"], head["hash"]],
        ]
        writer.writerows(rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def report_pdf(report: dict) -> bytes:
    """The report on A4, a tagged PDF drawn directly (paper.py): well under a second
    for a ring of a thousand members."""
    with force_locale(report["language"]), collector_paused():
        return report_pdf_bytes(report, template_context(report))


def report_pdf_html(report: dict) -> bytes:
    """The same report laid out by WeasyPrint from templates/reports/report.html
    (tagged): several seconds for a thousand members' trial balance."""
    with force_locale(report["language"]):
        return render_pdf_tagged("reports/report.html", footer=report["ring"]["name"],
                                 **template_context(report))


def template_context(report: dict) -> dict:
    """What the PDF and the coordinator's page show; inside the report's locale."""
    return {"report": report, "charts": chart_data(report), "hours": hours,
            "minutes": lambda value: str(value).replace("-", "\u2212"),
            "outcomes": dispute_outcomes(), "holders_label": holders_label,
            "category_name": category_name, "month_name": month_name,
            "day": lambda value: format_date(value, "medium")}


def report_filename(report: dict, fmt: str) -> str:
    return f"jahresbericht-{slug(report['ring']['slug']) or 'ring'}-{report['year']}.{fmt}"


def render(report: dict, fmt: str) -> bytes:
    renderers = {"json": report_json, "csv": report_csv, "pdf": report_pdf}
    return renderers[fmt](report)
