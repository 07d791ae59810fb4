"""API door to the ring's documents."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.db import db
from tauschring.documents import service as documents
from tauschring.documents import storage
from tauschring.paging import page_of

blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                description="The ring's documents: statutes, minutes, forms")


class DocumentOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


@blp.route("/documents", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(DocumentOut, "DocumentPage"))
def list_documents(args):
    return page_of(db.session, documents.documents_of_ring(current_actor().ring_id),
                   page=args["page"], per_page=args["per_page"])


@blp.route("/documents", methods=["POST"])
@write
@coordinator_only
@blp.response(201, DocumentOut)
def upload_document():
    """Upload as multipart/form-data: `title` and `file` (PDF, image or office file)."""
    upload = request.files.get("file")
    return documents.upload(db.session, current_actor(), title=request.form.get("title", ""),
                            filename=upload.filename if upload else "",
                            data=upload.read() if upload else b"", folder=storage.folder(),
                            max_bytes=storage.max_bytes())


@blp.route("/documents/<int:document_id>", methods=["GET"])
@blp.alt_response(200, success=True, content_type="application/octet-stream",
                  description="The file, as it was uploaded")
def download_document(document_id):
    document, path = documents.file_of(db.session, current_actor(), document_id,
                                       storage.folder())
    return storage.file_response(document, path)
