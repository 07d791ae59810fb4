"""The printable market newsletter: every current talent, nothing else."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tauschring.db import atomic, utcnow
from tauschring.market.service import withdraw_talent
from tauschring.statements.years import RING_TIMEZONE


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_newsletter_lists_every_current_talent_and_no_other(world, market):
    ring = world.ring("sonnenberg")
    karin = world.coordinator(ring)
    anna, bernd, clara = (world.member(ring, n) for n in ("Anna Becker", "Bernd Schulze",
                                                          "Clara Yilmaz"))
    market.set_member(anna, phone="0761 4711", phone_visibility="members",
                      email_visibility="members", address="Lindenweg 3",
                      address_visibility="members")
    market.set_member(bernd, phone="0761 999", phone_visibility="coordinators",
                      email_visibility="coordinators")
    current = {
        market.post(anna, "Fahrrad reparieren", category="reparaturen",
                    description="Schläuche, Bremsen, Licht."): "Fahrrad reparieren",
        market.post(bernd, "Hilfe am Computer", kind="request",
                    category="computerhilfe"): "Hilfe am Computer",
        market.post(anna, "Zeitung vorlesen", category="gesellschaft-und-begleitung"):
            "Zeitung vorlesen",
    }
    for n in range(25):   # enough for a few pages
        current[market.post(bernd, f"Kuchen Nummer {n}", category="kochen-und-backen",
                            description="Mit Äpfeln und Zimt.")] = f"Kuchen Nummer {n}"
    withdrawn = market.post(anna, "Zurückgezogenes Angebot")
    atomic(withdraw_talent, anna.actor, withdrawn)
    market.expire(market.post(anna, "Abgelaufenes Angebot"))
    market.post(clara, "Angebot einer Pausierenden")
    market.set_member(clara, status="suspended")

    response = market.browser(karin).get("/coordination/newsletter.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    today = utcnow().astimezone(RING_TIMEZONE).date().isoformat()  # the ring's day, not UTC's
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=marktzeitung-sonnenberg-{today}.pdf")

    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    text = pdf_text(response.data)
    flat = re.sub(r"\s+", " ", text)
    for title in current.values():
        assert title in flat, title
    for gone in ("Zurückgezogenes", "Abgelaufenes", "Pausierenden"):
        assert gone not in flat
    assert "Sonnenberg" in flat and "Market newsletter" in flat
    assert "Page 1 of" in flat
    # Grouped by category in the ring's order, offers apart from requests.
    assert flat.index("Repairs") < flat.index("Fahrrad reparieren") < flat.index(
        "Computer help") < flat.index("Requests") < flat.index("Hilfe am Computer")
    # What members may see, and nothing more: Anna's phone and e-mail, not her
    # address; none of Bernd's contacts.
    assert "0761 4711" in flat and anna.email in flat
    assert "Lindenweg" not in flat
    assert "0761 999" not in flat and bernd.email not in flat
