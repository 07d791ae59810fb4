"""Regions: their rings and coverage, the directory of services, offers
published to the region, asking for help, and the contact point's desk.

What the public sees of a ring is its coverage and its contact (the
coordination's address), never a member's name, address, phone or e-mail.
A contact point keeps its region's directory and help requests and reads
figures; it never reads a member's account, entries or contacts.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import delete, func, literal, or_, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.emails import checked_email, normalise_email
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound, Throttled
from tauschring.i18n import _l
from tauschring.market import service as market
from tauschring.market.models import Category, Talent
from tauschring.members.models import CONTACT_ROLE, Member
from tauschring.members.passwords import hash_password
from tauschring.members.service import check_password_strength
from tauschring.regions import mails
from tauschring.regions.models import (
    COSTS,
    SERVICE_KINDS,
    FamilyService,
    HelpRequest,
    Region,
    RegionContact,
    RingCoverage,
)
from tauschring.rings.models import Ring
from tauschring.rings.service import SLUG, require_admin, ring_by_slug
from tauschring.textsearch import contains, every_word

KIND_NAMES = {
    "childcare": _l("Childcare in the home"),
    "house_garden": _l("House and garden"),
    "shopping": _l("Shopping and errands"),
    "senior_care": _l("Care and company for seniors"),
    "counselling": _l("Counselling"),
    "transport": _l("Transport"),
    "learning": _l("Learning and languages"),
    "other": _l("Other help"),
}
COST_NAMES = {"free": _l("free of charge"), "tauschring": _l("in Talente (Tauschring)"),
              "paid": _l("paid")}
STATE_NAMES = {"new": _l("new"), "forwarded": _l("forwarded"), "closed": _l("closed")}
TEXT_MAX = 2000
LINE_MAX = 300
POSTCODE_MAX = 10
# Requests for help a day from one e-mail address or phone number, and from one
# sender's network address (an office or a family's router may send for several).
REQUESTS_PER_DAY = 3
SENDER_REQUESTS_PER_DAY = 10


def client_key(address: str | None, secret: str) -> str:
    """What a help request keeps of its sender's network address: a keyed hash, so
    requests from one address can be counted without storing the address."""
    if not address:
        return ""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


# --- regions and rings (the admin, or the operator at the command line) ------------

def _name(value: str | None, field: str = "name", limit: int = 120) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise Invalid(_l("Please give a name of at most %(max)d characters.", max=limit),
                      code="name_invalid", field=field)
    return value


def create_region(session: Session, *, name: str, slug: str, contact_email: str = "",
                  contact_phone: str = "", contact_address: str = "",
                  contact_hours: str = "", description: str = "") -> Region:
    name = _name(name)
    if not SLUG.fullmatch(slug or ""):
        raise Invalid(_l("The short name for addresses may hold lower-case letters, digits "
                         "and dashes only."), code="slug_invalid", field="slug")
    if session.scalar(select(Region.id).where(Region.slug == slug)) is not None:
        raise Conflict(_l("A region with the short name %(slug)s exists already.",
                          slug=repr(slug)), code="slug_taken", field="slug")
    region = Region(name=name, slug=slug, description=_text(description, "description"),
                    contact_email=checked_email(contact_email, "contact_email")
                    if contact_email else "",
                    contact_phone=_line(contact_phone, "contact_phone", 40),
                    contact_address=_line(contact_address, "contact_address", 200),
                    contact_hours=_line(contact_hours, "contact_hours", 200))
    session.add(region)
    session.flush()
    return region


def region_by_slug(session: Session, slug: str) -> Region:
    region = session.scalars(select(Region).where(Region.slug == slug)).first()
    if region is None:
        raise NotFound(_l("There is no region with the short name %(slug)s.",
                          slug=repr(slug)), code="region_not_found", field="region")
    return region


def all_regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.name)))


def coverage_of(session: Session, ring_id: int) -> RingCoverage:
    """The ring's coverage record, made empty on first use. Its public contact
    starts empty too: the ring settings' contact address may be a coordinator's
    own, and only what a coordinator enters here as public is published."""
    coverage = session.scalars(select(RingCoverage).where(RingCoverage.ring_id == ring_id)
                               ).first()
    if coverage is None:
        coverage = RingCoverage(ring_id=ring_id, contact_email="")
        session.add(coverage)
        session.flush()
    return coverage


def add_ring(session: Session, *, region_slug: str, ring_slug: str) -> RingCoverage:
    region = region_by_slug(session, region_slug)
    coverage = coverage_of(session, ring_by_slug(session, ring_slug).id)
    if coverage.region_id not in (None, region.id):
        raise Conflict(_l("This ring belongs to another region already."),
                       code="ring_in_other_region", field="ring")
    coverage.region_id = region.id
    session.flush()
    return coverage


def set_coverage(session: Session, *, ring_slug: str, **fields) -> RingCoverage:
    """What the ring covers and how people find it (the operator at the command line)."""
    return _set_coverage(session, ring_by_slug(session, ring_slug).id, **fields)


def own_coverage(session: Session, actor: Actor) -> RingCoverage | None:
    actor.require_coordinator()
    return session.scalars(select(RingCoverage).where(RingCoverage.ring_id == actor.ring_id)
                           ).first()


def update_own_coverage(session: Session, actor: Actor, **fields) -> RingCoverage:
    """A ring's coordinators say what their ring covers, where and when it meets."""
    actor.require_coordinator()
    return _set_coverage(session, actor.ring_id, **fields)


