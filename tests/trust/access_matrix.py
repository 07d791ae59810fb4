"""The access matrix: who may call which route, as data beside the code.

One row per route of the app (method and URL rule, as `app.url_map` names
them; a few routes have a second row with another target), and in each row
one word per kind of caller, in the order of CALLERS:

    ok     the caller gets through: any answer but a refusal below or a 5xx
           (a write is sent so that even an allowed caller changes nothing:
           an invalid body -> 422 or a form shown again with its errors, or an
           action in the wrong state -> 409)
    401    not logged in (the API)
    login  a page's redirect (302) to the log-in page
    403    logged in, but not allowed
    404    not visible to this caller (another ring's object)
    -      not applicable yet (the `contact` role does not exist yet)

The callers live in the scene of tests/trust/test_access_matrix.py: ring A
(Sonnenberg) with a pending member, the active member Anna (with offers and an
exchange proposed to Bert), a suspended member, a coordinator, a suspended
coordinator and an admin; ring B (Talheim) with its coordinator. Paths name
the scene's objects in braces:

    {member}   Anna, the active member    {partner}  Bert, another active member
    {self}     the caller itself          {admin}    the admin of ring A
    {account}  Anna's account             {exchange} Anna's proposal to Bert
    {cancelled} an exchange Anna withdrew {transfer} a transfer of ring A
    {talent}   Anna's current offer       {spare}    another offer of Anna's
    {withdrawn} an offer Anna withdrew    {category} ring A's first category
    {ring}     ring A's id                {year}     this year

tests/trust/test_access_matrix.py checks that every route has a row and every
cell against a live server; docs/security.md shows the table made by

    python -m tests.trust.access_matrix --markdown
"""

from __future__ import annotations

import sys

from tests.trust import (
    access_federation,
    access_office,
    access_partner_market,
    access_partners,
    access_regions,
    access_ring_life,
)
from tests.trust.access_row import (  # noqa: F401  (re-exported for the tests)
    ADMIN,
    ANONYMOUS,
    CALLER_TITLES,
    CALLERS,
    CONTACT,
    COORDINATOR,
    LOGIN,
    MEMBER,
    OK,
    OTHER_COORDINATOR,
    PENDING,
    SUSPENDED,
    SUSPENDED_COORDINATOR,
    WORDS,
    R,
    Row,
)

