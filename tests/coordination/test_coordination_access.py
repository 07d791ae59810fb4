"""Who may open the coordination and admin pages, and that a refused post changes nothing."""

from __future__ import annotations

import pytest

PAGES = [
    "/coordination",
    "/coordination/audit",
    "/coordination/admissions",
    "/coordination/members",
    "/coordination/members/{active}",
    "/coordination/members/{active}/leave",
    "/coordination/members/new",
    "/coordination/settings",
    "/admin/rings",
    "/admin/rings/{other_ring}",
]
ADMIN_PAGES = [page for page in PAGES if page.startswith("/admin")]

# (path, the form's fields without its token, the name of the form's token field)
POSTS = [
    ("/coordination/admissions/{pending}/admit", {}, "csrf_token"),
    ("/coordination/members/{active}/suspend", {"suspend-reason": "no-show"},
     "suspend-csrf_token"),
    ("/coordination/members/{suspended}/reactivate", {}, "reactivate-csrf_token"),
    ("/coordination/members/{active}/role", {"role-role": "coordinator"}, "role-csrf_token"),
    ("/coordination/members/{active}/limits",
     {"limits-min_balance": "-30", "limits-max_balance": "50:00"}, "limits-csrf_token"),
    ("/coordination/members/{active}/leave", {"reason": "moved away"}, "csrf_token"),
    ("/coordination/members/new",
     {"name": "Neu", "email": "neu@example.org", "password": "long enough pw",
      "household_of": "0", "role": "member", "language": "de"}, "csrf_token"),
    ("/coordination/settings",
     {"name": "Renamed", "description": "", "contact_email": "", "unit_name": "Stunden",
      "default_min_balance": "-10", "default_max_balance": "20", "starting_credit": "2:00",
      "household_size": "3", "talent_lifetime_days": "90", "dispute_window_days": "30",
      "auto_confirm_days": "0", "fee_minutes": "0", "fee_period": "month"}, "csrf_token"),
    ("/admin/rings", {"name": "Nord", "slug": "nord", "unit_name": "Talente",
                      "default_min_balance": "-20", "default_max_balance": ""}, "csrf_token"),
    ("/admin/rings/{other_ring}/coordinators", {"appoint-member_id": "{other_active}"},
     "appoint-csrf_token"),
    ("/admin/rings/{other_ring}/coordinators/new",
     {"new-name": "Erste", "new-email": "erste@example.org", "new-password": ""},
     "new-csrf_token"),
]
MEMBER_ACTIONS_IN_OTHER_RING = [
    ("GET", "/coordination/members/{other_active}", {}),
    ("GET", "/coordination/members/{other_active}/leave", {}),
    ("POST", "/coordination/admissions/{other_pending}/admit", {}),
    ("POST", "/coordination/members/{other_active}/suspend", {"suspend-reason": "x"}),
    ("POST", "/coordination/members/{other_suspended}/reactivate", {}),
    ("POST", "/coordination/members/{other_active}/role", {"role-role": "coordinator"}),
    ("POST", "/coordination/members/{other_active}/limits", {"limits-min_balance": "-1"}),
    ("POST", "/coordination/members/{other_active}/leave", {"reason": "x"}),
]


def filled(scene, data: dict) -> dict:
    return {name: scene.url(value) for name, value in data.items()}


@pytest.mark.parametrize("page", PAGES)
def test_a_plain_member_may_not_open_the_page(scene, pages, page):
    pages.login(scene.member)
    assert pages.client.get(scene.url(page)).status_code == 403


@pytest.mark.parametrize("path, data, token_field", POSTS)
def test_a_plain_member_may_not_post_and_nothing_changes(scene, pages, snapshot, path, data,
                                                         token_field):
    pages.login(scene.member)
    token = pages.csrf_token()
    before = snapshot()
    response = pages.client.post(scene.url(path), data={
        **filled(scene, data), "csrf_token": token, token_field: token})
    assert response.status_code == 403
    assert snapshot() == before


def test_nobody_logged_in_is_sent_to_the_login(scene, client):
    response = client.get("/coordination/members")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_a_coordinator_may_not_open_admin_pages(scene, pages, page):
    pages.login(scene.coordinator)
    assert pages.client.get(scene.url(page)).status_code == 403


@pytest.mark.parametrize("path, data, token_field",
                         [post for post in POSTS if post[0].startswith("/admin")])
def test_a_coordinator_may_not_post_to_admin_pages(scene, pages, snapshot, path, data,
                                                    token_field):
    pages.login(scene.coordinator)
    token = pages.csrf_token()
    before = snapshot()
    response = pages.client.post(scene.url(path), data={
        **filled(scene, data), "csrf_token": token, token_field: token})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("method, path, data", MEMBER_ACTIONS_IN_OTHER_RING)
def test_a_coordinator_of_ring_a_cannot_act_on_ring_b(scene, pages, snapshot, method, path,
                                                      data):
    pages.login(scene.coordinator)
    token = pages.csrf_token()
    before = snapshot([scene.other.id])
    url = scene.url(path)
    if method == "GET":
        response = pages.client.get(url)
    else:
        prefix = path.rsplit("/", 1)[-1]
        response = pages.client.post(url, data={**data, "csrf_token": token,
                                                f"{prefix}-csrf_token": token})
    assert response.status_code == 404
    assert snapshot([scene.other.id]) == before


def test_a_coordinator_of_ring_a_cannot_put_someone_into_a_household_of_ring_b(
        scene, pages, snapshot):
    pages.login(scene.coordinator)
    before = snapshot([scene.other.id])
    response = pages.submit("/coordination/members/new", "/coordination/members/new", {
        "name": "Gast", "email": "gast@example.org", "password": "long enough pw",
        "household_of": str(scene.other_active.id)})
    assert response.status_code == 422
    assert snapshot([scene.other.id]) == before


@pytest.mark.parametrize("path, data, token_field", POSTS)
def test_every_post_needs_the_csrf_token(scene, pages, snapshot, path, data, token_field):
    """Without the token: 400 and nothing changed; the same post with it goes through."""
    pages.login(scene.admin)
    before = snapshot()
    response = pages.client.post(scene.url(path), data=filled(scene, data))
    assert response.status_code == 400
    assert snapshot() == before

    token = pages.csrf_token()
    response = pages.client.post(scene.url(path), data={
        **filled(scene, data), "csrf_token": token, token_field: token})
    assert response.status_code in (201, 302), response.text
    assert snapshot() != before
