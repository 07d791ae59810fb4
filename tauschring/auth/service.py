"""Logging in: passwords, bearer tokens and throttling of guesses."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session, lazyload

from tauschring.auth.models import ApiToken, LoginFailure
from tauschring.auth.sessions import digest as _digest
from tauschring.auth.sessions import start_session
from tauschring.db import utcnow
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


# One query for token and member, built once: it runs before every API request. The
# member's ring is loaded when something asks for it, not joined into every request.
_TOKEN_MEMBER = (select(Member, ApiToken.expires_at)
                 .join(ApiToken, ApiToken.member_id == Member.id)
                 .where(ApiToken.token_hash == bindparam("digest"))
                 .options(lazyload(Member.ring)))


def member_for_token(session: Session, token: str) -> Member | None:
    row = session.execute(_TOKEN_MEMBER, {"digest": _digest(token)}).first()
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    member = row.Member
    if member.status == "left":
        return None
    return member


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def forget_old_failures(session: Session) -> None:
    since = utcnow() - timedelta(minutes=_settings().login_window_minutes)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
