"""Members: creating them, finding them."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tauschring.db import utcnow
from tauschring.errors import Conflict, Invalid, NotFound
from tauschring.ledger.service import open_account
from tauschring.members.models import ROLES, Member
from tauschring.members.passwords import hash_password

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid(f"The password needs at least {MIN_PASSWORD} characters.",
                      code="password_too_short", field="password")
    if len(password) > 1024:
        raise Invalid("The password is too long.", code="password_too_long", field="password")


def create_member(session: Session, *, ring_id: int, name: str, email: str, password: str,
                  role: str = "member", status: str = "active",
                  account_id: int | None = None) -> Member:
    """A member with a new account of its own, or sharing `account_id` (a household).

    An active member's account is open; a pending member's waits for admission.
    """
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid("A member needs a name of at most 120 characters.",
                      code="name_invalid", field="name")
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise Invalid("This is not an e-mail address.", code="email_invalid", field="email")
    if role not in ROLES:
        raise Invalid(f"The role must be one of {', '.join(ROLES)}.", code="role_invalid",
                      field="role")
    check_password_strength(password)
    if session.scalar(select(Member.id).where(func.lower(Member.email) == email)) is not None:
        raise Conflict("A member with this e-mail address exists already.",
                       code="email_taken", field="email")
    if account_id is None:
        account_id = open_account(session, ring_id=ring_id,
                                  status="open" if status == "active" else "pending").id
    member = Member(ring_id=ring_id, account_id=account_id, name=name, email=email,
                    password_hash=hash_password(password), role=role, status=status,
                    joined_on=utcnow().date() if status == "active" else None)
    session.add(member)
    session.flush()
    return member


def member_by_email(session: Session, email: str) -> Member | None:
    return session.scalars(select(Member).where(Member.email == normalise_email(email))).first()


def get_member(session: Session, ring_id: int, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.ring_id != ring_id:
        raise NotFound(f"Member {member_id} does not exist.", code="member_not_found")
    return member
