"""Where the documents are kept and how large they may be: `[documents]` in the
configuration file."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, current_app, send_file

from tauschring.config import ConfigError
from tauschring.documents.models import Document


def folder(app: Flask | None = None) -> Path:
    app = app or current_app
    settings = app.config["TAUSCHRING"]
    configured = settings.extra.get("documents.folder", "")
    if not isinstance(configured, str):
        raise ConfigError("documents.folder must be a string")
    if not configured:
        return Path(app.instance_path) / "documents"
    return Path(configured).expanduser().resolve()


def max_bytes(app: Flask | None = None) -> int:
    app = app or current_app
    megabytes = app.config["TAUSCHRING"].extra.get("documents.max_mb", 10)
    if not isinstance(megabytes, int) or isinstance(megabytes, bool) or megabytes < 1:
        raise ConfigError("documents.max_mb must be a whole number of megabytes, at least 1")
    return megabytes * 1024 * 1024


def file_response(document: Document, path: Path) -> Response:
    """The document's file as a download, as both doors give it (page and API)."""
    response = send_file(path, mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
