"""The demo ring's life: a news item and two coming events (tauschring demo)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.events import service as events
from tauschring.news import service as news


def fill_demo_ring_life(session: Session, coordinator: Actor) -> None:
    news.post(session, coordinator, title="Willkommen im Demo-Tauschring",
              body="Schauen Sie sich um: Markt, Tauschgeschäfte, Termine und Dokumente.")
    start = (utcnow() + timedelta(days=6)).replace(hour=17, minute=0, second=0,
                                                   microsecond=0)
    events.create(session, coordinator, title="Tauschtreffen", place="Gemeindehaus Sonnenberg",
                  starts_at=start, ends_at=start + timedelta(hours=2),
                  description="Kaffee, Kuchen und neue Angebote.")
    events.create(session, coordinator, title="Stammtisch", place="Gasthaus Krone",
                  starts_at=start + timedelta(days=14))
