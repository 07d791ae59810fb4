"""Agreeing on partnerships between two rings of this instance."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.db import utcnow
from tauschring.errors import Conflict, Invalid, NotFound
from tauschring.i18n import _l
from tauschring.ledger.service import check_minutes
from tauschring.partners import clearing
from tauschring.partners.models import Partnership
from tauschring.rings.models import Ring


def check_credit_line(credit_line) -> int:
    try:
        return check_minutes(credit_line)
    except Invalid as refusal:
        raise Invalid(refusal.message, code=refusal.code, field="credit_line") from None


def _ring(session: Session, ring_id: int) -> Ring:
    ring = session.get(Ring, ring_id)
    if ring is None:
        raise NotFound(_l("Ring %(id)s does not exist.", id=ring_id), code="ring_not_found")
    return ring


def add(session: Session, *, ring_id: int, partner_ring_id: int, credit_line: int,
        by_id: int | None = None) -> Partnership:
    """The admin's shortcut (`tauschring partner add`): an active partnership at
    once, as if both rings' coordinators had agreed. An existing partnership of
    the two rings is resumed with the new credit line."""
    credit_line = check_credit_line(credit_line)
    if ring_id == partner_ring_id:
        raise Invalid(_l("A ring cannot be its own partner."), code="same_ring",
                      field="partner")
    _ring(session, ring_id), _ring(session, partner_ring_id)
    partnership = clearing.partnership_between(session, ring_id, partner_ring_id)
    if partnership is None:
        partnership = _new(session, ring_id, partner_ring_id, credit_line, by_id)
    elif partnership.status == "active" and partnership.credit_line == credit_line:
        raise Conflict(_l("The two rings are partners already."), code="already_partners")
    else:
        clearing.set_credit_line(session, partnership, credit_line)
    partnership.status = "active"
    partnership.updated_at = utcnow()
    for own in (ring_id, partner_ring_id):
        auditlog.record(session, ring_id=own, actor_id=by_id, action="partnership.active",
                        subject=f"partnership:{partnership.id}",
                        after=[partnership.other_ring_id(own), credit_line])
    session.flush()
    return partnership


def _new(session: Session, ring_id: int, partner_ring_id: int, credit_line: int,
         by_id: int | None) -> Partnership:
    a, b = clearing.pair(ring_id, partner_ring_id)
    a_account, b_account = clearing.open_clearing_accounts(session, a, b, credit_line)
    partnership = Partnership(ring_a_id=a, ring_b_id=b, status="proposed",
                              credit_line=credit_line, proposed_by_ring_id=ring_id,
                              proposed_by_id=by_id, a_account_id=a_account.id,
                              b_account_id=b_account.id)
    session.add(partnership)
    session.flush()
    return partnership
