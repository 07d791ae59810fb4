"""Lists: {items, page, per_page, total}, bounded pages, newest first, and
?from=&to= as whole days (both included)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

MOMENTS = [
    datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
    datetime(2024, 3, 1, 18, 0, tzinfo=UTC),
    datetime(2024, 3, 15, 9, 0, tzinfo=UTC),
    datetime(2024, 3, 15, 23, 59, 59, tzinfo=UTC),
    datetime(2024, 3, 16, 0, 0, tzinfo=UTC),
    datetime(2024, 4, 2, 12, 0, tzinfo=UTC),
    datetime(2024, 4, 30, 8, 0, tzinfo=UTC),
]


@pytest.fixture
def paula(scene, monkeypatch):
    """A member with seven bookings in spring 2024, one at each of MOMENTS."""
    person = scene.new_member("Paula")
    token = scene.tokens["karin"]
    booked = []
    for number, moment in enumerate(MOMENTS, start=1):
        # The ledger stamps bookings with tauschring.db.utcnow(); the server runs
        # in this process, so the clock is set back here.
        monkeypatch.setattr("tauschring.ledger.service.utcnow", lambda moment=moment: moment)
        response = scene.http.post("/api/v1/transfers", token=token, json={
            "debit_account_id": scene.ring_a.association_account_id,
            "credit_account_id": person.account_id, "minutes": number, "memo": f"n{number}"})
        assert response.status_code == 201, response.text
        booked.append(response.json())
    monkeypatch.undo()
    assert [datetime.fromisoformat(t["booked_at"]) for t in booked] == MOMENTS
    return person, booked, token


def entries(scene, token, account_id, query=""):
    response = scene.http.get(f"/api/v1/accounts/{account_id}/entries{query}", token=token)
    assert response.status_code == 200, response.text
    return response.json()


def test_entries_come_newest_first_in_bounded_pages(scene, paula):
    person, booked, token = paula
    everything = entries(scene, token, person.account_id)
    assert (everything["page"], everything["per_page"], everything["total"]) == (1, 50, 7)
    assert [e["transfer_id"] for e in everything["items"]] == [t["id"] for t in booked][::-1]
    assert [e["minutes"] for e in everything["items"]] == [7, 6, 5, 4, 3, 2, 1]
    assert [e["balance_after"] for e in everything["items"]] == [28, 21, 15, 10, 6, 3, 1]
    assert [e["memo"] for e in everything["items"]][0] == "n7"
    stamps = [datetime.fromisoformat(e["booked_at"]) for e in everything["items"]]
    assert stamps == sorted(MOMENTS, reverse=True)

    pages = [entries(scene, token, person.account_id, f"?page={n}&per_page=3")
             for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert {(p["page"], p["per_page"], p["total"]) for p in pages} == {
        (1, 3, 7), (2, 3, 7), (3, 3, 7), (4, 3, 7)}
    assert [e for p in pages for e in p["items"]] == everything["items"]


def test_transfers_come_newest_first_and_filter_by_account(scene, paula):
    person, booked, token = paula
    listed = scene.http.get(f"/api/v1/transfers?account_id={person.account_id}&per_page=5",
                            token=token).json()
    assert listed["total"] == 7 and len(listed["items"]) == 5
    assert [t["id"] for t in listed["items"]] == [t["id"] for t in booked][::-1][:5]
    rest = scene.http.get(f"/api/v1/transfers?account_id={person.account_id}&per_page=5"
                          "&page=2", token=token).json()
    assert [t["id"] for t in rest["items"]] == [booked[1]["id"], booked[0]["id"]]

    all_transfers = scene.http.get("/api/v1/transfers?per_page=200", token=token).json()
    ids = [t["id"] for t in all_transfers["items"]]
    assert ids == sorted(ids, reverse=True)
    assert all_transfers["total"] >= 7


PERIODS = [
    ("?from=2024-03-15&to=2024-03-15", [3, 4]),
    ("?from=2024-03-16", [5, 6, 7]),
    ("?to=2024-03-01", [1, 2]),
    ("?from=2024-03-02&to=2024-03-14", []),
    ("?from=2024-03-01&to=2024-04-30", [1, 2, 3, 4, 5, 6, 7]),
    ("?from=0001-01-01", [1, 2, 3, 4, 5, 6, 7]),
    ("?to=9999-12-31", [1, 2, 3, 4, 5, 6, 7]),
    ("?from=2024-03-16&to=2024-04-29&per_page=1&page=2", [5]),
]


def test_from_and_to_are_whole_days_both_included(scene, paula):
    person, booked, token = paula
    for query, numbers in PERIODS:
        found = entries(scene, token, person.account_id, query)
        assert sorted(e["minutes"] for e in found["items"]) == numbers, query
        if "per_page" not in query:
            assert found["total"] == len(numbers), query

        transfers = scene.http.get(f"/api/v1/transfers{query}&account_id={person.account_id}",
                                   token=token).json()
        assert sorted(t["minutes"] for t in transfers["items"]) == numbers, query

    # Ring-wide: everything booked that day, and nothing of other days.
    ring_wide = scene.http.get("/api/v1/transfers?from=2024-03-15&to=2024-03-15&per_page=200",
                               token=token).json()
    assert {booked[2]["id"], booked[3]["id"]} <= {t["id"] for t in ring_wide["items"]}
    assert {t["booked_at"][:10] for t in ring_wide["items"]} == {"2024-03-15"}
    assert ring_wide["total"] == len(ring_wide["items"])


BAD_QUERIES = [
    ("per_page=201", "per_page"), ("per_page=0", "per_page"), ("per_page=-1", "per_page"),
    ("per_page=many", "per_page"), ("page=0", "page"), ("page=-3", "page"),
    ("page=1.5", "page"), (f"page={10**30}", "page"), ("from=2024-02-30", "from"),
    ("to=yesterday", "to"), ("from=2024-04-02&to=2024-04-01", "from"),
]


LISTS = ["/api/v1/transfers", "/api/v1/accounts/{account}/entries", "/api/v1/accounts"]
BAD_LIST_QUERIES = [(path, query, field) for path in LISTS for query, field in BAD_QUERIES
                    # accounts are listed without a period
                    if not (path == "/api/v1/accounts" and field in ("from", "to"))]


@pytest.mark.parametrize("path,query,field", BAD_LIST_QUERIES,
                         ids=[f"{p.removeprefix('/api/v1/')}?{q}" for p, q, _ in BAD_LIST_QUERIES])
def test_bad_paging_and_periods_are_422(scene, problem, path, query, field):
    url = path.format(account=scene.account("anna")) + "?" + query
    problem(scene.http.get(url, token=scene.tokens["karin"]), 422, field=field)


def test_per_page_200_is_allowed_and_accounts_page_too(scene):
    token = scene.tokens["karin"]
    ring_accounts = scene.sql("SELECT count(*) FROM accounts WHERE ring_id = :id",
                              id=scene.ring_a.id)[0][0]
    full = scene.http.get("/api/v1/accounts?per_page=200", token=token).json()
    assert full["per_page"] == 200 and full["total"] == ring_accounts
    ids = [a["id"] for a in full["items"]]
    paged = [scene.http.get(f"/api/v1/accounts?per_page=2&page={n}", token=token).json()
             for n in range(1, (ring_accounts + 1) // 2 + 1)]
    assert [a["id"] for p in paged for a in p["items"]] == ids
    assert all(p["total"] == ring_accounts for p in paged)
    kinds = scene.http.get("/api/v1/accounts?kind=association", token=token).json()
    assert [a["id"] for a in kinds["items"]] == [scene.ring_a.association_account_id]
