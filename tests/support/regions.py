"""A region for the tests (tests/regions, tests/browser), built through the
services: Lippetal with the rings Sonnenberg (postcodes 33602, 33604) and
Talheim (33649), members who published offers to the region (and one who did
not), a directory of services and an appointed contact point."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tauschring.actors import Actor
from tauschring.db import atomic
from tauschring.market.models import Category
from tauschring.market.service import create_talent, update_talent
from tauschring.regions import service as regions
from tests.support.app import PASSWORD, Person

SLUG = "lippetal"
CONTACT_EMAIL = "anlaufstelle@lippetal.example"

SERVICES = [
    # name, kind, places, postcodes, cost, price note
    ("Familienzentrum Arche", "childcare", "Sonnenberg;Altstadt", "33602,33604", "free", ""),
    ("Seniorenbüro Talheim", "senior_care", "Talheim", "33649", "free", ""),
    ("Haushaltshilfe Müller", "house_garden", "Sonnenberg", "33602", "paid", "18 € je Stunde"),
    ("Erziehungsberatung Lippe", "counselling", "", "", "free", ""),
]


@dataclass
class RegionScene:
    slug: str
    ring_a: object
    ring_b: object
    coordinator_a: Person
    coordinator_b: Person
    anna: Person          # published an offer to the region
    bert: Person          # keeps his offer in the ring
    contact: Person
    service_ids: dict
    talents: dict

    @property
    def contact_actor(self) -> Actor:
        return Actor(ring_id=None, member_id=self.contact.id, role="contact")


def _category(session, ring_id: int, slug: str = "sonstiges") -> int:
    return session.scalar(select(Category.id).where(Category.ring_id == ring_id,
                                                     Category.slug == slug))


def build_region(world) -> RegionScene:
    ring_a, ring_b = world.ring("sonnenberg"), world.ring("talheim")
    coordinator_a = world.coordinator(ring_a, "Karin Vogt")
    coordinator_b = world.coordinator(ring_b, "Otto Lenz")
    anna = world.member(ring_a, "Anna Becker")
    bert = world.member(ring_a, "Bert Hoffmann")
    olga = world.member(ring_b, "Olga Nowak")

    def build(session):
        regions.create_region(session, name="Lippetal", slug=SLUG, contact_email=CONTACT_EMAIL,
                              contact_phone="05231 12345",
                              contact_address="Rathausplatz 1, 33602 Lippetal",
                              contact_hours="Mo–Do 9–12 Uhr")
        for ring in (ring_a, ring_b):
            regions.add_ring(session, region_slug=SLUG, ring_slug=ring.slug)
        regions.set_coverage(session, ring_slug="sonnenberg", postcodes="33602, 33604",
                             places="Sonnenberg;Altstadt", meeting_place="Café Mitte",
                             meeting_time="jeden 1. Dienstag, 19 Uhr",
                             how_to_join="Kommen Sie zum Treffen.",
                             contact_email="kontakt@sonnenberg.example")
        regions.set_coverage(session, ring_slug="talheim", postcodes="33649",
                             places="Talheim", meeting_place="Gemeindehaus Talheim",
                             meeting_time="donnerstags 18 Uhr",
                             contact_email="kontakt@talheim.example")
        contact = regions.appoint_contact(session, region_slug=SLUG, name="Lena Lotse",
                                          email="lena@lippetal.example", password=PASSWORD)
        operator = Actor(ring_id=0, member_id=None, role="admin")
        ids = {}
        for name, kind, places, postcodes, cost, note in SERVICES:
            ids[name] = regions.create_service(
                session, operator, SLUG, name=name, kind=kind, places=places,
                postcodes=postcodes, cost=cost, price_note=note,
                contact="Tel. 05231 999", hours="Mo–Fr 8–16 Uhr",
                accessibility="ebenerdig", meets_quality=True).id
        talents = {}
        for person, title, visibility in ((anna, "Vorlesen für Kinder", "region"),
                                          (olga, "Einkaufen für Nachbarn", "region"),
                                          (bert, "Fahrrad reparieren", "ring")):
            talent = create_talent(session, person.actor, kind="offer", title=title,
                                   description=f"{title} – gern.",
                                   category_id=_category(session, person.ring_id))
            update_talent(session, person.actor, talent.id, visibility=visibility)
            talents[title] = talent.id
        return contact.id, contact.email, ids, talents

    contact_id, contact_email, ids, talents = atomic(build)
    contact = Person(contact_id, None, None, contact_email, "Lena Lotse", "contact")
    return RegionScene(SLUG, ring_a, ring_b, coordinator_a, coordinator_b, anna, bert, contact,
                       ids, talents)


def region_for_matrix(ring_a, ring_b) -> tuple[Person, dict]:
    """The access matrix's region (tests/trust): both rings in region "lippetal", its
    contact point, an entry of the directory and a request for help passed on to ring A."""
    def build(session):
        regions.create_region(session, name="Lippetal", slug=SLUG)
        for ring in (ring_a, ring_b):
            regions.add_ring(session, region_slug=SLUG, ring_slug=ring.slug)
        contact = regions.appoint_contact(session, region_slug=SLUG, name="Lena Lotse",
                                          email="lena.matrix@lippetal.example",
                                          password=PASSWORD)
        actor = Actor(ring_id=None, member_id=contact.id, role="contact")
        service = regions.create_service(session, actor, SLUG, name="Familienzentrum",
                                         kind="childcare")
        request = regions.ask_for_help(session, SLUG, need="Hilfe beim Einkaufen",
                                       email="hilfe@example.org", consent=True)
        regions.forward_help_request(session, actor, SLUG, request.id,
                                     ring_slug=ring_a.slug)
        return (Person(contact.id, None, None, contact.email, contact.name, "contact"),
                {"region": SLUG, "service": service.id, "help": request.id})
    return atomic(build)
