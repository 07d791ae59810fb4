"""Exchanges: a member arranges one from an offer, the other confirms, both
see their new balances; a booked exchange is disputed and a coordinator books
a different time. In German (the default) and in English."""

from __future__ import annotations

import re

from browser_words import Words
from playwright.sync_api import expect

from tauschring.db import atomic, utcnow
from tauschring.exchanges import service as exchanges


def waiting_for(visitor):
    """What /exchanges lists under "waiting for you" (the block after that heading)."""
    return visitor.main.get_by_role("heading", level=2, name=Words.WAITING_FOR_YOU).locator(
        "xpath=following-sibling::*[1]")


def fact(visitor, name: re.Pattern):
    """The value of a fact in the page's list of facts (<dt> name, <dd> value)."""
    return visitor.main.locator("dt").filter(has_text=name).locator(
        "xpath=following-sibling::dd[1]")


def entry(visitor, memo: str):
    """The dashboard's row of the latest entries with this text."""
    return visitor.main.get_by_role("row").filter(has_text=memo)


def test_exchange_arranged_from_an_offer_is_confirmed_and_booked(
        world, visit, language, post_talent):
    ring = world.ring("lindenhof")
    anna = world.member(ring, "Anna Adler")
    ben = world.member(ring, "Ben Bauer")
    title = "Rasen mähen" if language.code == "de" else "Mowing the lawn"
    post_talent(ben, title, category="haus-und-garten", description="Mit meinem Mäher.")

    # Anna finds Ben's offer in the market and arranges an exchange.
    a = visit()
    a.log_in(anna.email, anna.password)
    a.speak(language)
    a.go_to(Words.MARKET)
    a.follow(a.main.get_by_role("link", name=title))
    a.follow(a.main.get_by_role("link", name=Words.ARRANGE_EXCHANGE))
    expect(a.page).to_have_url(re.compile(r"/exchanges/new\?talent=\d+"))
    language.is_shown(a.page)
    expect(a.main).to_contain_text("Ben Bauer")
    a.page.get_by_label(Words.TIME).fill("1:30")
    a.submit()
    expect(a.page).to_have_url(re.compile(r"/exchanges/\d+$"))
    expect(a.page.get_by_role("heading", level=1)).to_have_text(title)
    expect(a.main.get_by_role("status")).to_be_visible()  # "the other member is asked"
    language.shows_hours(fact(a, Words.TIME), 90)
    language.says(a.page.get_by_test_id("state"), de="wartet auf Bestätigung",
                  en="waiting for confirmation")

    # Ben sees it waiting for him, and confirms.
    b = visit()
    b.log_in(ben.email, ben.password)
    b.speak(language)
    b.go_to(Words.EXCHANGES)
    language.is_shown(b.page)
    language.says(b.page.locator("header nav"), de="Tauschgeschäfte", en="Exchanges")
    b.follow(waiting_for(b).get_by_role("link", name=title))
    confirm = b.main.get_by_role("button", name=Words.CONFIRM)
    language.says(confirm, de="Bestätigen", en="Confirm")
    language.says(b.main.locator("summary").filter(has_text=Words.DECLINE), de="Ablehnen",
                  en="Decline")
    b.follow(confirm)
    expect(confirm).to_have_count(0)
    language.says(b.page.get_by_test_id("state"), de="gebucht", en="booked")
    b.go_to(Words.EXCHANGES)
    expect(waiting_for(b).get_by_role("link", name=title)).to_have_count(0)

    # Both dashboards show the booking and the new balances.
    b.go_to(Words.MY_ACCOUNT)
    language.is_shown(b.page)
    language.shows_hours(b.balance(), 90)
    language.shows_hours(entry(b, title).get_by_role("cell").nth(2), 90, signed=True)
    a.go_to(Words.MY_ACCOUNT)
    language.shows_hours(a.balance(), -90)
    language.shows_hours(entry(a, title).get_by_role("cell").nth(2), -90, signed=True)
    language.finish()


