"""Pages for the coordination."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coordination", __name__)
