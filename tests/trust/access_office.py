"""Access matrix rows for the office: slips, batch bookings, acting for someone.

The words and columns are explained in access_matrix.py.
"""

from __future__ import annotations

from tests.trust.access_row import R  # noqa: F401

#             anon pend memb susp coor s.co othr cont admn
ROWS: list = [
    R("POST", "/api/v1/transfers/batch",
      "401  403  403  403  ok   403  ok   -    ok", json={"transfers": []},
      note="an empty stack is refused (422); another ring's accounts are unknown there"),
]
