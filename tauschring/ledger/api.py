"""API door to the ledger: accounts, entries, transfers, audit."""

from __future__ import annotations

from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only, may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.api.pagination import page_of
from tauschring.db import db
from tauschring.ledger import queries, service
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.schemas import (
    AccountOut,
    AccountPage,
    AccountsArgs,
    AuditOut,
    EntryPage,
    LimitsIn,
    PeriodArgs,
    ReverseIn,
    TransferIn,
    TransferOut,
    TransferPage,
    TransfersArgs,
)
from tauschring.rings.models import Ring

blp = Blueprint("ledger", __name__, url_prefix="/api/v1",
                description="Accounts, entries, transfers and the audit")


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


def transfer_views(transfers) -> list[dict]:
    reversals = queries.reversed_by(db.session, [t.id for t in transfers])
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
@write
@coordinator_only
@blp.arguments(TransferIn)
@blp.response(201, TransferOut)
def create_transfer(data):
    transfer = service.book_by_coordinator(db.session, current_actor(), **data)
    return transfer_views([transfer])[0]


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
