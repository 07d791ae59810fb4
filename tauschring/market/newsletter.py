"""The printable market newsletter ("Marktzeitung"): every current offer and
request of a ring on A4 paper, grouped by category, for members who read on paper.

Contact lines are those every member may see, whoever prints the newsletter:
the paper is handed round the ring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import force_locale, to_user_timezone
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.events import service as events
from tauschring.market.models import Category, Talent
from tauschring.market.service import current_talents
from tauschring.members.service import visible_profile
from tauschring.news import service as news
from tauschring.pdf import render_pdf
from tauschring.rings.models import Ring

# What a member may read in print: never the address, which stays with the office.
PRINTED_CONTACTS = ("phone", "email")
EVENTS_AHEAD = timedelta(weeks=8)
LATEST_NEWS = 3


@dataclass
class Entry:
    talent: Talent
    contacts: dict[str, str]


@dataclass
class Section:
    category: Category
    offers: list[Entry] = field(default_factory=list)
    requests: list[Entry] = field(default_factory=list)


def newsletter_sections(session: Session, ring: Ring, today: date | None = None
                        ) -> list[Section]:
    """Categories in their list order, each with its current offers and requests
    (alphabetical by title); categories without any are left out."""
    reader = Actor(ring_id=ring.id, member_id=None, role="member")
    sections: dict[int, Section] = {}
    for talent in session.scalars(current_talents(session, ring.id, today=today)):
        section = sections.setdefault(talent.category_id, Section(talent.category))
        profile = visible_profile(talent.member, reader)
        contacts = {name: profile[name] for name in PRINTED_CONTACTS if profile.get(name)}
        (section.offers if talent.kind == "offer" else section.requests).append(
            Entry(talent, contacts))
    for section in sections.values():
        for entries in (section.offers, section.requests):
            entries.sort(key=lambda entry: (entry.talent.title.casefold(), entry.talent.id))
    return sorted(sections.values(), key=lambda s: (s.category.position, s.category.id))


def render_newsletter(session: Session, ring: Ring, language: str,
                      today: date | None = None) -> tuple[bytes, date]:
    """The newsletter as PDF bytes in `language` ("de" or "en"), and the day it
    is dated."""
    today = today or to_user_timezone(utcnow()).date()
    with force_locale(language):
        pdf = render_pdf("market/newsletter.html", footer=ring.name, ring=ring, today=today,
                         sections=newsletter_sections(session, ring, today),
                         language=language, **ring_life(session, ring))
    return pdf, today


def ring_life(session: Session, ring: Ring) -> dict:
    """What else the paper tells: the coming events (eight weeks ahead) and the
    latest news."""
    now = utcnow()
    return {"events": events.coming(session, ring.id, now=now, until=now + EVENTS_AHEAD),
            "news": news.latest(session, ring.id, LATEST_NEWS), "local_time": events.local_time}


def newsletter_filename(ring: Ring, day: date) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", ring.slug.lower()).strip("-") or "ring"
    return f"marktzeitung-{slug}-{day.isoformat()}.pdf"

