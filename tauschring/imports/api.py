"""API door to moving data in and out: the member import (CSV), the ring's export
and every member's own data."""

from __future__ import annotations

from functools import wraps

import marshmallow as ma
from flask import g, jsonify, request
from flask_babel import gettext
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException, UnsupportedMediaType

from tauschring.api.access import coordinator_only
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.api.problems import problem
from tauschring.db import db
from tauschring.errors import DomainError, Invalid
from tauschring.i18n import _l
from tauschring.imports import service
from tauschring.imports.member_data import export_member
from tauschring.imports.ring_file import export_ring

blp = Blueprint("imports", __name__, url_prefix="/api/v1",
                description="Moving data in and out: member imports, exports")

CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")
PASSWORD_HASHES = "import_password_hashes"  # on flask.g, for one request


class ImportArgs(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={
        "description": "check the file and report, write nothing"})


class RowErrorOut(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "as a spreadsheet counts: header is 1"})
    column = ma.fields.String(allow_none=True)
    code = ma.fields.String()
    message = ma.fields.String()


class ImportReportOut(ma.Schema):
    ok = ma.fields.Boolean()
    dry_run = ma.fields.Boolean()
    imported = ma.fields.Boolean()
    rows = ma.fields.Integer()
    members = ma.fields.Integer()
    accounts = ma.fields.Integer()
    households = ma.fields.Integer()
    coordinators = ma.fields.Integer()
    generated_passwords = ma.fields.Integer()
    opening_balances = ma.fields.Dict(metadata={
        "description": "count, total (net), credit and debit, in minutes"})
    ignored_columns = ma.fields.List(ma.fields.String())
    errors = ma.fields.List(ma.fields.Nested(RowErrorOut))
    people = ma.fields.List(ma.fields.Dict())


class MemberImportRejected(Invalid):
    """Some rows of the file are bad; nothing was imported."""

    code = "import_rows_invalid"

    def __init__(self, report: service.MemberImportReport):
        super().__init__(_l("Problems in the file: %(count)d; nothing was imported.",
                            count=len(report.errors)))
        self.report = report


@blp.errorhandler(MemberImportRejected)
def _rejected(error: MemberImportRejected):
    """422 naming every bad row: errors {"row 5: email": [...]} and the full report."""
    errors: dict[str, list[str]] = {}
    for row_error in error.report.errors:
        key = f"row {row_error.row}" + (f": {row_error.column}" if row_error.column else "")
        errors.setdefault(key, []).append(row_error.message)
    return problem(422, "Unprocessable Entity", str(error.message), error.code, errors=errors,
                   report=error.report.as_dict())


def _csv_body() -> str:
    """The file: the request body (text/csv), or the part "file" of a multipart form."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid(_l("Send the CSV file as the form part named 'file'."),
                          code="file_missing", field="file")
        upload.stream.seek(0)  # read before the transaction too (_passwords_hashed_first)
        return service.decode_csv(upload.read())
    if request.mimetype in CSV_TYPES:
        return service.decode_csv(request.get_data(cache=True))
    raise UnsupportedMediaType(gettext("Send the file as text/csv, or as "
                                       "multipart/form-data with a part named 'file'."))


def _passwords_hashed_first(view):
    """Hash the file's passwords before `write` opens the transaction, so that no
    booking waits for them (service.hash_passwords). Only for a coordinator's
    real import; whatever is wrong with the request (caller, query, body) is
    left for the view to answer, in its usual order. A replayed Idempotency-Key
    hashes in vain, but holds no lock while it does."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        setattr(g, PASSWORD_HASHES, None)
        try:
            current_actor().require_coordinator()
            dry_run = ImportArgs().load({"dry_run": request.args.get("dry_run", "false")})
            text = _csv_body()
        except (DomainError, HTTPException, ma.ValidationError):
            return view(*args, **kwargs)
        if not dry_run["dry_run"]:
            db.session.rollback()  # no transaction stays open while hashing
            setattr(g, PASSWORD_HASHES, service.hash_passwords(text))
        return view(*args, **kwargs)

    return wrapper


@blp.route("/imports/members", methods=["POST"])
@_passwords_hashed_first
@write
@coordinator_only
@blp.arguments(ImportArgs, location="query")
@blp.doc(requestBody={"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}}})
@blp.response(201, ImportReportOut, description="imported (200 for a dry run)")
@blp.alt_response(200, schema=ImportReportOut, description="dry run: what would happen")
@blp.alt_response(422, description="bad rows: `errors` names each, nothing was imported")
def import_members(args):
    """Import members from a CSV file (coordinator), or check it with ?dry_run=true."""
    actor = current_actor()
    actor.require_coordinator()
    report = service.import_members(db.session, actor, _csv_body(), dry_run=args["dry_run"],
                                    hashes=getattr(g, PASSWORD_HASHES, None))
    if not report.ok:
        raise MemberImportRejected(report)
    response = jsonify(ImportReportOut().dump(report.as_dict()))
    response.status_code = 200 if report.dry_run else 201
    return response


@blp.route("/rings/current/export", methods=["GET"])
@blp.response(200, description="the whole ring, format tauschring-ring-export "
              "version 3 (no password hashes)")
@blp.alt_response(409, description="`ring_has_partners`: the ring has or had partner "
                  "rings and cannot be moved yet; nothing was exported")
def export_current_ring():
    """The caller's whole ring as one JSON document, to move it (coordinator)."""
    actor = current_actor()
    actor.require_coordinator()
    return export_ring(db.session, actor.ring_id)


@blp.route("/me/export", methods=["GET"])
@blp.response(200, description="the caller's own data, format tauschring-member-export")
def export_me():
    """The caller's own data: profile, account entries, talents, exchanges."""
    actor = current_actor()
    return export_member(db.session, actor, actor.member_id)
