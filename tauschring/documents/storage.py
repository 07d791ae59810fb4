"""Where the documents are kept and how large they may be: `[documents]` in the
configuration file."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from tauschring.config import ConfigError


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
