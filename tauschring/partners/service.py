"""Agreeing on partnerships between two rings of this instance.

The life of a partnership (one row per pair of rings, for ever):

    proposed --accept--> active --pause--> paused --(proposal accepted)--> active
       |                   |                 |
       +--decline--> ended +------end------> ended --(proposal accepted)--> active

A ring's coordinators propose to another ring of this instance with a credit
line in minutes; the other ring's coordinators accept or decline. Changing
the credit line, and resuming a paused or ended partnership, is a proposal
too (`proposed_credit_line`): while it waits, the partnership stays as it is
(an active one keeps trading on its line in force), and accepting it makes
the partnership active with the proposed line. Declining (or withdrawing, by
the proposing ring) drops the proposal; a first proposal declined ends the
partnership before it began. Either ring pauses or ends. Each step is in both
rings' audit logs, and the other ring's coordinators get a mail.

`add` and `end_between` are the operator's shortcuts (`tauschring partner`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Conflict, Invalid, NotFound
from tauschring.i18n import _l
from tauschring.ledger.models import Account
from tauschring.ledger.service import check_minutes
from tauschring.mail import service as mail
from tauschring.members.service import coordinators_of
from tauschring.partners import clearing
from tauschring.partners.models import Partnership
from tauschring.rings.models import Ring

ACTIONS = ("accept", "decline", "pause", "end")
REASON_MAX = 1000


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


def ring_of(session: Session, ref) -> Ring:
    """A ring of this instance by its short name (slug) or its id."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = session.get(Ring, ref)
    elif isinstance(ref, str) and ref.strip():
        ref = ref.strip()
        found = session.scalars(select(Ring).where(Ring.slug == ref)).first()
        if found is None and ref.isdigit() and len(ref) < 12:
            found = session.get(Ring, int(ref))
    else:
        raise Invalid(_l("Name the partner ring by its short name or id."),
                      code="ring_required", field="ring")
    if found is None:
        raise NotFound(_l("There is no ring with the short name %(slug)s.", slug=repr(ref)),
                       code="ring_not_found", field="ring")
    return found


def _reason(reason) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise Invalid(_l("The reason may be at most %(max)d characters long.", max=REASON_MAX),
                      code="reason_too_long", field="reason")
    return reason


# --- reading -------------------------------------------------------------------------

def partnerships(session: Session, actor: Actor) -> list[Partnership]:
    """The ring's partnerships: every one for its coordinators, the active ones
    for its members."""
    if actor.is_coordinator:
        return clearing.partnerships_of(session, actor.ring_id)
    return clearing.partnerships_of(session, actor.ring_id, statuses=("active",))


def get_partnership(session: Session, actor: Actor, partnership_id: int) -> Partnership:
    """One of the actor's ring's partnerships (404 for another ring's, and for
    a member a partnership that is not active)."""
    found = session.get(Partnership, partnership_id)
    if found is None or actor.ring_id not in (found.ring_a_id, found.ring_b_id) or (
            not actor.is_coordinator and found.status != "active"):
        raise NotFound(_l("Partnership %(id)s does not exist.", id=partnership_id),
                       code="partnership_not_found")
    return found


def check_may_act(session: Session, actor: Actor, partnership_id: int) -> Partnership:
    """Another ring's partnership is unknown (404) before a member is refused (403)."""
    found = session.get(Partnership, partnership_id)
    if found is None or actor.ring_id not in (found.ring_a_id, found.ring_b_id):
        raise NotFound(_l("Partnership %(id)s does not exist.", id=partnership_id),
                       code="partnership_not_found")
    actor.require_coordinator()
    return found


def check_may_propose(session: Session, actor: Actor) -> None:
    actor.require_coordinator()


def allowed_actions(actor: Actor, partnership: Partnership) -> list[str]:
    """What the actor's ring's coordinators may do with the partnership now."""
    if not actor.is_coordinator:
        return []
    actions = []
    if partnership.proposed_credit_line is not None:
        ours = partnership.proposed_by_ring_id == actor.ring_id
        actions += ["decline"] if ours else ["accept", "decline"]
    if partnership.status != "proposed" and (
            partnership.proposed_credit_line is None
            or partnership.proposed_by_ring_id == actor.ring_id):
        actions.append("propose")
    if partnership.status == "active":
        actions.append("pause")
    if partnership.status != "ended":
        actions.append("end")
    return actions


