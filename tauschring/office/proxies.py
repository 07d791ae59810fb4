"""Acting for someone (Vollmacht).

A member authorises another member of the ring, or the office (any active
coordinator of the ring), to act for them: post and renew talents, propose,
confirm and decline exchanges. The helper acts through `act_for`, which
runs the ordinary market and exchange services as the member (with a member's
powers only, whatever the helper's or the member's role) and records who
really acted: a ProxyAction (linked to the exchange's events, so the history
reads "by X for Y") and an entry in the audit log (X did it, concerning Y).
The member sees every authorisation and can end it; so can the helper.
After that the helper is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.models import ExchangeEvent
from tauschring.i18n import _l
from tauschring.market import service as market
from tauschring.members.models import Member
from tauschring.office.models import Authorisation, ProxyAction

# What a helper may do for the member: action name -> (service, subject kind).
ACTIONS: dict[str, tuple[Callable, str]] = {
    "talent.create": (market.create_talent, "talent"),
    "talent.renew": (market.renew_talent, "talent"),
    "exchange.propose": (exchanges.propose, "exchange"),
    "exchange.confirm": (exchanges.confirm, "exchange"),
    "exchange.decline": (exchanges.decline, "exchange"),
}


def _member(session: Session, ring_id: int, member_id) -> Member | None:
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    return member if member is not None and member.ring_id == ring_id else None


def grant(session: Session, actor: Actor, *, helper_id: int | None = None,
          office: bool = False) -> Authorisation:
    """The actor authorises a member of its ring (`helper_id`) or the office."""
    if actor.member_id is None:
        raise Forbidden(_l("Only a member can authorise someone."), code="member_only")
    if office == (helper_id is not None):
        raise Invalid(_l("Please name either a member or the office."),
                      code="helper_required", field="helper_id")
    if not office:
        helper = _member(session, actor.ring_id, helper_id)
        if helper is None or helper.status != "active":
            raise Invalid(_l("There is no such active member in this ring."),
                          code="member_not_found", field="helper_id")
        if helper.id == actor.member_id:
            raise Invalid(_l("You cannot authorise yourself."), code="helper_is_self",
                          field="helper_id")
    existing = session.scalars(select(Authorisation).where(
        Authorisation.member_id == actor.member_id, Authorisation.ended_at.is_(None),
        Authorisation.helper_id == helper_id if helper_id is not None
        else Authorisation.helper_id.is_(None))).first()
    if existing is not None:
        raise Conflict(_l("This authorisation exists already."), code="already_authorised",
                       authorisation_id=existing.id)
    authorisation = Authorisation(ring_id=actor.ring_id, member_id=actor.member_id,
                                  helper_id=helper_id)
    session.add(authorisation)
    session.flush()
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="proxy.grant", subject=f"member:{actor.member_id}",
                    helper=helper_id if helper_id is not None else "office",
                    authorisation=authorisation.id)
    return authorisation


def get_authorisation(session: Session, actor: Actor, authorisation_id: int) -> Authorisation:
    """An authorisation the actor is part of: the member, the helper, or (for the
    office's, and for mediation) a coordinator of the ring; else 404."""
    found = session.get(Authorisation, authorisation_id)
    if found is None or found.ring_id != actor.ring_id or not (
            actor.member_id in (found.member_id, found.helper_id) or actor.is_coordinator):
        raise NotFound(_l("This authorisation does not exist."),
                       code="authorisation_not_found")
    return found


def end(session: Session, actor: Actor, authorisation_id: int) -> Authorisation:
    """End an authorisation at once (the member, the helper or a coordinator)."""
    found = get_authorisation(session, actor, authorisation_id)
    if found.ended_at is not None:
        raise Conflict(_l("This authorisation has ended already."), code="already_ended")
    found.ended_at, found.ended_by_id = utcnow(), actor.member_id
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="proxy.end", subject=f"member:{found.member_id}",
                    authorisation=found.id)
    session.flush()
    return found


