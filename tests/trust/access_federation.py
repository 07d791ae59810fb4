"""Access matrix rows for federation: members paying a peer ring's members,
and the door between instances (signed messages, no log-in).

The words and columns are explained in access_matrix.py.
"""

from __future__ import annotations

from tests.trust.access_row import R

#             anon pend memb susp coor s.co othr cont admn
ROWS: list = [
    R("GET", "/api/v1/federation/peers",
      "401  403  ok   ok   ok   ok   ok   403  ok", note="the caller's ring's peers only"),
    R("POST", "/api/v1/federation/transfers",
      "401  403  ok   403  ok   403  ok   403  ok", json={},
      note="active members pay; an empty body is refused (422)"),
    R("GET", "/federation",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/federation",
      "login 403 ok   403  ok   403  ok   403  ok", form={"minutes": "x"},
      note="active members pay; the form without a partner ring is shown again (422)"),
    R("POST", "/federation/v1/messages",
      "401  401  401  401  401  401  401  401  401", form={},
      note="between instances: only a message signed by a peer's key is read (401 "
           "otherwise); a log-in counts for nothing, whoever's it is"),
]
