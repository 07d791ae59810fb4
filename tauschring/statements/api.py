"""API door to the yearly statements: one account's as CSV or PDF, a ring's as ZIP."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, send_file
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only
from tauschring.api.auth import current_actor
from tauschring.db import db
from tauschring.rings.models import Ring
from tauschring.statements import service

blp = Blueprint("statements", __name__, url_prefix="/api/v1",
                description="Yearly statements of account (CSV, PDF, ZIP)")

MIMETYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
             "zip": "application/zip"}


class ZipArgs(ma.Schema):
    format = ma.fields.String(
        validate=ma.validate.OneOf(service.FORMATS),
        metadata={"description": "only CSV or only PDF files (default: both). A PDF "
                                 "statement takes some 50 ms to draw: a ring of a thousand "
                                 "members in about a minute."})


def download(data: bytes, fmt: str, filename: str) -> Response:
    response = Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    # Balances and names of members: not for shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _statement(year: int, account_id: int, fmt: str) -> Response:
    found = service.statement(db.session, current_actor(), account_id, year)
    return download(service.render(found, fmt), fmt, service.file_name(found, fmt))


@blp.route("/statements/<int:year>/<int:account_id>.csv", methods=["GET"])
@blp.alt_response(200, success=True, content_type="text/csv", description="The statement")
def statement_csv(year, account_id):
    """One account's statement of a calendar year as CSV (its holders and coordinators)"""
    return _statement(year, account_id, "csv")


@blp.route("/statements/<int:year>/<int:account_id>.pdf", methods=["GET"])
@blp.alt_response(200, success=True, content_type="application/pdf",
                  description="The statement")
def statement_pdf(year, account_id):
    """One account's statement of a calendar year as PDF (its holders and coordinators)"""
    return _statement(year, account_id, "pdf")


@blp.route("/statements/<int:year>.zip", methods=["GET"])
@coordinator_only
@blp.arguments(ZipArgs, location="query")
@blp.alt_response(200, success=True, content_type="application/zip",
                  description="Every account's statement, CSV and PDF")
def statements_zip(args, year):
    """Every account's statement of the ring for a calendar year (coordinators)"""
    actor = current_actor()
    formats = (args["format"],) if args.get("format") else service.FORMATS
    archive = service.all_statements_zip_file(db.session, actor, year, formats)
    response = send_file(archive, mimetype=MIMETYPES["zip"], as_attachment=True,
                         download_name=service.zip_filename(
                             db.session.get(Ring, actor.ring_id), year))
    response.headers["Cache-Control"] = "private, no-store"
    return response
