"""An exchange across partner rings in the figures: each ring's annual report
counts it against its own half, and the region counts it once (both engines)."""

from __future__ import annotations

from tauschring.actors import Actor
from tauschring.db import atomic, db, utcnow
from tauschring.exchanges import service as exchanges
from tauschring.partners import service as partners
from tauschring.regions.report import region_report
from tauschring.reports.service import annual_report
from tests.support.regions import build_region


def test_reports_count_an_exchange_across_rings_in_each_ring_and_once_in_the_region(world):
    scene = build_region(world)
    anna, olga = scene.anna, world.member(scene.ring_b, "Olga Sommer")
    atomic(lambda s: partners.add(s, ring_id=scene.ring_a.id, partner_ring_id=scene.ring_b.id,
                                  credit_line=600))

    def trade(session):
        # Olga (Talheim) did 90 minutes of work for Anna (Sonnenberg); Anna proposes.
        exchange = exchanges.propose(session, anna.actor, provider_id=olga.id,
                                     recipient_id=anna.id, minutes=90,
                                     description="Fahrrad repariert",
                                     performed_on=utcnow().date())
        return exchange.id
    exchange_id = atomic(trade)
    atomic(lambda s: exchanges.confirm(s, olga.actor, exchange_id))
    year = utcnow().year
    for coordinator, ring in ((scene.coordinator_a, "sonnenberg"),
                              (scene.coordinator_b, "talheim")):
        db.session.rollback()
        report = annual_report(db.session, coordinator.actor, year)
        figures = report["exchanges"]
        assert (figures["booked"], figures["minutes"]) == (1, 90), (ring, figures)
        assert report["members"]["active_traders"] == 1, ring
        assert sum(row["minutes"] for row in figures["by_category"]) == 90, ring
        [partner] = report["partners"]
        assert partner["ring"] == ("talheim" if ring == "sonnenberg" else "sonnenberg")
    db.session.rollback()
    desk = Actor(ring_id=None, member_id=scene.contact.id, role="contact")
    figures = region_report(db.session, desk, scene.slug, year)
    rings = {row["slug"]: row for row in figures["rings"]}
    assert rings["sonnenberg"]["exchanges"] == rings["talheim"]["exchanges"] == 1
    assert rings["talheim"]["minutes_exchanged"] == 90
    assert figures["totals"]["exchanges"] == 1 and figures["totals"]["minutes_exchanged"] == 90