def describe(session: Session, actor: Actor, partnership: Partnership) -> dict:
    """The partnership seen from the actor's ring, as plain values. The
    clearing balances are for coordinators only (None for members)."""
    other = session.get(Ring, partnership.other_ring_id(actor.ring_id))
    own = session.get(Account, partnership.account_of(actor.ring_id))
    theirs = session.get(Account, partnership.account_of(other.id))
    coordinator = actor.is_coordinator
    pending = partnership.proposed_credit_line is not None
    ours = partnership.proposed_by_ring_id == actor.ring_id
    return {
        "id": partnership.id, "ring": other.slug, "ring_id": other.id,
        "ring_name": other.name, "status": partnership.status,
        "credit_line": partnership.credit_line,
        # What the clearing accounts hold (the same as credit_line).
        "credit_line_in_force": own.max_balance,
        "proposed_credit_line": partnership.proposed_credit_line if coordinator else None,
        "proposed_by_us": coordinator and pending and ours,
        "awaiting_us": coordinator and pending and not ours,
        "clearing_account_id": own.id if coordinator else None,
        "clearing_balance": own.balance if coordinator else None,
        "mirrored": (own.balance == -theirs.balance) if coordinator else None,
        "allowed_actions": allowed_actions(actor, partnership),
        "created_at": partnership.created_at, "updated_at": partnership.updated_at,
    }


def overview(session: Session, actor: Actor) -> list[dict]:
    return [describe(session, actor, p) for p in partnerships(session, actor)]


# --- the coordinators' steps --------------------------------------------------------------

def propose(session: Session, actor: Actor, *, ring, credit_line) -> Partnership:
    """Propose a partnership (or a new credit line, or resuming) to another ring."""
    actor.require_coordinator()
    credit_line = check_credit_line(credit_line)
    other = ring_of(session, ring)
    if other.id == actor.ring_id:
        raise Invalid(_l("A ring cannot be its own partner."), code="same_ring", field="ring")
    partnership = clearing.partnership_between(session, actor.ring_id, other.id)
    if partnership is None:
        try:
            with session.begin_nested():
                partnership = _new(session, actor.ring_id, other.id, credit_line,
                                   actor.member_id)
        except IntegrityError:  # the other ring proposed in the same moment
            raise Conflict(_l("The other ring has proposed this partnership already: accept "
                              "or decline its proposal."), code="proposed_by_partner") from None
    else:
        _lock(session, partnership)
        if partnership.proposed_credit_line is not None and \
                partnership.proposed_by_ring_id != actor.ring_id:
            raise Conflict(_l("The other ring has proposed this partnership already: accept "
                              "or decline its proposal."), code="proposed_by_partner")
        if partnership.status == "active" and partnership.credit_line == credit_line:
            raise Conflict(_l("The two rings are partners already."), code="already_partners")
        if partnership.status == "proposed":  # a new first proposal in place of its own
            clearing.set_credit_line(session, partnership, credit_line)
    partnership.proposed_credit_line = credit_line
    partnership.proposed_by_ring_id = actor.ring_id
    partnership.proposed_by_id = actor.member_id
    _step(session, actor, partnership, "proposed")
    return partnership


def accept(session: Session, actor: Actor, partnership_id: int) -> Partnership:
    """The other ring's coordinators agree: active, with the proposed credit line."""
    partnership = _mine(session, actor, partnership_id)
    _require_proposal(partnership)
    if partnership.proposed_by_ring_id == actor.ring_id:
        raise Conflict(_l("Your ring made this proposal: the partner ring's coordinators "
                          "accept it."), code="own_proposal")
    clearing.set_credit_line(session, partnership, partnership.proposed_credit_line)
    partnership.proposed_credit_line = None
    partnership.status = "active"
    _step(session, actor, partnership, "accepted")
    return partnership


