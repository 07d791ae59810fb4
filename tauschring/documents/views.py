"""The documents page: the ring's members read, coordinators upload and remove."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tauschring.db import db
from tauschring.documents import service as documents
from tauschring.documents import storage
from tauschring.errors import NotFound
from tauschring.exchanges.forms import EmptyForm
from tauschring.paging import page_number, page_of
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act

bp = Blueprint("documents", __name__)
# Uploads may be larger than other requests (MAX_CONTENT_LENGTH): for these
# endpoints the limit is the documents' own, set before any form is read.
UPLOADS = {"documents.index", "Documents.upload_document"}
FORM_OVERHEAD = 256 * 1024


class UploadForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(),
                                                 Length(max=documents.TITLE_MAX)])
    file = FileField(_l("File (PDF, image or office file)"))


def _allow_larger_uploads():
    if request.method == "POST" and request.endpoint in UPLOADS:
        request.max_content_length = storage.max_bytes() + FORM_OVERHEAD


@bp.record_once
def _install(state):
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_larger_uploads)


def _page(form, status: int = 200):
    actor = current_actor()
    page = page_of(db.session, documents.documents_of_ring(actor.ring_id),
                   page=page_number(request.args.get("page")), per_page=50)
    return render_template("documents/index.html", page=page, form=form,
                           delete_form=EmptyForm(),
                           max_mb=storage.max_bytes() // (1024 * 1024)), status


@bp.route("/documents", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = UploadForm() if actor.is_coordinator else None
    if request.method == "GET":
        return _page(form)
    actor.require_coordinator()  # 403 before the form is read
    if not form.validate_on_submit():
        return _page(form, 422)
    upload = form.file.data
    outcome = act(form, documents.upload, actor, title=form.title.data,
                  filename=getattr(upload, "filename", "") or "",
                  data=upload.read() if upload else b"", folder=storage.folder(),
                  max_bytes=storage.max_bytes())
    if not outcome:
        return _page(form, outcome.status)
    flash(_("The document is uploaded."))
    return redirect(url_for("documents.index"))


@bp.route("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    try:
        document, path = documents.file_of(db.session, current_actor(), document_id,
                                           storage.folder())
    except NotFound:
        abort(404)
    return storage.file_response(document, path)


@bp.route("/documents/<int:document_id>/delete", methods=["POST"])
@coordinator_required
def delete(document_id: int):
    actor = current_actor()
    documents.check_may_delete(db.session, actor, document_id)  # 404 before the form
    form = EmptyForm()
    if form.validate_on_submit() and request.form.get("confirm") == "1":
        if act(form, documents.delete, actor, document_id, storage.folder()):
            flash(_("The document is removed."))
        for message in form.form_errors:  # refused, e.g. removed meanwhile by another
            flash(message, "error")
    else:
        flash(_("Please confirm the removal."), "error")
    return redirect(url_for("documents.index"))
