"""API door to what members receive by mail, and the inactive members."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.db import db
from tauschring.digest import service as digest

blp = Blueprint("digest", __name__, url_prefix="/api/v1",
                description="The weekly digest, news by mail, inactive members")


class PreferencesIn(ma.Schema):
    weekly_digest = ma.fields.Boolean()
    news_by_mail = ma.fields.Boolean()


class PreferencesOut(ma.Schema):
    weekly_digest = ma.fields.Boolean()
    news_by_mail = ma.fields.Boolean()


class InactiveOut(ma.Schema):
    member_id = ma.fields.Function(lambda row: row.member.id)
    name = ma.fields.Function(lambda row: row.member.name)
    last_exchange = ma.fields.AwareDateTime(allow_none=True)


class InactiveList(ma.Schema):
    months = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(InactiveOut))


@blp.route("/me/mail-preferences", methods=["GET"])
@blp.response(200, PreferencesOut)
def get_preferences():
    return digest.preferences(db.session, current_actor().member_id)


@blp.route("/me/mail-preferences", methods=["PUT"])
@write
@blp.arguments(PreferencesIn)
@blp.response(200, PreferencesOut)
def set_preferences(data):
    return digest.set_preferences(db.session, current_actor(), **data)


@blp.route("/members/inactive", methods=["GET"])
@coordinator_only
@blp.response(200, InactiveList)
def inactive():
    """Active members without an exchange for the ring's reminder months."""
    months, rows = digest.inactive_for_coordinator(db.session, current_actor())
    return {"months": months, "items": rows}
