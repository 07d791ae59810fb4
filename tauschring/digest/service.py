"""The weekly digest mail and the inactivity reminder.

`send_weekly` mails each active member who has not switched it off one digest
per ISO week: new offers and requests of the last seven days (not their
own), the news of those days and the events of the next two weeks, in the
member's language. A row in `digests_sent` per member and week, written in
the same transaction as the queued mail, makes it safe to run from cron as
often as one likes: a second run in the same week sends nothing. A member
for whom nothing is new gets no mail (and can get one later that week).

`send_reminders` mails the active members without an exchange for the
ring's number of months (InactivityRule), once per such period; the
coordinators see the same list (`inactive_members`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.digest.models import DigestSent, InactivityRule, MailPreference, ReminderSent
from tauschring.errors import Invalid
from tauschring.events import service as events
from tauschring.exchanges.models import Exchange
from tauschring.i18n import _l
from tauschring.mail import service as mail
from tauschring.market.models import Talent
from tauschring.market.service import current_talents
from tauschring.members.models import Member
from tauschring.news import service as news

WEEK = timedelta(days=7)
EVENTS_AHEAD = timedelta(days=14)
MOST_TALENTS = 20
MONTH = timedelta(days=30)
MAX_MONTHS = 60


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- what members want by mail ------------------------------------------------------

def preferences(session: Session, member_id: int) -> MailPreference:
    """The member's choices (the defaults, unsaved, if it made none)."""
    return session.get(MailPreference, member_id) or MailPreference(
        member_id=member_id, weekly_digest=True, news_by_mail=False)


def set_preferences(session: Session, actor: Actor, *, weekly_digest: bool | None = None,
                    news_by_mail: bool | None = None) -> MailPreference:
    chosen = session.get(MailPreference, actor.member_id)
    if chosen is None:
        chosen = MailPreference(member_id=actor.member_id, weekly_digest=True,
                                news_by_mail=False)
        session.add(chosen)
    if weekly_digest is not None:
        chosen.weekly_digest = bool(weekly_digest)
    if news_by_mail is not None:
        chosen.news_by_mail = bool(news_by_mail)
    session.flush()
    return chosen


# --- the weekly digest --------------------------------------------------------------

@dataclass
class Digest:
    offers: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    news: list = field(default_factory=list)
    events: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.offers or self.requests or self.news or self.events)


@dataclass
class DigestRun:
    week: str
    sent: list[int] = field(default_factory=list)        # member ids
    already: list[int] = field(default_factory=list)     # had this week's digest
    nothing_new: list[int] = field(default_factory=list)


def ring_life(session: Session, ring_id: int, *, now: datetime) -> tuple[list, list]:
    """The ring's news of the last week and its events of the next two weeks: the
    same in every digest of the ring."""
    return (list(session.scalars(news.news_of_ring(ring_id, since=now - WEEK))),
            events.coming(session, ring_id, now=now, until=now + EVENTS_AHEAD))


def digest_for(session: Session, member: Member, *, now: datetime,
               life: tuple[list, list] | None = None) -> Digest:
    """`life`: the ring's news and events (ring_life), if already read."""
    talents = session.scalars(current_talents(session, member.ring_id, today=now.date())
                              .where(Talent.created_at >= now - WEEK,
                                     Talent.member_id != member.id)
                              .limit(2 * MOST_TALENTS)).all()
    ring_news, ring_events = life or ring_life(session, member.ring_id, now=now)
    return Digest(
        offers=[t for t in talents if t.kind == "offer"][:MOST_TALENTS],
        requests=[t for t in talents if t.kind == "request"][:MOST_TALENTS],
        news=ring_news, events=ring_events)


def _readers(session: Session, ring_id: int | None) -> list[Member]:
    statement = (select(Member).outerjoin(MailPreference, MailPreference.member_id == Member.id)
                 .where(Member.status == "active",
                        or_(MailPreference.weekly_digest.is_(None),
                            MailPreference.weekly_digest.is_(True)))
                 .order_by(Member.id))
    if ring_id is not None:
        statement = statement.where(Member.ring_id == ring_id)
    return list(session.scalars(statement))