def _set_coverage(session: Session, ring_id: int, *, postcodes: str | None = None,
                  places: str | None = None, meeting_place: str | None = None,
                  meeting_time: str | None = None, how_to_join: str | None = None,
                  contact_email: str | None = None,
                  contact_phone: str | None = None) -> RingCoverage:
    """None leaves a field as it is."""
    coverage = coverage_of(session, ring_id)
    if postcodes is not None:
        coverage.postcodes = ",".join(_postcodes(postcodes))
    if places is not None:
        coverage.places = ";".join(_places(places))
    if meeting_place is not None:
        coverage.meeting_place = _line(meeting_place, "meeting_place", 200)
    if meeting_time is not None:
        coverage.meeting_time = _line(meeting_time, "meeting_time", 200)
    if how_to_join is not None:
        coverage.how_to_join = _text(how_to_join, "how_to_join")
    if contact_email is not None:
        coverage.contact_email = (checked_email(contact_email, "contact_email")
                                  if contact_email.strip() else "")
    if contact_phone is not None:
        coverage.contact_phone = _line(contact_phone, "contact_phone", 40)
    session.flush()
    return coverage


REGION_FIELDS = ("description", "contact_email", "contact_phone", "contact_address",
                 "contact_hours")


def update_region(session: Session, actor: Actor, region_slug: str, **fields) -> Region:
    """How people reach the contact point, and what the region is (the contact point)."""
    region = desk_region(session, actor, region_slug)
    for name, value in fields.items():
        if name not in REGION_FIELDS or value is None:
            continue
        if name == "description":
            region.description = _text(value, name)
        elif name == "contact_email":
            region.contact_email = checked_email(value, name) if value.strip() else ""
        else:
            setattr(region, name, _line(value, name, 40 if name == "contact_phone" else 200))
    session.flush()
    return region


def appoint_contact(session: Session, *, region_slug: str, name: str, email: str,
                    password: str, language: str = "de") -> Member:
    """A contact point's log-in for the region: the role `contact`, no ring, no account."""
    region = region_by_slug(session, region_slug)
    name = _name(name)
    email = checked_email(email)
    check_password_strength(password)
    if session.scalar(select(Member.id).where(func.lower(Member.email) == email)) is not None:
        raise Conflict(_l("A member with this e-mail address exists already."),
                       code="email_taken", field="email")
    person = Member(ring_id=None, account_id=None, name=name, email=email,
                    password_hash=hash_password(password), role=CONTACT_ROLE,
                    status="active", language=language if language in ("de", "en") else "de",
                    joined_on=utcnow().date())
    session.add(person)
    session.flush()
    session.add(RegionContact(region_id=region.id, member_id=person.id))
    session.flush()
    return person


def create_region_by_admin(session: Session, actor: Actor, **fields) -> Region:
    require_admin(actor)
    return create_region(session, **fields)


def add_ring_by_admin(session: Session, actor: Actor, **names) -> RingCoverage:
    require_admin(actor)
    return add_ring(session, **names)


def appoint_contact_by_admin(session: Session, actor: Actor, **fields) -> Member:
    require_admin(actor)
    return appoint_contact(session, **fields)


