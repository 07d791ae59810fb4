"""A family finds its ring and the region's services on a phone and asks for
help; the contact point passes the request on; the ring's coordinator sees it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.app import PASSWORD
from tests.support.regions import build_region

PHONE = 360


def _words(*wordings: str) -> re.Pattern:
    return re.compile("|".join(wordings))


def test_a_visitor_asks_for_help_and_it_reaches_the_rings_coordinator(world, visit):
    scene = build_region(world)
    family = visit(PHONE, 740)

    # Which ring is near me? by postcode, without logging in.
    family.open(f"/regions/{scene.slug}")
    expect(family.page.get_by_role("heading", level=1)).to_have_text("Lippetal")
    family.page.get_by_label(_words("Postleitzahl", "Postcode")).first.fill("33649")
    family.follow(family.page.get_by_role("button", name=_words("Tauschringe finden",
                                                                "Find rings")))
    found = family.main.locator("li.ring-card")
    expect(found).to_have_count(1)
    expect(found.get_by_role("heading")).to_have_text("Talheim")
    expect(found).to_contain_text("Gemeindehaus Talheim")
    expect(found).to_contain_text("donnerstags 18 Uhr")
    assert family.scroll_width() <= PHONE

    # The directory, on the phone: every service, then those for one kind of help.
    family.follow(family.page.get_by_role("link", name=_words("Verzeichnis der Angebote",
                                                              "Directory of services")))
    services = family.main.locator("li.service-card")
    expect(services).to_have_count(4)
    expect(services.first).to_be_visible()
    assert family.scroll_width() <= PHONE
    family.page.get_by_label(_words("Art der Hilfe", "Kind of help")).select_option(
        "senior_care")
    family.follow(family.page.get_by_role("button", name=_words("^Suchen$", "^Search$")))
    expect(services).to_have_count(1)
    expect(services).to_contain_text("Seniorenbüro Talheim")
    expect(services).to_contain_text("Mo–Fr 8–16 Uhr")
    assert family.scroll_width() <= PHONE

    # Asking for help, by keyboard where people use it: the consent box with Space.
    family.follow(family.page.get_by_role("link", name=_words("^Hilfe anfragen$",
                                                              "^Ask for help$")).first)
    family.page.get_by_label(_words("Welche Hilfe", "What help")).fill(
        "Meine Mutter braucht jemanden, der mittwochs für sie einkauft.")
    family.page.get_by_label(_words("^Postleitzahl$", "^Postcode$")).fill("33649")
    family.page.get_by_label(_words("^E-Mail", "^E-mail")).fill("familie@example.org")
    consent = family.page.get_by_role("checkbox")
    consent.focus()
    family.page.keyboard.press("Space")
    expect(consent).to_be_checked()
    family.follow(family.page.get_by_role("button", name=_words("Anfrage senden",
                                                                "Send the request")))
    expect(family.page.get_by_role("heading", level=1)).to_contain_text(
        _words("Danke", "Thank you"))
    assert family.scroll_width() <= PHONE

    # The contact point logs in, finds the request at its desk and passes it on.
    desk = visit()
    desk.log_in(scene.contact.email, PASSWORD)
    expect(desk.page).to_have_url(re.compile(rf"/regions/{scene.slug}/desk$"))
    desk.follow(desk.main.get_by_role("link", name=re.compile("Meine Mutter")))
    desk.page.get_by_label(_words("Weitergeben an", "Pass on to")).select_option(
        "ring:talheim")
    desk.follow(desk.main.locator("form").first.get_by_role("button"))
    expect(desk.flash()).to_be_visible()
    expect(desk.main).to_contain_text("Talheim")

    # Talheim's coordinator sees it, with the way to reach the family.
    ring = visit()
    ring.log_in(scene.coordinator_b.email, PASSWORD)
    ring.open("/help-requests")
    ring.follow(ring.main.get_by_role("link", name=re.compile("Meine Mutter")))
    expect(ring.main).to_contain_text("familie@example.org")
    expect(ring.main).to_contain_text("33649")
    # ... and Sonnenberg's does not.
    other = visit()
    other.log_in(scene.coordinator_a.email, PASSWORD)
    other.open("/help-requests")
    expect(other.main).not_to_contain_text("Meine Mutter")


def test_the_ring_near_me_and_the_directory_by_keyboard_only(world, visit):
    scene = build_region(world)
    visitor = visit(PHONE, 740)
    visitor.open(f"/regions/{scene.slug}")
    keyboard = visitor.page.keyboard
    postcode = visitor.page.get_by_label(_words("^Postleitzahl$", "^Postcode$"))
    for _ in range(20):  # skip link, header, the region's menu, then the form
        keyboard.press("Tab")
        if postcode.evaluate("el => el === document.activeElement"):
            break
    expect(postcode).to_be_focused()
    keyboard.type("33602")
    with visitor.page.expect_navigation():
        keyboard.press("Enter")
    expect(visitor.main.locator("li.ring-card").get_by_role("heading")).to_have_text(
        "Sonnenberg")

    visitor.open(f"/regions/{scene.slug}/services")
    words = visitor.page.get_by_label(_words("Suchbegriffe", "Search words"))
    for _ in range(25):
        keyboard.press("Tab")
        if words.evaluate("el => el === document.activeElement"):
            break
    expect(words).to_be_focused()
    keyboard.type("Haushaltshilfe")
    with visitor.page.expect_navigation():
        keyboard.press("Enter")
    expect(visitor.main.locator("li.service-card")).to_have_count(1)
    expect(visitor.main.locator("li.service-card")).to_contain_text("18 € je Stunde")
    assert visitor.scroll_width() <= PHONE
