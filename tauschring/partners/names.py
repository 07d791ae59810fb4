"""How statements, reports and transfer lists name a clearing account: by the
partner ring it stands for (and, for one booking, the partner member).

Only models here, read with plain selects that a Session and a Connection
both run (the ledger names accounts in its refusals while it books), so the
ledger can import this module without importing the partner services.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from tauschring.i18n import _l
from tauschring.partners.models import Partnership
from tauschring.rings.models import Ring


def partner_rings_by_account(session, account_ids) -> dict[int, Ring]:
    """clearing account id -> the partner ring it stands for, for those of
    `account_ids` that are clearing accounts."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    found: dict[int, int] = {}
    for a_account, b_account, ring_a, ring_b in session.execute(
            select(Partnership.a_account_id, Partnership.b_account_id, Partnership.ring_a_id,
                   Partnership.ring_b_id)
            .where(or_(Partnership.a_account_id.in_(ids), Partnership.b_account_id.in_(ids)))):
        if a_account in ids:
            found[a_account] = ring_b
        if b_account in ids:
            found[b_account] = ring_a
    rings = {ring.id: ring for ring in session.scalars(
        select(Ring).where(Ring.id.in_(sorted(set(found.values())))))} if found else {}
    return {account_id: rings[ring_id] for account_id, ring_id in found.items()}


def partner_ring_name(connection, account_id: int) -> str | None:
    """The name of the partner ring a clearing account stands for (or None)."""
    return connection.execute(
        select(Ring.name).where(or_(
            (Partnership.a_account_id == account_id) & (Ring.id == Partnership.ring_b_id),
            (Partnership.b_account_id == account_id) & (Ring.id == Partnership.ring_a_id)))
    ).scalar()


def partner_label(ring_name: str, member_name: str | None = None):
    """The other side of a booking across rings: the partner ring, and the
    partner member when the exchange names one."""
    if member_name:
        return _l("%(name)s (partner ring %(ring)s)", name=member_name, ring=ring_name)
    return _l("Partner ring %(ring)s", ring=ring_name)
