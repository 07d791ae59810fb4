"""Coordinators keep the market's categories: add, rename, deactivate, reorder."""

from __future__ import annotations

import re

from tauschring.db import db
from tauschring.market.service import categories


def category_order(ring) -> list[str]:
    db.session.rollback()
    names = [c.name_de for c in categories(db.session, ring.id, include_inactive=True)]
    db.session.rollback()
    return names


def test_a_coordinator_adds_renames_deactivates_and_reorders(world, market):
    ring = world.ring("sonnenberg")
    karin, anna = world.coordinator(ring), world.member(ring, "Anna")
    browser = market.browser(karin)

    assert browser.post("/coordination/categories", {
        "name_de": "Tiere", "name_en": "Pets"}).status_code == 302
    assert category_order(ring)[-1] == "Tiere"
    pets = market.category_id(ring, "tiere")

    assert browser.post(f"/coordination/categories/{pets}/edit", {
        "name_de": "Tiere und Pflanzen", "name_en": ""}).status_code == 302
    assert category_order(ring)[-1] == "Tiere und Pflanzen"
    assert "Tiere und Pflanzen" in browser.page("/market")  # English name: the German one

    browser.post(f"/coordination/categories/{pets}/move", {"direction": "up"},
                 csrf_from="/coordination/categories")
    assert category_order(ring)[-2:] == ["Tiere und Pflanzen", "Sonstiges"]

    browser.post(f"/coordination/categories/{pets}/active", {"active": "0"},
                 csrf_from="/coordination/categories")
    assert "Deactivated" in browser.page("/coordination/categories")
    choices = re.findall(r'<option value="(\d+)"', market.browser(anna).page("/talents/new"))
    assert str(pets) not in choices

    browser.post(f"/coordination/categories/{pets}/active", {"active": "1"},
                 csrf_from="/coordination/categories")
    assert str(pets) in re.findall(r'<option value="(\d+)"',
                                   market.browser(anna).page("/talents/new"))


def test_a_too_long_name_is_refused_on_the_form(world, market):
    ring = world.ring("sonnenberg")
    browser = market.browser(world.coordinator(ring))
    before = market.snapshot()

    response = browser.post("/coordination/categories", {"name_de": "x" * 81})
    assert response.status_code == 422
    assert "Field cannot be longer than 80 characters." in response.get_data(as_text=True)
    assert market.snapshot() == before


def test_members_may_not_manage_categories_nor_print_the_newsletter(world, market):
    ring = world.ring("sonnenberg")
    browser = market.browser(world.member(ring, "Anna"))
    some = market.category_id(ring, "sonstiges")
    before = market.snapshot()

    for path in ("/coordination/categories", f"/coordination/categories/{some}/edit",
                 "/coordination/newsletter.pdf"):
        assert browser.get(path).status_code == 403, path
    for path, data in [("/coordination/categories", {"name_de": "Tiere"}),
                       (f"/coordination/categories/{some}/edit", {"name_de": "Meins"}),
                       (f"/coordination/categories/{some}/active", {"active": "0"}),
                       (f"/coordination/categories/{some}/move", {"direction": "up"})]:
        assert browser.post(path, data, csrf_from="/market").status_code == 403, path
    assert market.snapshot() == before


def test_a_coordinator_of_another_ring_cannot_touch_our_categories(world, market):
    ring_a, ring_b = world.ring("ring-a"), world.ring("ring-b")
    some = market.category_id(ring_a, "sonstiges")
    browser = market.browser(world.coordinator(ring_b))
    before = market.snapshot()

    assert browser.get(f"/coordination/categories/{some}/edit").status_code == 404
    for path, data in [(f"/coordination/categories/{some}/edit", {"name_de": "Meins"}),
                       (f"/coordination/categories/{some}/active", {"active": "0"}),
                       (f"/coordination/categories/{some}/move", {"direction": "up"})]:
        assert browser.post(path, data, csrf_from="/market").status_code == 404, path
    assert market.snapshot() == before
