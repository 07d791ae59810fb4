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
    R("GET", "/api/v1/authorisations",
      "401  403  ok   ok   ok   ok   ok   -    ok"),
    R("POST", "/api/v1/authorisations",
      "401  403  ok   ok   ok   ok   ok   -    ok", json={"helper_id": "x"}),
    R("POST", "/api/v1/authorisations/<int:authorisation_id>/end",
      "401  403  ok   404  ok   404  404  -    ok",
      path="/api/v1/authorisations/{authorisation}/end", fresh=True,
      note="Anna's authorisation of Bert: Anna and the coordinators end it"),
    R("POST", "/api/v1/acting-for/<int:member_id>/talents",
      "401  403  403  403  403  403  404  -    403", path="/api/v1/acting-for/{member}/talents",
      json={}, note="nobody is authorised by Anna in the scene but Bert"),
    R("POST", "/api/v1/acting-for/<int:member_id>/talents/<int:talent_id>/renew",
      "401  403  403  403  403  403  404  -    403",
      path="/api/v1/acting-for/{member}/talents/{talent}/renew"),
    R("POST", "/api/v1/acting-for/<int:member_id>/exchanges",
      "401  403  403  403  403  403  404  -    403",
      path="/api/v1/acting-for/{member}/exchanges", json={}),
    R("POST", "/api/v1/acting-for/<int:member_id>/exchanges/<int:exchange_id>/confirm",
      "401  403  403  403  403  403  404  -    403",
      path="/api/v1/acting-for/{member}/exchanges/{exchange}/confirm"),
    R("POST", "/api/v1/acting-for/<int:member_id>/exchanges/<int:exchange_id>/decline",
      "401  403  403  403  403  403  404  -    403",
      path="/api/v1/acting-for/{member}/exchanges/{exchange}/decline", json={}),
    # pages
    R("GET", "/coordination/slips",
      "login 403 403  403  ok   403  ok   -    ok"),
    R("POST", "/coordination/slips",
      "login 403 403  403  ok   403  ok   -    ok", form={"count": "0"}),
    R("GET", "/coordination/slips/type",
      "login 403 403  403  ok   403  ok   -    ok"),
    R("POST", "/coordination/slips/type",
      "login 403 403  403  ok   403  ok   -    ok", form={"book": "1"}),
    R("GET", "/coordination/batches/<int:batch_id>",
      "login 403 403  403  ok   403  404  -    ok", path="/coordination/batches/{batch}"),
    R("GET", "/coordination/split",
      "login 403 403  403  ok   403  ok   -    ok"),
    R("POST", "/coordination/split",
      "login 403 403  403  ok   403  ok   -    ok", form={"memo": ""}),
    R("GET", "/authorisations",
      "login 403 ok   ok   ok   ok   ok   -    ok"),
    R("POST", "/authorisations",
      "login 403 ok   ok   ok   ok   ok   -    ok", form={"helper": "x"}),
    R("POST", "/authorisations/<int:authorisation_id>/end",
      "login 403 ok   404  ok   404  404  -    ok",
      path="/authorisations/{authorisation}/end", form={}),
    R("GET", "/acting-for/<int:member_id>",
      "login 403 403  403  403  403  404  -    403", path="/acting-for/{member}"),
    R("POST", "/acting-for/<int:member_id>/exchanges/<int:exchange_id>/confirm",
      "login 403 403  403  403  403  404  -    403",
      path="/acting-for/{member}/exchanges/{exchange}/confirm", form={}),
    R("POST", "/acting-for/<int:member_id>/talents/<int:talent_id>/renew",
      "login 403 403  403  403  403  404  -    403",
      path="/acting-for/{member}/talents/{talent}/renew", form={}),
]
