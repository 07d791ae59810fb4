"""Access matrix rows for the partner market: ring B's talents as ring A sees them.

The words and columns are explained in access_matrix.py. The scene (`scene`
below) makes rings A (Sonnenberg) and B (Talheim) active partners and gives
Olga of ring B an offer published to partners, `{partner_talent}`. Ring A's
members open it; ring B's coordinator finds it in the own ring, not in the
partner market (404). Proposing from it is the exchanges' page
(`/exchanges/new?talent=`).
"""

from __future__ import annotations

from tauschring.market import service as market
from tauschring.partners import clearing
from tauschring.partners import service as partners
from tests.trust.access_row import R


def scene(session, ring_a, ring_b, olga) -> dict:
    """Rings A and B trade; Olga (ring B) publishes an offer to partners."""
    if clearing.partnership_between(session, ring_a.id, ring_b.id) is None:
        partners.add(session, ring_id=ring_a.id, partner_ring_id=ring_b.id, credit_line=600)
    category = market.categories(session, ring_b.id)[0].id
    talent = market.create_talent(session, olga.actor, kind="offer", title="Fahrradreparatur",
                                  category_id=category, visibility="partners")
    return {"partner_talent": talent.id}


#             anon pend memb susp coor s.co othr cont admn
ROWS: list = [
    R("GET", "/api/v1/talents",
      "401  403  ok   ok   ok   ok   ok   403  ok", path="/api/v1/talents?scope=partners&q=Rad",
      note="the partner rings' talents published to partners or the region"),
    R("GET", "/api/v1/talents/<int:talent_id>",
      "401  403  ok   ok   ok   ok   ok   403  ok", path="/api/v1/talents/{partner_talent}",
      note="a partner ring's talent, to read; ring B reads its own"),
    R("GET", "/market/partners",
      "login 403 ok   ok   ok   ok   ok   403  ok", path="/market/partners?q=Fahrrad"),
    R("GET", "/market/partners/<int:talent_id>",
      "login 403 ok   ok   ok   ok   404  403  ok", path="/market/partners/{partner_talent}",
      note="ring B's own talent is in its own market, not its partner market"),
]
