"""Telling members what happened: an in-app list, and mail through the outbox."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tauschring.db import utcnow
from tauschring.mail import service as mail
from tauschring.members.models import Member
from tauschring.notifications.models import KINDS, Notification


def notify(session: Session, member_ids, kind: str, *, exchange=None,
           actor_id: int | None = None, note: str = "") -> list[Notification]:
    """One notification per member (never to the one who acted), plus a mail
    unless the member switched that kind of mail off."""
    assert kind in KINDS, kind
    created = []
    for member_id in dict.fromkeys(member_ids):
        if member_id is None or member_id == actor_id:
            continue
        member = session.get(Member, member_id)
        if member is None or member.status == "left":
            continue
        notification = Notification(member_id=member_id, kind=kind, actor_id=actor_id,
                                    exchange_id=exchange.id if exchange else None, note=note)
        session.add(notification)
        created.append(notification)
        if kind not in member.mail_off.split():
            actor = session.get(Member, actor_id) if actor_id else None
            mail.queue_template(session, member, f"exchange_{kind}", exchange=exchange,
                                actor=actor, note=note)
    session.flush()
    return created


def notifications_of(member_id: int, *, unread_only: bool = False):
    statement = (select(Notification).where(Notification.member_id == member_id)
                 .order_by(Notification.id.desc()))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement


def unread_count(session: Session, member_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.member_id == member_id, Notification.read_at.is_(None)))


def mark_read(session: Session, member_id: int, notification_ids: list[int] | None = None
              ) -> None:
    """Mark the member's own notifications read (all of them, or the ones named)."""
    statement = update(Notification).where(Notification.member_id == member_id,
                                           Notification.read_at.is_(None))
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(notification_ids))
    session.execute(statement.values(read_at=utcnow()))


def set_mail_preferences(session: Session, member_id: int, off: set[str]) -> None:
    unknown = set(off) - set(KINDS)
    if unknown:
        from tauschring.errors import Invalid
        from tauschring.i18n import _l
        raise Invalid(_l("Unknown notification kind %(kind)s.", kind=repr(sorted(unknown)[0])),
                      code="notification_kind_unknown", field="mail_off")
    session.get(Member, member_id).mail_off = " ".join(sorted(off))
    session.flush()
