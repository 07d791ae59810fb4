"""Access matrix rows for partner rings: the partnerships of ring A.

The words and columns are explained in access_matrix.py. `{partnership}` is
ring A's proposal to a third ring (Bergdorf), so the other ring's coordinator
(Talheim) does not see it. Every write is refused by its state or its body:
accepting the ring's own proposal (409), pausing a proposal (409), a reason
too long to decline or end with (422), a proposal without a ring (422).
"""

from __future__ import annotations

from tests.trust.access_row import R  # noqa: F401

ANSWER = "/coordination/partners/<int:partnership_id>/<any(accept, decline, pause, end):action>"

#             anon pend memb susp coor s.co othr cont admn
ROWS: list = [
    R("GET", "/api/v1/partners",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/api/v1/partners",
      "401  403  403  403  ok   403  ok   403  ok", json={"credit_line": 60}),
    R("POST", "/api/v1/partners/<int:partnership_id>/accept",
      "401  403  403  403  ok   403  404  403  ok",
      path="/api/v1/partners/{partnership}/accept",
      note="ring A's own proposal: only the partner ring accepts (409)"),
    R("POST", "/api/v1/partners/<int:partnership_id>/decline",
      "401  403  403  403  ok   403  404  403  ok",
      path="/api/v1/partners/{partnership}/decline", json={"reason": "x" * 1001}),
    R("POST", "/api/v1/partners/<int:partnership_id>/pause",
      "401  403  403  403  ok   403  404  403  ok",
      path="/api/v1/partners/{partnership}/pause", json={},
      note="a proposal is not active: 409"),
    R("POST", "/api/v1/partners/<int:partnership_id>/end",
      "401  403  403  403  ok   403  404  403  ok",
      path="/api/v1/partners/{partnership}/end", json={"reason": "x" * 1001}),
    # pages
    R("GET", "/partners",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/coordination/partners",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/partners",
      "login 403 403  403  ok   403  ok   403  ok", form={"ring": "", "credit_line": ""}),
    R("POST", ANSWER,
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/partners/{partnership}/accept", form={},
      note="ring A's own proposal: only the partner ring accepts (409)"),
    R("POST", ANSWER,
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/partners/{partnership}/end", form={"reason": "x" * 1001}),
]
