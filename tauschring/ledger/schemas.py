"""What the ledger API reads and writes (marshmallow)."""

from __future__ import annotations

import marshmallow as ma

from tauschring.api.limits import ID_MAX, MINUTES_MAX
from tauschring.api.pagination import PageArgs, page_schema

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
    kind = ma.fields.String(validate=ma.validate.OneOf(["member", "association"]))


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
