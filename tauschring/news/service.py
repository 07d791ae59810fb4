"""The ring's news: coordinators post, members read them on the dashboard, and
those who want them get them by mail (through the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.digest.models import MailPreference
from tauschring.errors import Invalid
from tauschring.i18n import _l
from tauschring.mail import service as mail
from tauschring.members.models import Member
from tauschring.news.models import News

TITLE_MAX = 200
BODY_MAX = 10000


def news_of_ring(ring_id: int, *, since: datetime | None = None) -> Select:
    """The ring's news, newest first."""
    statement = (select(News).where(News.ring_id == ring_id)
                 .order_by(News.created_at.desc(), News.id.desc()))
    if since is not None:
        statement = statement.where(News.created_at >= since)
    return statement


def latest(session: Session, ring_id: int, limit: int = 3) -> list[News]:
    return list(session.scalars(news_of_ring(ring_id).limit(limit)))


def readers_by_mail(session: Session, ring_id: int) -> list[Member]:
    """Active members of the ring who asked for news by mail."""
    return list(session.scalars(
        select(Member).join(MailPreference, MailPreference.member_id == Member.id)
        .where(Member.ring_id == ring_id, Member.status == "active",
               MailPreference.news_by_mail.is_(True)).order_by(Member.id)))


def post(session: Session, actor: Actor, *, title: str, body: str = "",
         mail_it: bool = False) -> News:
    """A coordinator posts news; with `mail_it`, it is mailed to those who want news
    by mail, each in their language."""
    actor.require_coordinator()
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_l("The title needs 1 to %(max)d characters.", max=TITLE_MAX),
                      code="title_invalid", field="title")
    if len(body) > BODY_MAX:
        raise Invalid(_l("The text may have at most %(max)d characters.", max=BODY_MAX),
                      code="body_too_long", field="body")
    news = News(ring_id=actor.ring_id, author_id=actor.member_id, title=title, body=body,
                mailed=bool(mail_it))
    session.add(news)
    session.flush()
    if mail_it:
        for member in readers_by_mail(session, actor.ring_id):
            mail.queue_template(session, member, "news", news=news)
    return news
