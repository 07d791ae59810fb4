"""The region's figures per ring and year: the transparency report for the
municipality (page, JSON, CSV, PDF). Counts and sums only, never a member.

What counts (the calendar year in Europe/Berlin, as the rings' annual reports):
- members_active: members (admitted: with a joining day) who were members on
  any day of the year; members_joined: who joined in the year.
- exchanges, minutes_exchanged: exchanges booked (and still booked) whose
  booking transfer falls in the year, and their minutes.
- requests_received: requests for help made in the year and forwarded to the
  ring; requests_answered: of those, the ones the ring posted or the contact
  point closed; median_answer_hours: from asking to that answer.
"""

from __future__ import annotations

import csv
import io
from statistics import median

from flask_babel import force_locale, gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.exchanges.models import Exchange
from tauschring.ledger.models import Transfer
from tauschring.members.models import Member
from tauschring.pdf import render_pdf
from tauschring.regions.models import HelpRequest, RingCoverage
from tauschring.regions.service import desk_region, rings_of
from tauschring.statements.render import BOM, csv_delimiter, csv_text, hours
from tauschring.statements.years import Year, year_of

FIGURES = ("members_active", "members_joined", "exchanges", "minutes_exchanged",
           "requests_received", "requests_answered", "median_answer_hours")


def region_report(session: Session, actor: Actor, region_slug: str, year: int,
                  language: str = "en") -> dict:
    """The figures of every ring of the region, and their totals (the contact point
    and admins only)."""
    region = desk_region(session, actor, region_slug)
    period = year_of(year)
    rings = [_ring_figures(session, coverage, period) for coverage in rings_of(session, region)]
    requests = _requests(session, region.id, period, ring_id=None)
    totals = {name: sum(row[name] for row in rings) for name in FIGURES[:2]}
    # An exchange across two of the region's rings counts in each ring, once here.
    totals["exchanges"], totals["minutes_exchanged"] = _exchanges(
        session, [coverage.ring_id for coverage in rings_of(session, region)], period)
    totals.update(requests_received=len(requests["waits"]) + requests["open"],
                  requests_answered=len(requests["waits"]),
                  median_answer_hours=_median(requests["waits"]))
    return {"region": {"name": region.name, "slug": region.slug}, "year": period.year,
            "period": {"first_day": period.first_day.isoformat(),
                       "last_day": period.last_day.isoformat(),
                       "complete": period.complete},
            "language": language, "rings": rings, "totals": totals,
            "generated_at": utcnow().isoformat()}


def _exchanges(session: Session, ring_ids: list[int], period: Year) -> tuple[int, int]:
    """Exchanges booked in the year in which one of the rings took part (across
    partner rings too), and their minutes."""
    if not ring_ids:
        return 0, 0
    count, minutes = session.execute(
        select(func.count(Exchange.id), func.coalesce(func.sum(Exchange.minutes), 0))
        .join(Transfer, Transfer.id == Exchange.transfer_id)
        .where(or_(Exchange.ring_id.in_(ring_ids), Exchange.partner_ring_id.in_(ring_ids)),
               Exchange.state == "booked",
               Transfer.booked_at >= period.start, Transfer.booked_at < period.end)).one()
    return count, minutes


def _ring_figures(session: Session, coverage: RingCoverage, period: Year) -> dict:
    ring_id = coverage.ring_id
    first, last = period.first_day, period.last_day
    members = select(func.count(Member.id)).where(Member.ring_id == ring_id,
                                                  Member.joined_on.is_not(None))
    exchanges, minutes = _exchanges(session, [ring_id], period)
    requests = _requests(session, coverage.region_id, period, ring_id=ring_id)
    return {
        "slug": coverage.ring.slug, "name": coverage.ring.name,
        "members_active": session.scalar(members.where(
            Member.joined_on <= last, or_(Member.left_on.is_(None), Member.left_on >= first))),
        "members_joined": session.scalar(members.where(Member.joined_on >= first,
                                                       Member.joined_on <= last)),
        "exchanges": int(exchanges), "minutes_exchanged": int(minutes),
        "requests_received": len(requests["waits"]) + requests["open"],
        "requests_answered": len(requests["waits"]),
        "median_answer_hours": _median(requests["waits"]),
    }


def _requests(session: Session, region_id: int, period: Year, *, ring_id: int | None) -> dict:
    statement = select(HelpRequest.created_at, HelpRequest.answered_at).where(
        HelpRequest.region_id == region_id, HelpRequest.created_at >= period.start,
        HelpRequest.created_at < period.end)
    if ring_id is not None:
        statement = statement.where(HelpRequest.ring_id == ring_id)
    waits, still_open = [], 0
    for created_at, answered_at in session.execute(statement):
        if answered_at is None:
            still_open += 1
        else:
            waits.append((answered_at - created_at).total_seconds() / 3600)
    return {"waits": waits, "open": still_open}


def _median(waits: list[float]) -> float | None:
    return round(median(waits), 1) if waits else None


def labels() -> dict:
    """The figures' names in the current language."""
    return {"members_active": gettext("Members active"),
            "members_joined": gettext("Members joined"),
            "exchanges": gettext("Exchanges"),
            "minutes_exchanged": gettext("Hours exchanged"),
            "requests_received": gettext("Requests for help received"),
            "requests_answered": gettext("Requests answered"),
            "median_answer_hours": gettext("Median answer time (hours)")}


def cell(name: str, value) -> str:
    if value is None:
        return "–"
    if name == "minutes_exchanged":
        return hours(value)
    return str(value)


def report_csv(report: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(report["language"]),
                        lineterminator="\r\n")
    with force_locale(report["language"]):
        names = labels()
        writer.writerow([gettext("Region"), csv_text(report["region"]["name"]),
                         report["year"]])
        writer.writerow([gettext("Ring"), *(names[f] for f in FIGURES)])
        for row in report["rings"]:
            writer.writerow([csv_text(row["name"]), *(cell(f, row[f]) for f in FIGURES)])
        writer.writerow([gettext("All rings"),
                         *(cell(f, report["totals"][f]) for f in FIGURES)])
    return (BOM + buffer.getvalue()).encode("utf-8")


def report_pdf(report: dict) -> bytes:
    with force_locale(report["language"]):
        return render_pdf("regions/report_pdf.html", footer=report["region"]["name"],
                          report=report, names=labels(), figures=FIGURES, cell=cell)