def contacts_of(session: Session, region: Region) -> list[Member]:
    return list(session.scalars(
        select(Member).join(RegionContact, RegionContact.member_id == Member.id)
        .where(RegionContact.region_id == region.id).order_by(Member.name)))


def contact_region(session: Session, member_id: int | None) -> Region | None:
    """The region whose contact point this log-in is, if any."""
    if member_id is None:
        return None
    return session.scalar(select(Region).join(RegionContact, RegionContact.region_id == Region.id)
                          .where(RegionContact.member_id == member_id))


def is_contact(actor: Actor) -> bool:
    return actor.role == CONTACT_ROLE


# --- who may use the desk ---------------------------------------------------------

def check_desk(session: Session, actor: Actor, region: Region) -> None:
    """The region's contact point, or an admin of the instance (403 for others)."""
    if actor.is_admin:
        return
    if is_contact(actor) and actor.is_active and session.scalar(
            select(RegionContact.id).where(RegionContact.region_id == region.id,
                                           RegionContact.member_id == actor.member_id)):
        return
    raise Forbidden(_l("Only the region's contact point may do this."),
                    code="contact_point_only")


def desk_region(session: Session, actor: Actor, slug: str) -> Region:
    region = region_by_slug(session, slug)
    check_desk(session, actor, region)
    return region


# --- public: rings, directory, offers ----------------------------------------------

def rings_of(session: Session, region: Region) -> list[RingCoverage]:
    return list(session.scalars(
        select(RingCoverage).join(Ring, Ring.id == RingCoverage.ring_id)
        .where(RingCoverage.region_id == region.id).order_by(Ring.name)))


def rings_near(session: Session, region: Region, *, postcode: str | None = None,
               place: str | None = None) -> list[RingCoverage]:
    """The region's rings serving the postcode (or a postcode starting like it) or place."""
    postcode = (postcode or "").strip()
    place = (place or "").strip().lower()
    found = []
    for coverage in rings_of(session, region):
        if postcode and postcode in coverage.postcode_list:
            found.append(coverage)
        elif place and any(place in p.lower() for p in coverage.place_list):
            found.append(coverage)
    return found


def ring_public(coverage: RingCoverage) -> dict:
    ring = coverage.ring
    return {"name": ring.name, "slug": ring.slug, "description": ring.description or "",
            "postcodes": coverage.postcode_list, "places": coverage.place_list,
            "meeting_place": coverage.meeting_place, "meeting_time": coverage.meeting_time,
            "how_to_join": coverage.how_to_join,
            "contact_email": coverage.contact_email or "",
            "contact_phone": coverage.contact_phone}


def region_public(session: Session, region: Region) -> dict:
    return {"name": region.name, "slug": region.slug, "description": region.description,
            "contact_point": {"email": region.contact_email, "phone": region.contact_phone,
                              "address": region.contact_address,
                              "hours": region.contact_hours},
            "rings": [ring_public(c) for c in rings_of(session, region)]}


def find_services(session: Session, region: Region, *, postcode: str | None = None,
                  kind: str | None = None, q: str | None = None) -> list[FamilyService]:
    statement = (select(FamilyService).where(FamilyService.region_id == region.id)
                 .order_by(FamilyService.kind, FamilyService.name, FamilyService.id))
    if kind:
        if kind not in SERVICE_KINDS:
            raise Invalid(_l("Please choose one of the kinds of service."),
                          code="kind_invalid", field="kind")
        statement = statement.where(FamilyService.kind == kind)
    if postcode and postcode.strip():
        # A service without postcodes serves the whole region.
        # Whole postcodes only: "3360" finds no service of 33602.
        listed = literal(",").concat(FamilyService.postcodes).concat(",")
        statement = statement.where(or_(FamilyService.postcodes == "",
                                        contains(listed, f",{postcode.strip()},")))
    statement = statement.where(every_word(q, FamilyService.name, FamilyService.description,
                                           FamilyService.places))
    return list(session.scalars(statement))


def get_service(session: Session, region: Region, service_id: int) -> FamilyService:
    service = session.get(FamilyService, service_id)
    if service is None or service.region_id != region.id:
        raise NotFound(_l("This service is not in the region's directory."),
                       code="service_not_found")
    return service