# Who may call what, by the rules of docs/security.md. The columns:
#             anon pend memb susp coor s.co othr cont admn
API = [
    # logging in, the caller itself, its ring
    R("POST", "/api/v1/tokens",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", json={}),
    R("DELETE", "/api/v1/tokens/current",
      "401  ok   ok   ok   ok   ok   ok   ok   ok", fresh=True),
    R("GET", "/api/v1/openapi.json",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok"),
    R("GET", "/api/v1/me",
      "401  ok   ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/api/v1/me/export",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/api/v1/rings/current",
      "401  ok   ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/api/v1/rings/current/export",
      "401  403  403  403  ok   403  ok   403  ok"),
    # members
    R("POST", "/api/v1/members",
      "ok   ok   ok   ok   ok   ok   ok   403  ok", json={},
      note="self-registration is public; everyone's empty form is refused (422)"),
    R("GET", "/api/v1/members",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/api/v1/members/<int:member_id>",
      "401  403  ok   ok   ok   ok   404  403  ok", path="/api/v1/members/{partner}"),
    R("GET", "/api/v1/members/<int:member_id>",
      "401  ok   ok   ok   ok   ok   ok   403  ok", path="/api/v1/members/{self}"),
    R("PATCH", "/api/v1/members/<int:member_id>",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/members/{partner}",
      json={"language": "xx"}),
    R("PATCH", "/api/v1/members/<int:member_id>",
      "401  ok   ok   ok   ok   ok   ok   403  ok", path="/api/v1/members/{self}",
      json={"language": "xx"}),
    R("POST", "/api/v1/members/<int:member_id>/admit",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/members/{partner}/admit",
      note="Bert is active already: 409"),
    R("POST", "/api/v1/members/<int:member_id>/suspend",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/members/{partner}/suspend",
      json={"reason": 5}),
    R("POST", "/api/v1/members/<int:member_id>/suspend",
      "401  403  403  403  403  403  404  403  ok", path="/api/v1/members/{admin}/suspend",
      json={"reason": 5}, note="no role acts on a higher one"),
    R("POST", "/api/v1/members/<int:member_id>/reactivate",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/members/{partner}/reactivate",
      note="Bert is not suspended: 409"),
    R("POST", "/api/v1/members/<int:member_id>/leave",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/members/{partner}/leave",
      json={"reason": 5}),
    R("POST", "/api/v1/imports/members",
      "401  403  403  403  ok   403  ok   403  ok", path="/api/v1/imports/members?dry_run=true",
      csv=""),
    # accounts, transfers, audit
    R("GET", "/api/v1/accounts",
      "401  403  403  403  ok   403  ok   403  ok"),
    R("GET", "/api/v1/accounts/<int:account_id>",
      "401  403  ok   404  ok   404  404  403  ok", path="/api/v1/accounts/{account}"),
    R("PATCH", "/api/v1/accounts/<int:account_id>",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/accounts/{account}",
      json={"min_balance": "x"}),
    R("GET", "/api/v1/accounts/<int:account_id>/entries",
      "401  403  ok   404  ok   404  404  403  ok", path="/api/v1/accounts/{account}/entries"),
    R("POST", "/api/v1/transfers",
      "401  403  403  403  ok   403  ok   403  ok", json={}),
    R("GET", "/api/v1/transfers",
      "401  403  403  403  ok   403  ok   403  ok"),
    R("GET", "/api/v1/transfers/<int:transfer_id>",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/transfers/{transfer}"),
    R("POST", "/api/v1/transfers/<int:transfer_id>/reverse",
      "401  403  403  403  ok   403  404  403  ok", path="/api/v1/transfers/{transfer}/reverse",
      json={}),
    R("GET", "/api/v1/audit",
      "401  403  403  403  ok   403  ok   403  ok"),
    # the market
    R("GET", "/api/v1/categories",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/api/v1/talents",
      "401  403  ok   403  ok   403  ok   403  ok", json={}),
    R("GET", "/api/v1/talents",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/api/v1/talents/<int:talent_id>",
      "401  403  ok   ok   ok   ok   404  403  ok", path="/api/v1/talents/{talent}"),
    R("PATCH", "/api/v1/talents/<int:talent_id>",
      "401  403  ok   403  ok   403  404  403  ok", path="/api/v1/talents/{talent}",
      json={"kind": "x"}),
    R("DELETE", "/api/v1/talents/<int:talent_id>",
      "401  403  ok   404  ok   404  404  403  ok", path="/api/v1/talents/{withdrawn}",
      note="withdrawn already: withdrawing again changes nothing"),
    R("POST", "/api/v1/talents/<int:talent_id>/renew",
      "401  403  ok   403  ok   403  404  403  ok", path="/api/v1/talents/{spare}/renew",
      note="posted today: renewing keeps the same date"),
    # exchanges
    R("POST", "/api/v1/exchanges",
      "401  403  ok   403  ok   403  ok   403  ok", json={}),
    R("GET", "/api/v1/exchanges",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/api/v1/exchanges/<int:exchange_id>",
      "401  403  ok   404  ok   404  404  403  ok", path="/api/v1/exchanges/{exchange}"),
    R("POST", "/api/v1/exchanges/<int:exchange_id>/confirm",
      "401  403  403  403  403  403  404  403  403", path="/api/v1/exchanges/{exchange}/confirm",
      note="only Bert, the other party, may confirm"),
    R("POST", "/api/v1/exchanges/<int:exchange_id>/decline",
      "401  403  403  404  403  404  404  403  403", path="/api/v1/exchanges/{exchange}/decline",
      json={}),
    R("POST", "/api/v1/exchanges/<int:exchange_id>/cancel",
      "401  403  ok   404  403  404  404  403  403", path="/api/v1/exchanges/{exchange}/cancel",
      json={"reason": 5}),
    R("POST", "/api/v1/exchanges/<int:exchange_id>/dispute",
      "401  403  ok   404  403  404  404  403  403", path="/api/v1/exchanges/{exchange}/dispute",
      json={}),
    R("POST", "/api/v1/exchanges/<int:exchange_id>/messages",
      "401  403  ok   404  ok   404  404  403  ok", path="/api/v1/exchanges/{exchange}/messages",
      json={}),
    R("POST", "/api/v1/exchanges/<int:exchange_id>/resolve",
      "401  403  403  404  ok   404  404  403  ok", path="/api/v1/exchanges/{exchange}/resolve",
      json={}),
    R("GET", "/api/v1/notifications",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/api/v1/notifications/read",
      "401  403  ok   ok   ok   ok   ok   403  ok", json={"ids": "x"}),
    # statements and reports
    R("GET", "/api/v1/statements/<int:year>/<int:account_id>.csv",
      "401  403  ok   404  ok   404  404  403  ok",
      path="/api/v1/statements/{year}/{account}.csv"),
    R("GET", "/api/v1/statements/<int:year>/<int:account_id>.pdf",
      "401  403  ok   404  ok   404  404  403  ok",
      path="/api/v1/statements/{year}/{account}.pdf"),
    R("GET", "/api/v1/statements/<int:year>.zip",
      "401  403  403  403  ok   403  ok   403  ok",
      path="/api/v1/statements/{year}.zip?format=csv"),
    R("GET", "/api/v1/reports/<int:year>",
      "401  403  403  403  ok   403  ok   403  ok", path="/api/v1/reports/{year}"),
    R("GET", "/api/v1/reports/<int:year>.csv",
      "401  403  403  403  ok   403  ok   403  ok", path="/api/v1/reports/{year}.csv"),
    R("GET", "/api/v1/reports/<int:year>.pdf",
      "401  403  403  403  ok   403  ok   403  ok", path="/api/v1/reports/{year}.pdf"),
]

#             anon pend memb susp coor s.co othr cont admn
PAGES = [
    # public pages, logging in and out
    R("GET", "/healthz",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok"),
    R("GET", "/",
      "login ok  ok   ok   ok   ok   ok   ok   ok", note="anonymous visitors go to the log-in"),
    R("POST", "/language",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", form={"language": "de"}),
    R("GET", "/login",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok"),
    R("POST", "/login",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", form={}),
    R("POST", "/logout",
      "login login login login login login login login login", form={}, fresh=True,
      note="logging out leads to the log-in page"),
    R("GET", "/register",
      "ok   ok   ok   ok   ok   ok   ok   403  ok", path="/register?ring=sonnenberg"),
    R("POST", "/register",
      "ok   ok   ok   ok   ok   ok   ok   403  ok", path="/register?ring=sonnenberg", form={}),
    R("GET", "/register/done",
      "ok   ok   ok   ok   ok   ok   ok   403  ok", path="/register/done?ring=sonnenberg"),
    R("GET", "/password/forgot",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok"),
    R("POST", "/password/forgot",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", form={}),
    R("GET", "/password/reset/<token>",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/password/reset/not-a-token"),
    R("POST", "/password/reset/<token>",
      "ok   ok   ok   ok   ok   ok   ok   ok   ok", path="/password/reset/not-a-token",
      form={}),
    R("GET", "/email/confirm/<token>",
      "ok   ok   ok   ok   ok   ok   ok   403  ok", path="/email/confirm/not-a-token"),
    R("POST", "/email/confirm/<token>",
      "ok   ok   ok   ok   ok   ok   ok   403  ok", path="/email/confirm/not-a-token",
      form={}),
    # the member's own pages
    R("GET", "/dashboard",
      "login ok  ok   ok   ok   ok   ok   ok   ok"),
    R("GET", "/password",
      "login ok  ok   ok   ok   ok   ok   ok   ok"),
    R("POST", "/password",
      "login ok  ok   ok   ok   ok   ok   ok   ok", form={}),
    R("GET", "/profile",
      "login ok  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/profile",
      "login ok  ok   ok   ok   ok   ok   403  ok", form={"name": ""}),
    R("GET", "/profile/export.json",
      "login ok  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/profile/household",
      "login 403 ok   403  ok   403  ok   403  ok", form={},
      note="only active members add people to their household"),
    R("GET", "/notifications",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/notifications",
      "login 403 ok   ok   ok   ok   ok   403  ok", form={},
      note="marks the caller's own notifications read"),
    # members
    R("GET", "/members",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/members/<int:member_id>",
      "login 403 ok   ok   ok   ok   404  403  ok", path="/members/{partner}"),
    R("GET", "/members/<int:member_id>",
      "login ok  ok   ok   ok   ok   ok   403  ok", path="/members/{self}"),
    R("GET", "/members/<int:member_id>/edit",
      "login 403 403  403  ok   403  404  403  ok", path="/members/{partner}/edit"),
    R("POST", "/members/<int:member_id>/edit",
      "login 403 403  403  ok   403  404  403  ok", path="/members/{partner}/edit",
      form={"name": ""}),
    R("GET", "/members/<int:member_id>/edit",
      "login ok  ok   ok   ok   ok   ok   403  ok", path="/members/{self}/edit"),
    # the market
    R("GET", "/market",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/talents/mine",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/talents/new",
      "login 403 ok   ok   ok   ok   ok   403  ok",
      note="a suspended member is told why there is no form"),
    R("POST", "/talents/new",
      "login 403 ok   403  ok   403  ok   403  ok", form={}),
    R("GET", "/talents/<int:talent_id>",
      "login 403 ok   ok   ok   ok   404  403  ok", path="/talents/{talent}"),
    R("GET", "/talents/<int:talent_id>/edit",
      "login 403 ok   403  ok   403  404  403  ok", path="/talents/{talent}/edit"),
    R("POST", "/talents/<int:talent_id>/edit",
      "login 403 ok   403  ok   403  404  403  ok", path="/talents/{talent}/edit",
      form={"title": ""}),
    R("GET", "/talents/<int:talent_id>/withdraw",
      "login 403 ok   403  ok   403  404  403  ok", path="/talents/{talent}/withdraw"),
    R("POST", "/talents/<int:talent_id>/withdraw",
      "login 403 ok   404  ok   404  404  403  ok", path="/talents/{withdrawn}/withdraw",
      form={}, note="withdrawn already"),
    R("POST", "/talents/<int:talent_id>/renew",
      "login 403 ok   403  ok   403  404  403  ok", path="/talents/{spare}/renew", form={}),
    # exchanges
    R("GET", "/exchanges",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/exchanges/new",
      "login 403 ok   403  ok   403  ok   403  ok"),
    R("POST", "/exchanges/new",
      "login 403 ok   403  ok   403  ok   403  ok", form={}),
    R("GET", "/exchanges/<int:exchange_id>",
      "login 403 ok   404  ok   404  404  403  ok", path="/exchanges/{exchange}"),
    R("POST", "/exchanges/<int:exchange_id>/confirm",
      "login 403 403  403  403  403  404  403  403", path="/exchanges/{exchange}/confirm",
      form={}),
    R("POST", "/exchanges/<int:exchange_id>/decline",
      "login 403 403  404  403  404  404  403  403", path="/exchanges/{exchange}/decline",
      form={}),
    R("POST", "/exchanges/<int:exchange_id>/cancel",
      "login 403 ok   404  403  404  404  403  403", path="/exchanges/{cancelled}/cancel",
      form={}, note="withdrawn already: 'no longer possible'"),
    R("POST", "/exchanges/<int:exchange_id>/dispute",
      "login 403 ok   404  403  404  404  403  403", path="/exchanges/{exchange}/dispute",
      form={}),
    R("POST", "/exchanges/<int:exchange_id>/message",
      "login 403 ok   404  ok   404  404  403  ok", path="/exchanges/{exchange}/message",
      form={}),
    R("POST", "/exchanges/<int:exchange_id>/resolve",
      "login 403 403  403  ok   403  404  403  ok", path="/exchanges/{exchange}/resolve",
      form={}),
    R("GET", "/exchanges/disputes",
      "login 403 403  403  ok   403  ok   403  ok"),
    # statements
    R("GET", "/statements",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("GET", "/statements/account/<int:account_id>",
      "login 403 ok   404  ok   404  404  403  ok", path="/statements/account/{account}"),
    R("GET", "/statements/account/<int:account_id>/<int:year>.<any(csv, pdf):fmt>",
      "login 403 ok   404  ok   404  404  403  ok",
      path="/statements/account/{account}/{year}.csv"),
    R("GET", "/statements/all/<int:year>.zip",
      "login 403 403  403  ok   403  ok   403  ok", path="/statements/all/{year}.zip?format=csv"),
    # coordination
    R("GET", "/coordination",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/audit",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/admissions",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/admissions/<int:member_id>/admit",
      "login 403 403  403  ok   403  404  403  ok", path="/coordination/admissions/{partner}/admit",
      form={}, note="Bert is active already: 409"),
    R("GET", "/coordination/members",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/members/new",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/members/new",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/coordination/members/<int:member_id>",
      "login 403 403  403  ok   403  404  403  ok", path="/coordination/members/{partner}"),
    R("POST", "/coordination/members/<int:member_id>/suspend",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/members/{partner}/suspend", form={"suspend-reason": "x" * 1001}),
    R("POST", "/coordination/members/<int:member_id>/suspend",
      "login 403 403  403  403  403  404  403  ok",
      path="/coordination/members/{admin}/suspend", form={"suspend-reason": "x" * 1001},
      note="no role acts on a higher one"),
    R("POST", "/coordination/members/<int:member_id>/reactivate",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/members/{partner}/reactivate", form={},
      note="Bert is not suspended: 409"),
    R("POST", "/coordination/members/<int:member_id>/role",
      "login 403 403  403  ok   403  404  403  ok", path="/coordination/members/{partner}/role",
      form={"role-role": "chief"}),
    R("POST", "/coordination/members/<int:member_id>/limits",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/members/{partner}/limits", form={"limits-min_balance": "viel"}),
    R("GET", "/coordination/members/<int:member_id>/leave",
      "login 403 403  403  ok   403  404  403  ok", path="/coordination/members/{partner}/leave"),
    R("POST", "/coordination/members/<int:member_id>/leave",
      "login 403 403  403  ok   403  404  403  ok", path="/coordination/members/{partner}/leave",
      form={"reason": "x" * 1001}),
    R("GET", "/coordination/transfers",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/transfers/new",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/transfers/new",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/coordination/transfers/<int:transfer_id>",
      "login 403 403  403  ok   403  404  403  ok", path="/coordination/transfers/{transfer}"),
    R("POST", "/coordination/transfers/<int:transfer_id>/reverse",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/transfers/{transfer}/reverse", form={}),
    R("GET", "/coordination/balances",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/log",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/fees",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/fees",
      "login 403 403  403  ok   403  ok   403  ok", form={"period": ""}),
    R("GET", "/coordination/settings",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/settings",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/coordination/categories",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/categories",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/coordination/categories/<int:category_id>/edit",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/categories/{category}/edit"),
    R("POST", "/coordination/categories/<int:category_id>/edit",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/categories/{category}/edit", form={"name_de": ""}),
    R("POST", "/coordination/categories/<int:category_id>/active",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/categories/{category}/active", form={"active": "1"},
      note="active already"),
    R("POST", "/coordination/categories/<int:category_id>/move",
      "login 403 403  403  ok   403  404  403  ok",
      path="/coordination/categories/{category}/move", form={"direction": "up"},
      note="the first one stays first"),
    R("GET", "/coordination/newsletter.pdf",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/import",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/import",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/coordination/export.json",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/report",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/coordination/report/<int:year>",
      "login 403 403  403  ok   403  ok   403  ok", path="/coordination/report/{year}"),
    R("GET", "/coordination/report/<int:year>.<any(json, csv, pdf):fmt>",
      "login 403 403  403  ok   403  ok   403  ok", path="/coordination/report/{year}.csv"),
    # the admin's pages
    R("GET", "/admin/rings",
      "login 403 403  403  403  403  403  403  ok"),
    R("POST", "/admin/rings",
      "login 403 403  403  403  403  403  403  ok", form={}),
    R("GET", "/admin/rings/<int:ring_id>",
      "login 403 403  403  403  403  403  403  ok", path="/admin/rings/{ring}"),
    R("POST", "/admin/rings/<int:ring_id>/coordinators",
      "login 403 403  403  403  403  403  403  ok", path="/admin/rings/{ring}/coordinators",
      form={"appoint-member_id": "none"}),
    R("POST", "/admin/rings/<int:ring_id>/coordinators/new",
      "login 403 403  403  403  403  403  403  ok", path="/admin/rings/{ring}/coordinators/new",
      form={}),
]

# The rows of newer areas live beside this file, one file per area.
ROWS = (API + PAGES + access_regions.ROWS + access_ring_life.ROWS + access_office.ROWS
        + access_partners.ROWS + access_partner_market.ROWS + access_federation.ROWS)


def routes_with_rows() -> set[tuple[str, str]]:
    return {(row.method, row.rule) for row in ROWS}


def _cell_text(value) -> str:
    return {OK: "ok", LOGIN: "log-in", None: "n/a"}.get(value, str(value))


def markdown() -> str:
    """The matrix as a Markdown table (docs/security.md shows it)."""
    head = ["Method", "Route", *(CALLER_TITLES[c] for c in CALLERS)]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in ROWS:
        cells = row.cells()
        shown = row.url.replace("|", "\\|")
        lines.append("| " + " | ".join(
            [row.method, f"`{shown}`", *(_cell_text(cells[c]) for c in CALLERS)]) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m tests.trust.access_matrix --markdown")
    sys.stdout.write(markdown())
