"""API door to the ledger: accounts, entries, transfers, audit."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only, may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import in_unit_of_work, write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.db import db
from tauschring.ledger import queries, service
from tauschring.ledger.audit import audit_ring
from tauschring.limits import ID_MAX, MINUTES_MAX
from tauschring.paging import page_of
from tauschring.rings.models import Ring

blp = Blueprint("ledger", __name__, url_prefix="/api/v1",
                description="Accounts, entries, transfers and the audit")


# --- what the ledger API reads and writes ------------------------------------------

Int = ma.fields.Integer


def strict_int(**kwargs):
    """Whole numbers only: 90, not 90.5, "90" or true."""
    return Int(strict=True, **kwargs)


def strict_id(**kwargs):
    """An id in a JSON body: a whole number the database can hold."""
    return strict_int(validate=ma.validate.Range(min=1, max=ID_MAX), **kwargs)


def strict_limit(**kwargs):
    """A balance limit in minutes (negative allowed), within what clients read exactly."""
    return strict_int(validate=ma.validate.Range(min=-MINUTES_MAX, max=MINUTES_MAX), **kwargs)


class PeriodArgs(PageArgs):
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")


class AccountsArgs(PageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf(["member", "association", "clearing"]))


class TransfersArgs(PeriodArgs):
    # From the query string, so "5" is the number 5 (strict would refuse every value).
    account_id = Int(validate=ma.validate.Range(min=1, max=ID_MAX))


class AccountOut(ma.Schema):
    id = Int()
    ring_id = Int()
    kind = ma.fields.String()
    member_id = Int(allow_none=True, metadata={"description": "first holder (households)"})
    member_ids = ma.fields.List(Int())
    balance = Int()
    min_balance = Int(allow_none=True, metadata={"description": "in force; null: none"})
    max_balance = Int(allow_none=True)
    own_min_balance = Int(allow_none=True, metadata={"description": "null: ring default"})
    own_max_balance = Int(allow_none=True)
    status = ma.fields.String()


class LimitsIn(ma.Schema):
    min_balance = strict_limit(allow_none=True)
    max_balance = strict_limit(allow_none=True)
    override_limits = ma.fields.Boolean(load_default=False)
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


class EntryOut(ma.Schema):
    transfer_id = Int()
    booked_at = ma.fields.AwareDateTime()
    minutes = Int(metadata={"description": "+ credit, - debit"})
    balance_after = Int()
    counterparty_account_id = Int()
    memo = ma.fields.String()
    exchange_id = Int(allow_none=True)


class TransferIn(ma.Schema):
    debit_account_id = strict_id(required=True)
    credit_account_id = strict_id(required=True)
    minutes = strict_int(required=True)
    memo = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    override_limits = ma.fields.Boolean(load_default=False)
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


class ReverseIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    override_limits = ma.fields.Boolean(load_default=False)


class TransferOut(ma.Schema):
    id = Int()
    seq = Int(metadata={"description": "position in the ring's hash chain"})
    debit_account_id = Int()
    credit_account_id = Int()
    minutes = Int()
    memo = ma.fields.String()
    booked_at = ma.fields.AwareDateTime()
    booked_by = Int(attribute="booked_by_id", allow_none=True)
    exchange_id = Int(allow_none=True)
    reverses_id = Int(allow_none=True)
    reversed_by_id = Int(allow_none=True)
    override_reason = ma.fields.String(allow_none=True)
    hash = ma.fields.String()


AccountPage = page_schema(AccountOut, "AccountPage")
EntryPage = page_schema(EntryOut, "EntryPage")
TransferPage = page_schema(TransferOut, "TransferPage")


class ChainOut(ma.Schema):
    ok = ma.fields.Boolean()
    length = Int()
    head = ma.fields.String()
    first_bad_transfer_id = Int(allow_none=True)
    problem = ma.fields.String(allow_none=True)


class PartnerMirrorOut(ma.Schema):
    """A partner ring's clearing account and whether the two mirror each other."""

    ring = ma.fields.String()
    ring_id = Int()
    ring_name = ma.fields.String()
    status = ma.fields.String()
    credit_line = Int()
    clearing_account_id = Int()
    clearing_balance = Int()
    partner_clearing_balance = Int()
    mirrored = ma.fields.Boolean()


class AuditOut(ma.Schema):
    ok = ma.fields.Boolean()
    ring_id = Int()
    accounts = Int()
    transfers = Int()
    sum_of_balances = Int()
    mismatched_accounts = ma.fields.List(ma.fields.Dict())
    limit_violations = ma.fields.List(ma.fields.Dict())
    entries = ma.fields.Dict()
    chain = ma.fields.Nested(ChainOut)
    partners = ma.fields.List(ma.fields.Nested(PartnerMirrorOut), metadata={
        "description": "each partner ring: the clearing balances, and whether they mirror"})


