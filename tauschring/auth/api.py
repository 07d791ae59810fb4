"""API door to logging in: bearer tokens."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint

from tauschring.api.auth import bearer_token, current_member
from tauschring.auth import service
from tauschring.db import atomic, db
from tauschring.errors import Unauthenticated
from tauschring.i18n import _l

blp = Blueprint("tokens", __name__, url_prefix="/api/v1", description="Logging in")


class Credentials(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=1024))


class TokenOut(ma.Schema):
    token = ma.fields.String()
    member_id = ma.fields.Integer()
    account_id = ma.fields.Integer()


@blp.route("/tokens", methods=["POST"])
@blp.arguments(Credentials)
@blp.response(201, TokenOut)
def create_token(data):
    issued = atomic(service.issue_token, email=data["email"], password=data["password"],
                    remote_addr=request.remote_addr or "")
    if issued is None:
        raise Unauthenticated(_l("Wrong e-mail address or password."), code="login_failed")
    token, member = issued
    return {"token": token, "member_id": member.id, "account_id": member.account_id}


@blp.route("/tokens/current", methods=["DELETE"])
@blp.response(204)
def delete_token():
    current_member()
    token = bearer_token()
    if token is None:
        raise Unauthenticated(_l("Only a bearer token can be revoked this way."),
                              code="token_required")
    atomic(lambda session: service.revoke_token(session, token))
    db.session.remove()
