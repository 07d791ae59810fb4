"""A small demo ring to click through: `tauschring demo`."""

from __future__ import annotations

from sqlalchemy import func, select

from tauschring.actors import Actor
from tauschring.db import atomic
from tauschring.errors import Conflict
from tauschring.ledger.models import Transfer
from tauschring.ledger.service import association_account, book, book_by_coordinator
from tauschring.market.service import categories, create_talent
from tauschring.members.models import Member
from tauschring.members.service import create_by_coordinator, create_member
from tauschring.regions.demo import fill_demo_region
from tauschring.rings.models import Ring
from tauschring.rings.service import create_ring

PASSWORD = "tauschen123"
SLUG = "demo"

PEOPLE = [
    # name, e-mail, role, district
    ("Karin Vogt", "koordination@demo.tauschring.example", "coordinator", "Altstadt"),
    ("Anna Becker", "anna@demo.tauschring.example", "member", "Altstadt"),
    ("Bernd Schulze", "bernd@demo.tauschring.example", "member", "Sonnenberg"),
    ("Clara Yilmaz", "clara@demo.tauschring.example", "member", "Sonnenberg"),
    ("Dieter Hoffmann", "dieter@demo.tauschring.example", "member", "Weststadt"),
    ("Emma Nowak", "emma@demo.tauschring.example", "member", "Weststadt"),
]
ADMIN = ("Alex Admin", "admin@demo.tauschring.example")
HOUSEHOLD = ("Jonas Becker", "jonas@demo.tauschring.example", "Anna Becker")
NEWCOMER = ("Fritz Neumann", "fritz@demo.tauschring.example")

# (member, kind, category slug, title, description)
TALENTS = [
    ("Anna Becker", "offer", "kinderbetreuung", "Kinderbetreuung am Nachmittag",
     "Ich passe gern auf Kinder ab 3 Jahren auf, werktags ab 14 Uhr."),
    ("Anna Becker", "request", "haus-und-garten", "Hilfe beim Rasenmähen",
     "Unser Garten ist groß, allein schaffe ich es nicht."),
    ("Bernd Schulze", "offer", "haus-und-garten", "Rasen mähen und Hecke schneiden",
     "Mit eigenem Mäher. Gern auch regelmäßig."),
    ("Bernd Schulze", "offer", "reparaturen", "Kleine Reparaturen im Haushalt",
     "Wackelnde Stühle, tropfende Wasserhähne, Regale aufhängen."),
    ("Clara Yilmaz", "offer", "nachhilfe-und-sprachen", "Türkisch und Deutsch üben",
     "Gespräche auf Türkisch oder Deutsch, für Anfänger und Fortgeschrittene."),
    ("Clara Yilmaz", "request", "computerhilfe", "Smartphone einrichten",
     "Ich brauche Hilfe mit WhatsApp und Fotos auf dem neuen Handy."),
    ("Dieter Hoffmann", "offer", "fahrdienste", "Fahrten zum Arzt",
     "Ich habe ein Auto und fahre Sie gern zu Terminen in der Stadt."),
    ("Dieter Hoffmann", "offer", "gesellschaft-und-begleitung", "Spaziergänge und Gespräche",
     "Gemeinsam spazieren gehen, vorlesen oder Karten spielen."),
    ("Emma Nowak", "offer", "kochen-und-backen", "Kuchen für Feste",
     "Ich backe Geburtstagskuchen und Plätzchen."),
    ("Emma Nowak", "request", "einkauf-und-besorgungen", "Einkäufe tragen",
     "Wer hilft mir samstags, die Getränkekisten zu tragen?"),
    ("Karin Vogt", "offer", "handarbeit-und-basteln", "Stricken lernen",
     "Ich zeige Ihnen gern die Grundlagen des Strickens."),
]

# (from, to, minutes, memo): the payer's account is debited.
TRADES = [
    ("Anna Becker", "Bernd Schulze", 90, "Rasen gemäht"),
    ("Clara Yilmaz", "Anna Becker", 120, "Kinderbetreuung am Nachmittag"),
    ("Dieter Hoffmann", "Emma Nowak", 60, "Einkauf erledigt"),
    ("Emma Nowak", "Clara Yilmaz", 45, "Fahrrad repariert"),
    ("Bernd Schulze", "Dieter Hoffmann", 30, "Begleitung zum Arzt"),
]


def fill_demo() -> list[str]:
    def fill(session):
        if session.scalar(select(func.count(Member.id))) or session.scalar(
                select(func.count(Transfer.id))):
            raise Conflict("The database is not empty; the demo needs an empty one.",
                           code="database_not_empty")
        ring = session.scalars(select(Ring).where(Ring.slug == SLUG)).first() or create_ring(
            session, name="Tauschring Sonnenberg (Demo)", slug=SLUG, unit_name="Talente",
            default_min_balance=-20 * 60, default_max_balance=40 * 60)
        members = {}
        for name, email, role, district in PEOPLE:
            members[name] = create_member(session, ring_id=ring.id, name=name, email=email,
                                          password=PASSWORD, role=role, status="active")
            members[name].district = district
        create_member(session, ring_id=ring.id, name=ADMIN[0], email=ADMIN[1],
                      password=PASSWORD, role="admin", status="active")
        coordinator = Actor.of(members["Karin Vogt"])
        name, email, holder = HOUSEHOLD
        create_by_coordinator(session, coordinator, name=name, email=email, password=PASSWORD,
                              household_of=members[holder].id, district="Altstadt")
        create_member(session, ring_id=ring.id, name=NEWCOMER[0], email=NEWCOMER[1],
                      password=PASSWORD, status="pending")
        by_slug = {c.slug: c.id for c in categories(session, ring.id)}
        talents = []
        for owner, kind, slug, title, description in TALENTS:
            talents.append(create_talent(session, Actor.of(members[owner]), kind=kind,
                                         title=title, description=description,
                                         category_id=by_slug[slug]))
        session.flush()
        bank = association_account(session, ring.id)
        for member in members.values():
            if member.role == "member":
                book_by_coordinator(session, coordinator, debit_account_id=bank.id,
                                    credit_account_id=member.account_id, minutes=120,
                                    memo="Startguthaben")
        for payer, provider, minutes, memo in TRADES:
            book(session, ring_id=ring.id, debit_account_id=members[payer].account_id,
                 credit_account_id=members[provider].account_id, minutes=minutes,
                 memo=memo, booked_by_id=members[payer].id)
        region_lines[:] = fill_demo_region(session, ring, talents, PASSWORD)
        from tauschring.partners.demo import fill_demo_partners
        region_lines.extend(fill_demo_partners(session, ring))
        from tauschring.events.demo import fill_demo_ring_life
        fill_demo_ring_life(session, coordinator)
        from tauschring.office.demo import fill_demo_office
        region_lines.extend(fill_demo_office(session, members))
        return ring

    region_lines: list[str] = []

    ring = atomic(fill)
    lines = [f"demo ring {ring.slug!r} is ready. Log in with any of (password {PASSWORD}):"]
    lines += [f"  {email}  ({role})" for _, email, role, _ in PEOPLE]
    lines += [f"  {ADMIN[1]}  (admin)", f"  {HOUSEHOLD[1]}  (member, shares Anna's account)",
              f"  {NEWCOMER[1]}  (registered, waiting for admission)", *region_lines]
    return lines