def granted_by(member_id: int):
    """Every authorisation the member gave, the current ones first."""
    return select(Authorisation).where(Authorisation.member_id == member_id).order_by(
        Authorisation.ended_at.is_not(None), Authorisation.id.desc())


def helping(actor: Actor):
    """The current authorisations the actor may act on: its own as helper, and the
    office's if it is a coordinator."""
    mine = Authorisation.helper_id == actor.member_id
    office = Authorisation.helper_id.is_(None) if actor.is_coordinator else mine
    return select(Authorisation).where(Authorisation.ring_id == actor.ring_id,
                                       Authorisation.ended_at.is_(None), or_(mine, office)
                                       ).order_by(Authorisation.id)


def acting_for(session: Session, helper: Actor, member_id: int
               ) -> tuple[Actor, Authorisation]:
    """The member as the helper may act for them (a member's powers only), and the
    authorisation that allows it. Another ring's member: 404; no current
    authorisation (never given, or ended): 403."""
    member = _member(session, helper.ring_id, member_id)
    if member is None:
        raise NotFound(_l("There is no such member in this ring."), code="member_not_found")
    if helper.member_id is None or not helper.is_active:
        raise Forbidden(_l("You are not authorised to act for this member."),
                        code="not_authorised")
    found = session.scalars(helping(helper).where(Authorisation.member_id == member.id)
                            .with_for_update()).first()
    if found is None:
        raise Forbidden(_l("You are not authorised to act for this member."),
                        code="not_authorised")
    return Actor(ring_id=member.ring_id, member_id=member.id, role="member",
                 account_id=member.account_id, status=member.status), found


def act_for(session: Session, helper: Actor, member_id: int, action: str, *args, **kwargs):
    """Run the service of `action` as the member, for the helper; record "by X for Y"."""
    service, kind = ACTIONS[action]
    proxy, authorisation = acting_for(session, helper, member_id)
    last_event = session.scalar(select(ExchangeEvent.id).order_by(ExchangeEvent.id.desc())
                                .limit(1)) or 0
    result = service(session, proxy, *args, **kwargs)
    subject = f"{kind}:{result.id}"
    events = session.scalars(select(ExchangeEvent.id).where(
        ExchangeEvent.exchange_id == result.id, ExchangeEvent.id > last_event,
        ExchangeEvent.actor_id == proxy.member_id)).all() if kind == "exchange" else []
    for event_id in events or [None]:
        session.add(ProxyAction(ring_id=helper.ring_id, authorisation_id=authorisation.id,
                                helper_id=helper.member_id, member_id=proxy.member_id,
                                action=action, subject=subject, exchange_event_id=event_id))
    auditlog.record(session, ring_id=helper.ring_id, actor_id=helper.member_id,
                    action=f"proxy.{action}", subject=f"member:{proxy.member_id}",
                    concerning=subject, authorisation=authorisation.id)
    session.flush()
    return result


def helpers_of_events(session: Session, event_ids) -> dict[int, str]:
    """exchange event id -> the name of the helper who acted (events done for someone)."""
    ids = list(set(event_ids))
    if not ids:
        return {}
    return dict(session.execute(
        select(ProxyAction.exchange_event_id, Member.name)
        .join(Member, Member.id == ProxyAction.helper_id)
        .where(ProxyAction.exchange_event_id.in_(ids))).all())


def helper_ids(session: Session, event_ids) -> dict[int, int]:
    """exchange event id -> the id of the helper who acted (events done for someone)."""
    ids = list(set(event_ids))
    if not ids:
        return {}
    return dict(session.execute(select(ProxyAction.exchange_event_id, ProxyAction.helper_id)
                                .where(ProxyAction.exchange_event_id.in_(ids))).all())


def actions_for(member_id: int):
    """What helpers did for the member, newest first."""
    return select(ProxyAction).where(ProxyAction.member_id == member_id).order_by(
        ProxyAction.id.desc())
