"""API door to the office: bookings in one batch, all or nothing; authorisations."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only, may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.db import db
from tauschring.exchanges.api import ExchangeIn, ExchangeOut, ReasonIn
from tauschring.exchanges.api import view as exchange_view
from tauschring.i18n import _l
from tauschring.ledger.api import TransferOut, strict_id, strict_int, transfer_views
from tauschring.market.api import TalentIn, TalentOut
from tauschring.market.api import _fields as talent_fields
from tauschring.market.api import view as talent_view
from tauschring.office import batch as batches
from tauschring.office import proxies
from tauschring.office.batch import BatchRefused, Row

blp = Blueprint("office", __name__, url_prefix="/api/v1",
                description="The office: bookings in one batch, acting for someone")

Int = ma.fields.Integer


class BatchRowIn(ma.Schema):
    debit_account_id = strict_id(required=True)
    credit_account_id = strict_id(required=True)
    minutes = strict_int(required=True)
    memo = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    slip = strict_int(allow_none=True, validate=ma.validate.Range(min=1, max=batches.SLIP_MAX),
                      metadata={"description": "the paper slip's serial number; once per "
                                               "ring, ever"})
    slip_date = ma.fields.Date(allow_none=True, metadata={"description": "the slip's date"})


class BatchIn(ma.Schema):
    transfers = ma.fields.List(ma.fields.Nested(BatchRowIn), required=True,
                               validate=ma.validate.Length(min=1, max=batches.MAX_ROWS))

    def handle_error(self, error: ma.ValidationError, data, **kwargs):
        """Refusals named by row and field, `transfers.<index>.<field>`, as the
        service names them."""
        raise BatchRefused(_flatten(error.messages)) from None


def _flatten(messages, prefix: str = "") -> dict[str, list]:
    flat: dict[str, list] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema" and prefix:
                name = prefix
            flat.update(_flatten(value, name))
    else:
        values = messages if isinstance(messages, list) else [messages]
        flat[prefix or "_body"] = [str(v) for v in values if not isinstance(v, dict | list)]
        for value in values:
            if isinstance(value, dict | list):
                flat.update(_flatten(value, prefix))
    if not flat:
        flat["_body"] = [str(_l("The request is not valid; see errors for each field."))]
    return flat


class BatchTransferOut(TransferOut):
    slip = Int(allow_none=True)
    slip_date = ma.fields.Date(allow_none=True)


class BatchOut(ma.Schema):
    batch_id = Int()
    items = ma.fields.List(ma.fields.Nested(BatchTransferOut))


def batch_view(session, batch) -> dict:
    rows = batches.batch_transfers(session, batch.id)
    items = transfer_views([row.Transfer for row in rows])
    for item, row in zip(items, rows, strict=True):
        item.update(slip=row.slip, slip_date=row.slip_date)
    return {"batch_id": batch.id, "items": items}


@blp.route("/transfers/batch", methods=["POST"])
@write
@coordinator_only
@blp.arguments(BatchIn)
@blp.response(201, BatchOut)
def book_batch(data):
    """Book every transfer or none: any invalid row -> 422, a slip booked before -> 409."""
    rows = [Row(**row) for row in data["transfers"]]
    batch = batches.book_rows(db.session, current_actor(), rows, kind="api")
    return batch_view(db.session, batch)


# --- acting for someone (Vollmacht) -------------------------------------------------

class AuthorisationIn(ma.Schema):
    helper_id = strict_id(allow_none=True, load_default=None,
                          metadata={"description": "the member who may act for you"})
    office = ma.fields.Boolean(load_default=False,
                               metadata={"description": "the ring's coordinators"})


class AuthorisationOut(ma.Schema):
    id = Int()
    member_id = Int()
    helper_id = Int(allow_none=True, metadata={"description": "null: the office"})
    office = ma.fields.Boolean()
    granted_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    ended_by_id = Int(allow_none=True)


class AuthorisationsOut(ma.Schema):
    given = ma.fields.List(ma.fields.Nested(AuthorisationOut))
    helping = ma.fields.List(ma.fields.Nested(AuthorisationOut))


def authorisation_view(found) -> dict:
    return {"id": found.id, "member_id": found.member_id, "helper_id": found.helper_id,
            "office": found.helper_id is None, "granted_at": found.granted_at,
            "ended_at": found.ended_at, "ended_by_id": found.ended_by_id}


def _may_act_for(session, actor, member_id, **_ids):
    proxies.acting_for(session, actor, member_id)


@blp.route("/authorisations", methods=["GET"])
@blp.response(200, AuthorisationsOut)
def list_authorisations():
    """The authorisations you gave (current and ended), and those you may act on."""
    actor = current_actor()
    return {"given": [authorisation_view(a) for a in
                      db.session.scalars(proxies.granted_by(actor.member_id))],
            "helping": [authorisation_view(a) for a in
                        db.session.scalars(proxies.helping(actor))]}


@blp.route("/authorisations", methods=["POST"])
@write
@blp.arguments(AuthorisationIn)
@blp.response(201, AuthorisationOut)
def grant_authorisation(data):
    """Authorise a member of your ring (`helper_id`) or the office to act for you."""
    return authorisation_view(proxies.grant(db.session, current_actor(), **data))


@blp.route("/authorisations/<int:authorisation_id>/end", methods=["POST"])
@write
@may(proxies.get_authorisation)
@blp.response(200, AuthorisationOut)
def end_authorisation(authorisation_id):
    """End it at once: the member who gave it, the helper, or a coordinator."""
    return authorisation_view(proxies.end(db.session, current_actor(), authorisation_id))


@blp.route("/acting-for/<int:member_id>/talents", methods=["POST"])
@write
@may(_may_act_for)
@blp.arguments(TalentIn)
@blp.response(201, TalentOut)
def post_talent_for(data, member_id):
    actor = current_actor()
    return talent_view(proxies.act_for(db.session, actor, member_id, "talent.create",
                                       **talent_fields(data, actor.ring_id)))


@blp.route("/acting-for/<int:member_id>/talents/<int:talent_id>/renew", methods=["POST"])
@write
@may(_may_act_for)
@blp.response(200, TalentOut)
def renew_talent_for(member_id, talent_id):
    return talent_view(proxies.act_for(db.session, current_actor(), member_id, "talent.renew",
                                       talent_id))


@blp.route("/acting-for/<int:member_id>/exchanges", methods=["POST"])
@write
@may(_may_act_for)
@blp.arguments(ExchangeIn)
@blp.response(201, ExchangeOut)
def propose_for(data, member_id):
    return exchange_view(proxies.act_for(db.session, current_actor(), member_id,
                                         "exchange.propose", **data))


@blp.route("/acting-for/<int:member_id>/exchanges/<int:exchange_id>/confirm",
           methods=["POST"])
@write
@may(_may_act_for)
@blp.response(200, ExchangeOut)
def confirm_for(member_id, exchange_id):
    return exchange_view(proxies.act_for(db.session, current_actor(), member_id,
                                         "exchange.confirm", exchange_id))


@blp.route("/acting-for/<int:member_id>/exchanges/<int:exchange_id>/decline",
           methods=["POST"])
@write
@may(_may_act_for)
@blp.arguments(ReasonIn)
@blp.response(200, ExchangeOut)
def decline_for(data, member_id, exchange_id):
    return exchange_view(proxies.act_for(db.session, current_actor(), member_id,
                                         "exchange.decline", exchange_id, data["reason"]))
