"""Members and market: a newcomer registers, is admitted, offers a talent, and
another member finds it by a search word and by its category.

Each story runs in German (the default) and in English (chosen with the EN
switch, which then sticks across pages and the log-in).
"""

from __future__ import annotations

import re

from browser_words import Words
from playwright.sync_api import expect

# What the newcomer offers, in the words of each language.
OFFER = {
    "de": {"title": "Fahrräder reparieren", "search": "bremsen", "category": "Reparaturen",
           "description": "Ich flicke Reifen und stelle Bremsen und Schaltung ein."},
    "en": {"title": "Bicycle repairs", "search": "brakes", "category": "Repairs",
           "description": "I mend punctures and adjust brakes and gears."},
}


def test_newcomer_registers_is_admitted_offers_a_talent_and_is_found(
        world, visit, language, post_talent):
    ring = world.ring("lindenhof")
    karin = world.coordinator(ring)
    bernd = world.member(ring, "Bernd Berger")
    # Something else in the market, which neither search may bring up.
    post_talent(bernd, "Einkaufen am Samstag", kind="request", category="einkauf-und-besorgungen",
                description="Wer nimmt meine Getränkekisten mit? / Who brings my crates?")
    offer = OFFER[language.code]
    nora_email, nora_password = "nora@example.org", "Fahrrad-Reifen-7"

    # A visitor registers with the ring.
    nora = visit()
    nora.open(f"/register?ring={ring.slug}")
    nora.speak(language)
    language.is_shown(nora.page, logged_in=False)
    page = nora.page
    register = nora.main.get_by_role("button", name=Words.REGISTER)
    language.says(register, de="Registrieren", en="Register")
    language.says(nora.main.locator("form"), de="Ihr Name", en="Your name")
    page.get_by_label(Words.NAME).fill("Nora Neumann")
    page.get_by_label(Words.EMAIL).fill(nora_email)
    page.get_by_label(Words.PASSWORD).fill(nora_password)
    page.get_by_label(Words.PASSWORD_AGAIN).fill(nora_password)
    # The form proposes the language the visitor reads in.
    expect(page.get_by_label(Words.LANGUAGE)).to_have_value(language.code)
    nora.follow(register)
    expect(nora.main.get_by_role("status")).to_contain_text("Lindenhof")
    language.is_shown(page, logged_in=False)

    # A coordinator admits her.
    coordinator = visit()
    coordinator.log_in(karin.email, karin.password)
    coordinator.speak(language)
    coordinator.go_to(Words.COORDINATION)
    language.is_shown(coordinator.page)
    language.says(coordinator.page.get_by_role("heading", level=1), de="Koordination",
                  en="Coordination")
    coordinator.open("/coordination/admissions")
    admit = coordinator.main.get_by_role("button", name=re.compile("Nora Neumann"))
    coordinator.follow(admit)
    expect(coordinator.main.get_by_role("status")).to_contain_text("Nora Neumann")
    language.says(coordinator.main.get_by_role("status"), de="ist aufgenommen",
                  en="is admitted")
    expect(admit).to_have_count(0)

    # Admitted, she logs in and posts an offer.
    nora.follow(nora.main.get_by_role("link", name=Words.LOG_IN))
    expect(page).to_have_url(re.compile("/login"))
    language.is_shown(page, logged_in=False)
    nora.log_in(nora_email, nora_password)
    language.is_shown(page)
    language.says(nora.main, de="Kontostand", en="Balance")
    language.shows_hours(nora.balance(), 0)
    nora.go_to(Words.MARKET)
    language.is_shown(page)
    nora.follow(nora.main.get_by_role("link", name=Words.POST_TALENT))
    language.is_shown(page)
    page.get_by_role("radio", name=Words.OFFER_CHOICE).check()
    page.get_by_label(Words.TITLE).fill(offer["title"])
    page.get_by_label(Words.DESCRIPTION).fill(offer["description"])
    page.get_by_label(Words.CATEGORY).select_option(label=offer["category"])
    nora.submit()
    expect(page.get_by_role("heading", level=1)).to_have_text(offer["title"])
    expect(nora.main.get_by_role("status")).to_be_visible()  # "it is now in the market"
    language.says(nora.main.locator("article"), de="Angebot", en="Offer")
    language.is_shown(page)

    # Another member finds it by a search word ...
    finder = visit()
    finder.log_in(bernd.email, bernd.password)
    finder.speak(language)
    finder.go_to(Words.MARKET)
    language.is_shown(finder.page)
    search = finder.page.get_by_role("search")
    language.says(search.get_by_role("button", name=Words.SEARCH), de="Suchen", en="Search")
    search.get_by_role("searchbox", name=Words.SEARCH_WORDS).fill(offer["search"])
    finder.follow(search.get_by_role("button", name=Words.SEARCH))
    expect(finder.page).to_have_url(re.compile(rf"q={offer['search']}"))
    results = finder.main.get_by_role("heading", level=3)
    expect(results).to_have_text([offer["title"]])
    language.says(finder.main.get_by_role("status"), de="1 Ergebnis", en="1 result")

    # ... and by its category, in the reader's language ...
    finder.go_to(Words.MARKET)
    categories = finder.main.get_by_role("navigation", name=Words.CATEGORIES)
    finder.follow(categories.get_by_role("link", name=re.compile(rf"^{offer['category']}\b")))
    expect(finder.page).to_have_url(re.compile(r"category=\d+"))
    expect(results).to_have_text([offer["title"]])

    # ... and opens it.
    finder.follow(finder.main.get_by_role("link", name=offer["title"]))
    expect(finder.page.get_by_role("heading", level=1)).to_have_text(offer["title"])
    expect(finder.main).to_contain_text(offer["description"])
    expect(finder.main.get_by_role("link", name="Nora Neumann")).to_be_visible()
    expect(finder.main.get_by_role("link", name=offer["category"])).to_be_visible()
    language.is_shown(finder.page)

    # The choice of language outlasts logging out: the log-in page keeps it.
    nora.log_out()
    language.is_shown(page, logged_in=False)
    language.says(nora.main.get_by_role("heading", level=1), de="Anmelden", en="Log in")
    language.finish()
