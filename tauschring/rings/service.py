"""Creating rings and finding them."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.i18n import _l
from tauschring.ledger.service import open_account
from tauschring.market.service import seed_categories
from tauschring.rings.models import Ring

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
LIMITS_CROSSED = _l("The lowest allowed balance must not be above the highest.")


def create_ring(session: Session, *, name: str, slug: str, unit_name: str = "Talente",
                default_min_balance: int | None = None,
                default_max_balance: int | None = None) -> Ring:
    """A new ring with its association account (the ring's own account)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid(_l("A ring needs a name of at most 120 characters."),
                      code="name_invalid", field="name")
    unit_name = (unit_name or "").strip() or "Talente"
    if len(unit_name) > 40:
        raise Invalid(_l("The unit's name may have at most 40 characters."),
                      code="unit_name_invalid", field="unit_name")
    if not SLUG.fullmatch(slug or ""):  # whole: "$" alone lets a trailing newline in
        raise Invalid(_l("The short name for addresses may hold lower-case letters, digits "
                         "and dashes only."), code="slug_invalid", field="slug")
    if (default_min_balance is not None and default_max_balance is not None
            and default_min_balance > default_max_balance):
        raise Invalid(LIMITS_CROSSED, code="limits_crossed", field="default_min_balance")
    if session.scalar(select(Ring.id).where(Ring.slug == slug)) is not None:
        raise Conflict(_l("A ring with the short name %(slug)s exists already.",
                          slug=repr(slug)), code="slug_taken", field="slug")
    ring = Ring(name=name, slug=slug, unit_name=unit_name,
                default_min_balance=default_min_balance,
                default_max_balance=default_max_balance)
    session.add(ring)
    session.flush()
    open_account(session, ring_id=ring.id, kind="association")
    seed_categories(session, ring.id)
    return ring


def ring_by_slug(session: Session, slug: str) -> Ring:
    ring = session.scalars(select(Ring).where(Ring.slug == slug)).first()
    if ring is None:
        raise NotFound(_l("There is no ring with the short name %(slug)s.", slug=repr(slug)),
                       code="ring_not_found", field="ring")
    return ring


def all_rings(session: Session) -> list[Ring]:
    return list(session.scalars(select(Ring).order_by(Ring.id)))


def create_ring_by_admin(session: Session, actor: Actor, **fields) -> Ring:
    require_admin(actor)
    ring = create_ring(session, **fields)
    auditlog.record(session, ring_id=ring.id, actor_id=actor.member_id, action="ring.create",
                    subject=f"ring:{ring.id}", slug=ring.slug)
    return ring


def require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise Forbidden(_l("Only an admin of this instance may do this."), code="admin_only")


# Settings a coordinator may change, with their checks.
SETTINGS = ("name", "description", "contact_email", "unit_name", "default_min_balance",
            "default_max_balance", "starting_credit", "registration_open", "household_size",
            "talent_lifetime_days", "dispute_window_days", "auto_confirm_days", "fee_minutes",
            "fee_period")


def update_settings(session: Session, actor: Actor, **changes) -> Ring:
    """Change the ring's settings; every change is recorded in the audit log."""
    actor.require_coordinator()
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise Invalid(_l("Unknown setting %(name)s.", name=repr(sorted(unknown)[0])),
                      code="unknown_field", field=sorted(unknown)[0])
    ring = session.get(Ring, actor.ring_id, with_for_update=True)
    before = {name: getattr(ring, name) for name in changes}
    for name, value in changes.items():
        _check_setting(name, value)
        setattr(ring, name, value.strip() if isinstance(value, str) else value)
    if (ring.default_min_balance is not None and ring.default_max_balance is not None
            and ring.default_min_balance > ring.default_max_balance):
        raise Invalid(LIMITS_CROSSED, code="limits_crossed", field="default_min_balance")
    auditlog.record(session, ring_id=ring.id, actor_id=actor.member_id,
                    action="ring.settings", subject=f"ring:{ring.id}", before=before,
                    after={name: getattr(ring, name) for name in changes})
    session.flush()
    return ring


def _check_setting(name: str, value) -> None:
    text_limits = {"name": 120, "description": 5000, "contact_email": 254, "unit_name": 40}
    if name in text_limits:
        if not isinstance(value, str) or len(value.strip()) > text_limits[name] or (
                name in ("name", "unit_name") and not value.strip()):
            raise Invalid(_l("Text of 1 to %(max)d characters, please.",
                             max=text_limits[name]), code="setting_invalid", field=name)
    elif name == "registration_open":
        if not isinstance(value, bool):
            raise Invalid(_l("Yes or no, please."), code="setting_invalid", field=name)
    elif name == "fee_period":
        if value not in ("month", "year"):
            raise Invalid(_l("Per month or per year, please."), code="setting_invalid",
                          field=name)
    else:
        nullable = name.startswith("default_")
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_l("A whole number, please."), code="setting_invalid", field=name)
        low, high = NUMBER_RANGES[name]
        if not low <= value <= high:
            raise Invalid(_l("A number from %(low)d to %(high)d, please.", low=low, high=high),
                          code="setting_invalid", field=name)


# Bounds of the numeric settings: sensible, and inside the database's columns.
NUMBER_RANGES = {
    "default_min_balance": (-10**9, 10**9),
    "default_max_balance": (-10**9, 10**9),
    "starting_credit": (0, 100_000),
    "household_size": (1, 100),
    "talent_lifetime_days": (0, 36_500),
    "dispute_window_days": (0, 3_650),
    "auto_confirm_days": (0, 365),
    "fee_minutes": (0, 100_000),
}


# --- the admin's view across rings ---------------------------------------------

def ring_summaries(session: Session, actor: Actor) -> list[dict]:
    """Every ring with its member counts and the sum of its balances (0 when sound)."""
    from tauschring.ledger.models import Account
    from tauschring.members.models import Member

    require_admin(actor)
    members = dict(session.execute(
        select(Member.ring_id, func.count(Member.id)).where(Member.status != "left")
        .group_by(Member.ring_id)).all())
    active = dict(session.execute(
        select(Member.ring_id, func.count(Member.id)).where(Member.status == "active")
        .group_by(Member.ring_id)).all())
    sums = dict(session.execute(
        select(Account.ring_id, func.sum(Account.balance)).group_by(Account.ring_id)).all())
    return [{"ring": ring, "members": members.get(ring.id, 0), "active": active.get(ring.id, 0),
             "sum_of_balances": int(sums.get(ring.id) or 0)}
            for ring in all_rings(session)]


def get_ring(session: Session, actor: Actor, ring_id: int) -> Ring:
    """Any ring, for an admin."""
    require_admin(actor)
    ring = session.get(Ring, ring_id)
    if ring is None:
        raise NotFound(_l("Ring %(id)s does not exist.", id=ring_id), code="ring_not_found")
    return ring
