"""Logging in: passwords, bearer tokens and throttling of guesses."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tauschring.auth.models import ApiToken, LoginFailure
from tauschring.db import utcnow
from tauschring.errors import Throttled
from tauschring.i18n import _l
from tauschring.members.models import Member
from tauschring.members.passwords import dummy_verify, verify_password
from tauschring.members.service import member_by_email, normalise_email

# One address may try this many times the per-email allowance (an office PC
# shared by many seniors should not lock them all out at once).
PER_ADDRESS_FACTOR = 4


def _settings():
    return current_app.config["TAUSCHRING"]


def check_throttle(session: Session, email: str, remote_addr: str) -> None:
    settings = _settings()
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    by_email = session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.email == email, LoginFailure.failed_at >= since))
    by_addr = session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.remote_addr == remote_addr, LoginFailure.failed_at >= since))
    if (by_email >= settings.login_max_failures
            or by_addr >= settings.login_max_failures * PER_ADDRESS_FACTOR):
        raise Throttled(_l("Too many failed attempts to log in. Please wait a while."),
                        retry_after=settings.login_window_minutes * 60)


def authenticate(session: Session, *, email: str, password: str,
                 remote_addr: str) -> Member | None:
    """The member with these credentials, or None (and the failure is counted)."""
    email = normalise_email(email)
    check_throttle(session, email, remote_addr)
    member = member_by_email(session, email)
    if member is None:
        dummy_verify(password or "")
    elif verify_password(member.password_hash, password or "") and member.status != "left":
        session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        return member
    session.add(LoginFailure(email=email[:254], remote_addr=(remote_addr or "")[:64]))
    session.flush()
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def member_for_token(session: Session, token: str) -> Member | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    member = session.get(Member, row.member_id)
    if member is None or member.status == "left":
        return None
    return member


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def forget_old_failures(session: Session) -> None:
    since = utcnow() - timedelta(minutes=_settings().login_window_minutes)
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
