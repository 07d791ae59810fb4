"""API door for members: the ring's peers on other instances, paying their members."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from tauschring.api.access import may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import idempotency_key
from tauschring.db import db
from tauschring.errors import Forbidden, Invalid
from tauschring.federation import service
from tauschring.federation.signing import KeyMissing
from tauschring.i18n import _l
from tauschring.limits import ID_MAX

blp = Blueprint("federation", __name__, url_prefix="/api/v1",
                description="Paying members of partner rings on other instances")

Int = ma.fields.Integer


class FederatedTransferIn(ma.Schema):
    peer = Int(strict=True, required=True, validate=ma.validate.Range(min=1, max=ID_MAX))
    to_member = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=12),
                                 metadata={"description": "the payee's member number in "
                                                          "the peer's ring"})
    minutes = Int(strict=True, required=True)
    memo = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class FederatedTransferOut(ma.Schema):
    id = ma.fields.String(attribute="uuid")
    peer = Int(attribute="peer_id")
    to_member = ma.fields.String(attribute="remote_member")
    minutes = Int()
    memo = ma.fields.String()
    state = ma.fields.String(metadata={"description": "committed (booked here; the peer "
                                                      "books on delivery) or aborted"})
    delivered = ma.fields.Boolean()
    transfer_id = Int(allow_none=True)
    reason = ma.fields.String()


class PeerOut(ma.Schema):
    id = Int()
    remote_ring = ma.fields.String()
    url = ma.fields.String()
    credit_line = Int()
    clearing_balance = Int()


def _active(session, actor, **_path_ids) -> None:
    if not actor.is_active:
        raise Forbidden(_l("Only an active member may pay another ring's member."),
                        code="not_active")


@blp.route("/federation/peers", methods=["GET"])
@blp.response(200, PeerOut(many=True))
def list_peers():
    actor = current_actor()
    return [service.peer_summary(db.session, peer)
            for peer in service.peers_of(db.session, actor.ring_id)]


@blp.route("/federation/transfers", methods=["POST"])
@may(_active)
@blp.arguments(FederatedTransferIn)
@blp.response(201, FederatedTransferOut)
def pay(data):
    actor = current_actor()
    try:
        me = service.identity_of(current_app.config["TAUSCHRING"])
    except KeyMissing:
        raise Invalid(_l("This instance trades with no other instance yet."),
                      code="no_federation_key") from None
    return service.pay(me, actor, peer_id=data["peer"], to_member=data["to_member"],
                       minutes=data["minutes"], memo=data["memo"], key=idempotency_key())
