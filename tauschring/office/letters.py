"""Letters by post: for members who chose "by post", their statements, the
market newsletter and notices come out as printable letters, one PDF per run,
laid out for a DIN 5008 window envelope (form B: the address field 45 mm from
the top and 20 mm from the left edge, 85 x 45 mm; the address itself 5 mm in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale, to_user_timezone
from sqlalchemy import select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Invalid, NotFound
from tauschring.i18n import _l
from tauschring.members.models import Member
from tauschring.notifications.service import notifications_of
from tauschring.office.models import MailAttachment, PostalChoice
from tauschring.office.numbers import numbers_of
from tauschring.pdf import render_pdf
from tauschring.rings.models import Ring
from tauschring.text import check_text

KINDS = ("statements", "newsletter", "notice")
MAX_NOTICES = 30
ADDRESS_LINES = 6


def postal_choice(session: Session, member_id: int) -> PostalChoice | None:
    return session.get(PostalChoice, member_id)


def set_postal_choice(session: Session, actor: Actor, member_id: int, *, by_post: bool,
                      address: str) -> PostalChoice:
    """The member (or a coordinator of the ring) chooses letters by post, with the
    postal address as it goes on the envelope."""
    member = session.get(Member, member_id)
    if member is None or member.ring_id != actor.ring_id or (
            member.id != actor.member_id and not actor.is_coordinator):
        raise NotFound(_l("There is no such member in this ring."), code="member_not_found")
    address = check_text((address or "").strip(), "address", multiline=True) or ""
    lines = [line.strip() for line in address.split("\n") if line.strip()]
    if by_post and len(lines) < 2:
        raise Invalid(_l("Letters need a postal address: the name, the street and the town, "
                         "each on a line of its own."), code="address_required",
                      field="address")
    if len(lines) > ADDRESS_LINES:
        raise Invalid(_l("At most %(count)s lines fit into the envelope's window.",
                         count=ADDRESS_LINES), code="address_too_long", field="address")
    choice = session.get(PostalChoice, member.id) or PostalChoice(member_id=member.id)
    choice.by_post, choice.address = bool(by_post), "\n".join(lines)
    session.add(choice)
    session.flush()
    return choice


@dataclass
class Letter:
    member: Member
    number: int | None
    address: list[str]
    statement: object = None     # statements.statement.Statement, for "statements"
    sections: list = field(default_factory=list)  # the newsletter's, for "newsletter"
    text: str = ""               # a notice's text
    notifications: list = field(default_factory=list)  # unread, for "notice"


def members_by_post(session: Session, ring_id: int) -> list[tuple[Member, PostalChoice]]:
    """The ring's current members who chose letters, by name."""
    return session.execute(
        select(Member, PostalChoice).join(PostalChoice, PostalChoice.member_id == Member.id)
        .where(Member.ring_id == ring_id, PostalChoice.by_post.is_(True),
               Member.status != "left").order_by(Member.name, Member.id)).all()


def letters_for(session: Session, ring: Ring, kind: str, *, year: int | None = None,
                text: str = "", today: date | None = None) -> list[Letter]:
    """One letter for every member who chose post: a statement of `year`, the
    newsletter of `today`, or the notice `text`."""
    if kind not in KINDS:
        raise Invalid(_l("Unknown kind of letter."), code="kind_invalid", field="kind")
    people = members_by_post(session, ring.id)
    numbers = numbers_of(session, [member.id for member, _choice in people])
    letters = []
    sections = []
    if kind == "newsletter":
        from tauschring.market.newsletter import newsletter_sections
        sections = newsletter_sections(session, ring, today)
    for member, choice in people:
        letter = Letter(member=member, number=numbers.get(member.id),
                        address=choice.address.split("\n"), text=text, sections=sections)
        if kind == "notice":
            letter.notifications = list(session.scalars(
                notifications_of(member.id, unread_only=True).limit(MAX_NOTICES)))
        if kind == "statements":
            from tauschring.statements.service import statement
            office = Actor.operator(ring.id)
            letter.statement = statement(session, office, member.account_id, year,
                                         language=member.language)
        letters.append(letter)
    return letters


