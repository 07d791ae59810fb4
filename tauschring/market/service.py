"""The market: categories, and talents members offer or request."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.away.models import Away
from tauschring.db import utcnow
from tauschring.errors import Forbidden, Invalid, NotFound
from tauschring.i18n import _l
from tauschring.market.models import (
    KINDS,
    SHARED_WITH_PARTNERS,
    VISIBILITIES,
    Category,
    Talent,
)
from tauschring.members.models import Member
from tauschring.partners.clearing import active_partner_ids
from tauschring.rings.models import Ring
from tauschring.search import talents as talent_search
from tauschring.textsearch import contains

# What families and seniors ask for most; every ring starts with these.
DEFAULT_CATEGORIES = [
    ("kinderbetreuung", "Kinderbetreuung", "Childcare"),
    ("haus-und-garten", "Haus und Garten", "House and garden"),
    ("einkauf-und-besorgungen", "Einkauf und Besorgungen", "Shopping and errands"),
    ("fahrdienste", "Fahrdienste", "Lifts"),
    ("reparaturen", "Reparaturen", "Repairs"),
    ("computerhilfe", "Computerhilfe", "Computer help"),
    ("nachhilfe-und-sprachen", "Nachhilfe und Sprachen", "Tutoring and languages"),
    ("gesellschaft-und-begleitung", "Gesellschaft und Begleitung",
     "Company and accompaniment"),
    ("kochen-und-backen", "Kochen und Backen", "Cooking and baking"),
    ("handarbeit-und-basteln", "Handarbeit und Basteln", "Crafts"),
    ("sonstiges", "Sonstiges", "Other"),
]
TITLE_MAX = 120
DESCRIPTION_MAX = 5000


def seed_categories(session: Session, ring_id: int) -> None:
    for position, (slug, name_de, name_en) in enumerate(DEFAULT_CATEGORIES):
        session.add(Category(ring_id=ring_id, slug=slug, name_de=name_de, name_en=name_en,
                             position=position))
    session.flush()


def categories(session: Session, ring_id: int, *, include_inactive: bool = False
               ) -> list[Category]:
    statement = select(Category).where(Category.ring_id == ring_id)
    if not include_inactive:
        statement = statement.where(Category.active.is_(True))
    return list(session.scalars(statement.order_by(Category.position, Category.id)))


def get_category(session: Session, ring_id: int, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None or category.ring_id != ring_id:
        raise NotFound(_l("This category does not exist."), code="category_not_found")
    return category


def _slugify(text: str) -> str:
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "kategorie"


def _category_names(name_de: str, name_en: str | None) -> tuple[str, str]:
    name_de = (name_de or "").strip()
    name_en = (name_en or "").strip() or name_de
    if not name_de or len(name_de) > 80 or len(name_en) > 80:
        raise Invalid(_l("A category needs a name of at most 80 characters."),
                      code="category_name_invalid", field="name_de")
    return name_de, name_en


def create_category(session: Session, actor: Actor, *, name_de: str,
                    name_en: str | None = None) -> Category:
    actor.require_coordinator()
    name_de, name_en = _category_names(name_de, name_en)
    slug, n = _slugify(name_de), 1
    while session.scalar(select(Category.id).where(Category.ring_id == actor.ring_id,
                                                   Category.slug == slug)):
        n += 1
        slug = f"{_slugify(name_de)[:55]}-{n}"
    position = (session.scalar(select(func.max(Category.position))
                               .where(Category.ring_id == actor.ring_id)) or 0) + 1
    category = Category(ring_id=actor.ring_id, slug=slug, name_de=name_de, name_en=name_en,
                        position=position)
    session.add(category)
    session.flush()
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="category.create", subject=f"category:{category.id}",
                    name_de=name_de, name_en=name_en)
    return category


def update_category(session: Session, actor: Actor, category_id: int, *,
                    name_de: str | None = None, name_en: str | None = None,
                    active: bool | None = None, position: int | None = None) -> Category:
    actor.require_coordinator()
    category = get_category(session, actor.ring_id, category_id)
    if name_de is not None or name_en is not None:
        category.name_de, category.name_en = _category_names(
            name_de if name_de is not None else category.name_de,
            name_en if name_en is not None else category.name_en)
    if active is not None:
        category.active = bool(active)
    if position is not None:
        category.position = position
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="category.update", subject=f"category:{category.id}",
                    name_de=category.name_de, name_en=category.name_en, active=category.active)
    session.flush()
    return category


def move_category(session: Session, actor: Actor, category_id: int, offset: int) -> Category:
    """Move a category `offset` places up (negative) or down (positive) in the list;
    the positions of the ring's categories are renumbered 0, 1, 2, ... on the way."""
    actor.require_coordinator()
    category = get_category(session, actor.ring_id, category_id)
    ordered = categories(session, actor.ring_id, include_inactive=True)
    index = min(max(0, ordered.index(category) + offset), len(ordered) - 1)
    ordered.remove(category)
    ordered.insert(index, category)
    for position, each in enumerate(ordered):
        each.position = position
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="category.move", subject=f"category:{category.id}",
                    position=index)
    session.flush()
    return category


