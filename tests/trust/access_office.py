"""Access matrix rows for the office: slips, batch bookings, acting for someone.

The words and columns are explained in access_matrix.py.
"""

from __future__ import annotations

from tests.trust.access_row import R  # noqa: F401

#             anon pend memb susp coor s.co othr cont admn
ROWS: list = [
]
