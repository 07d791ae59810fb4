"""API door to partnerships between rings of this instance."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.db import db
from tauschring.limits import ID_MAX
from tauschring.partners import service as partners

blp = Blueprint("partners", __name__, url_prefix="/api/v1",
                description="Partner rings: partnerships between rings of this instance")

Int = ma.fields.Integer


class RingRef(ma.fields.Field):
    """A ring by its short name (a string) or its id (an integer)."""

    default_error_messages = {"invalid": "A ring's short name or id."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.make_error("invalid")
        if isinstance(value, int) and not 1 <= value <= ID_MAX:
            raise self.make_error("invalid")
        if isinstance(value, str) and not 1 <= len(value.strip()) <= 60:
            raise self.make_error("invalid")
        return value


class ProposalIn(ma.Schema):
    ring = RingRef(required=True, metadata={
        "description": "the other ring: its short name (slug) or id",
        "oneOf": [{"type": "string"}, {"type": "integer"}]})
    credit_line = Int(strict=True, required=True, metadata={
        "description": "minutes: the most either ring may owe the other"})


class PartnershipReasonIn(ma.Schema):
    reason = ma.fields.String(load_default="",
                              validate=ma.validate.Length(max=partners.REASON_MAX))


class PartnershipOut(ma.Schema):
    id = Int()
    ring = ma.fields.String(metadata={"description": "the partner ring's short name"})
    ring_id = Int()
    ring_name = ma.fields.String()
    status = ma.fields.String(metadata={"description": "proposed, active, paused or ended"})
    credit_line = Int(metadata={"description": "minutes: the credit line in force (of a "
                                               "first proposal: the one proposed)"})
    credit_line_in_force = Int(metadata={
        "description": "minutes: the bound the clearing accounts hold now"})
    proposed_credit_line = Int(allow_none=True, metadata={
        "description": "minutes of an open proposal (a first one, a new credit line, "
                       "resuming), null when none; coordinators only"})
    proposed_by_us = ma.fields.Boolean()
    awaiting_us = ma.fields.Boolean(metadata={
        "description": "a proposal of the partner ring waits for this ring's answer"})
    clearing_account_id = Int(allow_none=True, metadata={"description": "coordinators only"})
    clearing_balance = Int(allow_none=True, metadata={
        "description": "minutes this ring's clearing account holds (coordinators only)"})
    mirrored = ma.fields.Boolean(allow_none=True, metadata={
        "description": "the partner's clearing balance is exactly the negative "
                       "(coordinators only)"})
    allowed_actions = ma.fields.List(ma.fields.String())
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class PartnershipList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PartnershipOut))


def _view(partnership) -> dict:
    return partners.describe(db.session, current_actor(), partnership)


@blp.route("/partners", methods=["GET"])
@blp.response(200, PartnershipList)
def list_partners():
    """The ring's partnerships: all of them for coordinators, the active ones
    (without clearing balances) for members."""
    return {"items": partners.overview(db.session, current_actor())}


@blp.route("/partners", methods=["POST"])
@write
@may(partners.check_may_propose)
@blp.arguments(ProposalIn)
@blp.response(201, PartnershipOut)
def propose(data):
    """Propose a partnership, a new credit line, or resuming, to another ring."""
    return _view(partners.propose(db.session, current_actor(), **data))


@blp.route("/partners/<int:partnership_id>/accept", methods=["POST"])
@write
@may(partners.check_may_act)
@blp.response(200, PartnershipOut)
def accept(partnership_id):
    return _view(partners.accept(db.session, current_actor(), partnership_id))


@blp.route("/partners/<int:partnership_id>/decline", methods=["POST"])
@write
@may(partners.check_may_act)
@blp.arguments(PartnershipReasonIn)
@blp.response(200, PartnershipOut)
def decline(data, partnership_id):
    return _view(partners.decline(db.session, current_actor(), partnership_id,
                                  data["reason"]))


@blp.route("/partners/<int:partnership_id>/pause", methods=["POST"])
@write
@may(partners.check_may_act)
@blp.arguments(PartnershipReasonIn)
@blp.response(200, PartnershipOut)
def pause(data, partnership_id):
    return _view(partners.pause(db.session, current_actor(), partnership_id, data["reason"]))


@blp.route("/partners/<int:partnership_id>/end", methods=["POST"])
@write
@may(partners.check_may_act)
@blp.arguments(PartnershipReasonIn)
@blp.response(200, PartnershipOut)
def end(data, partnership_id):
    return _view(partners.end(db.session, current_actor(), partnership_id, data["reason"]))
