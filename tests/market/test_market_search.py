"""Finding talents in the market: words, categories, kinds, districts — and only
the current ones of members who can trade."""

from __future__ import annotations

import pytest

from tauschring.db import atomic
from tauschring.market.service import withdraw_talent
from tauschring.members.service import suspend


@pytest.fixture
def sonnenberg(world, market):
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    bernd = world.member(ring, "Bernd")
    market.set_member(anna, district="Altstadt", postcode="79100")
    market.set_member(bernd, district="Weststadt", postcode="79114")
    market.post(anna, "Gartenhilfe", description="Hecke schneiden und Laub rechen.",
                category="haus-und-garten")
    market.post(bernd, "Kuchen backen", description="Für Feste im Garten oder im Saal.",
                category="kochen-und-backen")
    market.post(bernd, "Begleitung zum Arzt", kind="request",
                description="Dienstags vormittags.", category="gesellschaft-und-begleitung")
    return ring, anna, bernd


def test_a_word_is_found_in_the_title_and_in_the_description(sonnenberg, market):
    ring, anna, bernd = sonnenberg
    browser = market.browser(anna)

    assert sorted(browser.titles(q="garten")) == ["Gartenhilfe", "Kuchen backen"]
    assert browser.titles(q="GARTEN hecke") == ["Gartenhilfe"]   # every word, any case
    assert browser.titles(q="arzt") == ["Begleitung zum Arzt"]
    assert browser.titles(q="schwimmen") == []


def test_browsing_by_category_shows_its_talents_and_counts(sonnenberg, market):
    ring, anna, bernd = sonnenberg
    browser = market.browser(anna)
    garden = market.category_id(ring, "haus-und-garten")

    assert browser.titles(category=garden) == ["Gartenhilfe"]
    page = browser.page("/market")
    assert "House and garden <span class=\"count\">1</span>" in page
    assert "Computer help <span class=\"count\">0</span>" in page


def test_filter_by_kind(sonnenberg, market):
    ring, anna, bernd = sonnenberg
    browser = market.browser(anna)

    assert browser.titles(kind="request") == ["Begleitung zum Arzt"]
    assert sorted(browser.titles(kind="offer")) == ["Gartenhilfe", "Kuchen backen"]


def test_filter_by_district_or_postcode(sonnenberg, market):
    ring, anna, bernd = sonnenberg
    browser = market.browser(anna)

    assert browser.titles(district="altstadt") == ["Gartenhilfe"]
    assert sorted(browser.titles(district="79114")) == ["Begleitung zum Arzt", "Kuchen backen"]
    assert browser.titles(district="weststadt", kind="request", q="arzt") == [
        "Begleitung zum Arzt"]


def test_expired_withdrawn_and_not_trading_members_talents_are_not_listed(world, market):
    ring = world.ring("sonnenberg")
    coordinator = world.coordinator(ring)
    anna, bernd, clara, dora = (world.member(ring, name)
                                for name in ("Anna", "Bernd", "Clara", "Dora"))
    market.post(anna, "Fenster putzen")
    expired = market.post(anna, "Winterreifen wechseln")
    withdrawn = market.post(anna, "Hund ausführen")
    suspended = market.post(bernd, "Bernds Angebot")
    pending = market.post(clara, "Claras Angebot")
    market.expire(expired)
    atomic(withdraw_talent, anna.actor, withdrawn)
    atomic(suspend, coordinator.actor, bernd.id)
    market.set_member(clara, status="pending")

    assert market.browser(dora).titles() == ["Fenster putzen"]
    for talent_id in (expired, withdrawn, suspended, pending):
        assert market.browser(dora).get(f"/talents/{talent_id}").status_code == 404
    # The owner and the coordinators still find them, to renew or to check.
    assert market.browser(anna).get(f"/talents/{expired}").status_code == 200
    assert market.browser(coordinator).get(f"/talents/{withdrawn}").status_code == 200


def test_search_for_umlauts_ignores_case(world, market):
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    market.post(anna, "Überraschungskuchen")
    market.post(anna, "Kuchen zum Geburtstag", description="ÄPFEL aus dem Garten")

    browser = market.browser(anna)
    assert browser.titles(q="über") == ["Überraschungskuchen"]
    assert browser.titles(q="äpfel") == ["Kuchen zum Geburtstag"]


def test_results_come_in_pages(world, market):
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    for n in range(23):
        market.post(anna, f"Angebot {n:02d}")
    browser = market.browser(anna)

    first, second = browser.titles(), browser.titles(page=2)
    assert len(first) == 20 and len(second) == 3
    assert sorted(first + second) == [f"Angebot {n:02d}" for n in range(23)]
    assert 'rel="next"' in browser.page("/market")


ODD_QUERIES = ["page=abc&category=xyz&kind=everything", "q=%00&district=%00",
               "page=99999999999999", "category=99999999999999&member=-1",
               "q=" + "wort+" * 300, "q=%25_%5C&district=%25"]


def test_odd_filters_are_ignored_not_fatal(world, market):
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    market.post(anna, "Fenster putzen")
    browser = market.browser(anna)

    for query in ODD_QUERIES:
        assert browser.get("/market?" + query).status_code == 200, query
    assert browser.titles(q="%") == []   # LIKE wildcards are plain characters