def decline(session: Session, actor: Actor, partnership_id: int, reason: str = ""
            ) -> Partnership:
    """Say no to a proposal (or withdraw the ring's own): the partnership stays
    as it was; a first proposal declined ends it before it began."""
    reason = _reason(reason)
    partnership = _mine(session, actor, partnership_id)
    _require_proposal(partnership)
    partnership.proposed_credit_line = None
    if partnership.status == "proposed":
        partnership.status = "ended"
    _step(session, actor, partnership, "declined", reason=reason)
    return partnership


def pause(session: Session, actor: Actor, partnership_id: int, reason: str = ""
          ) -> Partnership:
    """No new exchanges across the rings until it is resumed (reversals still go)."""
    reason = _reason(reason)
    partnership = _mine(session, actor, partnership_id)
    _require(partnership, "active")
    partnership.status = "paused"
    _step(session, actor, partnership, "paused", reason=reason)
    return partnership


def end(session: Session, actor: Actor, partnership_id: int, reason: str = "") -> Partnership:
    """End the partnership; the clearing balances stay as they are."""
    reason = _reason(reason)
    partnership = _mine(session, actor, partnership_id)
    if partnership.status == "ended":
        raise Conflict(_l("The partnership has ended already."), code="partnership_ended")
    partnership.status = "ended"
    partnership.proposed_credit_line = None
    _step(session, actor, partnership, "ended", reason=reason)
    return partnership


STEPS = {"accept": accept, "decline": decline, "pause": pause, "end": end}


def _mine(session: Session, actor: Actor, partnership_id: int) -> Partnership:
    partnership = check_may_act(session, actor, partnership_id)
    _lock(session, partnership)
    return partnership


def _lock(session: Session, partnership: Partnership) -> None:
    """Two coordinators answering at once: the second sees the first's answer."""
    session.refresh(partnership, with_for_update=True)


def _require(partnership: Partnership, status: str) -> None:
    if partnership.status != status:
        raise Conflict(_l("Only an active partnership can be paused."),
                       code=f"partnership_not_{status}", current_status=partnership.status)


def _require_proposal(partnership: Partnership) -> None:
    if partnership.proposed_credit_line is None:
        raise Conflict(_l("There is no open proposal for this partnership."),
                       code="partnership_not_proposed", current_status=partnership.status)


def _step(session: Session, actor: Actor, partnership: Partnership, step: str, *,
          reason: str = "") -> None:
    """Record the step in both rings' audit logs and tell the other ring."""
    partnership.updated_at = utcnow()
    session.flush()
    detail = {"credit_line": partnership.credit_line, "status": partnership.status,
              "proposed_credit_line": partnership.proposed_credit_line}
    for ring_id in (partnership.ring_a_id, partnership.ring_b_id):
        auditlog.record(session, ring_id=ring_id, actor_id=actor.member_id,
                        action=f"partnership.{step}", subject=f"partnership:{partnership.id}",
                        reason=reason or None, by_ring=actor.ring_id,
                        partner=partnership.other_ring_id(ring_id), **detail)
    own = session.get(Ring, actor.ring_id)
    other_id = partnership.other_ring_id(actor.ring_id)
    for coordinator in coordinators_of(session, other_id):
        mail.queue_template(session, coordinator, "partnership", step=step, ring=own,
                            partnership=partnership, reason=reason)
    session.flush()


# --- the operator's shortcuts -----------------------------------------------------------

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
    partnership.proposed_credit_line = None
    partnership.updated_at = utcnow()
    for own in (ring_id, partner_ring_id):
        auditlog.record(session, ring_id=own, actor_id=by_id, action="partnership.active",
                        subject=f"partnership:{partnership.id}",
                        after=[partnership.other_ring_id(own), credit_line])
    session.flush()
    return partnership


def end_between(session: Session, *, ring_id: int, partner_ring_id: int) -> Partnership:
    """The operator ends the partnership of two rings (`tauschring partner end`)."""
    partnership = clearing.partnership_between(session, ring_id, partner_ring_id)
    if partnership is None:
        raise NotFound(_l("The two rings are not partners."), code="not_partners")
    return end(session, Actor.operator(ring_id), partnership.id)


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
