"""Trading across partner rings in a real browser: Anna of ring Auental finds
Bernd's offer of the partner ring Bergdorf in the partner rings' market (searched
in German), proposes an exchange from it; Bernd confirms; the exchange is
booked on both dashboards and both rings' audits are ok. In German (the
default) and in English."""

from __future__ import annotations

import re

from browser_words import Words
from playwright.sync_api import expect
from sqlalchemy import select

from tauschring.db import atomic, db
from tauschring.ledger.audit import audit_ring
from tauschring.market.models import Category
from tauschring.market.service import create_talent
from tauschring.partners import service as partners

PARTNER_MARKET = re.compile(r"^(?:Markt der Partnerringe|Market of the partner rings)$")
RING_OF_CARD = re.compile(r"(?:Tauschring|Ring): Bergdorf")


def fact(visitor, name: re.Pattern):
    """The value of a fact in the page's list of facts (<dt> name, <dd> value)."""
    return visitor.main.locator("dt").filter(has_text=name).locator(
        "xpath=following-sibling::dd[1]")


def waiting_for(visitor):
    """What /exchanges lists under "waiting for you" (the block after that heading)."""
    return visitor.main.get_by_role("heading", level=2, name=Words.WAITING_FOR_YOU).locator(
        "xpath=following-sibling::*[1]")


def entry(visitor, memo: str):
    """The dashboard's row of the latest entries with this text."""
    return visitor.main.locator("table").last.get_by_role("row").filter(has_text=memo)


def publish_to_partners(person, title: str, description: str) -> int:
    def make(session):
        category = session.scalar(select(Category.id).where(
            Category.ring_id == person.ring_id, Category.slug == "reparaturen"))
        return create_talent(session, person.actor, kind="offer", title=title,
                             description=description, category_id=category,
                             visibility="partners").id
    return atomic(make)


def test_a_member_finds_a_partner_rings_offer_and_the_exchange_is_booked_in_both_rings(
        world, visit, language):
    auental, bergdorf = world.ring("auental"), world.ring("bergdorf")
    anna = world.member(auental, "Anna Adler")
    bernd = world.member(bergdorf, "Bernd Brandt")
    atomic(lambda s: partners.add(s, ring_id=auental.id, partner_ring_id=bergdorf.id,
                                  credit_line=600))
    title = "Fahrradreparatur"
    publish_to_partners(bernd, title, "Platten flicken und Bremsen einstellen.")

    # Anna finds Bernd's offer in the partner rings' market, searching in German.
    a = visit()
    a.log_in(anna.email, anna.password)
    a.speak(language)
    a.go_to(Words.MARKET)
    a.follow(a.main.get_by_role("link", name=PARTNER_MARKET))
    language.is_shown(a.page)
    language.says(a.page.get_by_role("heading", level=1), de="Markt der Partnerringe",
                  en="Market of the partner rings")
    a.page.get_by_label(Words.SEARCH_WORDS).fill("Fahrräder")
    a.follow(a.main.locator("form").get_by_role("button", name=Words.SEARCH))
    card = a.main.locator("li.talent-card").filter(has_text=title)
    expect(card).to_have_count(1)
    expect(card).to_contain_text(RING_OF_CARD)
    expect(card).to_contain_text("Bernd Brandt")
    expect(card).not_to_contain_text(bernd.email)
    a.follow(card.get_by_role("link", name=title))
    expect(fact(a, re.compile("Partnerring|Partner ring"))).to_have_text("Bergdorf")

    # She proposes an exchange from it: the form knows the offer and its member.
    a.follow(a.main.get_by_role("link", name=Words.ARRANGE_EXCHANGE))
    expect(a.page).to_have_url(re.compile(r"/exchanges/new\?talent=\d+"))
    expect(a.page.get_by_label(Words.PARTNER)).to_contain_text("Bernd Brandt")
    a.page.get_by_label(Words.TIME).fill("1:30")
    a.submit()
    expect(a.page).to_have_url(re.compile(r"/exchanges/\d+$"))
    language.says(a.page.get_by_test_id("state"), de="wartet auf Bestätigung",
                  en="waiting for confirmation")

    # Bernd, in Bergdorf, sees it waiting for him and confirms.
    b = visit()
    b.log_in(bernd.email, bernd.password)
    b.speak(language)
    b.go_to(Words.EXCHANGES)
    b.follow(waiting_for(b).get_by_role("link", name=title))
    confirm = b.main.get_by_role("button", name=Words.CONFIRM)
    b.follow(confirm)
    expect(confirm).to_have_count(0)
    language.says(b.page.get_by_test_id("state"), de="gebucht", en="booked")

    # Both dashboards show the booking: Anna's balance down, Bernd's up.
    b.go_to(Words.MY_ACCOUNT)
    language.is_shown(b.page)
    language.shows_hours(b.balance(), 90)
    language.shows_hours(entry(b, title).get_by_role("cell").nth(2), 90, signed=True)
    a.go_to(Words.MY_ACCOUNT)
    language.shows_hours(a.balance(), -90)
    language.shows_hours(entry(a, title).get_by_role("cell").nth(2), -90, signed=True)

    # Both rings' audits are ok, their clearing accounts mirror each other.
    for ring, other, clearing_balance in ((auental, bergdorf, 90), (bergdorf, auental, -90)):
        report = audit_ring(db.session, ring.id)
        assert report["ok"] is True, report
        [partner] = report["partners"]
        assert (partner["ring"], partner["mirrored"], partner["clearing_balance"]) == (
            other.slug, True, clearing_balance)
    db.session.rollback()
    language.finish()
