"""A coordinator books, reverses and audits through the HTTP API."""


def test_coordinator_books_and_reverses_a_correction(world, http):
    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    token = http.token(karin)

    booked = http.post("/api/v1/transfers", token=token, json={
        "debit_account_id": ring.association_account_id,
        "credit_account_id": anna.account_id, "minutes": 120, "memo": "Startguthaben"})
    assert booked.status_code == 201, booked.text
    transfer = booked.json()
    assert transfer["minutes"] == 120 and transfer["reversed_by_id"] is None
    assert transfer["booked_at"].endswith("+00:00")

    account = http.get(f"/api/v1/accounts/{anna.account_id}", token=token).json()
    assert account["balance"] == 120 and account["member_id"] == anna.id

    reversed_ = http.post(f"/api/v1/transfers/{transfer['id']}/reverse", token=token,
                          json={"reason": "falsch gebucht"})
    assert reversed_.status_code == 201, reversed_.text
    again = http.post(f"/api/v1/transfers/{transfer['id']}/reverse", token=token,
                      json={"reason": "nochmal"})
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "already_reversed"

    entries = http.get(f"/api/v1/accounts/{anna.account_id}/entries", token=token).json()
    assert [e["minutes"] for e in entries["items"]] == [-120, 120]
    assert [e["balance_after"] for e in entries["items"]] == [0, 120]
    assert entries["total"] == 2

    original = http.get(f"/api/v1/transfers/{transfer['id']}", token=token).json()
    assert original["reversed_by_id"] == reversed_.json()["id"]

    audit = http.get("/api/v1/audit", token=token).json()
    assert audit["ok"] is True and audit["transfers"] == 2 and audit["chain"]["length"] == 2

    spec = http.get("/api/v1/openapi.json").json()
    assert "/api/v1/transfers" in spec["paths"]
