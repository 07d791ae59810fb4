"""API door to members."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.auth import current_member

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="Members")


class MemberOut(ma.Schema):
    id = ma.fields.Integer()
    ring_id = ma.fields.Integer()
    name = ma.fields.String()
    email = ma.fields.String()
    status = ma.fields.String()
    role = ma.fields.String()
    account_id = ma.fields.Integer()
    language = ma.fields.String()
    joined_on = ma.fields.Date(allow_none=True)


@blp.route("/me", methods=["GET"])
@blp.response(200, MemberOut)
def me():
    return current_member()
