"""Idempotency-Key for unsafe POSTs, and the transaction around API writes.

The key is claimed, the work done and the response stored in one
transaction: a retried request returns the stored response and books
nothing; the same key with another body is a conflict. Only successful
responses are stored; a refused request changed nothing and may be retried.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps
from urllib.parse import urlencode

from flask import Response, g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring.api.auth import current_member
from tauschring.api.models import IdempotentResponse
from tauschring.db import RetryTransaction, atomic
from tauschring.errors import Conflict, Invalid
from tauschring.i18n import _l

HEADER = "Idempotency-Key"


def request_fingerprint() -> str:
    """Method, path, query and body: whatever may change what the request does.

    The query takes part because it can (POST /imports/members?dry_run=...); its
    parameters are sorted, so their order does not matter. Without a query the
    fingerprint is what it was before the query counted, so keys stored then
    still replay.
    """
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except (ValueError, UnicodeDecodeError):
        body = raw.decode("latin-1")
    target = request.path
    parameters = sorted(request.args.items(multi=True))
    if parameters:
        target += "?" + urlencode(parameters)
    return hashlib.sha256(f"{request.method} {target}\n{body}".encode()).hexdigest()


def idempotency_key() -> str | None:
    """The request's Idempotency-Key (None without one), refused when malformed."""
    key = request.headers.get(HEADER)
    if key is not None and not (0 < len(key) <= 255 and key.isprintable()):
        raise Invalid(_l("The Idempotency-Key must have 1 to 255 printable characters."),
                      code="idempotency_key_invalid", field=HEADER)
    return key


def write(view=None, /, *, commits_itself: bool = False):
    """Run an API view inside `atomic`, honouring an Idempotency-Key.

    commits_itself: without a key, the view runs outside `atomic` and commits
    its own work (e.g. a booking through the ring's group-commit queue); it
    asks `in_unit_of_work()` which way it was called.
    """
    if view is None:
        return lambda view: write(view, commits_itself=commits_itself)

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = idempotency_key()
        if commits_itself and (key is None or getattr(g, "api_member", None) is None):
            return view(*args, **kwargs)

        def unit(session: Session) -> Response:
            g.unit_of_work = True
            # A key belongs to a caller; an anonymous request (registration)
            # has none to remember it by, and its refusals protect it anyway.
            if key is None or getattr(g, "api_member", None) is None:
                return view(*args, **kwargs)
            member = current_member()
            fingerprint = request_fingerprint()
            stored = session.scalars(select(IdempotentResponse).where(
                IdempotentResponse.member_id == member.id,
                IdempotentResponse.key == key)).first()
            if stored is not None:
                if stored.request_hash != fingerprint:
                    raise Conflict(_l("This Idempotency-Key was used with another request."),
                                   code="idempotency_key_reused")
                replay = Response(stored.body, status=stored.status,
                                  mimetype="application/json")
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            claim = IdempotentResponse(member_id=member.id, key=key,
                                       request_hash=fingerprint, status=0, body="")
            session.add(claim)
            try:
                session.flush()
            except IntegrityError:
                # Another request with this key is committing right now; start
                # over and answer with what it stored.
                raise RetryTransaction() from None
            response = view(*args, **kwargs)
            if response.status_code >= 300:
                raise AssertionError("write views answer errors by raising")
            claim.status, claim.body = response.status_code, response.get_data(as_text=True)
            session.flush()
            return response

        return atomic(unit)

    return wrapper


def in_unit_of_work() -> bool:
    """Whether the view runs inside `write`'s transaction (else it commits itself)."""
    return getattr(g, "unit_of_work", False)
