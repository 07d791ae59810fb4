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
from tauschring.office.models import PostalChoice
from tauschring.office.numbers import numbers_of
from tauschring.pdf import render_pdf
from tauschring.rings.models import Ring
from tauschring.text import check_text

KINDS = ("statements", "newsletter", "notice")
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


def send_run(session: Session, ring: Ring, *, kind: str, year: int | None = None) -> Run:
    """The letters of one run (statements or newsletter) for the members by post."""
    pdf, count = render_letters(session, ring, kind, year=year)
    return Run(letters_pdf=pdf, letters=count)
