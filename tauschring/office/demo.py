"""The office in the demo ring: a member who gets letters by post, and two
authorisations (one to another member, one to the office)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.office import letters, proxies


def fill_demo_office(session: Session, members: dict) -> list[str]:
    dieter, clara, emma = (members[name] for name in ("Dieter Hoffmann", "Clara Yilmaz",
                                                       "Emma Nowak"))
    letters.set_postal_choice(session, Actor.of(dieter), dieter.id, by_post=True,
                              address="Dieter Hoffmann\nWeststraße 12\n33602 Bielefeld")
    proxies.grant(session, Actor.of(dieter), helper_id=clara.id)
    proxies.grant(session, Actor.of(emma), office=True)
    return ["  the office: Dieter gets letters by post and lets Clara act for him; Emma "
            "lets the office act for her"]
