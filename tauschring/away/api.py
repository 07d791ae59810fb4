"""API door to away mode."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.away import service as away
from tauschring.db import db

blp = Blueprint("away", __name__, url_prefix="/api/v1", description="Away mode")


class AwayIn(ma.Schema):
    until = ma.fields.Date(required=True, allow_none=True, metadata={
        "description": "the last day away; null: back now"})


class AwayOut(ma.Schema):
    until = ma.fields.Date(allow_none=True)


@blp.route("/me/away", methods=["GET"])
@blp.response(200, AwayOut)
def get_away():
    return {"until": away.away_until(db.session, current_actor().member_id)}


@blp.route("/me/away", methods=["PUT"])
@write
@blp.arguments(AwayIn)
@blp.response(200, AwayOut)
def set_away(data):
    """Away until a day: the caller's talents are hidden until then."""
    return {"until": away.set_away(db.session, current_actor(), data["until"])}
