"""The coordination blueprint and what its two page modules share.

views.py (overview, admissions, members, settings) and desk.py (transfers,
bookings, balances, audit log, fees) register their pages on `bp`;
tauschring/web imports both before it registers the blueprint.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from tauschring.coordination import service
from tauschring.db import db
from tauschring.rings.models import Ring
from tauschring.web.access import current_actor

bp = Blueprint("coordination", __name__, url_prefix="/coordination")

PER_PAGE = 50
MAX_PAGE = 1_000_000


def current_ring() -> Ring:
    return db.session.get(Ring, current_actor().ring_id)


def account_names(account_ids) -> dict[int, str]:
    """Who holds each account of the caller's ring: member names, or the association."""
    return service.account_names(db.session, current_actor(), account_ids,
                                 association=_("Association account"))
