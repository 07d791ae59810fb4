"""The directory: who is in the ring, found by name, place or skill."""

from __future__ import annotations

import re

import pytest
from member_pages import Visitor, csrf_token_in, text_of

from tauschring.db import atomic
from tauschring.members.service import update_profile


@pytest.fixture
def ring(world):
    return world.ring("sonnenberg")


def names_on(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/members/\d+">([^<]+)</a></h2>', page)


def test_the_directory_lists_the_active_members_of_the_ring_with_links(ring, world,
                                                                      visitor_as):
    anna = world.member(ring, "Anna")
    world.member(ring, "Fritz", status="pending")
    world.member(world.ring("weststadt"), "Zoe")
    bernd = visitor_as(world.member(ring, "Bernd"))

    page = text_of(bernd.get("/members"))
    assert names_on(page) == ["Anna", "Bernd"]
    assert f'href="/members/{anna.id}"' in page


SEARCHES = [("altstadt", ["Anna"]), ("79098", ["Anna", "Clara"]), ("fahrrad", ["Bernd"]),
            ("ber", ["Bernd"]), ("anna altstadt", ["Anna"]), ("nirgends", [])]


def test_the_search_looks_at_name_district_postcode_and_skills(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    bernd = world.member(ring, "Bernd")
    clara = world.member(ring, "Clara")
    atomic(update_profile, anna.actor, anna.id, district="Altstadt", postcode="79098")
    atomic(update_profile, bernd.actor, bernd.id, skills="Fahrrad reparieren")
    atomic(update_profile, clara.actor, clara.id, postcode="79098", district="Wiehre")
    browser = visitor_as(anna)
    found = {q: names_on(text_of(browser.get("/members", query_string={"q": q})))
             for q, _ in SEARCHES}
    assert found == dict(SEARCHES)


def test_the_directory_has_pages(ring, world, visitor_as):
    people = [world.member(ring, f"Person {n:02d}") for n in range(23)]
    browser = visitor_as(people[0])
    first = text_of(browser.get("/members"))
    assert len(names_on(first)) == 20 and 'rel="next"' in first
    second = text_of(browser.get("/members?page=2"))
    assert names_on(second) == ["Person 20", "Person 21", "Person 22"]
    assert names_on(text_of(browser.get("/members?page=abc"))) == names_on(first)
    assert names_on(text_of(browser.get("/members?page=99999999999"))) == []


def test_coordinators_may_also_list_members_waiting_for_admission(ring, world, visitor_as):
    world.member(ring, "Fritz", status="pending")
    karin = visitor_as(world.coordinator(ring))
    assert names_on(text_of(karin.get("/members?status=pending"))) == ["Fritz"]
    assert names_on(text_of(karin.get("/members?status="))) == ["Fritz", "Karin"]
    anna = visitor_as(world.member(ring, "Anna"))
    assert names_on(text_of(anna.get("/members?status=pending"))) == ["Anna", "Karin"]


def test_the_directory_needs_a_log_in(ring, visitor):
    response = visitor.get("/members")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_after_logging_in_the_member_comes_back_to_the_page_of_this_site(ring, world, app):
    anna = world.member(ring, "Anna")
    for target, arrives_at in [("/members?q=a", "/members?q=a"),
                               ("//evil.example/x", "/dashboard"),
                               ("/\t/evil.example", "/dashboard"),
                               ("https://evil.example/", "/dashboard")]:
        visitor = Visitor(app)
        page = visitor.get("/login", query_string={"next": target})
        response = visitor.post("/login", query_string={"next": target}, data={
            "csrf_token": csrf_token_in(text_of(page)), "email": anna.email,
            "password": anna.password})
        assert response.headers["Location"] == arrives_at, target


def test_a_search_with_odd_characters_is_no_server_error(ring, world, visitor_as):
    anna = visitor_as(world.member(ring, "Anna"))
    for q in ["\x00", "100%", "a_b", "\\", "ä" * 300]:
        assert anna.get("/members", query_string={"q": q}).status_code == 200, q