def service_public(service: FamilyService) -> dict:
    return {"id": service.id, "name": service.name, "kind": service.kind,
            "kind_name": str(KIND_NAMES[service.kind]), "description": service.description,
            "places": service.place_list, "postcodes": service.postcode_list,
            "contact": service.contact, "hours": service.hours, "cost": service.cost,
            "price_note": service.price_note, "accessibility": service.accessibility,
            "meets_quality": service.meets_quality}


def region_talents(session: Session, region: Region, *, q: str | None = None,
                   kind: str | None = None) -> list[dict]:
    """Current talents their owners published to the region, with their ring's
    contact: the market selects what is current; here only the visibility."""
    if kind and kind not in ("offer", "request"):
        raise Invalid(_l("Please choose offer or request."), code="kind_invalid", field="kind")
    items = []
    for coverage in rings_of(session, region):
        statement = market.current_talents(session, coverage.ring_id, kind=kind or None,
                                            q=q).where(
            Talent.visibility == "region")
        for talent in session.scalars(statement):
            items.append((talent, coverage))
    items.sort(key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
    return [talent_public(talent, coverage) for talent, coverage in items]


def talent_public(talent: Talent, coverage: RingCoverage) -> dict:
    category: Category = talent.category
    ring = ring_public(coverage)
    return {"id": talent.id, "kind": talent.kind, "title": talent.title,
            "description": talent.description, "category": category.slug,
            "category_name": {"de": category.name_de, "en": category.name_en},
            "ring": {"name": ring["name"], "slug": ring["slug"],
                     "contact_email": ring["contact_email"],
                     "contact_phone": ring["contact_phone"]}}


# --- the directory (the contact point) ----------------------------------------------

SERVICE_FIELDS = ("name", "kind", "description", "places", "postcodes", "contact", "hours",
                  "cost", "price_note", "accessibility", "meets_quality")


def _clean_service(fields: dict) -> dict:
    clean = {}
    for name, value in fields.items():
        if name not in SERVICE_FIELDS or value is None:
            continue
        if name == "name":
            clean[name] = _name(value, "name", 160)
        elif name == "kind":
            if value not in SERVICE_KINDS:
                raise Invalid(_l("Please choose one of the kinds of service."),
                              code="kind_invalid", field="kind")
            clean[name] = value
        elif name == "cost":
            if value not in COSTS:
                raise Invalid(_l("Please choose free, Tauschring or paid."),
                              code="cost_invalid", field="cost")
            clean[name] = value
        elif name == "meets_quality":
            clean[name] = bool(value)
        elif name == "description":
            clean[name] = _text(value, name)
        elif name == "places":
            clean[name] = ";".join(_places(value))
        elif name == "postcodes":
            clean[name] = ",".join(_postcodes(value))
        else:
            clean[name] = _line(value, name, LINE_MAX)
    return clean


def create_service(session: Session, actor: Actor, region_slug: str, **fields
                   ) -> FamilyService:
    region = desk_region(session, actor, region_slug)
    missing = {"name": "", "kind": "", "cost": "free"}
    clean = _clean_service({**missing, **fields})
    if clean.get("cost") == "paid" and not clean.get("price_note"):
        raise Invalid(_l("A paid service needs a note on its price."),
                      code="price_note_missing", field="price_note")
    service = FamilyService(region_id=region.id, **clean)
    session.add(service)
    session.flush()
    return service


def update_service(session: Session, actor: Actor, region_slug: str, service_id: int,
                   **fields) -> FamilyService:
    region = desk_region(session, actor, region_slug)
    service = get_service(session, region, service_id)
    for name, value in _clean_service(fields).items():
        setattr(service, name, value)
    if service.cost == "paid" and not service.price_note:
        raise Invalid(_l("A paid service needs a note on its price."),
                      code="price_note_missing", field="price_note")
    service.updated_at = utcnow()
    session.flush()
    return service


def delete_service(session: Session, actor: Actor, region_slug: str, service_id: int) -> None:
    region = desk_region(session, actor, region_slug)
    service = get_service(session, region, service_id)
    for request in session.scalars(select(HelpRequest).where(
            HelpRequest.service_id == service.id)):
        request.service_id = None
    session.flush()
    session.execute(delete(FamilyService).where(FamilyService.id == service.id))


# --- asking for help ---------------------------------------------------------------

def ask_for_help(session: Session, region_slug: str, *, need: str, postcode: str = "",
                 place: str = "", name: str = "", email: str = "", phone: str = "",
                 consent: bool = False, language: str = "de", sender: str = "") -> HelpRequest:
    """A visitor's request for help. Keeping a way to reach them needs their consent.
    `sender`: the door's client_key of the sender's address ("" when unknown)."""
    region = region_by_slug(session, region_slug)
    need = (need or "").strip()
    if not need or len(need) > TEXT_MAX:
        raise Invalid(_l("Please say in up to %(max)d characters what help you need.",
                         max=TEXT_MAX), code="need_invalid", field="need")
    email = normalise_email(email)
    if email:
        email = checked_email(email)
    phone = _line(phone, "phone", 40)
    if not email and not phone:
        raise Invalid(_l("Please give an e-mail address or a phone number, so that we can "
                         "answer you."), code="contact_missing", field="email")
    if not consent:
        raise Invalid(_l("Please agree that we keep your details to answer you."),
                      code="consent_missing", field="consent")
    postcode = (postcode or "").strip()
    if postcode and (len(postcode) > POSTCODE_MAX or not postcode.isascii()
                     or not postcode.isalnum()):
        raise Invalid(_l("Please give a postcode of digits or letters."),
                      code="postcode_invalid", field="postcode")
    now = utcnow()
    _check_asking_pace(session, region, email, phone, sender, now)
    request = HelpRequest(region_id=region.id, need=_text(need, "need"), postcode=postcode,
                          place=_line(place, "place", 120), name=_line(name, "name", 120),
                          email=email, phone=phone, sender=sender[:64],
                          language=language if language in ("de", "en") else "de",
                          consent_at=now,
                          retain_until=now.date() + timedelta(days=region.retention_days))
    session.add(request)
    session.flush()
    mails.help_step(session, request, region, "help_received")
    return request


def _check_asking_pace(session: Session, region: Region, email: str, phone: str,
                       sender: str, now) -> None:
    """A few requests a day per address or phone: the form mails whatever address
    it is given, so it must not become a way to flood somebody's mailbox; and a
    few more per sender, so that new addresses do not make a flood either."""
    same = ([HelpRequest.email == email] if email else []) + (
        [HelpRequest.phone == phone] if phone else [])
    today = (HelpRequest.region_id == region.id,
             HelpRequest.created_at >= now - timedelta(days=1))
    sent = session.scalar(select(func.count(HelpRequest.id)).where(*today, or_(*same)))
    from_sender = session.scalar(select(func.count(HelpRequest.id)).where(
        *today, HelpRequest.sender == sender)) if sender else 0
    if sent >= REQUESTS_PER_DAY or from_sender >= SENDER_REQUESTS_PER_DAY:
        raise Throttled(_l("You have sent several requests today already. The contact "
                           "point will answer them; please wait for its answer."),
                        retry_after=24 * 3600, code="help_requests_throttled")


def help_requests(session: Session, actor: Actor, region_slug: str, *,
                  state: str | None = None) -> list[HelpRequest]:
    region = desk_region(session, actor, region_slug)
    statement = (select(HelpRequest).where(HelpRequest.region_id == region.id)
                 .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc()))
    if state:
        statement = statement.where(HelpRequest.state == state)
    return list(session.scalars(statement))