def render_letters(session: Session, ring: Ring, kind: str, *, year: int | None = None,
                   text: str = "", language: str = "de", today: date | None = None
                   ) -> tuple[bytes | None, int]:
    """Every letter of one run in one PDF (None when nobody chose post), and how many."""
    today = today or to_user_timezone(utcnow()).date()
    year = year or today.year - 1
    letters = letters_for(session, ring, kind, year=year, text=text, today=today)
    if not letters:
        return None, 0
    with force_locale(language):
        pdf = render_pdf("office/letters.html", footer=ring.name, ring=ring, kind=kind,
                         letters=letters, year=year, today=today, language=language)
    return pdf, len(letters)


@dataclass
class Run:
    letters_pdf: bytes | None
    letters: int
    mails: int = 0


SUBJECTS = {"statements": _l("Your statement of account %(year)s – %(ring)s"),
            "newsletter": _l("The market newsletter of %(ring)s"),
            "notice": _l("A notice from %(ring)s")}
BODIES = {"statements": _l("Good day %(name)s,\n\nattached is your statement of account "
                           "for %(year)s.\n\n%(ring)s\n"),
          "newsletter": _l("Good day %(name)s,\n\nattached is the current market newsletter "
                           "with every offer and request of the ring.\n\n%(ring)s\n"),
          "notice": _l("Good day %(name)s,\n\n%(text)s\n\n%(ring)s\n")}


def members_by_mail(session: Session, ring_id: int) -> list[Member]:
    """The ring's current members who did not choose post: they get e-mail."""
    by_post = select(PostalChoice.member_id).where(PostalChoice.by_post.is_(True))
    return list(session.scalars(select(Member).where(
        Member.ring_id == ring_id, Member.status.in_(("active", "suspended")),
        Member.id.not_in(by_post)).order_by(Member.name, Member.id)))


def send_run(session: Session, ring: Ring, *, kind: str, year: int | None = None,
             text: str = "", email_others: bool = True, today: date | None = None) -> Run:
    """One run: the letters PDF for the members by post; for every other member an
    e-mail in the outbox with the PDF attached (their statement, the newsletter,
    the notice). Must run inside `atomic` when `email_others` (it queues mail)."""
    from tauschring.mail import service as mail

    today = today or to_user_timezone(utcnow()).date()
    year = year or today.year - 1
    pdf, count = render_letters(session, ring, kind, year=year, text=text, today=today)
    run = Run(letters_pdf=pdf, letters=count)
    if not email_others:
        return run
    shared = _shared_attachment(session, ring, kind, today)
    for member in members_by_mail(session, ring.id):
        language = member.language or "de"
        if kind == "statements":
            attachment = _statement_pdf(session, ring, member, year, language)
        elif kind == "notice":
            attachment = (f"mitteilung-{today.isoformat()}.pdf",
                          _notice_pdf(session, ring, member, text, today, language))
        else:
            attachment = shared
        with force_locale(language):
            values = {"name": member.name, "ring": ring.name, "year": year, "text": text}
            queued = mail.queue(session, to_address=member.email,
                                subject=str(SUBJECTS[kind]) % values,
                                body=str(BODIES[kind]) % values, ring_id=ring.id,
                                member_id=member.id)
        filename, content = attachment
        session.add(MailAttachment(mail_id=queued.id, filename=filename, content=content))
        run.mails += 1
    session.flush()
    return run


def _shared_attachment(session: Session, ring: Ring, kind: str, today: date):
    if kind != "newsletter":
        return None
    from tauschring.market.newsletter import newsletter_filename, render_newsletter
    pdf, day = render_newsletter(session, ring, "de", today)
    return newsletter_filename(ring, day), pdf


def _statement_pdf(session: Session, ring: Ring, member: Member, year: int,
                   language: str) -> tuple[str, bytes]:
    from tauschring.statements.service import file_name, render, statement
    found = statement(session, Actor.operator(ring.id), member.account_id, year,
                      language=language)
    return file_name(found, "pdf"), render(found, "pdf")


def _notice_pdf(session: Session, ring: Ring, member: Member, text: str, today: date,
                language: str) -> bytes:
    letter = Letter(member=member, number=numbers_of(session, [member.id]).get(member.id),
                    address=[member.name], text=text)
    with force_locale(language):
        return render_pdf("office/letters.html", footer=ring.name, ring=ring, kind="notice",
                          letters=[letter], year=today.year, today=today, language=language)
