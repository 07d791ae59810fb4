"""No member's name, e-mail address, phone or address ever appears on the
region's public pages, in its public API answers or in its brochure: a crawl
follows every link of the public pages in both languages and calls every
public API endpoint, and reads the brochure's text."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from pypdf import PdfReader
from sqlalchemy import select

from tauschring.db import atomic
from tauschring.members.models import Member
from tauschring.regions import service as regions


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _give_members_contact_details(scene) -> list[Member]:
    """Every member of the scene gets a phone, an address and a district."""
    def give(session):
        members = list(session.scalars(select(Member).where(Member.ring_id.is_not(None))))
        for index, member in enumerate(members):
            member.phone = f"0170 555{index:04d}"
            member.address = f"Lindenweg {index + 7}"
            member.district = "Sonnenberg-Nord"
            member.email_visibility = member.phone_visibility = "members"
        session.flush()
        return [(m.name, m.email, m.phone, m.address) for m in members]
    return atomic(give)


def _secrets(people) -> list[str]:
    found = []
    for name, email, phone, address in people:
        found += [name, email, phone, address, email.split("@")[0]]
        found += name.split()[-1:]  # the family name alone
    return found


def _text_of(response: requests.Response) -> str:
    if response.headers.get("Content-Type", "").startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return response.text


def _crawl(base: str, language: str, start: list[str], slug: str) -> dict[str, str]:
    browser = requests.Session()
    browser.cookies.set("lang", language)
    seen: dict[str, str] = {}
    queue = list(start)
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        response = browser.get(base + path, timeout=60)
        assert response.status_code == 200, (path, response.status_code)
        seen[path] = _text_of(response)
        if "html" not in response.headers.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.text)
        for href in parser.links:
            url = urlsplit(urljoin(base + path, href))
            if url.scheme not in ("http", "") or not url.path.startswith(f"/regions/{slug}"):
                continue
            if "/desk" in url.path:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    return seen


def test_no_member_data_on_public_pages_api_or_brochure(region_scene, http, live_server):
    people = _give_members_contact_details(region_scene)
    secrets = _secrets(people)
    # Somebody asked for help: their data are for the contact point, not the public.
    atomic(regions.ask_for_help, region_scene.slug, need="Hilfe im Garten",
           email="asker@example.org", phone="0521 000111", name="Hilde Fragesteller",
           consent=True)
    secrets += ["asker@example.org", "0521 000111", "Hilde Fragesteller"]

    base = live_server.application_url.rstrip("/")
    slug = region_scene.slug
    pages = [f"/regions/{slug}", "/regions",
             f"/regions/{slug}/rings?postcode=33602", f"/regions/{slug}/rings?place=Talheim",
             f"/regions/{slug}/services?postcode=33602", f"/regions/{slug}/services?q=Hilfe",
             f"/regions/{slug}/offers?q=Vorlesen", f"/regions/{slug}/offers?kind=offer",
             f"/regions/{slug}/brochure.pdf?size=a5"]
    api = [f"/api/v1/regions/{slug}", f"/api/v1/regions/{slug}/rings",
           f"/api/v1/regions/{slug}/rings?postcode=33602",
           f"/api/v1/regions/{slug}/services", f"/api/v1/regions/{slug}/services?kind=childcare",
           f"/api/v1/regions/{slug}/talents", f"/api/v1/regions/{slug}/talents?kind=offer",
           f"/api/v1/regions/{slug}/talents?q=Einkaufen"]
    answers = {}
    for language in ("de", "en"):
        crawled = _crawl(base, language, pages + api, slug)
        answers.update({f"{language} {path}": text for path, text in crawled.items()})

    # The crawl saw what the public may see ...
    everything = "\n".join(answers.values())
    for shown in ("Vorlesen für Kinder", "Einkaufen für Nachbarn", "Seniorenbüro Talheim",
                  "kontakt@sonnenberg.example", "Café Mitte"):
        assert shown in everything, shown
    assert any("brochure.pdf" in key for key in answers)
    assert len(answers) >= 2 * (len(pages) + len(api))
    # ... and nothing of a member or of the person who asked.
    leaks = [(where, secret) for where, text in answers.items() for secret in secrets
             if re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", text)]
    assert not leaks, leaks
