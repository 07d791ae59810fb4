"""Every form of the market refuses a post without its CSRF token and changes nothing."""

from __future__ import annotations

import pytest

POSTS = [
    ("new talent", "/talents/new", {"kind": "offer", "title": "Neu", "category": "{category}"}),
    ("edit talent", "/talents/{talent}/edit",
     {"kind": "request", "title": "Anders", "category": "{category}"}),
    ("withdraw talent", "/talents/{talent}/withdraw", {}),
    ("renew talent", "/talents/{talent}/renew", {}),
    ("add category", "/coordination/categories", {"name_de": "Tiere"}),
    ("rename category", "/coordination/categories/{category}/edit", {"name_de": "Anders"}),
    ("deactivate category", "/coordination/categories/{category}/active", {"active": "0"}),
    ("move category", "/coordination/categories/{category}/move", {"direction": "up"}),
]


@pytest.mark.parametrize(("name", "path", "data"), POSTS, ids=[p[0] for p in POSTS])
def test_a_post_without_csrf_token_is_refused(world, market, name, path, data):
    ring = world.ring("sonnenberg")
    karin = world.coordinator(ring)   # owner of the talent and coordinator: may do it all
    category = market.category_id(ring, "computerhilfe")
    talent = market.post(karin, "Computerhilfe für Anfänger", category="computerhilfe")
    market.expire(talent, days_ago=0)  # a renewal would change the expiry date
    browser = market.browser(karin)
    before = market.snapshot()

    fill = {"category": category, "talent": talent}
    response = browser.post_without_csrf(
        path.format(**fill), {key: value.format(**fill) for key, value in data.items()})
    assert response.status_code == 400
    assert "The form has expired or was not sent from this site." in response.get_data(
        as_text=True)
    assert market.snapshot() == before
