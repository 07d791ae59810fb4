"""A small demo ring to click through: `tauschring demo`."""

from __future__ import annotations

from sqlalchemy import func, select

from tauschring.actors import Actor
from tauschring.db import atomic
from tauschring.errors import Conflict
from tauschring.ledger.models import Transfer
from tauschring.ledger.service import association_account, book, book_by_coordinator
from tauschring.members.models import Member
from tauschring.members.service import create_member
from tauschring.rings.models import Ring
from tauschring.rings.service import create_ring

PASSWORD = "tauschen123"
SLUG = "demo"

PEOPLE = [
    ("Karin Vogt", "koordination@demo.tauschring.example", "coordinator"),
    ("Anna Becker", "anna@demo.tauschring.example", "member"),
    ("Bernd Schulze", "bernd@demo.tauschring.example", "member"),
    ("Clara Yilmaz", "clara@demo.tauschring.example", "member"),
    ("Dieter Hoffmann", "dieter@demo.tauschring.example", "member"),
    ("Emma Nowak", "emma@demo.tauschring.example", "member"),
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
        for name, email, role in PEOPLE:
            members[name] = create_member(session, ring_id=ring.id, name=name, email=email,
                                          password=PASSWORD, role=role, status="active")
        coordinator = Actor.of(members["Karin Vogt"])
        bank = association_account(session, ring.id)
        for name, member in members.items():
            if member.role == "member":
                book_by_coordinator(session, coordinator, debit_account_id=bank.id,
                                    credit_account_id=member.account_id, minutes=120,
                                    memo="Startguthaben")
        for payer, provider, minutes, memo in TRADES:
            book(session, ring_id=ring.id, debit_account_id=members[payer].account_id,
                 credit_account_id=members[provider].account_id, minutes=minutes,
                 memo=memo, booked_by_id=members[payer].id)
        return ring

    ring = atomic(fill)
    lines = [f"demo ring {ring.slug!r} is ready. Log in with any of (password {PASSWORD}):"]
    lines += [f"  {email}  ({role})" for _, email, role in PEOPLE]
    return lines
