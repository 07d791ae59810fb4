"""Feedback after an exchange.

Each party of a booked exchange may rate the other once: positive, neutral or
negative, with an optional comment. The rating can be changed for
EDIT_DAYS days after it was given; while the exchange is disputed, none is
given or changed (the coordinator mediates first). A member's feedback is
read by the members of the ring; negative feedback waits on the
coordinator's desk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.exchanges.models import Exchange
from tauschring.exchanges.service import get_exchange
from tauschring.feedback.models import RATINGS, Feedback
from tauschring.i18n import _l
from tauschring.members.models import Member

EDIT_DAYS = 14
COMMENT_MAX = 2000
RECENT = 10


@dataclass
class Summary:
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    items: list[Feedback] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


def _party(actor: Actor, exchange: Exchange) -> int | None:
    """The other party's member id if the actor is a party of the exchange."""
    if actor.member_id == exchange.provider_id:
        return exchange.recipient_id
    if actor.member_id == exchange.recipient_id:
        return exchange.provider_id
    return None


def check_may_give(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    """404 for an exchange the actor does not see; 403 for one it sees but is no
    party of (a coordinator), or when it cannot trade; 409 while the exchange is
    not booked (a dispute is open, or it was never booked)."""
    exchange = get_exchange(session, actor, exchange_id)
    if _party(actor, exchange) is None:
        raise Forbidden(_l("Only the two members of an exchange give feedback on it."),
                        code="not_a_party")
    if not actor.is_active:
        raise Forbidden(_l("Only active members can give feedback."), code="member_not_active")
    if exchange.state == "disputed":
        raise Conflict(_l("While the exchange is disputed, no feedback can be given or "
                          "changed."), code="dispute_open")
    if exchange.state != "booked":
        raise Conflict(_l("Feedback can be given on booked exchanges only."),
                       code="exchange_not_booked")
    return exchange


def _clean(rating: str, comment: str | None) -> tuple[str, str]:
    if rating not in RATINGS:
        raise Invalid(_l("Please choose positive, neutral or negative."),
                      code="rating_invalid", field="rating")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(_l("The comment may have at most %(max)d characters.", max=COMMENT_MAX),
                      code="comment_too_long", field="comment")
    return rating, comment


def own_feedback(session: Session, actor: Actor, exchange_id: int) -> Feedback | None:
    return session.scalar(select(Feedback).where(Feedback.exchange_id == exchange_id,
                                                 Feedback.author_id == actor.member_id))


def give(session: Session, actor: Actor, exchange_id: int, *, rating: str,
         comment: str | None = None) -> Feedback:
    """The actor's feedback on the other party; once (again: 409)."""
    exchange = check_may_give(session, actor, exchange_id)
    rating, comment = _clean(rating, comment)
    if own_feedback(session, actor, exchange.id) is not None:
        raise Conflict(_l("You have given feedback on this exchange already; you can "
                          "change it."), code="feedback_given")
    subject_id = _party(actor, exchange)
    # The subject's ring: across partner rings its coordinators, not the author's,
    # are the ones who look after the member.
    feedback = Feedback(ring_id=session.get(Member, subject_id).ring_id,
                        exchange_id=exchange.id, author_id=actor.member_id,
                        subject_id=subject_id, rating=rating, comment=comment)
    session.add(feedback)
    session.flush()
    return feedback


def editable_until(feedback: Feedback) -> datetime:
    return feedback.created_at + timedelta(days=EDIT_DAYS)


def change(session: Session, actor: Actor, exchange_id: int, *, rating: str,
           comment: str | None = None, now: datetime | None = None) -> Feedback:
    """Change one's feedback within EDIT_DAYS days of giving it."""
    exchange = check_may_give(session, actor, exchange_id)
    rating, comment = _clean(rating, comment)
    feedback = own_feedback(session, actor, exchange.id)
    if feedback is None:
        raise NotFound(_l("You have not given feedback on this exchange yet."),
                       code="feedback_not_found")
    if (now or utcnow()) > editable_until(feedback):
        raise Conflict(_l("Feedback can be changed for %(days)d days only.", days=EDIT_DAYS),
                       code="feedback_closed")
    feedback.rating, feedback.comment, feedback.updated_at = rating, comment, utcnow()
    session.flush()
    return feedback


def about_member(session: Session, actor: Actor, member_id: int, *,
                 recent: int | None = RECENT) -> Summary:
    """Counts and the most recent feedback on a member of the actor's ring."""
    member = session.get(Member, member_id)
    if member is None or member.ring_id != actor.ring_id:
        raise NotFound(_l("This member does not exist."), code="member_not_found")
    counts = dict(session.execute(
        select(Feedback.rating, func.count(Feedback.id)).where(Feedback.subject_id == member_id)
        .group_by(Feedback.rating)).all())
    statement = (select(Feedback).where(Feedback.subject_id == member_id)
                 .order_by(Feedback.created_at.desc(), Feedback.id.desc()))
    if recent is not None:
        statement = statement.limit(recent)
    return Summary(positive=counts.get("positive", 0), neutral=counts.get("neutral", 0),
                   negative=counts.get("negative", 0),
                   items=list(session.scalars(statement)))


def negative_for_desk(actor: Actor, *, days: int = 90) -> Select:
    """Negative feedback of the ring's last `days` days, newest first: for the
    coordinator to follow up."""
    actor.require_coordinator()
    since = utcnow() - timedelta(days=days)
    return (select(Feedback).where(Feedback.ring_id == actor.ring_id,
                                   Feedback.rating == "negative", Feedback.updated_at >= since)
            .order_by(Feedback.updated_at.desc(), Feedback.id.desc()))
