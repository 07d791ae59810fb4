"""The per-ring SHA-256 hash chain over transfers.

Each transfer's hash covers its own fields and the hash of the transfer
before it in the same ring, so changing, removing or reordering any stored
transfer breaks every hash after it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from hashlib import sha256

from tauschring.rings.models import GENESIS_HASH

__all__ = ["GENESIS_HASH", "digest", "transfer_hash", "timestamp"]

# One encoder for all: building one per call would cost more than the hash.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def timestamp(moment: datetime | str) -> str:
    """One text form for a moment, whatever the engine hands back.

    SQLite returns naive UTC datetimes, or, read without SQLAlchemy's types,
    the stored text 'YYYY-MM-DD HH:MM:SS.ffffff'; PostgreSQL aware datetimes.
    """
    if isinstance(moment, str):
        if len(moment) == 26 and moment[10] == " ":
            return f"{moment[:10]}T{moment[11:]}Z"
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def transfer_hash(prev_hash: str, *, ring_id: int, seq: int, debit_account_id: int,
                  credit_account_id: int, minutes: int, memo: str,
                  booked_at: datetime | str, booked_by_id: int | None,
                  exchange_id: int | None, reverses_id: int | None,
                  override_reason: str | None) -> str:
    return digest(prev_hash, ring_id, seq, debit_account_id, credit_account_id, minutes, memo,
                  booked_at, booked_by_id, exchange_id, reverses_id, override_reason)


def digest(prev_hash, ring_id, seq, debit_account_id, credit_account_id, minutes, memo,
           booked_at, booked_by_id, exchange_id, reverses_id, override_reason) -> str:
    """transfer_hash with the fields in stored order: the audit's hot loop."""
    payload = _encode([ring_id, seq, debit_account_id, credit_account_id, minutes, memo,
                       timestamp(booked_at), booked_by_id, exchange_id, reverses_id,
                       override_reason])
    return sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()
