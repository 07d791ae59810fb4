"""Away mode: a member away until a day has their talents hidden from the market
(tauschring.market.service.current_talents leaves them out) and whoever
proposes an exchange to them is told."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.away.models import Away
from tauschring.db import utcnow
from tauschring.errors import Invalid
from tauschring.i18n import _l

LONGEST = timedelta(days=366)


def away_until(session: Session, member_id: int, today: date | None = None) -> date | None:
    """The last day the member is away, if it is today or later."""
    away = session.get(Away, member_id)
    today = today or utcnow().date()
    return away.until if away is not None and away.until >= today else None


def set_away(session: Session, actor: Actor, until: date | None,
             today: date | None = None) -> date | None:
    """Away until `until` (the last day away); None: back now."""
    today = today or utcnow().date()
    away = session.get(Away, actor.member_id)
    if until is None:
        if away is not None:
            session.delete(away)
            session.flush()
        return None
    if not isinstance(until, date) or until < today:
        raise Invalid(_l("The date lies in the past."), code="until_in_past", field="until")
    if until > today + LONGEST:
        raise Invalid(_l("Away mode lasts a year at most."), code="until_too_far",
                      field="until")
    if away is None:
        away = Away(member_id=actor.member_id, until=until)
        session.add(away)
    away.until = until
    session.flush()
    return until
