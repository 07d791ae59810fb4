"""Who may see and do what: a matrix of callers × endpoints.

Ring A (Sonnenberg): coordinator Karin, members Anna and Bert. Ring B
(Talheim): coordinator Otto, member Olga. A member sees its own account only;
a coordinator everything of its own ring and nothing of another ring (404,
as for objects that do not exist). Nothing here may change the ledger.
"""

from __future__ import annotations

import pytest

ANON, ANNA, BERT, KARIN, OTTO, OLGA = "anonymous", "anna", "bert", "karin", "otto", "olga"

# (method, path, json) -> {caller: expected status}
MATRIX = [
    ("GET", "/api/v1/me", None,
     {ANON: 401, ANNA: 200, KARIN: 200, OTTO: 200, OLGA: 200}),
    ("GET", "/api/v1/rings/current", None,
     {ANON: 401, ANNA: 200, KARIN: 200, OTTO: 200}),
    ("GET", "/api/v1/accounts", None,
     {ANON: 401, ANNA: 403, OLGA: 403, KARIN: 200, OTTO: 200}),
    ("GET", "/api/v1/accounts/{anna}", None,
     {ANON: 401, ANNA: 200, BERT: 404, OLGA: 404, KARIN: 200, OTTO: 404}),
    ("GET", "/api/v1/accounts/{bert}", None,
     {ANNA: 404, BERT: 200, KARIN: 200, OTTO: 404}),
    ("GET", "/api/v1/accounts/{assoc}", None,
     {ANON: 401, ANNA: 404, KARIN: 200, OTTO: 404, OLGA: 404}),
    ("GET", "/api/v1/accounts/{olga}", None,
     {ANNA: 404, KARIN: 404, OTTO: 200, OLGA: 200}),
    ("GET", "/api/v1/accounts/999999", None,
     {ANON: 401, ANNA: 404, KARIN: 404}),
    ("GET", "/api/v1/accounts/{anna}/entries", None,
     {ANON: 401, ANNA: 200, BERT: 404, KARIN: 200, OTTO: 404, OLGA: 404}),
    ("GET", "/api/v1/accounts/{assoc}/entries", None,
     {ANNA: 404, KARIN: 200, OTTO: 404}),
    ("GET", "/api/v1/transfers", None,
     {ANON: 401, ANNA: 403, OLGA: 403, KARIN: 200, OTTO: 200}),
    ("GET", "/api/v1/transfers?account_id={anna}", None,
     {ANNA: 403, KARIN: 200}),
    ("GET", "/api/v1/transfers/{open}", None,
     {ANON: 401, ANNA: 403, KARIN: 200, OTTO: 404, OLGA: 403}),
    ("GET", "/api/v1/transfers/{ring_b_transfer}", None,
     {KARIN: 404, OTTO: 200}),
    ("GET", "/api/v1/audit", None,
     {ANON: 401, ANNA: 403, OLGA: 403, KARIN: 200, OTTO: 200}),
    # writes that must all be refused (a successful one would change the ledger)
    ("PATCH", "/api/v1/accounts/{anna}", {"min_balance": -6000},
     {ANON: 401, ANNA: 403, BERT: 403, OTTO: 404, OLGA: 403}),
    ("PATCH", "/api/v1/accounts/{olga}", {"min_balance": -6000},
     {KARIN: 404, OLGA: 403}),
    ("POST", "/api/v1/transfers", "book_a",
     {ANON: 401, ANNA: 403, BERT: 403, OLGA: 403, OTTO: 422}),
    ("POST", "/api/v1/transfers", "book_b",
     {KARIN: 422, OLGA: 403}),
    ("POST", "/api/v1/transfers/{open}/reverse", {"reason": "Irrtum"},
     {ANON: 401, ANNA: 403, OTTO: 404, OLGA: 403}),
    ("POST", "/api/v1/transfers/{ring_b_transfer}/reverse", {"reason": "Irrtum"},
     {KARIN: 404, OLGA: 403}),
]

CELLS = [(method, path, body, caller, status)
         for method, path, body, expected in MATRIX
         for caller, status in expected.items()]


def cell_id(cell) -> str:
    method, path, body, caller, status = cell
    suffix = f"-{body}" if isinstance(body, str) else ""
    return f"{caller}-{method}-{path.removeprefix('/api/v1')}{suffix}-{status}"


def placeholders(scene) -> dict:
    return {"anna": scene.account("anna"), "bert": scene.account("bert"),
            "olga": scene.account("olga"), "assoc": scene.ring_a.association_account_id,
            "open": scene.transfers["open"]["id"],
            "ring_b_transfer": scene.transfers["ring_b"]["id"]}


