"""The per-ring SHA-256 hash chain over transfers.

Each transfer's hash covers its own fields and the hash of the transfer
before it in the same ring, so changing, removing or reordering any stored
transfer breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from tauschring.rings.models import GENESIS_HASH

__all__ = ["GENESIS_HASH", "transfer_hash", "timestamp"]


def timestamp(moment: datetime) -> str:
    """One text form for a moment, whatever the engine hands back."""
    if moment.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transfer_hash(prev_hash: str, *, ring_id: int, seq: int, debit_account_id: int,
                  credit_account_id: int, minutes: int, memo: str, booked_at: datetime,
                  booked_by_id: int | None, exchange_id: int | None, reverses_id: int | None,
                  override_reason: str | None) -> str:
    record = [ring_id, seq, debit_account_id, credit_account_id, minutes, memo,
              timestamp(booked_at), booked_by_id, exchange_id, reverses_id, override_reason]
    payload = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()
