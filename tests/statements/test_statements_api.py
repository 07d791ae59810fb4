"""GET /api/v1/statements/{year}/{account_id}.csv|.pdf and /statements/{year}.zip:
the owner and the ring's coordinators only; everyone else learns nothing (404)."""

from __future__ import annotations

import io
import zipfile

from tests.support.statements import flat, pdf_text, read_csv


def test_the_owner_downloads_csv_and_pdf(history, http):
    anna = history.person("Anna Becker")
    token = http.token(anna)
    response = http.get(f"/api/v1/statements/2024/{anna.account_id}.csv", token=token)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=kontoauszug-sonnenberg-2024-{anna.account_id}.csv")
    assert "no-store" in response.headers["Cache-Control"]
    rows = read_csv(response.content)
    assert rows[0][1] == "2024" and rows[3][1] == "Anna Becker"   # in Anna's language
    pdf = http.get(f"/api/v1/statements/2024/{anna.account_id}.pdf", token=token)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert "Anna Becker" in flat(pdf_text(pdf.content))


def test_a_household_member_reads_the_shared_account(history, http):
    bernd, berta = history.person("Bernd Schulze"), history.person("Berta Schulze")
    response = http.get(f"/api/v1/statements/2023/{bernd.account_id}.csv",
                        token=http.token(berta))
    assert response.status_code == 200


def test_nobody_else_learns_anything(history, http, world):
    anna, bernd = history.person("Anna Becker"), history.person("Bernd Schulze")
    other = world.ring("anderswo")
    otto = world.coordinator(other, "Otto")
    for person, path in (
            (anna, f"/api/v1/statements/2024/{bernd.account_id}.csv"),
            (anna, f"/api/v1/statements/2024/{bernd.account_id}.pdf"),
            (anna, "/api/v1/statements/2024/999999.csv"),
            (anna, f"/api/v1/statements/1850/{anna.account_id}.csv"),
            (anna, f"/api/v1/statements/2024/{2**40}.csv"),
            (otto, f"/api/v1/statements/2024/{anna.account_id}.csv"),
            (otto, f"/api/v1/statements/2024/{other.association_account_id + 10**5}.pdf")):
        response = http.get(path, token=http.token(person))
        assert response.status_code == 404, (person.name, path, response.status_code)
        assert response.headers["Content-Type"] == "application/problem+json"
    assert http.get(f"/api/v1/statements/2024/{anna.account_id}.csv").status_code == 401


def test_the_coordinator_reads_every_account_and_the_zip(history, http):
    karin = history.coordinator
    token = http.token(karin)
    bernd = history.person("Bernd Schulze")
    assert http.get(f"/api/v1/statements/2024/{bernd.account_id}.pdf",
                    token=token).status_code == 200
    response = http.get("/api/v1/statements/2024.zip", token=token)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=kontoauszuege-sonnenberg-2024.zip")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(name.endswith(".pdf") for name in names)
    assert any(name.endswith(".csv") for name in names)


def test_members_may_not_fetch_the_zip(history, http, world):
    anna = history.person("Anna Becker")
    response = http.get("/api/v1/statements/2024.zip", token=http.token(anna))
    assert response.status_code == 403
    assert response.json()["code"] == "coordinator_only"


def test_the_doors_are_documented(history, http):
    spec = http.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert "/api/v1/statements/{year}/{account_id}.csv" in paths
    assert "/api/v1/statements/{year}.zip" in paths
    assert "/api/v1/reports/{year}.pdf" in paths


def test_the_zip_of_one_format(history, http):
    token = http.token(history.coordinator)
    response = http.get("/api/v1/statements/2023.zip?format=csv", token=token)
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names and all(name.endswith(".csv") for name in names)
    refused = http.get("/api/v1/statements/2023.zip?format=xls", token=token)
    assert refused.status_code == 422 and "format" in refused.json()["errors"]