def body_for(scene, body):
    if body == "book_a":
        return {"debit_account_id": scene.ring_a.association_account_id,
                "credit_account_id": scene.account("anna"), "minutes": 10, "memo": "x"}
    if body == "book_b":
        return {"debit_account_id": scene.ring_b.association_account_id,
                "credit_account_id": scene.account("olga"), "minutes": 10, "memo": "x"}
    return body


@pytest.mark.parametrize("cell", CELLS, ids=[cell_id(c) for c in CELLS])
def test_access_matrix(scene, problem, cell):
    method, path, body, caller, status = cell
    token = None if caller == ANON else scene.tokens[caller]
    kwargs = {} if body is None else {"json": body_for(scene, body)}
    before = scene.ledger_state(fresh=False) if method != "GET" else None

    response = scene.http.request(method, path.format(**placeholders(scene)), token=token,
                                  **kwargs)

    if status >= 400:
        problem(response, status)
        if method != "GET":
            assert scene.ledger_state() == before
    else:
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].split(";")[0] == "application/json"


RINGS = {KARIN: "A", ANNA: "A", OTTO: "B", OLGA: "B"}


def ring_of(scene, caller):
    return scene.ring_a if RINGS[caller] == "A" else scene.ring_b


@pytest.mark.parametrize("caller", [KARIN, OTTO])
def test_a_coordinator_lists_only_its_own_ring(scene, caller):
    ring = ring_of(scene, caller)
    token = scene.tokens[caller]
    own = {p.account_id for name, p in scene.people.items() if RINGS.get(name) == RINGS[caller]}

    accounts = scene.http.get("/api/v1/accounts?per_page=200", token=token).json()
    assert accounts["total"] == len(accounts["items"])
    assert {a["ring_id"] for a in accounts["items"]} == {ring.id}
    assert own | {ring.association_account_id} <= {a["id"] for a in accounts["items"]}

    transfers = scene.http.get("/api/v1/transfers?per_page=200", token=token).json()
    assert transfers["items"], "each ring has booked transfers"
    ring_accounts = {a["id"] for a in accounts["items"]}
    for t in transfers["items"]:
        assert {t["debit_account_id"], t["credit_account_id"]} <= ring_accounts

    audit = scene.http.get("/api/v1/audit", token=token).json()
    assert audit["ok"] is True
    assert audit["ring_id"] == ring.id
    assert audit["accounts"] == accounts["total"]
    assert audit["transfers"] == transfers["total"]
    ring_row = scene.sql("SELECT chain_length, chain_head FROM rings WHERE id = :id",
                         id=ring.id)[0]
    assert (audit["chain"]["length"], audit["chain"]["head"]) == tuple(ring_row)


@pytest.mark.parametrize("caller", [ANNA, KARIN, OTTO, OLGA])
def test_me_and_current_ring_name_the_callers_own(scene, caller):
    token = scene.tokens[caller]
    person = scene.people[caller]
    ring = ring_of(scene, caller)

    me = scene.http.get("/api/v1/me", token=token).json()
    assert (me["id"], me["email"], me["account_id"], me["ring_id"]) == (
        person.id, person.email, person.account_id, ring.id)
    assert "password_hash" not in me and "password" not in me

    current = scene.http.get("/api/v1/rings/current", token=token).json()
    assert {"id", "name", "slug", "unit_name", "default_min_balance",
            "default_max_balance"} <= set(current)
    assert (current["id"], current["slug"]) == (ring.id, ring.slug)


def test_a_member_sees_its_own_account_and_entries(scene):
    token = scene.tokens[ANNA]
    account = scene.http.get(f"/api/v1/accounts/{scene.account('anna')}", token=token).json()
    assert {"id", "kind", "member_id", "balance", "min_balance", "max_balance",
            "status"} <= set(account)
    stored = scene.sql("SELECT balance FROM accounts WHERE id = :id",
                       id=scene.account("anna"))[0][0]
    assert (account["kind"], account["member_id"], account["balance"]) == (
        "member", scene.people["anna"].id, stored)
    assert (account["min_balance"], account["max_balance"]) == (-600, 1200)

    entries = scene.http.get(f"/api/v1/accounts/{scene.account('anna')}/entries",
                             token=token).json()
    assert entries["total"] == scene.sql("SELECT count(*) FROM entries WHERE account_id = :id",
                                         id=scene.account("anna"))[0][0]
    first = entries["items"][-1]
    assert {"transfer_id", "booked_at", "minutes", "balance_after",
            "counterparty_account_id", "memo", "exchange_id"} <= set(first)
    assert (first["transfer_id"], first["minutes"], first["balance_after"],
            first["counterparty_account_id"]) == (
        scene.transfers["open"]["id"], 120, 120, scene.ring_a.association_account_id)
    assert entries["items"][0]["balance_after"] == stored
