"""The member import through its two doors: the coordinators' upload page
(CSRF, dry run and import buttons, every bad row shown) and the API
(text/csv or multipart, ?dry_run=true, 422 naming each bad row)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tauschring.db import db
from tauschring.members.models import Member

GOOD = [{"name": "Hans Müller", "email": "hans@example.org", "household": "m",
         "opening_balance": "1:30"},
        {"name": "Erika Müller", "email": "erika@example.org", "household": "m"},
        {"name": "Jamie", "email": "jamie@example.org", "language": "en"}]
BAD = [{"name": "Good", "email": "good@example.org"},
       {"name": "", "email": "nameless@example.org"},
       {"name": "Bad", "email": "bad@", "role": "boss"}]


@pytest.fixture
def ring_a(world):
    ring = world.ring("ring-a")
    return ring, world.coordinator(ring, "Karin"), world.member(ring, "Max")


def emails_in(ring) -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Member.email).where(Member.ring_id == ring.id)))


def upload(browser, text: str, button: str, *, token: str | None = None):
    data = {"file": (io.BytesIO(text.encode()), "members.csv"), button: "x"}
    if token is not False:
        data["csrf_token"] = token or browser.token_on("/coordination/import")
    return browser.post("/coordination/import", data=data,
                        content_type="multipart/form-data")


# --- the page ----------------------------------------------------------------------

def test_the_page_checks_then_imports(ring_a, browser_as, csv_file):
    ring, karin, _ = ring_a
    browser = browser_as(karin)
    page = browser.get("/coordination/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.get_data(as_text=True)

    checked = upload(browser, csv_file(GOOD), "check")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "The file is in order" in html and "dry run" in html
    assert 'data-testid="import-members">3<' in html
    assert "hans@example.org" not in emails_in(ring)

    imported = upload(browser, csv_file(GOOD), "run")
    assert imported.status_code == 200
    assert "3 members were imported." in imported.get_data(as_text=True)
    assert {"hans@example.org", "erika@example.org", "jamie@example.org"} <= emails_in(ring)


def test_the_page_lists_every_bad_row_and_imports_nothing(ring_a, browser_as, csv_file):
    ring, karin, _ = ring_a
    before = emails_in(ring)

    response = upload(browser_as(karin), csv_file(BAD), "run")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in html
    assert "3 problems in the file need correcting" in html
    assert "<th scope=\"row\">3</th><td>Name</td><td>The name is missing.</td>" in html
    assert "<th scope=\"row\">4</th><td>E-mail address</td><td>bad@ is not an e-mail" in html
    assert "<th scope=\"row\">4</th><td>Role</td>" in html
    assert emails_in(ring) == before


def test_the_upload_needs_the_csrf_token(ring_a, browser_as, csv_file):
    ring, karin, _ = ring_a
    browser = browser_as(karin)
    before = emails_in(ring)

    without = upload(browser, csv_file(GOOD), "run", token=False)
    forged = upload(browser, csv_file(GOOD), "run", token="forged")

    assert without.status_code == 400 and forged.status_code == 400
    assert emails_in(ring) == before


def test_members_cannot_open_the_import_page(ring_a, browser_as, csv_file, app):
    ring, _, max_ = ring_a
    browser = browser_as(max_)
    assert browser.get("/coordination/import").status_code == 403
    token = browser.token_on("/dashboard")
    assert upload(browser, csv_file(GOOD), "run", token=token).status_code == 403
    assert browser.get("/coordination/export.json").status_code == 403
    with app.app_context():
        anonymous = app.test_client().get("/coordination/import")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_no_file_is_refused_on_the_page(ring_a, browser_as):
    _, karin, _ = ring_a
    browser = browser_as(karin)
    response = browser.post("/coordination/import", data={
        "csrf_token": browser.token_on("/coordination/import"), "run": "x"})
    assert response.status_code == 422
    assert "Please choose a CSV file." in response.get_data(as_text=True)


# --- the API -----------------------------------------------------------------------

def test_the_api_takes_csv_as_the_body_and_as_a_form_part(ring_a, api_as, csv_file):
    ring, karin, _ = ring_a
    api = api_as(karin)

    dry = api.post("/api/v1/imports/members?dry_run=true", data=csv_file(GOOD),
                   content_type="text/csv")
    assert dry.status_code == 200, dry.get_data(as_text=True)
    body = dry.get_json()
    assert body["ok"] and body["dry_run"] and not body["imported"]
    assert (body["members"], body["accounts"], body["households"]) == (3, 2, 1)
    assert body["opening_balances"]["total"] == 90
    assert "hans@example.org" not in emails_in(ring)

    done = api.post("/api/v1/imports/members", data={
        "file": (io.BytesIO(csv_file(GOOD).encode()), "members.csv")},
        content_type="multipart/form-data")
    assert done.status_code == 201, done.get_data(as_text=True)
    people = done.get_json()["people"]
    assert all(p["member_id"] and p["account_id"] for p in people)
    assert people[0]["account_id"] == people[1]["account_id"]
    assert "hans@example.org" in emails_in(ring)


def test_the_api_answers_bad_rows_with_422_naming_each(ring_a, api_as, csv_file):
    ring, karin, _ = ring_a
    before = emails_in(ring)

    response = api_as(karin).post("/api/v1/imports/members", data=csv_file(BAD),
                                  content_type="text/csv")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "import_rows_invalid"
    assert set(problem["errors"]) == {"row 3: name", "row 4: email", "row 4: role"}
    assert [(e["row"], e["column"]) for e in problem["report"]["errors"]] == [
        (3, "name"), (4, "email"), (4, "role")]
    assert emails_in(ring) == before


def test_the_api_refuses_members_and_other_content(ring_a, api_as, csv_file):
    ring, karin, max_ = ring_a
    before = emails_in(ring)

    refused = api_as(max_).post("/api/v1/imports/members", data=csv_file(GOOD),
                                content_type="text/csv")
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    as_json = api_as(karin).post("/api/v1/imports/members", json={"name": "x"})
    assert as_json.status_code == 415
    assert emails_in(ring) == before


def test_a_coordinator_of_ring_a_cannot_import_into_ring_b(world, api_as, csv_file):
    ring_a, ring_b = world.ring("ring-a"), world.ring("ring-b")
    karin = world.coordinator(ring_a, "Karin")
    otto = world.coordinator(ring_b, "Otto")
    before_b = emails_in(ring_b)

    response = api_as(karin).post("/api/v1/imports/members?ring=ring-b",
                                  data=csv_file(GOOD), content_type="text/csv")

    assert response.status_code == 201
    assert emails_in(ring_b) == before_b == {otto.email}
    assert "hans@example.org" in emails_in(ring_a)


def test_the_api_replays_an_import_with_the_same_idempotency_key(ring_a, api_as, csv_file):
    ring, karin, _ = ring_a
    api = api_as(karin)
    headers = {"Idempotency-Key": "import-1"}

    first = api.post("/api/v1/imports/members", data=csv_file(GOOD), content_type="text/csv",
                     headers=headers)
    again = api.post("/api/v1/imports/members", data=csv_file(GOOD), content_type="text/csv",
                     headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(emails_in(ring)) == 2 + 3


def test_the_api_documents_its_doors(app):
    with app.app_context():
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/imports/members"]["post"]
    assert {"text/csv", "multipart/form-data"} <= set(post["requestBody"]["content"])
    assert {"200", "201", "422"} <= set(post["responses"])
    assert "/api/v1/rings/current/export" in spec["paths"]
    assert "/api/v1/me/export" in spec["paths"]
