"""The printable market newsletter also tells the coming events and the latest news."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from tauschring.db import atomic, utcnow
from tauschring.events import service as events
from tauschring.news import service as news


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_newsletter_lists_coming_events_and_latest_news(life):
    karin = life.karin.actor

    def make(session):
        news.post(session, karin, title="Sommerfest im Pfarrgarten", body="Alle sind eingeladen.")
        events.create(session, karin, title="Tauschtreffen im Gemeindehaus", place="Kirchplatz 1",
                      starts_at=utcnow() + timedelta(days=10))
        events.create(session, karin, title="Vergangener Stammtisch", place="Krone",
                      starts_at=utcnow() - timedelta(days=10))
    atomic(make)
    for language, heading in (("en", "Coming events"), ("de", "Kommende Termine")):
        browser = life.browser(life.karin, language=language)
        response = browser.client.get("/coordination/newsletter.pdf")
        assert response.status_code == 200
        text = pdf_text(response.data)
        assert heading in text
        assert "Tauschtreffen im Gemeindehaus" in text and "Kirchplatz 1" in text
        assert "Sommerfest im Pfarrgarten" in text
        assert "Vergangener Stammtisch" not in text