def check_may_post(session: Session, actor: Actor) -> Member:
    """Posting offers and requests needs an active membership (403)."""
    member = session.get(Member, actor.member_id) if actor.member_id else None
    if member is None or member.status != "active":
        raise Forbidden(_l("Only active members of the ring can post offers and requests."),
                        code="member_not_active")
    return member


def _clean_talent_fields(session: Session, ring_id: int, fields: dict) -> dict:
    clean = {}
    if "kind" in fields:
        if fields["kind"] not in KINDS:
            raise Invalid(_l("Please choose offer or request."), code="kind_invalid",
                          field="kind")
        clean["kind"] = fields["kind"]
    if "visibility" in fields:
        if fields["visibility"] not in VISIBILITIES:
            raise Invalid(_l("Please choose who may see it: the ring, also the partner rings, "
                             "or also the whole region."),
                          code="visibility_invalid", field="visibility")
        clean["visibility"] = fields["visibility"]
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if not title or len(title) > TITLE_MAX:
            raise Invalid(_l("The title needs 1 to %(max)d characters.", max=TITLE_MAX),
                          code="title_invalid", field="title")
        clean["title"] = title
    if "description" in fields:
        description = (fields["description"] or "").strip()
        if len(description) > DESCRIPTION_MAX:
            raise Invalid(_l("The description may have at most %(max)d characters.",
                             max=DESCRIPTION_MAX),
                          code="description_too_long", field="description")
        clean["description"] = description
    if "category_id" in fields:
        category = session.get(Category, fields["category_id"]) if isinstance(
            fields["category_id"], int) else None
        if category is None or category.ring_id != ring_id or not category.active:
            raise Invalid(_l("Please choose one of the categories."), code="category_unknown",
                          field="category")
        clean["category_id"] = category.id
    if "expires_on" in fields:
        expires_on = fields["expires_on"]
        if expires_on is not None and expires_on < utcnow().date():
            raise Invalid(_l("The date lies in the past."), code="expiry_in_past",
                          field="expires_on")
        clean["expires_on"] = expires_on
    return clean


def default_expiry(ring: Ring, today: date | None = None) -> date | None:
    if not ring.talent_lifetime_days:
        return None
    return (today or utcnow().date()) + timedelta(days=ring.talent_lifetime_days)


