"""The partner pages: a coordinator proposes, the other ring's coordinator
accepts, members see their partner rings, either side pauses; other rings'
coordinators and members are refused (on both engines)."""

from __future__ import annotations

import re

import pytest

from tauschring.db import db
from tauschring.partners import clearing
from tests.support.pages import Pages, forms_of


@pytest.fixture
def scene(app, world):
    a, b, c = world.ring("auental"), world.ring("bergdorf"), world.ring("christdorf")
    people = {"karin": world.coordinator(a, "Karin"), "anna": world.member(a, "Anna"),
              "bodo": world.coordinator(b, "Bodo"), "carl": world.coordinator(c, "Carl")}

    def browser(name):
        pages = Pages(app.test_client())
        pages.login(people[name])
        return pages
    return a, b, people, browser


def _partnership(a, b):
    db.session.rollback()
    return clearing.partnership_between(db.session, a.id, b.id)


def test_propose_accept_and_pause_on_the_pages(scene):
    a, b, people, browser = scene
    karin, bodo, anna = browser("karin"), browser("bodo"), browser("anna")

    desk = karin.client.get("/coordination")
    assert "/coordination/partners" in desk.text
    proposed = karin.submit("/coordination/partners", "/coordination/partners",
                            {"ring": "bergdorf", "credit_line": "10"})
    assert proposed.status_code == 302, proposed.text
    page = karin.client.get("/coordination/partners").text
    assert "Your proposal has gone to the coordinators of Bergdorf." in page
    assert "waits for the partner ring" in page
    partnership = _partnership(a, b)
    assert (partnership.status, partnership.credit_line) == ("proposed", 600)

    # Bergdorf's coordinator sees the proposal waiting and accepts it.
    page = bodo.client.get("/coordination/partners").text
    assert "waits for your answer" in page and "Auental" in page
    accept = f"/coordination/partners/{partnership.id}/accept"
    assert any(form["action"] == accept for form in forms_of(page))
    assert bodo.submit("/coordination/partners", accept).status_code == 302
    assert _partnership(a, b).status == "active"
    page = bodo.client.get("/coordination/partners").text
    assert "The partnership with Auental is active." in page

    # Members see their partner rings in the navigation and on their page.
    assert 'href="/partners"' in anna.client.get("/dashboard").text
    listed = anna.client.get("/partners").text
    assert "Bergdorf" in listed and "10:00" in listed

    pause = f"/coordination/partners/{partnership.id}/pause"
    paused = karin.submit("/coordination/partners", pause, {"reason": "Jahreshauptversammlung"})
    assert paused.status_code == 302
    assert _partnership(a, b).status == "paused"
    assert "Bergdorf" not in anna.client.get("/partners").text.split("<main", 1)[1]


def test_refusals_on_the_pages(scene):
    a, b, people, browser = scene
    karin, carl, anna = browser("karin"), browser("carl"), browser("anna")
    karin.submit("/coordination/partners", "/coordination/partners",
                 {"ring": "bergdorf", "credit_line": "10"})
    partnership = _partnership(a, b)
    token = karin.csrf_token()
    # Ring A's own proposal cannot be accepted by ring A: shown, nothing changes.
    own = karin.client.post(f"/coordination/partners/{partnership.id}/accept",
                            data={"csrf_token": token})
    assert own.status_code == 409 and "partner ring&#39;s coordinators accept it" in own.text
    too_long = karin.client.post(f"/coordination/partners/{partnership.id}/end",
                                 data={"csrf_token": token, "reason": "x" * 1001})
    assert too_long.status_code == 422
    bad = karin.client.post("/coordination/partners", data={
        "csrf_token": token, "ring": "bergdorf", "credit_line": "viel"})
    assert bad.status_code == 422 and re.search(r"hours and minutes", bad.text)
    # A third ring's coordinator: no such partnership; a member: not allowed.
    other = carl.client.post(f"/coordination/partners/{partnership.id}/accept",
                             data={"csrf_token": carl.csrf_token()})
    assert other.status_code == 404
    assert anna.client.get("/coordination/partners").status_code == 403
    assert anna.client.post(f"/coordination/partners/{partnership.id}/end",
                            data={"csrf_token": anna.csrf_token()}).status_code == 403
    # Without the CSRF token nothing happens.
    assert karin.client.post(f"/coordination/partners/{partnership.id}/end").status_code == 400
    assert _partnership(a, b).status == "proposed"