def send_weekly(session: Session, *, ring_id: int | None = None,
                now: datetime | None = None) -> DigestRun:
    """Queue this week's digest for every member who wants it and has none yet."""
    now = now or utcnow()
    run = DigestRun(week=iso_week(events.local_time(now).date()))
    done = set(session.scalars(select(DigestSent.member_id).where(DigestSent.week == run.week)))
    lives: dict[int, tuple[list, list]] = {}  # read once per ring, not once per member
    for member in _readers(session, ring_id):
        if member.id in done:
            run.already.append(member.id)
            continue
        if member.ring_id not in lives:
            lives[member.ring_id] = ring_life(session, member.ring_id, now=now)
        digest = digest_for(session, member, now=now, life=lives[member.ring_id])
        if not digest:
            run.nothing_new.append(member.id)
            continue
        try:
            # Another run at the same moment may have sent it: the unique key says so.
            with session.begin_nested():
                session.add(DigestSent(member_id=member.id, week=run.week, sent_at=now))
                session.flush()
        except IntegrityError:
            run.already.append(member.id)
            continue
        mail.queue_template(session, member, "digest", digest=digest, week=run.week,
                            local_time=events.local_time)
        run.sent.append(member.id)
    return run


# --- the inactivity reminder --------------------------------------------------------

def reminder_months(session: Session, ring_id: int) -> int:
    rule = session.get(InactivityRule, ring_id)
    return rule.months if rule else 0


def set_reminder_months(session: Session, actor: Actor, months: int) -> int:
    actor.require_coordinator()
    if not isinstance(months, int) or isinstance(months, bool) or not 0 <= months <= MAX_MONTHS:
        raise Invalid(_l("Between 0 (no reminder) and %(max)d months.", max=MAX_MONTHS),
                      code="months_invalid", field="months")
    rule = session.get(InactivityRule, actor.ring_id)
    if rule is None:
        rule = InactivityRule(ring_id=actor.ring_id, months=months)
        session.add(rule)
    rule.months = months
    session.flush()
    return months


@dataclass
class Inactive:
    member: Member
    last_exchange: datetime | None


def inactive_members(session: Session, ring_id: int, months: int, *,
                     now: datetime | None = None) -> list[Inactive]:
    """Active members of the ring with no booked exchange for `months` months
    (newcomers count from the day they joined)."""
    if months <= 0:
        return []
    now = now or utcnow()
    cutoff = now - months * MONTH
    last = (select(func.max(Exchange.booked_at))
            .where(Exchange.booked_at.is_not(None),
                   or_(Exchange.provider_id == Member.id, Exchange.recipient_id == Member.id))
            .correlate(Member).scalar_subquery())
    rows = session.execute(select(Member, last.label("last")).where(
        Member.ring_id == ring_id, Member.status == "active").order_by(Member.name, Member.id))
    found = []
    for member, last_exchange in rows:
        since = last_exchange or (
            datetime.combine(member.joined_on, datetime.min.time(), tzinfo=now.tzinfo)
            if member.joined_on else member.created_at)
        if since < cutoff:
            found.append(Inactive(member, last_exchange))
    return found


def inactive_for_coordinator(session: Session, actor: Actor) -> tuple[int, list[Inactive]]:
    actor.require_coordinator()
    months = reminder_months(session, actor.ring_id)
    return months, inactive_members(session, actor.ring_id, months)


def send_reminders(session: Session, ring_id: int, *, now: datetime | None = None
                   ) -> list[int]:
    """Remind the inactive members, each once per inactivity period; the ids."""
    now = now or utcnow()
    months = reminder_months(session, ring_id)
    reminded = []
    for row in inactive_members(session, ring_id, months, now=now):
        recent = session.scalar(select(ReminderSent.id).where(
            ReminderSent.member_id == row.member.id,
            ReminderSent.sent_at >= now - months * MONTH))
        if recent is not None:
            continue
        session.add(ReminderSent(member_id=row.member.id, sent_at=now))
        mail.queue_template(session, row.member, "inactivity_reminder", months=months,
                            last_exchange=row.last_exchange)
        reminded.append(row.member.id)
    session.flush()
    return reminded
