"""The pure helpers under the ledger: the transfer hash and the limits in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tauschring.ledger.chain import GENESIS_HASH, timestamp, transfer_hash
from tauschring.ledger.models import Account
from tauschring.ledger.service import effective_limits
from tauschring.rings.models import Ring

MOMENT = datetime(2026, 11, 27, 11, 13, 42, 748397, tzinfo=UTC)
RECORD = dict(ring_id=1, seq=7, debit_account_id=3, credit_account_id=4, minutes=90,
              memo="Fenster geputzt – danke!", booked_at=MOMENT, booked_by_id=2,
              exchange_id=None, reverses_id=None, override_reason=None)


def test_hash_is_deterministic_and_hex():
    first = transfer_hash(GENESIS_HASH, **RECORD)
    assert first == transfer_hash(GENESIS_HASH, **dict(RECORD))
    assert len(first) == 64 and int(first, 16) >= 0


def test_hash_is_the_same_for_the_same_moment_in_any_form():
    """SQLite hands back naive UTC, PostgreSQL an aware time, maybe in another zone."""
    naive = MOMENT.replace(tzinfo=None)
    elsewhere = MOMENT.astimezone(timezone(timedelta(hours=2)))
    hashes = {transfer_hash(GENESIS_HASH, **{**RECORD, "booked_at": moment})
              for moment in (MOMENT, naive, elsewhere)}
    assert len(hashes) == 1
    assert timestamp(naive) == timestamp(elsewhere) == "2026-11-27T11:13:42.748397Z"


@pytest.mark.parametrize("field, value", [
    ("ring_id", 2), ("seq", 8), ("debit_account_id", 4), ("credit_account_id", 3),
    ("minutes", 91), ("memo", "Fenster geputzt – danke"), ("booked_by_id", None),
    ("exchange_id", 5), ("reverses_id", 6), ("override_reason", "Härtefall"),
    ("booked_at", MOMENT + timedelta(microseconds=1)),
])
def test_every_field_is_covered_by_the_hash(field, value):
    assert transfer_hash(GENESIS_HASH, **{**RECORD, field: value}) != transfer_hash(
        GENESIS_HASH, **RECORD)


def test_hash_depends_on_the_previous_one():
    first = transfer_hash(GENESIS_HASH, **RECORD)
    assert transfer_hash(first, **RECORD) != first


def test_null_and_empty_are_told_apart():
    assert transfer_hash(GENESIS_HASH, **{**RECORD, "override_reason": ""}) != transfer_hash(
        GENESIS_HASH, **RECORD)



@pytest.mark.parametrize("kind, own, ring, expected", [
    ("member", (None, None), (-600, 1200), (-600, 1200)),   # the ring's defaults
    ("member", (-100, None), (-600, 1200), (-100, 1200)),   # one side own
    ("member", (None, 300), (-600, 1200), (-600, 300)),
    ("member", (-50, 50), (None, None), (-50, 50)),
    ("member", (None, None), (None, None), (None, None)),   # no limits at all
    ("association", (None, None), (-600, 1200), (None, None)),  # defaults: members only
    ("association", (-5000, None), (-600, 1200), (-5000, None)),
])
def test_limits_in_force(kind, own, ring, expected):
    account = Account(kind=kind, min_balance=own[0], max_balance=own[1])
    assert effective_limits(account, Ring(default_min_balance=ring[0],
                                          default_max_balance=ring[1])) == expected