def get_help_request(session: Session, actor: Actor, region_slug: str,
                     request_id: int) -> HelpRequest:
    region = desk_region(session, actor, region_slug)
    request = session.get(HelpRequest, request_id)
    if request is None or request.region_id != region.id:
        raise NotFound(_l("There is no such request for help."), code="help_request_not_found")
    return request


def forward_help_request(session: Session, actor: Actor, region_slug: str, request_id: int, *,
                         ring_slug: str | None = None, service_id: int | None = None,
                         note: str = "") -> HelpRequest:
    """Pass the request on to one of the region's rings or to a service of the directory."""
    request = get_help_request(session, actor, region_slug, request_id)
    region = session.get(Region, request.region_id)
    if request.state == "closed":
        raise Conflict(_l("This request is closed already."), code="help_request_closed")
    if bool(ring_slug) == bool(service_id):
        raise Invalid(_l("Please choose a ring or a service."), code="target_missing",
                      field="target")
    if ring_slug:
        coverage = next((c for c in rings_of(session, region) if c.ring.slug == ring_slug),
                        None)
        if coverage is None:
            raise Invalid(_l("Please choose a ring of this region."), code="ring_not_in_region",
                          field="target")
        request.ring_id, request.service_id = coverage.ring_id, None
    else:
        request.service_id = get_service(session, region, service_id).id
        request.ring_id = None
    request.forward_note = _text(note, "note")
    request.state = "forwarded"
    request.forwarded_at = utcnow()
    session.flush()
    session.expire(request, ["ring", "service"])  # loaded again for the mail
    mails.help_step(session, request, region, "help_forwarded")
    return request