def test_disputed_exchange_is_decided_by_a_coordinator(world, visit, language):
    ring = world.ring("lindenhof")
    karin = world.coordinator(ring, "Karin Koch")
    clara = world.member(ring, "Clara Claus")
    dieter = world.member(ring, "Dieter Dorn")
    what = "Regal aufgebaut" if language.code == "de" else "Put up a shelf"
    reason = "Es war nur eine Stunde." if language.code == "de" else "It took one hour only."
    note = ("Beide sagen jetzt: eine Stunde." if language.code == "de"
            else "Both now agree on one hour.")

    # Dieter records what he did for Clara: 1:30.
    d = visit()
    d.log_in(dieter.email, dieter.password)
    d.speak(language)
    d.go_to(Words.EXCHANGES)
    d.follow(d.main.get_by_role("link", name=Words.RECORD_EXCHANGE))
    language.is_shown(d.page)
    d.page.get_by_role("radio", name=Words.I_DID_SOMETHING).check()
    d.page.get_by_label(Words.PARTNER).select_option(label="Clara Claus")
    d.page.get_by_label(Words.TIME).fill("1:30")
    d.page.get_by_label(Words.WHAT_WAS_DONE).fill(what)
    d.submit()
    expect(d.page).to_have_url(re.compile(r"/exchanges/\d+$"))
    exchange_path = d.page.url.removeprefix(d.base_url)

    # Clara confirms it, then disputes it with a reason.
    c = visit()
    c.log_in(clara.email, clara.password)
    c.speak(language)
    c.go_to(Words.EXCHANGES)
    c.follow(waiting_for(c).get_by_role("link", name=what))
    c.follow(c.main.get_by_role("button", name=Words.CONFIRM))
    expect(c.main.get_by_role("button", name=Words.CONFIRM)).to_have_count(0)
    c.main.locator("summary").filter(has_text=Words.SOMETHING_WRONG).click()
    c.main.get_by_label(Words.REASON).fill(reason)
    dispute = c.main.get_by_role("button", name=Words.DISPUTE)
    language.says(dispute, de="Einspruch erheben", en="Dispute")
    c.follow(dispute)
    language.says(c.page.get_by_test_id("state"), de="beanstandet", en="disputed")
    expect(c.main.locator("ol")).to_contain_text(reason)

    # The coordinator opens the dispute and books a different time.
    k = visit()
    k.log_in(karin.email, karin.password)
    k.speak(language)
    k.go_to(Words.COORDINATION)
    k.open("/exchanges/disputes")
    language.is_shown(k.page)
    k.follow(k.main.get_by_role("link", name=what))
    expect(k.main).to_contain_text(reason)
    decide = k.main.locator("form").filter(has=k.page.get_by_role("button", name=Words.DECIDE))
    decide.get_by_role("radio", name=Words.DIFFERENT_TIME).check()
    decide.get_by_role("textbox", name=Words.DIFFERENT_TIME).fill("1:00")
    decide.get_by_label(Words.NOTE).fill(note)
    k.follow(decide.get_by_role("button", name=Words.DECIDE))
    expect(k.main.get_by_role("button", name=Words.DECIDE)).to_have_count(0)
    language.says(k.page.get_by_test_id("state"), de="gebucht", en="booked")
    k.open("/exchanges/disputes")
    expect(k.main.get_by_role("link", name=what)).to_have_count(0)

    # Both parties see the decision: booked at 1:00, the note, the balances.
    for visitor, balance in ((c, -60), (d, 60)):
        visitor.open(exchange_path)
        language.is_shown(visitor.page)
        language.says(visitor.page.get_by_test_id("state"), de="gebucht", en="booked")
        language.shows_hours(fact(visitor, Words.TIME), 60)
        history = visitor.main.locator("ol")
        expect(history).to_contain_text(reason)
        expect(history.locator("li").last).to_contain_text("Karin Koch")
        expect(history.locator("li").last).to_contain_text(note)
        visitor.go_to(Words.MY_ACCOUNT)
        language.shows_hours(visitor.balance(), balance)
        language.shows_hours(entry(visitor, what).get_by_role("cell").nth(2),
                             90 if balance > 0 else -90, signed=True)
        language.shows_hours(entry(visitor, note).get_by_role("cell").nth(2),
                             -30 if balance > 0 else 30, signed=True)
    language.finish()


def test_the_reason_for_disputing_a_proposal_is_found_by_its_label(world, visit):
    ring = world.ring("lindenhof")
    clara = world.member(ring, "Clara Claus")
    dieter = world.member(ring, "Dieter Dorn")
    exchange = atomic(lambda session: exchanges.propose(
        session, dieter.actor, provider_id=dieter.id, recipient_id=clara.id, minutes=30,
        description="Briefkasten repariert", performed_on=utcnow().date()).id)

    c = visit()
    c.log_in(clara.email, clara.password)
    c.open(f"/exchanges/{exchange}")
    dispute = c.main.locator("details").filter(
        has=c.page.locator("summary").filter(has_text=Words.SOMETHING_WRONG))
    dispute.locator("summary").click()
    reason = dispute.get_by_label(Words.REASON)
    expect(reason).to_have_count(1, timeout=1000)
    reason.fill("Das war nicht abgemacht.")
    c.follow(dispute.get_by_role("button", name=Words.DISPUTE))
    expect(c.page.get_by_test_id("state")).to_have_text(re.compile("beanstandet|disputed"))
