"""Access matrix rows for the regions and their contact point (public pages, the desk).

The words and columns are explained in access_matrix.py. The scene's region
"lippetal" holds both rings; {service} is an entry of its directory, {help} a
request for help its contact point passed on to ring A. A contact point
belongs to no ring: every ring's route answers it 403 (access_matrix.py).
"""

from __future__ import annotations

from tests.trust.access_row import R

NO_SERVICE = 999_999  # an entry no region has: 404 for those who may look

#             anon pend memb susp coor s.co othr cont admn
ROWS: list = [
    # the public API
    R("GET", "/api/v1/regions/<slug>",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/api/v1/regions/lippetal"),
    R("GET", "/api/v1/regions/<slug>/rings",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok",
      path="/api/v1/regions/lippetal/rings?postcode=33602"),
    R("GET", "/api/v1/regions/<slug>/services",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok",
      path="/api/v1/regions/lippetal/services?kind=childcare"),
    R("GET", "/api/v1/regions/<slug>/talents",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok",
      path="/api/v1/regions/lippetal/talents?q=Rad"),
    # the contact point's API
    R("POST", "/api/v1/regions/<slug>/services",
      "401  403  403  403  403  403  403  ok   ok", path="/api/v1/regions/lippetal/services",
      json={}, note="the contact point and admins keep the directory"),
    R("PATCH", "/api/v1/regions/<slug>/services/<int:service_id>",
      "401  403  403  403  403  403  403  ok   ok",
      path="/api/v1/regions/lippetal/services/{service}", json={"kind": "x"}),
    R("DELETE", "/api/v1/regions/<slug>/services/<int:service_id>",
      "401  403  403  403  403  403  403  404  404",
      path=f"/api/v1/regions/lippetal/services/{NO_SERVICE}",
      note="who may not keep the directory learns nothing about its entries"),
    R("GET", "/api/v1/regions/<slug>/report/<int:year>",
      "401  403  403  403  403  403  403  ok   ok", path="/api/v1/regions/lippetal/report/{year}",
      note="figures only; a ring's coordinators read their own ring's report"),
    R("GET", "/api/v1/regions/<slug>/report/<int:year>.csv",
      "401  403  403  403  403  403  403  ok   ok",
      path="/api/v1/regions/lippetal/report/{year}.csv"),
    R("GET", "/api/v1/regions/<slug>/report/<int:year>.pdf",
      "401  403  403  403  403  403  403  ok   ok",
      path="/api/v1/regions/lippetal/report/{year}.pdf"),
    # the public pages
    R("GET", "/regions",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok"),
    R("GET", "/regions/<slug>",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal"),
    R("GET", "/regions/<slug>/rings",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/rings?postcode=33602"),
    R("GET", "/regions/<slug>/services",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/services?q=Familie"),
    R("GET", "/regions/<slug>/offers",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/offers"),
    R("GET", "/regions/<slug>/help",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/help"),
    R("POST", "/regions/<slug>/help",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/help", form={},
      note="anyone may ask for help; the empty form is refused"),
    R("GET", "/regions/<slug>/help/sent",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/help/sent"),
    R("GET", "/regions/<slug>/brochure.pdf",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/regions/lippetal/brochure.pdf?size=a5"),
    # the contact point's desk
    R("GET", "/desk",
      "login 403 403  403  403  403  403  ok   ok",
      note="leads the contact point to its region's desk, an admin to the regions"),
    R("GET", "/regions/<slug>/desk",
      "login 403 403  403  403  403  403  ok   ok", path="/regions/lippetal/desk"),
    R("GET", "/regions/<slug>/desk/requests/<int:request_id>",
      "login 403 403  403  403  403  403  ok   ok",
      path="/regions/lippetal/desk/requests/{help}"),
    R("POST", "/regions/<slug>/desk/requests/<int:request_id>/forward",
      "login 403 403  403  403  403  403  ok   ok",
      path="/regions/lippetal/desk/requests/{help}/forward", form={}),
    R("POST", "/regions/<slug>/desk/requests/<int:request_id>/outcome",
      "login 403 403  403  403  403  403  ok   ok",
      path="/regions/lippetal/desk/requests/{help}/outcome", form={}),
    R("GET", "/regions/<slug>/desk/services",
      "login 403 403  403  403  403  403  ok   ok", path="/regions/lippetal/desk/services"),
    R("GET", "/regions/<slug>/desk/services/new",
      "login 403 403  403  403  403  403  ok   ok", path="/regions/lippetal/desk/services/new"),
    R("POST", "/regions/<slug>/desk/services/new",
      "login 403 403  403  403  403  403  ok   ok", path="/regions/lippetal/desk/services/new",
      form={}),
    R("GET", "/regions/<slug>/desk/services/<int:service_id>",
      "login 403 403  403  403  403  403  ok   ok",
      path="/regions/lippetal/desk/services/{service}"),
    R("POST", "/regions/<slug>/desk/services/<int:service_id>",
      "login 403 403  403  403  403  403  ok   ok",
      path="/regions/lippetal/desk/services/{service}", form={"name": ""}),
    R("POST", "/regions/<slug>/desk/services/<int:service_id>/delete",
      "login 403 403  403  403  403  403  404  404",
      path=f"/regions/lippetal/desk/services/{NO_SERVICE}/delete", form={}),
    R("GET", "/regions/<slug>/desk/report/<int:year>",
      "login 403 403  403  403  403  403  ok   ok", path="/regions/lippetal/desk/report/{year}"),
    # a ring's coordinators: requests for help passed on to their ring
    R("GET", "/help-requests",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/help-requests/<int:request_id>",
      "login 403 403  403  ok   403  404  403  ok", path="/help-requests/{help}"),
    R("POST", "/help-requests/<int:request_id>/post",
      "login 403 403  403  ok   403  404  403  ok", path="/help-requests/{help}/post", form={}),
]