def create_talent(session: Session, actor: Actor, *, kind: str, title: str,
                  description: str = "", category_id: int,
                  expires_on: date | None = None, visibility: str = "ring") -> Talent:
    """A new offer or request; without `expires_on` it lasts the ring's default.
    `visibility` "partners" also shows it to the members of the active partner rings
    (`partner_talents`), "region" to them and on the region's public pages
    (tauschring/regions)."""
    member = check_may_post(session, actor)
    clean = _clean_talent_fields(session, actor.ring_id, {
        "kind": kind, "title": title, "description": description,
        "category_id": category_id, "expires_on": expires_on, "visibility": visibility})
    if clean["expires_on"] is None:
        clean["expires_on"] = default_expiry(member.ring)
    talent = Talent(ring_id=actor.ring_id, member_id=member.id, status="active", **clean)
    session.add(talent)
    session.flush()
    return talent


def get_talent(session: Session, actor: Actor, talent_id: int) -> Talent:
    """A talent of the actor's ring. One that is not current (withdrawn, expired, or
    of a member who cannot trade now) only for its owner and coordinators."""
    talent = session.get(Talent, talent_id)
    if talent is None or talent.ring_id != actor.ring_id or (
            not is_current(talent) and not may_edit(actor, talent)):
        raise NotFound(_l("This offer or request does not exist, or is no longer current."),
                       code="talent_not_found")
    return talent


def is_current(talent: Talent, today: date | None = None) -> bool:
    """Listed in the market: what `current_talents` selects, for one talent."""
    today = today or utcnow().date()
    return (talent.status == "active" and talent.member.status == "active"
            and (talent.expires_on is None or talent.expires_on >= today))


def may_edit(actor: Actor, talent: Talent) -> bool:
    return actor.is_coordinator or talent.member_id == actor.member_id


def editable_talent(session: Session, actor: Actor, talent_id: int) -> Talent:
    """The talent, if the actor may change it: its owner or a coordinator."""
    talent = get_talent(session, actor, talent_id)
    if not may_edit(actor, talent):
        raise Forbidden(_l("Only the member who posted it or a coordinator may change this."),
                        code="not_owner")
    return talent


def update_talent(session: Session, actor: Actor, talent_id: int, **fields) -> Talent:
    talent = editable_talent(session, actor, talent_id)
    for name, value in _clean_talent_fields(session, actor.ring_id, fields).items():
        setattr(talent, name, value)
    talent.updated_at = utcnow()
    session.flush()
    return talent


def withdraw_talent(session: Session, actor: Actor, talent_id: int) -> Talent:
    talent = editable_talent(session, actor, talent_id)
    talent.status = "withdrawn"
    talent.updated_at = utcnow()
    session.flush()
    return talent


def renew_talent(session: Session, actor: Actor, talent_id: int) -> Talent:
    """'Still current?' — yes: the talent runs for another ring-set period."""
    talent = editable_talent(session, actor, talent_id)
    talent.status = "active"
    talent.expires_on = default_expiry(session.get(Ring, talent.ring_id))
    talent.updated_at = utcnow()
    session.flush()
    return talent


def _listed(today: date) -> Select:
    """Active, unexpired talents of active members who are not away, newest first."""
    return (select(Talent).join(Member, Member.id == Talent.member_id)
            .where(Talent.status == "active", Member.status == "active",
                   or_(Talent.expires_on.is_(None), Talent.expires_on >= today),
                   # Away mode: a member away until a day has their talents hidden until then.
                   ~exists().where(Away.member_id == Talent.member_id, Away.until >= today))
            .order_by(Talent.created_at.desc(), Talent.id.desc()))


def current_talents(session: Session, actor_ring_id: int, *, kind: str | None = None,
                    category_id: int | None = None, q: str | None = None,
                    district: str | None = None, member_id: int | None = None,
                    today: date | None = None) -> Select:
    """Active, unexpired talents of active members, newest first.

    `q`: every word matches title or description in German (tauschring/search:
    stems, compound words, misspellings), the best matches first; `district`
    matches the member's district or postcode. Talents of members who are away
    are left out. The search may read before the query (SQLite: the index's
    words spelt like a misspelt one, `tauschring.search.talents.search`).
    """
    statement = _listed(today or utcnow().date()).where(Talent.ring_id == actor_ring_id)
    if kind:
        statement = statement.where(Talent.kind == kind)
    if category_id:
        statement = statement.where(Talent.category_id == category_id)
    if member_id:
        statement = statement.where(Talent.member_id == member_id)
    if district and district.strip():
        statement = statement.where(or_(contains(Member.district, district.strip()),
                                        contains(Member.postcode, district.strip())))
    return talent_search.search(statement, q, session)


