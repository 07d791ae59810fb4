"""Web sessions and bearer tokens that end on the server.

The browser's session cookie carries a random key; only its SHA-256 is
stored. Logging out deletes that key; a new password, a suspension or
leaving deletes every key and token of the member, so copies of a cookie or
a token stop working at once.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from tauschring.auth.models import ApiToken, LoginSession
from tauschring.members.models import Member


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(session: Session, member_id: int) -> str:
    """A new log-in for the member; returns the key the cookie carries."""
    key = secrets.token_urlsafe(32)
    session.add(LoginSession(member_id=member_id, key_hash=digest(key)))
    session.flush()
    return key


# Every page asks it: built once, sent with the request's values.
_MEMBER_OF_SESSION = (select(Member)
                      .join(LoginSession, LoginSession.member_id == Member.id)
                      .where(LoginSession.key_hash == bindparam("key_hash"),
                             Member.id == bindparam("member_id")))


def member_of_session(session: Session, member_id: int, key: str):
    """The member `member_id` if the session key is still theirs, in one statement
    (the member with its ring, as `session.get` loads it); else None."""
    return session.scalar(_MEMBER_OF_SESSION,
                          {"key_hash": digest(key), "member_id": member_id})


def end_session(session: Session, key: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.key_hash == digest(key)))


def end_everything(session: Session, member_id: int) -> None:
    """End every web session and bearer token of the member."""
    session.execute(delete(LoginSession).where(LoginSession.member_id == member_id))
    session.execute(delete(ApiToken).where(ApiToken.member_id == member_id))
