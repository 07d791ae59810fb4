"""Pages for the market."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("market", __name__)
