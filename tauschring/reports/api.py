"""API door to the annual report: JSON, CSV and PDF (coordinators)."""

from __future__ import annotations

from flask import Response
from flask_babel import get_locale
from flask_smorest import Blueprint

from tauschring.api.auth import current_actor
from tauschring.db import db
from tauschring.reports import render
from tauschring.reports.service import annual_report

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="The ring's annual report (JSON, CSV, PDF)")

MIMETYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8",
             "pdf": "application/pdf"}


def _report(year: int, fmt: str) -> Response:
    report = annual_report(db.session, current_actor(), year, str(get_locale()))
    response = Response(render.render(report, fmt), mimetype=MIMETYPES[fmt])
    if fmt != "json":
        response.headers["Content-Disposition"] = (
            f"attachment; filename={render.report_filename(report, fmt)}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/reports/<int:year>", methods=["GET"])
@blp.alt_response(200, success=True, content_type="application/json",
                  description="The annual report: members, exchanges per month and "
                              "category, disputes, fees, trial balance, chain head")
def report_json(year):
    """The ring's annual report for a calendar year (coordinators)"""
    return _report(year, "json")


@blp.route("/reports/<int:year>.csv", methods=["GET"])
@blp.alt_response(200, success=True, content_type="text/csv", description="The report")
def report_csv(year):
    """The annual report as CSV, one section after another (coordinators)"""
    return _report(year, "csv")


@blp.route("/reports/<int:year>.pdf", methods=["GET"])
@blp.alt_response(200, success=True, content_type="application/pdf",
                  description="The report with charts")
def report_pdf(year):
    """The annual report as PDF with charts (coordinators)"""
    return _report(year, "pdf")
