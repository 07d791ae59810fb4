"""A ring with years of history, made through the real services.

Bookings take their time from the clock, so the helpers here move the
services' clock (`utcnow` in the ledger, exchanges and members services) to
chosen moments in past years, always forwards. Exchange events take their
time from a column default, so each step also dates the events it created.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.models import ExchangeEvent
from tauschring.fees import service as fees
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account
from tauschring.market.models import Category
from tauschring.members import service as members
from tauschring.rings.models import Ring
from tests.support.app import PASSWORD, Person

BERLIN = ZoneInfo("Europe/Berlin")
CLOCKED = ("tauschring.ledger.service", "tauschring.exchanges.service",
           "tauschring.members.service")
YEARS = (2023, 2024, 2025)


def berlin(*args) -> datetime:
    """A moment given as Berlin wall-clock time, in UTC."""
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


class Clock:
    """The services' clock, set to chosen moments; each reading moves it on by a
    millisecond, so bookings made at one moment still come one after another."""

    def __init__(self, monkeypatch):
        self.now = None
        for module in CLOCKED:
            monkeypatch.setattr(f"{module}.utcnow", self)

    def __call__(self) -> datetime:
        if self.now is None:
            return datetime.now(UTC)
        moment, self.now = self.now, self.now + timedelta(milliseconds=1)
        return moment

    def set(self, moment: datetime) -> None:
        assert self.now is None or moment >= self.now, "the clock only moves forwards"
        self.now = moment

    def run(self, moment: datetime, fn, *args, **kwargs):
        """Run fn(session, ...) in `atomic` at `moment`; date the exchange events it
        made to that moment too."""
        self.set(moment)
        before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(ExchangeEvent.id), 0)))
        result = atomic(fn, *args, **kwargs)

        def date_events(session):
            session.execute(sa.update(ExchangeEvent).where(ExchangeEvent.id > before)
                            .values(at=moment))
        atomic(date_events)
        return result


@dataclass
class History:
    """What was made, for the tests to look up."""

    ring: object
    coordinator: object
    people: dict = field(default_factory=dict)      # name -> Person
    account_ids: list = field(default_factory=list)  # every account of the ring
    exchanges: list = field(default_factory=list)

    def person(self, name):
        return self.people[name]


def category_ids(ring_id: int) -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Category.id).where(Category.ring_id == ring_id)
                                   .order_by(Category.position)))


def make_member(clock, ring, name, moment, *, role="member", account_id=None):
    """A member who joins at `moment` (a household member with `account_id`)."""
    email = f"{name.lower().replace(' ', '.')}.{ring.slug}@example.org"

    def make(session):
        m = members.create_member(session, ring_id=ring.id, name=name, email=email,
                                  password=PASSWORD, role=role, account_id=account_id)
        return Person(m.id, m.ring_id, m.account_id, m.email, m.name, m.role)
    return clock.run(moment, make)


def trade(clock, moment, provider, recipient, minutes, description, category_id=None):
    """An invoice by the provider, confirmed by the recipient at the same moment."""
    exchange = clock.run(moment, exchanges.propose, provider.actor, provider_id=provider.id,
                         recipient_id=recipient.id, minutes=minutes, description=description,
                         performed_on=moment.date(), category_id=category_id)
    clock.run(moment + timedelta(minutes=5), exchanges.confirm, recipient.actor, exchange.id)
    return exchange.id


def book(clock, moment, ring, debit, credit, minutes, memo, by=None):
    return clock.run(moment, ledger.book, ring_id=ring.id, debit_account_id=debit,
                     credit_account_id=credit, minutes=minutes, memo=memo,
                     booked_by_id=by.id if by else None).id


def build_history(world, clock, slug="sonnenberg", seed=7) -> History:
    """Three years (2023-2025) of a ring: members joining and leaving, a household,
    exchanges in every category, disputes ended every way, a yearly fee, and
    bookings either side of midnight on New Year's Eve (Berlin time)."""
    rnd = random.Random(seed)
    ring = world.ring(slug, min_balance=-6000, max_balance=6000)
    karin = make_member(clock, ring, "Karin Vogt", berlin(2023, 1, 2, 9),
                        role="coordinator")
    history = History(ring, karin)
    names = ["Anna Becker", "Bernd Schulze", "Clara Yilmaz", "Dieter Groß"]
    for n, name in enumerate(names):
        history.people[name] = make_member(clock, ring, name,
                                           berlin(2023, 1, 10 + n, 10))
    bernd = history.people["Bernd Schulze"]
    history.people["Berta Schulze"] = make_member(
        clock, ring, "Berta Schulze", berlin(2023, 2, 1, 10), account_id=bernd.account_id)
    categories = category_ids(ring.id)
    moment = berlin(2023, 2, 3, 8)
    for name in names:   # starting credits from the association
        book(clock, moment, ring, ring.association_account_id,
             history.people[name].account_id, 120, "Startguthaben", by=karin)
        moment += timedelta(hours=1)

    def random_trades(start: datetime, end: datetime, count: int, traders: list[str]):
        step = (end - start) / (count + 1)
        for i in range(count):
            provider, recipient = rnd.sample(traders, 2)
            if history.people[provider].account_id == history.people[recipient].account_id:
                continue
            at = start + step * (i + 1) + timedelta(minutes=rnd.randint(0, 60))
            history.exchanges.append(trade(
                clock, at, history.people[provider], history.people[recipient],
                rnd.choice([30, 45, 60, 90, 120, 150]),
                rnd.choice(["Rasen gemäht", "Einkauf für Frau Müller", "Fahrrad geflickt",
                            "=SUMME(A1:A9)", "Kuchen gebacken; mit Äpfeln"]),
                rnd.choice(categories + [None])))

    everyone = names + ["Berta Schulze"]
    random_trades(berlin(2023, 2, 10), berlin(2023, 12, 20), 14, everyone)

    # 2024: disputes ended every way, a fee, Dieter leaves.
    anna, clara, dieter = (history.people[n] for n in ("Anna Becker", "Clara Yilmaz",
                                                       "Dieter Groß"))
    random_trades(berlin(2024, 1, 5), berlin(2024, 3, 1), 6, everyone)
    reversed_one = trade(clock, berlin(2024, 3, 5, 10), anna, clara, 90, "Fenster geputzt")
    clock.run(berlin(2024, 3, 6, 10), exchanges.dispute, clara.actor, reversed_one,
              "Nicht gemacht")
    clock.run(berlin(2024, 3, 8, 10), exchanges.resolve, karin.actor, reversed_one,
              decision="cancel", note="Storniert")
    adjusted = trade(clock, berlin(2024, 4, 2, 10), clara, anna, 120, "Nachhilfe")
    clock.run(berlin(2024, 4, 3, 10), exchanges.dispute, anna.actor, adjusted, "Nur 1 Stunde")
    clock.run(berlin(2024, 4, 9, 10), exchanges.resolve, karin.actor, adjusted,
              decision="adjust", minutes=60, note="Eine Stunde")
    proposal = clock.run(berlin(2024, 5, 2, 10), exchanges.propose, anna.actor,
                         provider_id=anna.id, recipient_id=bernd.id, minutes=45,
                         description="Hecke geschnitten", performed_on=date(2024, 5, 1))
    clock.run(berlin(2024, 5, 3, 10), exchanges.dispute, bernd.actor, proposal.id, "Zu viel")
    clock.run(berlin(2024, 5, 10, 10), exchanges.resolve, karin.actor, proposal.id,
              decision="book", note="Passt doch")
    withdrawn = clock.run(berlin(2024, 6, 2, 10), exchanges.propose, clara.actor,
                          provider_id=clara.id, recipient_id=bernd.id, minutes=30,
                          description="Brief geschrieben", performed_on=date(2024, 6, 1))
    clock.run(berlin(2024, 6, 3, 10), exchanges.dispute, bernd.actor, withdrawn.id, "Nie")
    clock.run(berlin(2024, 6, 9, 10), exchanges.resolve, karin.actor, withdrawn.id,
              decision="cancel", note="Nicht vereinbart")

    def set_fee(session):
        ring_row = session.get(Ring, ring.id)
        ring_row.fee_minutes, ring_row.fee_period = 60, "year"
    atomic(set_fee)
    clock.run(berlin(2024, 7, 1, 9), fees.charge, ring_id=ring.id, period="2024")
    random_trades(berlin(2024, 7, 10), berlin(2024, 10, 30), 6, everyone)
    clock.run(berlin(2024, 11, 15, 10), members.leave, karin.actor, dieter.id, "Umzug")
    late = trade(clock, berlin(2024, 12, 10, 10), bernd, anna, 60, "Weihnachtsbaum")
    clock.run(berlin(2024, 12, 20, 10), exchanges.dispute, anna.actor, late, "Zu teuer")
    history.exchanges += [reversed_one, adjusted, proposal.id, withdrawn.id, late]
    # Either side of midnight on New Year's Eve, Berlin time (22:30 and 23:30 UTC).
    book(clock, berlin(2024, 12, 31, 23, 30), ring, anna.account_id, clara.account_id, 15,
         "Silvester, vor Mitternacht", by=karin)
    book(clock, berlin(2025, 1, 1, 0, 30), ring, clara.account_id, anna.account_id, 25,
         "Neujahr, nach Mitternacht", by=karin)

    # 2025: the late dispute is settled, Eva joins, more trade.
    clock.run(berlin(2025, 1, 8, 10), exchanges.resolve, karin.actor, late, decision="book",
              note="Bleibt gebucht")
    history.people["Eva Lange"] = make_member(clock, ring, "Eva Lange",
                                              berlin(2025, 3, 1, 10))
    active = ["Anna Becker", "Bernd Schulze", "Clara Yilmaz", "Berta Schulze", "Eva Lange"]
    random_trades(berlin(2025, 3, 2), berlin(2025, 12, 20), 12, active)
    clock.now = None
    db.session.rollback()
    history.account_ids = list(db.session.scalars(
        sa.select(Account.id).where(Account.ring_id == ring.id).order_by(Account.id)))
    return history
