"""The browser's session cookie works for the API too; unsafe requests made
with it need the CSRF token (X-CSRFToken), so other sites cannot ride on it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import requests


class CsrfField(HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token" and self.token is None:
            self.token = attrs.get("value")


def csrf_token_of(html: str) -> str:
    parser = CsrfField()
    parser.feed(html)
    assert parser.token, "the page carries a hidden csrf_token input"
    return parser.token


@pytest.fixture
def browser(scene):
    """Karin, logged in through the web form: (requests.Session, csrf token)."""
    session = requests.Session()
    page = session.get(scene.http.base_url + "/login", timeout=30)
    assert page.status_code == 200
    token = csrf_token_of(page.text)
    person = scene.people["karin"]
    answer = session.post(scene.http.base_url + "/login", timeout=30, allow_redirects=False,
                          data={"csrf_token": token, "email": person.email,
                                "password": person.password})
    assert answer.status_code in (302, 303), answer.text[:500]
    assert session.cookies, "logging in sets the session cookie"
    # The CSRF token changes at log-in: the one from the log-in page is spent.
    fresh = csrf_token_of(session.get(scene.http.base_url + "/profile", timeout=30).text)
    assert fresh != token
    session.pre_login_csrf = token
    return session, fresh


def url(scene, path):
    return scene.http.base_url + path


def test_the_session_cookie_reads_the_api(scene, browser):
    session, _ = browser
    me = session.get(url(scene, "/api/v1/me"), timeout=30)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == scene.people["karin"].email
    assert session.get(url(scene, "/api/v1/audit"), timeout=30).json()["ok"] is True


def test_without_the_cookie_the_api_answers_401(scene, problem):
    problem(requests.get(url(scene, "/api/v1/me"), timeout=30), 401)


def test_an_unsafe_request_with_the_cookie_needs_the_csrf_token(scene, browser, problem):
    session, csrf = browser
    cora = scene.new_member("Cora")
    body = {"debit_account_id": scene.ring_a.association_account_id,
            "credit_account_id": cora.account_id, "minutes": 20, "memo": "per Browser"}
    before = scene.ledger_state()

    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": ""},
                    {"X-CSRFToken": session.pre_login_csrf}):
        refused = session.post(url(scene, "/api/v1/transfers"), json=body, headers=headers,
                               timeout=30)
        problem(refused, 403)
    refused_patch = session.patch(url(scene, f"/api/v1/accounts/{cora.account_id}"),
                                  json={"min_balance": -100}, timeout=30)
    problem(refused_patch, 403)
    assert scene.ledger_state() == before

    booked = session.post(url(scene, "/api/v1/transfers"), json=body,
                          headers={"X-CSRFToken": csrf}, timeout=30)
    assert booked.status_code == 201, booked.text
    assert booked.json()["booked_by"] == scene.people["karin"].id
    account = session.get(url(scene, f"/api/v1/accounts/{cora.account_id}"), timeout=30)
    assert account.json()["balance"] == 20


def test_the_login_form_itself_needs_the_csrf_token(scene):
    session = requests.Session()
    session.get(url(scene, "/login"), timeout=30)
    person = scene.people["karin"]
    answer = session.post(url(scene, "/login"), allow_redirects=False, timeout=30,
                          data={"email": person.email, "password": person.password})
    assert answer.status_code not in (302, 303)
    assert session.get(url(scene, "/api/v1/me"), timeout=30).status_code == 401
