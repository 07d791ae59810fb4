"""Logging in: passwords, bearer tokens and throttling of guesses."""

from __future__ import annotations

import contextlib
import math
import secrets
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from tauschring.auth.models import ApiToken, LoginFailure
from tauschring.auth.sessions import digest as _digest
from tauschring.auth.sessions import start_session
from tauschring.db import driver_cursor, utcnow
from tauschring.errors import Throttled
from tauschring.i18n import _l
from tauschring.members.models import Member
from tauschring.members.passwords import dummy_verify, verify_password
from tauschring.members.service import member_by_email, normalise_email

# After the free attempts, each further failure of the same (e-mail, client
# address) pair doubles the pause before the next try, up to the window.
FIRST_PAUSE_SECONDS = 30


def _settings():
    return current_app.config["TAUSCHRING"]


def check_throttle(session: Session, email: str, remote_addr: str) -> None:
    """Throttle guesses, not people: only the pair that failed waits, so the
    member logging in from elsewhere, and everybody behind the same proxy
    with their own address, still get in."""
    settings = _settings()
    now = utcnow()
    failures, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.failed_at)).where(
            LoginFailure.email == email[:254], LoginFailure.remote_addr == remote_addr[:64],
            LoginFailure.failed_at >= now - timedelta(minutes=settings.login_window_minutes))
    ).one()
    beyond = failures - settings.login_max_failures
    if beyond < 0:
        return
    pause = min(FIRST_PAUSE_SECONDS * 2 ** min(beyond, 30), settings.login_window_minutes * 60)
    wait = (_aware(last) + timedelta(seconds=pause) - now).total_seconds()
    if wait > 0:
        raise Throttled(_l("Too many failed attempts to log in. Please wait a while."),
                        retry_after=max(1, math.ceil(wait)))


def authenticate(session: Session, *, email: str, password: str,
                 remote_addr: str) -> Member | None:
    """The member with these credentials, or None (and the failure is counted)."""
    email = normalise_email(email)
    remote_addr = remote_addr or ""
    check_throttle(session, email, remote_addr)
    member = member_by_email(session, email)
    if member is None:
        dummy_verify(password or "")
    elif verify_password(member.password_hash, password or "") and member.status != "left":
        session.execute(delete(LoginFailure).where(LoginFailure.email == email,
                                                   LoginFailure.remote_addr == remote_addr[:64]))
        return member
    session.add(LoginFailure(email=email[:254], remote_addr=remote_addr[:64]))
    session.flush()
    return None


def log_in(session: Session, *, email: str, password: str,
           remote_addr: str) -> tuple[Member, str] | None:
    """A web log-in: the member and the key of a new server-side session."""
    member = authenticate(session, email=email, password=password, remote_addr=remote_addr)
    if member is None:
        return None
    member.last_login_at = utcnow()
    return member, start_session(session, member.id)


def issue_token(session: Session, *, email: str, password: str,
                remote_addr: str) -> tuple[str, Member] | None:
    member = authenticate(session, email=email, password=password, remote_addr=remote_addr)
    if member is None:
        return None
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=_settings().token_lifetime_days)
    session.add(ApiToken(member_id=member.id, token_hash=_digest(token),
                         expires_at=utcnow() + lifetime))
    session.flush()
    return token, member


# Before every API request, so read through the driver: SQLAlchemy's execution and
# the ORM's load cost more than the query (bench/ledger.py, HTTP bookings).
_MEMBER_FIELDS = [(prop.key, prop.columns[0]) for prop in Member.__mapper__.column_attrs]
_TOKEN_SQL = ("SELECT t.expires_at, " + ", ".join(f"m.{c.name}" for _, c in _MEMBER_FIELDS)
              + " FROM api_tokens t JOIN members m ON m.id = t.member_id"
              " WHERE t.token_hash = {p}")
_new_member = Member.__mapper__.class_manager.new_instance
_readers: dict[str, list] = {}  # per dialect: each column's conversion of what the driver gives


def member_for_token(session: Session, token: str) -> Member | None:
    """The token's member, loaded into `session`; None if the token is unknown or
    expired, or the member has left."""
    bind = session.get_bind()
    dialect = bind.dialect
    sqlite = dialect.name == "sqlite"
    # SQLite: one statement, no BEGIN and ROLLBACK around it: a request that reads
    # nothing else (a booking: the queue writes) touches the session no more.
    own = bind.connect() if sqlite and not session.in_transaction() else \
        contextlib.nullcontext(session.connection())
    with own as connection, driver_cursor(connection) as (_, cursor):
        row = cursor.execute(_TOKEN_SQL.format(p="?" if sqlite else "%s"),
                             (_digest(token),)).fetchone()
    if row is None:
        return None
    expires_at, *values = _read(dialect, row)
    if expires_at <= utcnow():
        return None
    fields = {key: value for (key, _), value in zip(_MEMBER_FIELDS, values, strict=True)}
    if fields["status"] == "left":
        return None
    member = session.identity_map.get(identity_key(Member, fields["id"]))
    if member is None:
        member = _new_member()  # as a load builds it: no field recorded as changed
        member.__dict__.update(fields)
        make_transient_to_detached(member)
        session.add(member)
    return member


def _read(dialect, row) -> list:
    readers = _readers.get(dialect.name)
    if readers is None:
        columns = [ApiToken.__table__.c.expires_at, *(c for _, c in _MEMBER_FIELDS)]
        readers = _readers[dialect.name] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
    return [value if read is None else read(value)
            for read, value in zip(readers, row, strict=True)]


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def forget_old_failures(session: Session) -> None:
    since = utcnow() - timedelta(minutes=_settings().login_window_minutes)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
