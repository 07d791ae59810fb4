"""The brochure of the demo region (`tauschring demo`), A4 and A5, names every
ring, every service of the directory, the published offers and how to reach
the contact point; and no member."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tauschring.db import db
from tauschring.demo import PEOPLE, fill_demo
from tauschring.members.models import Member
from tauschring.regions.demo import PUBLISHED, RINGS, SERVICES, SLUG


def _text(pdf: bytes) -> tuple[str, object]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split()), reader.pages[0].mediabox


@pytest.mark.parametrize("size, width_mm", [("a4", 210), ("a5", 148)])
def test_the_demo_regions_brochure_names_every_ring_and_service(app, client, size, width_mm):
    lines = fill_demo()
    assert any(f"/regions/{SLUG}" in line for line in lines)
    response = client.get(f"/regions/{SLUG}/brochure.pdf?size={size}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text, box = _text(response.data)
    assert round(float(box.width) / 72 * 25.4) == width_mm
    ring_names = ["Tauschring Sonnenberg (Demo)"] + [name for slug, name, *_ in RINGS if slug]
    for name in ring_names:
        assert name in text, name
    for meeting_place in (ring[4] for ring in RINGS):
        assert meeting_place in text, meeting_place
    for service in SERVICES:
        assert service[0] in text, service[0]
    for title in PUBLISHED:
        assert title in text, title
    assert "Rathausplatz 1, 33602 Lippetal" in text and "05231 700800" in text
    # No member: names and e-mail addresses of the demo's people are not in it.
    people = db.session.execute(select(Member.name, Member.email)
                                .where(Member.ring_id.is_not(None))).all()
    assert len(people) >= len(PEOPLE)
    for name, email in people:
        assert name not in text and email not in text, name


def test_the_brochure_comes_in_a4_and_a5_only(app, client):
    fill_demo()
    assert client.get(f"/regions/{SLUG}/brochure.pdf?size=a3").status_code == 404
    assert client.get("/regions/nowhere/brochure.pdf").status_code == 404
