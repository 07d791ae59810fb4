"""API door to rings."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.auth import current_member

blp = Blueprint("rings", __name__, url_prefix="/api/v1", description="Rings")


class RingOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    slug = ma.fields.String()
    unit_name = ma.fields.String()
    default_min_balance = ma.fields.Integer(allow_none=True)
    default_max_balance = ma.fields.Integer(allow_none=True)
    chain_length = ma.fields.Integer()
    chain_head = ma.fields.String()


@blp.route("/rings/current", methods=["GET"])
@blp.response(200, RingOut)
def current_ring():
    return current_member().ring
