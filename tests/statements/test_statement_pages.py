"""The statements page: a member's years with downloads; coordinators also
reach every account and the ZIP."""

from __future__ import annotations

import datetime as dt

from tests.support.statements import read_csv


def test_a_member_sees_their_years_and_downloads_them(history, browser):
    anna = history.person("Anna Becker")
    page = browser(anna).get("/statements")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    this_year = dt.date.today().year
    for year in range(2023, this_year + 1):
        assert f'data-testid="pdf-{year}"' in html
    assert 'data-testid="pdf-2022"' not in html
    assert "all statements (ZIP" not in html
    csv = browser(anna).get(f"/statements/account/{anna.account_id}/2024.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert read_csv(csv.data)[3][1] == "Anna Becker"
    assert csv.headers["Cache-Control"] == "private, no-store"


def test_a_member_cannot_open_another_account(history, browser):
    anna, clara = history.person("Anna Becker"), history.person("Clara Yilmaz")
    you = browser(anna)
    assert you.get(f"/statements/account/{clara.account_id}").status_code == 404
    assert you.get(f"/statements/account/{clara.account_id}/2024.pdf").status_code == 404
    assert you.get("/statements/all/2024.zip").status_code == 403
    # Asking for another account by number shows the member's own.
    own = you.get(f"/statements?account={clara.account_id}").get_data(as_text=True)
    assert "Anna Becker" in own and "Clara Yilmaz" not in own


def test_a_coordinator_reaches_every_account(history, browser):
    karin = history.coordinator
    clara = history.person("Clara Yilmaz")
    you = browser(karin)
    assert you.get(f"/statements?account={clara.account_id}").location.endswith(
        f"/statements/account/{clara.account_id}")
    html = you.get(f"/statements/account/{clara.account_id}").get_data(as_text=True)
    assert "Clara Yilmaz" in html and 'data-testid="csv-2024"' in html
    assert "/statements/all/2024.zip" in html and "/coordination/report/2024" in html
    response = you.get("/statements/all/2023.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert you.get("/statements").status_code == 200