# --- endpoints --------------------------------------------------------------------

def account_views(accounts) -> list[dict]:
    if not accounts:
        return []
    ring = db.session.get(Ring, accounts[0].ring_id)
    holders = queries.holders(db.session, [a.id for a in accounts])
    views = []
    for account in accounts:
        low, high = service.effective_limits(account, ring)
        members = holders.get(account.id, [])
        views.append({
            "id": account.id, "ring_id": account.ring_id, "kind": account.kind,
            "member_id": members[0] if members else None, "member_ids": members,
            "balance": account.balance, "min_balance": low, "max_balance": high,
            "own_min_balance": account.min_balance, "own_max_balance": account.max_balance,
            "status": account.status,
        })
    return views


def transfer_views(transfers, new: bool = False) -> list[dict]:
    """new: transfers booked just now, which nothing reverses yet."""
    reversals = {} if new else queries.reversed_by(db.session, [t.id for t in transfers])
    return [{"id": t.id, "seq": t.seq, "debit_account_id": t.debit_account_id,
             "credit_account_id": t.credit_account_id, "minutes": t.minutes, "memo": t.memo,
             "booked_at": t.booked_at, "booked_by_id": t.booked_by_id,
             "exchange_id": t.exchange_id, "reverses_id": t.reverses_id,
             "reversed_by_id": reversals.get(t.id), "override_reason": t.override_reason,
             "hash": t.hash}
            for t in transfers]


@blp.route("/accounts", methods=["GET"])
@coordinator_only
@blp.arguments(AccountsArgs, location="query")
@blp.response(200, AccountPage)
def list_accounts(args):
    statement = queries.accounts_of_ring(current_actor(), args.get("kind"))
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"])
    page["items"] = account_views(page["items"])
    return page


@blp.route("/accounts/<int:account_id>", methods=["GET"])
@blp.response(200, AccountOut)
def get_account(account_id):
    return account_views([service.get_account(db.session, current_actor(), account_id)])[0]


@blp.route("/accounts/<int:account_id>", methods=["PATCH"])
@write
@may(service.check_may_set_limits)
@blp.arguments(LimitsIn)
@blp.response(200, AccountOut)
def set_limits(data, account_id):
    account = service.set_limits(db.session, current_actor(), account_id=account_id, **data)
    return account_views([account])[0]


@blp.route("/accounts/<int:account_id>/entries", methods=["GET"])
@may(service.get_account)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, EntryPage)
def list_entries(args, account_id):
    statement = queries.entries_of_account(db.session, current_actor(), account_id,
                                           args.get("start"), args.get("end"))
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"],
                   scalars=False)
    page["items"] = [row._asdict() for row in page["items"]]
    return page


@blp.route("/transfers", methods=["POST"])
@write(commits_itself=True)
@coordinator_only
@blp.arguments(TransferIn())  # one instance for every request: the hot path
@blp.response(201, TransferOut)
def create_transfer(data):
    if in_unit_of_work():  # with an Idempotency-Key: booked with the key's claim
        transfer = service.book_by_coordinator(db.session, current_actor(), **data)
    else:  # committed at once, with the ring's other bookings of the moment
        transfer = service.book_by_coordinator_now(current_actor(), **data)
    return transfer_views([transfer], new=True)[0]


@blp.route("/transfers/<int:transfer_id>/reverse", methods=["POST"])
@write
@may(service.check_may_reverse)
@blp.arguments(ReverseIn)
@blp.response(201, TransferOut)
def reverse_transfer(data, transfer_id):
    reversal = service.reverse(db.session, current_actor(), transfer_id=transfer_id, **data)
    return transfer_views([reversal])[0]


@blp.route("/transfers", methods=["GET"])
@coordinator_only
@blp.arguments(TransfersArgs, location="query")
@blp.response(200, TransferPage)
def list_transfers(args):
    statement = queries.transfers_of_ring(current_actor(), args.get("account_id"),
                                          args.get("start"), args.get("end"))
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"])
    page["items"] = transfer_views(page["items"])
    return page


@blp.route("/transfers/<int:transfer_id>", methods=["GET"])
@blp.response(200, TransferOut)
def get_transfer(transfer_id):
    actor = current_actor()
    actor.require_coordinator()
    return transfer_views([service.get_transfer(db.session, actor.ring_id, transfer_id)])[0]


@blp.route("/audit", methods=["GET"])
@blp.response(200, AuditOut)
def audit():
    actor = current_actor()
    actor.require_coordinator()
    return audit_ring(db.session, actor.ring_id)
