"""Pages for moving data in and out: the coordinators' member import (CSV), the
ring's export, and every member's "download my data"."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from tauschring.db import atomic, db, utcnow
from tauschring.errors import DomainError
from tauschring.imports import service
from tauschring.imports.member_data import export_member
from tauschring.imports.ring_file import export_ring
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import show_error

bp = Blueprint("imports", __name__)

COLUMN_LABELS = {
    "name": _l("Name"), "email": _l("E-mail address"), "household": _l("Household"),
    "role": _l("Role"), "phone": _l("Phone"), "postcode": _l("Postcode"),
    "district": _l("District"), "opening_balance": _l("Opening balance"),
    "language": _l("Language"), "password": _l("Password"),
}


class MemberImportForm(FlaskForm):
    file = FileField(_l("CSV file of members"),
                     validators=[FileRequired(_l("Please choose a CSV file."))])
    check = SubmitField(_l("Check only (dry run)"))
    run = SubmitField(_l("Import"))


def _shown_errors(report: service.MemberImportReport) -> list[dict]:
    """Each bad row with its column's label and the message in the reader's language."""
    return [{"row": error.row, "column": error.column,
             "column_label": COLUMN_LABELS.get(error.column, error.column or ""),
             "message": error.message} for error in report.errors]


@bp.route("/coordination/import", methods=["GET", "POST"])
@coordinator_required
def import_members():
    """Upload a CSV file: check it (a dry run), or import it when every row is good."""
    form = MemberImportForm()
    report, status = None, 200
    if form.validate_on_submit():
        text = service.decode_csv(form.file.data.read())
        dry_run = not form.run.data  # Enter in the form checks, never imports
        try:
            if dry_run:
                report = service.import_members(db.session, current_actor(), text,
                                                 dry_run=True)
                db.session.rollback()
            else:
                actor = current_actor()
                db.session.rollback()  # no transaction stays open while hashing
                hashes = service.hash_passwords(text)
                report = atomic(service.import_members, actor, text, dry_run=False,
                                hashes=hashes)
        except DomainError as error:
            show_error(form, error)
            status = error.status
        else:
            status = 200 if report.ok else 422
    elif form.is_submitted():
        status = 422
    return render_template("imports/import_members.html", form=form, report=report,
                           errors=_shown_errors(report) if report else [],
                           column_labels=COLUMN_LABELS), status


def _json_download(data: dict, filename: str) -> Response:
    response = Response(json.dumps(data, ensure_ascii=False, indent=1),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/coordination/export.json")
@coordinator_required
def export_ring_file():
    """The whole ring as one file, to move it to another instance (no password hashes:
    moved members set theirs with the reset link)."""
    actor = current_actor()
    data = export_ring(db.session, actor.ring_id)
    return _json_download(data, f"{data['ring']['slug']}-{utcnow().date().isoformat()}.json")


@bp.get("/profile/export.json")
@login_required
def export_own_data():
    """Download my data: profile, account entries, talents, exchanges."""
    data = export_member(db.session, current_actor(), current_user.id)
    return _json_download(data, f"tauschring-my-data-{utcnow().date().isoformat()}.json")
