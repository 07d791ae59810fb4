"""Who may call comes first, then what they sent (finding 12).

flask-smorest reads a request's body and query before the view runs; the
checks of tauschring/api/access.py run before that. So a caller without the
right who sends an empty or incomplete body is refused for who it is (401,
403, or 404 where it may not even see the object), never told what the body
lacks (422): that would show what the endpoint wants, or that the object
exists. The allowed caller sending the same body is told (422). Nothing
changes either way. The pages do the same for their forms.
"""

from __future__ import annotations

import re

import pytest
import test_access_matrix

from tests.support.problems import assert_problem

trust_scene = test_access_matrix.trust_scene  # the matrix's scene, once per engine

ANON, PENDING, MEMBER, SUSPENDED = "anonymous", "pending", "member", "suspended"
COORD, SUSP_COORD, OTHER, ADMIN = ("coordinator", "suspended_coordinator",
                                   "other_coordinator", "admin")
PARTNER = "partner"  # Bert: the other party of Anna's proposal

# (method, path, what is sent, {caller without the right: status}, the allowed caller)
CASES = [
    ("POST", "/api/v1/transfers", {},
     {ANON: 401, PENDING: 403, MEMBER: 403, SUSPENDED: 403, SUSP_COORD: 403}, COORD),
    ("POST", "/api/v1/transfers", {"minutes": 10}, {MEMBER: 403}, OTHER),
    ("POST", "/api/v1/transfers/{transfer}/reverse", {},
     {ANON: 401, MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("PATCH", "/api/v1/accounts/{account}", {"min_balance": "x"},
     {ANON: 401, MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("POST", "/api/v1/exchanges", {},
     {ANON: 401, PENDING: 403, SUSPENDED: 403, SUSP_COORD: 403}, MEMBER),
    ("POST", "/api/v1/exchanges/{exchange}/decline", {},
     {MEMBER: 403, COORD: 403, SUSPENDED: 404, OTHER: 404}, PARTNER),
    ("POST", "/api/v1/exchanges/{exchange}/cancel", {"reason": 5},
     {PARTNER: 403, COORD: 403, SUSPENDED: 404, OTHER: 404}, MEMBER),
    ("POST", "/api/v1/exchanges/{exchange}/dispute", {},
     {COORD: 403, ADMIN: 403, SUSPENDED: 404, SUSP_COORD: 404, OTHER: 404}, MEMBER),
    ("POST", "/api/v1/exchanges/{exchange}/messages", {},
     {SUSPENDED: 404, SUSP_COORD: 404, OTHER: 404}, COORD),
    ("POST", "/api/v1/exchanges/{exchange}/resolve", {"decision": "book"},
     {ANON: 401, MEMBER: 403, PARTNER: 403, SUSPENDED: 404, SUSP_COORD: 404, OTHER: 404},
     COORD),
    ("POST", "/api/v1/talents", {},
     {PENDING: 403, SUSPENDED: 403, SUSP_COORD: 403}, MEMBER),
    ("PATCH", "/api/v1/talents/{talent}", {"kind": "x"},
     {PARTNER: 403, SUSPENDED: 403, OTHER: 404}, MEMBER),
    ("PATCH", "/api/v1/members/{partner}", {"language": "xx"},
     {MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("PATCH", "/api/v1/members/{admin}", {"language": "xx"}, {COORD: 403}, ADMIN),
    ("POST", "/api/v1/members/{partner}/suspend", {"reason": 5},
     {MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("POST", "/api/v1/members/{admin}/suspend", {"reason": 5}, {COORD: 403}, ADMIN),
    ("POST", "/api/v1/members/{partner}/leave", {"reason": 5},
     {MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("POST", "/api/v1/members/{admin}/leave", {"reason": 5}, {COORD: 403}, ADMIN),
    ("POST", "/api/v1/notifications/read", {"ids": "x"}, {ANON: 401, PENDING: 403}, MEMBER),
    ("POST", "/api/v1/imports/members?dry_run=maybe", "text/csv",
     {ANON: 401, MEMBER: 403, SUSP_COORD: 403}, COORD),
    # the region's contact point keeps the directory and passes requests for help on
    ("POST", "/api/v1/regions/{region}/services", {},
     {ANON: 401, PENDING: 403, MEMBER: 403, COORD: 403, OTHER: 403}, "contact"),
    ("PATCH", "/api/v1/regions/{region}/services/{service}", {"kind": "x"},
     {ANON: 401, MEMBER: 403, COORD: 403}, "contact"),
    ("POST", "/api/v1/regions/{region}/help-requests/{help}/forward", {"ring": 5},
     {ANON: 401, MEMBER: 403, COORD: 403}, "contact"),
    ("POST", "/api/v1/regions/{region}/help-requests/{help}/outcome", {},
     {ANON: 401, MEMBER: 403, COORD: 403}, "contact"),
    # ring life: feedback on a booked exchange, news, events, mail, away mode
    ("POST", "/api/v1/exchanges/{booked}/feedback", {"rating": "x"},
     {ANON: 401, PENDING: 403, COORD: 403, SUSPENDED: 404, OTHER: 404}, MEMBER),
    ("PUT", "/api/v1/exchanges/{booked}/feedback", {"rating": "x"},
     {ANON: 401, COORD: 403, ADMIN: 403, SUSPENDED: 404, OTHER: 404}, PARTNER),
    ("POST", "/api/v1/news", {},
     {ANON: 401, PENDING: 403, MEMBER: 403, SUSPENDED: 403, SUSP_COORD: 403}, COORD),
    ("POST", "/api/v1/events", {},
     {ANON: 401, PENDING: 403, MEMBER: 403, SUSPENDED: 403, SUSP_COORD: 403}, OTHER),
    ("POST", "/api/v1/events/{event}/attendance", {"coming": "x"},
     {ANON: 401, PENDING: 403, SUSPENDED: 403, SUSP_COORD: 403, OTHER: 404}, MEMBER),
    ("PUT", "/api/v1/me/mail-preferences", {"weekly_digest": "x"},
     {ANON: 401, PENDING: 403}, MEMBER),
    ("PUT", "/api/v1/me/away", {"until": "x"}, {ANON: 401, PENDING: 403}, SUSPENDED),
    # the office: a stack of bookings; authorisations, and Bert acting for Anna
    ("POST", "/api/v1/transfers/batch", {},
     {ANON: 401, PENDING: 403, MEMBER: 403, SUSPENDED: 403, SUSP_COORD: 403}, COORD),
    ("POST", "/api/v1/authorisations", {"helper_id": "x"}, {ANON: 401, PENDING: 403}, MEMBER),
    ("POST", "/api/v1/acting-for/{member}/talents", {},
     {ANON: 401, MEMBER: 403, COORD: 403, OTHER: 404}, PARTNER),
    ("POST", "/api/v1/acting-for/{member}/exchanges", {},
     {ANON: 401, MEMBER: 403, COORD: 403, OTHER: 404}, PARTNER),
    ("POST", "/api/v1/acting-for/{member}/exchanges/{exchange}/decline", {},
     {ANON: 401, MEMBER: 403, COORD: 403, OTHER: 404}, PARTNER),
    # partner rings: the partnerships of ring A (its proposal to a third ring)
    ("POST", "/api/v1/partners", {},
     {ANON: 401, PENDING: 403, MEMBER: 403, SUSPENDED: 403, SUSP_COORD: 403}, COORD),
    ("POST", "/api/v1/partners/{partnership}/decline", {"reason": 5},
     {ANON: 401, MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("POST", "/api/v1/partners/{partnership}/pause", {"reason": 5},
     {ANON: 401, MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    ("POST", "/api/v1/partners/{partnership}/end", {"reason": 5},
     {ANON: 401, MEMBER: 403, SUSP_COORD: 403, OTHER: 404}, COORD),
    # federation: a member pays a peer ring's member
    ("POST", "/api/v1/federation/transfers", {},
     {ANON: 401, PENDING: 403, SUSPENDED: 403, SUSP_COORD: 403}, MEMBER),
    # reads whose query is checked: the caller first here too
    ("GET", "/api/v1/accounts?page=0", None, {ANON: 401, MEMBER: 403, SUSP_COORD: 403}, COORD),
    ("GET", "/api/v1/transfers?page=0", None, {MEMBER: 403, SUSPENDED: 403}, COORD),
    ("GET", "/api/v1/accounts/{account}/entries?page=0", None,
     {PARTNER: 404, SUSPENDED: 404, OTHER: 404}, MEMBER),
    ("GET", "/api/v1/statements/{year}.zip?format=doc", None, {MEMBER: 403}, COORD),
]
# Public (anyone may call them) or without a body to read.
NOT_CASES = {"Tokens.create_token", "Members.register", "Regions.ask_for_help"}


def case_id(case) -> str:
    method, path, *_ = case
    return f"{method} {path.removeprefix('/api/v1')}"


def call(scene, method, path, body, caller):
    token = scene.token(caller)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {}
    if body == "text/csv":
        headers["Content-Type"] = "text/csv"
        kwargs["data"] = b""
    elif body is not None:
        kwargs["json"] = body
    return scene.api.request(method, scene.base_url + path.format(**scene.objects),
                             headers=headers, timeout=60, allow_redirects=False, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_the_caller_is_refused_before_the_body_is_read(trust_scene, case):
    method, path, body, refused, allowed = case
    before = trust_scene.state()
    for caller, status in refused.items():
        response = call(trust_scene, method, path, body, caller)
        problem = assert_problem(response, status)
        assert "errors" not in problem, (caller, problem)  # nothing about the body
        assert trust_scene.state() == before, caller

    assert_problem(call(trust_scene, method, path, body, allowed), 422)
    assert trust_scene.state() == before


def test_every_api_write_that_reads_a_body_has_a_case(trust_scene):
    app = trust_scene.app
    covered = {(method, path.split("?")[0]) for method, path, *_ in CASES}
    adapter = app.url_map.bind("tauschring.example")
    covered_endpoints = set()
    for method, path in covered:
        filled = path.format(**{name: 1 for name in trust_scene.objects})
        covered_endpoints.add((method, adapter.match(filled, method=method)[0]))
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        reads = getattr(view, "_apidoc", {}).get("arguments")
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}:
            if reads and rule.endpoint not in NOT_CASES and (
                    method, rule.endpoint) not in covered_endpoints:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "API writes that read a body without a case here: " + ", ".join(
        sorted(missing))


def test_the_checks_leave_the_openapi_document_whole(trust_scene):
    """The checks wrap the views with functools.wraps: flask-smorest still
    documents every body and query they stand in front of."""
    spec = trust_scene.api.get(trust_scene.base_url + "/api/v1/openapi.json", timeout=60).json()
    adapter = trust_scene.app.url_map.bind("tauschring.example")
    lost = []
    for method, path, body, *_ in CASES:
        route, query = path.format(**{name: 1 for name in trust_scene.objects}), ""
        route, _, query = route.partition("?")
        rule, _args = adapter.match(route, method=method, return_rule=True)
        operation = spec["paths"][re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)][method.lower()]
        if isinstance(body, dict) and "requestBody" not in operation:
            lost.append(f"{method} {rule.rule}: the body")
        named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if query and query.split("=")[0] not in named:
            lost.append(f"{method} {rule.rule}: ?{query.split('=')[0]}")
    assert not lost, lost


def test_the_findings_examples(trust_scene):
    """Finding 12 as reported: an anonymous booking with an empty body, and a
    member resolving a dispute with an incomplete one."""
    scene = trust_scene
    assert_problem(scene.api.post(scene.base_url + "/api/v1/transfers", json={}, timeout=60),
                   401)
    resolve = f"/api/v1/exchanges/{scene.objects['exchange']}/resolve"
    body = {"decision": "adjust"}
    assert_problem(call(scene, "POST", resolve, body, MEMBER), 403)     # a party: sees it
    assert_problem(call(scene, "POST", resolve, body, SUSPENDED), 404)  # no party: does not


# --- the pages ------------------------------------------------------------------------

PAGE_CASES = [
    # (path, form, {caller without the right: status})
    ("/exchanges/{exchange}/decline", {}, {MEMBER: 403, SUSPENDED: 404, OTHER: 404}),
    ("/exchanges/{exchange}/dispute", {}, {COORD: 403, SUSPENDED: 404}),
    ("/exchanges/{exchange}/message", {}, {SUSPENDED: 404, OTHER: 404}),
    ("/exchanges/{exchange}/resolve", {}, {MEMBER: 403, OTHER: 404}),
    ("/exchanges/new", {}, {SUSPENDED: 403, SUSP_COORD: 403}),
    ("/talents/new", {}, {SUSPENDED: 403, SUSP_COORD: 403}),
    ("/coordination/members/{admin}/suspend", {"suspend-reason": "x" * 1001}, {COORD: 403}),
    ("/coordination/members/{admin}/role", {"role-role": "chief"}, {COORD: 403}),
    ("/coordination/members/{admin}/leave", {"reason": "x" * 1001}, {COORD: 403}),
    ("/coordination/members/{partner}/suspend", {"suspend-reason": "x" * 1001},
     {OTHER: 404}),
]


@pytest.mark.parametrize("case", PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_a_page_refuses_the_caller_before_it_reads_the_form(trust_scene, case):
    path, form, refused = case
    before = trust_scene.state()
    for caller, status in refused.items():
        browser = trust_scene.browsers[caller]
        response = browser.session.post(
            trust_scene.base_url + path.format(**trust_scene.objects), timeout=60,
            allow_redirects=False, data={"csrf_token": browser.token, **form})
        assert response.status_code == status, (caller, response.status_code,
                                                response.text[:300])
    assert trust_scene.state() == before
