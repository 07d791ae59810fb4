from flask import Blueprint, jsonify
from sqlalchemy import text

from tauschring.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means: not healthy
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