def record_outcome(session: Session, actor: Actor, region_slug: str, request_id: int, *,
                   outcome: str) -> HelpRequest:
    """What came of it; the request is closed (and counts as answered)."""
    request = get_help_request(session, actor, region_slug, request_id)
    outcome = (outcome or "").strip()
    if not outcome:
        raise Invalid(_l("Please write what came of the request."), code="outcome_missing",
                      field="outcome")
    if request.state == "closed":
        raise Conflict(_l("This request is closed already."), code="help_request_closed")
    now = utcnow()
    request.outcome = _text(outcome, "outcome")
    request.state = "closed"
    request.closed_at = now
    request.answered_at = request.answered_at or now
    session.flush()
    mails.help_step(session, request, session.get(Region, request.region_id), "help_closed")
    return request


def forget_contact_data(session: Session, today=None) -> int:
    """Delete name, e-mail and phone of requests past their retention day (safe to repeat)."""
    today = today or utcnow().date()
    due = list(session.scalars(select(HelpRequest).where(
        HelpRequest.retain_until < today, HelpRequest.contact_deleted_at.is_(None))))
    now = utcnow()
    for request in due:
        request.name = request.email = request.phone = request.sender = ""
        request.contact_deleted_at = now
    session.flush()
    return len(due)


# --- a ring's coordinators and the requests forwarded to their ring -----------------

def ring_help_requests(session: Session, actor: Actor) -> list[HelpRequest]:
    actor.require_coordinator()
    return list(session.scalars(
        select(HelpRequest).where(HelpRequest.ring_id == actor.ring_id)
        .order_by(HelpRequest.forwarded_at.desc(), HelpRequest.id.desc())))


def ring_help_request(session: Session, actor: Actor, request_id: int) -> HelpRequest:
    actor.require_coordinator()
    request = session.get(HelpRequest, request_id)
    if request is None or request.ring_id != actor.ring_id:
        raise NotFound(_l("There is no such request for help."), code="help_request_not_found")
    return request


def post_as_request(session: Session, actor: Actor, request_id: int, *,
                    category_id: int, title: str) -> Talent:
    """A coordinator posts the request in the ring's market, as a request of their own
    (the asker's contact data stay with the coordinators)."""
    request = ring_help_request(session, actor, request_id)
    if request.talent_id is not None:
        raise Conflict(_l("This request is in the market already."), code="posted_already")
    talent = market.create_talent(session, actor, kind="request", title=title,
                                  description=request.need, category_id=category_id)
    request.talent_id = talent.id
    request.answered_at = request.answered_at or utcnow()
    session.flush()
    mails.help_step(session, request, session.get(Region, request.region_id), "help_posted")
    return talent


# --- small checks ---------------------------------------------------------------------

def _line(value: str | None, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise Invalid(_l("This text may have at most %(max)d characters.", max=limit),
                      code="too_long", field=field)
    return value


def _text(value: str | None, field: str) -> str:
    return _line(value, field, TEXT_MAX)


def _postcodes(text: str) -> list[str]:
    found = []
    for code in (text or "").replace(";", ",").replace(" ", ",").split(","):
        code = code.strip()
        if not code:
            continue
        if len(code) > POSTCODE_MAX or not code.isascii() or not code.isalnum():
            raise Invalid(_l("Postcodes are digits or letters, separated by commas."),
                          code="postcodes_invalid", field="postcodes")
        if code not in found:
            found.append(code)
    return found


def _places(text: str) -> list[str]:
    found = []
    for place in (text or "").replace("\n", ";").split(";"):
        place = place.strip()
        if place and len(place) > 120:
            raise Invalid(_l("A place's name may have at most 120 characters."),
                          code="places_invalid", field="places")
        if place and place not in found:
            found.append(place)
    return found
