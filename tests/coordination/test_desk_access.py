"""Who may use the coordinator's desk, across rings, and that refused posts change nothing."""

from __future__ import annotations

import pytest

PAGES = [
    "/coordination/transfers",
    "/coordination/transfers/new",
    "/coordination/transfers/{transfer}",
    "/coordination/balances",
    "/coordination/log",
    "/coordination/fees",
]

# (path, the form's fields without its token)
POSTS = [
    ("/coordination/transfers/new",
     {"debit_account_id": "{account}", "credit_account_id": "{member_account}",
      "minutes": "0:30", "memo": "Correction"}),
    ("/coordination/transfers/{transfer}/reverse", {"reason": "booked twice"}),
    ("/coordination/fees", {"period": "2026-05"}),
]


def filled(scene, data: dict) -> dict:
    return {name: scene.url(value) for name, value in data.items()}


@pytest.fixture
def desk_scene(desk):
    desk.extra["member_account"] = desk.member.account_id
    return desk


@pytest.mark.parametrize("page", PAGES)
def test_a_plain_member_may_not_open_the_page(desk_scene, pages, page):
    pages.login(desk_scene.member)
    assert pages.client.get(desk_scene.url(page)).status_code == 403


@pytest.mark.parametrize("path, data", POSTS)
def test_a_plain_member_may_not_post_and_nothing_changes(desk_scene, pages, snapshot, path,
                                                         data):
    pages.login(desk_scene.member)
    token = pages.csrf_token()
    before = snapshot()
    response = pages.client.post(desk_scene.url(path),
                                 data={**filled(desk_scene, data), "csrf_token": token})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("path, data", POSTS)
def test_every_post_needs_the_csrf_token(desk_scene, pages, snapshot, path, data):
    """Without the token: 400 and nothing changed; the same post with it goes through."""
    pages.login(desk_scene.coordinator)
    before = snapshot()
    response = pages.client.post(desk_scene.url(path), data=filled(desk_scene, data))
    assert response.status_code == 400
    assert snapshot() == before

    response = pages.client.post(desk_scene.url(path), data={
        **filled(desk_scene, data), "csrf_token": pages.csrf_token()})
    assert response.status_code in (200, 302), response.text
    assert snapshot() != before


def test_nobody_logged_in_is_sent_to_the_login(desk_scene, client):
    for page in PAGES:
        response = client.get(desk_scene.url(page))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


OTHER_RING = [
    ("GET", "/coordination/transfers/{other_transfer}", {}),
    ("GET", "/coordination/transfers?account={other_account}", {}),
    ("POST", "/coordination/transfers/{other_transfer}/reverse", {"reason": "x"}),
]


@pytest.mark.parametrize("method, path, data", OTHER_RING)
def test_a_coordinator_of_ring_a_gets_404_for_ring_b(desk_scene, pages, snapshot, method,
                                                     path, data):
    pages.login(desk_scene.coordinator)
    before = snapshot()
    url = desk_scene.url(path)
    if method == "GET":
        response = pages.client.get(url)
    else:
        response = pages.client.post(url, data={**data, "csrf_token": pages.csrf_token()})
    assert response.status_code == 404
    assert "Ben" not in response.text
    assert snapshot() == before


@pytest.mark.parametrize("debit, credit", [("{other_account}", "{account}"),
                                           ("{account}", "{other_account}")])
def test_a_coordinator_of_ring_a_cannot_book_on_ring_b_accounts(desk_scene, pages, snapshot,
                                                                 errors, debit, credit):
    pages.login(desk_scene.coordinator)
    before = snapshot()
    response = pages.submit("/coordination/transfers/new", "/coordination/transfers/new",
                            filled(desk_scene, {"debit_account_id": debit,
                                                "credit_account_id": credit,
                                                "minutes": "0:30", "memo": "sneaky"}))
    assert response.status_code == 422
    assert errors.all(response.text)
    assert snapshot() == before


def test_ring_b_is_nowhere_on_ring_a_pages(desk_scene, pages):
    pages.login(desk_scene.coordinator)
    for page in PAGES + ["/coordination/transfers/new?debit={other_account}"]:
        html = pages.client.get(desk_scene.url(page)).text
        assert "Ben" not in html and "Bea" not in html and "Startguthaben" not in html, page
    form = pages.form(desk_scene.url("/coordination/transfers/new?debit={other_account}"),
                      "/coordination/transfers/new")
    assert form["debit_account_id"] == ""


def test_the_overview_links_every_desk_page_and_counts_open_disputes(desk_scene, pages):
    from datetime import date

    from tauschring.db import atomic
    from tauschring.exchanges import service as exchanges

    scene = desk_scene
    exchange = atomic(exchanges.propose, scene.active.actor, provider_id=scene.active.id,
                      recipient_id=scene.member.id, minutes=30, description="Shopping",
                      performed_on=date.today())
    atomic(exchanges.dispute, scene.member.actor, exchange.id, "never happened")
    pages.login(scene.coordinator)
    html = pages.client.get("/coordination").text
    assert 'data-testid="dispute-count">1<' in html
    for target in ["/coordination/transfers", "/coordination/transfers/new",
                   "/coordination/balances", "/coordination/log", "/coordination/fees",
                   "/exchanges/disputes", "/coordination/categories",
                   "/coordination/newsletter.pdf"]:
        assert f'href="{target}"' in html, target
    nav = pages.client.get("/coordination/balances").text.split('<nav class="subnav"')[1]
    nav = nav.split("</nav>")[0]
    assert "1 open dispute" in nav
    for target in ["/coordination/transfers", "/coordination/balances", "/coordination/log",
                   "/coordination/fees", "/exchanges/disputes", "/coordination/categories",
                   "/coordination/newsletter.pdf", "/coordination/audit"]:
        assert f'href="{target}"' in nav, target
