"""The ring's documents: coordinators upload statutes, minutes and forms; the
ring's members read them.

Only PDF, images (PNG, JPEG, GIF, WebP) and office files (Word, Excel,
PowerPoint, OpenDocument) are taken, recognised by their content; the file's
name must end as its content is. Files are kept in the configured folder
(`[documents] folder`, outside the web root) under random names and served
only through the pages and the API, to members of the document's ring.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.documents import files
from tauschring.documents.models import Document
from tauschring.errors import Invalid, NotFound
from tauschring.i18n import _l

TITLE_MAX = 200
FILENAME_MAX = 200
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def documents_of_ring(ring_id: int) -> Select:
    return (select(Document).where(Document.ring_id == ring_id)
            .order_by(Document.created_at.desc(), Document.id.desc()))


def _safe_filename(filename: str) -> str:
    name = Path((filename or "").replace("\\", "/")).name
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")
    return name[-FILENAME_MAX:] or "dokument"


def upload(session: Session, actor: Actor, *, title: str, filename: str, data: bytes,
           folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    actor.require_coordinator()
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_l("The title needs 1 to %(max)d characters.", max=TITLE_MAX),
                      code="title_invalid", field="title")
    if not data:
        raise Invalid(_l("Please choose a file."), code="file_missing", field="file")
    if len(data) > max_bytes:
        raise Invalid(_l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)),
                      code="file_too_large", field="file")
    kind = files.sniff(data)
    if kind is None:
        raise Invalid(_l("Only PDF files, images (PNG, JPEG, GIF, WebP) and office files "
                         "(Word, Excel, PowerPoint, OpenDocument) can be uploaded."),
                      code="file_type_refused", field="file")
    filename = _safe_filename(filename)
    suffix = Path(filename).suffix.lower()
    if suffix not in files.endings(kind):
        raise Invalid(_l("The file's name ends in %(suffix)s, but its content is of another "
                         "kind.", suffix=suffix or "–"), code="file_name_mismatch",
                      field="file")
    stored = files.write(folder, suffix, data)
    document = Document(ring_id=actor.ring_id, title=title, filename=filename,
                        content_type=files.content_type(kind, filename), size=len(data),
                        stored_name=stored, uploaded_by=actor.member_id)
    session.add(document)
    try:
        session.flush()
    except Exception:
        files.path_of(folder, stored).unlink(missing_ok=True)
        raise
    return document


def get_document(session: Session, actor: Actor, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.ring_id != actor.ring_id:
        raise NotFound(_l("This document does not exist."), code="document_not_found")
    return document


def file_of(session: Session, actor: Actor, document_id: int, folder: Path
            ) -> tuple[Document, Path]:
    """The document and its file, for a member of its ring."""
    document = get_document(session, actor, document_id)
    path = files.path_of(folder, document.stored_name)
    if not path.is_file():
        raise NotFound(_l("The file of this document is missing."), code="document_file_missing")
    return document, path


def check_may_delete(session: Session, actor: Actor, document_id: int) -> Document:
    document = get_document(session, actor, document_id)
    actor.require_coordinator()
    return document


def delete(session: Session, actor: Actor, document_id: int, folder: Path) -> None:
    document = check_may_delete(session, actor, document_id)
    stored = document.stored_name
    session.delete(document)
    session.flush()
    files.path_of(folder, stored).unlink(missing_ok=True)