# --- the partner market: the partner rings' talents published to partners ----------

def has_partners(session: Session, actor: Actor) -> bool:
    """Whether the actor's ring trades with partner rings now."""
    return bool(active_partner_ids(session, actor.ring_id))


def partner_rings(session: Session, actor: Actor) -> list[Ring]:
    """The rings the actor's ring trades with now (active partnerships), by name."""
    ids = active_partner_ids(session, actor.ring_id)
    if not ids:
        return []
    return list(session.scalars(select(Ring).where(Ring.id.in_(ids)).order_by(Ring.name)))


def partner_talents(session: Session, actor: Actor, *, kind: str | None = None,
                    q: str | None = None, ring_id: int | None = None,
                    category: str | None = None, member_id: int | None = None,
                    today: date | None = None) -> Select:
    """The current talents of the active partner rings that their owners published
    to partners or the region, newest first (with `q` the best matches first: the
    market's German search). `ring_id` narrows to one partner ring (another ring:
    nothing), `category` to a category's slug (rings share the default slugs).
    A paused or ended partnership hides its ring's talents at once: the
    partnerships are read with every list."""
    partners = active_partner_ids(session, actor.ring_id)
    if ring_id is not None:
        partners = [each for each in partners if each == ring_id]
    statement = _listed(today or utcnow().date()).where(
        Talent.ring_id.in_(partners), Talent.visibility.in_(SHARED_WITH_PARTNERS))
    if not partners:
        statement = statement.where(false())
    if kind:
        statement = statement.where(Talent.kind == kind)
    if category:
        statement = statement.where(Talent.category_id.in_(
            select(Category.id).where(Category.slug == category)))
    if member_id:
        statement = statement.where(Talent.member_id == member_id)
    return talent_search.search(statement, q, session)


def get_partner_talent(session: Session, actor: Actor, talent_id: int) -> Talent:
    """A current talent of an active partner ring, published to partners or the
    region; anything else is unknown to the actor (404)."""
    talent = session.get(Talent, talent_id) if isinstance(talent_id, int) else None
    today = utcnow().date()
    if (talent is None or talent.ring_id == actor.ring_id
            or talent.visibility not in SHARED_WITH_PARTNERS
            or talent.ring_id not in active_partner_ids(session, actor.ring_id)
            or not is_current(talent, today) or _away(session, talent.member_id, today)):
        raise NotFound(_l("This offer or request does not exist, or is no longer current."),
                       code="talent_not_found")
    return talent


def visible_talent(session: Session, actor: Actor, talent_id: int) -> Talent:
    """A talent of the actor's ring (`get_talent`) or a partner ring's talent the
    actor may see (`get_partner_talent`); to read, never to change."""
    try:
        return get_talent(session, actor, talent_id)
    except NotFound:
        return get_partner_talent(session, actor, talent_id)


def _away(session: Session, member_id: int, today: date) -> bool:
    return session.scalar(select(exists().where(Away.member_id == member_id,
                                                Away.until >= today))) or False


def talents_of_member(member_id: int) -> Select:
    """All of a member's talents, for the member's own dashboard."""
    return (select(Talent).where(Talent.member_id == member_id)
            .order_by(Talent.status, Talent.created_at.desc()))


def expiring_soon(ring_id: int, within_days: int = 14, today: date | None = None) -> Select:
    today = today or utcnow().date()
    return select(Talent).where(and_(Talent.ring_id == ring_id, Talent.status == "active",
                                     Talent.expires_on.is_not(None),
                                     Talent.expires_on <= today + timedelta(days=within_days)))
