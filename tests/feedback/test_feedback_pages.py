"""Feedback on the pages: a party gives it on the exchange, the profile shows
the counts and comments to the ring, the coordinator's desk lists the negative."""

from __future__ import annotations

from tests.support.ring_life import submit_form


def test_a_party_gives_feedback_and_the_profile_shows_it(life):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    bernd = life.browser(life.bernd)
    detail = bernd.client.get(f"/exchanges/{exchange_id}").text
    assert f"/exchanges/{exchange_id}/feedback" in detail
    response = submit_form(bernd, f"/exchanges/{exchange_id}/feedback",
                           f"/exchanges/{exchange_id}/feedback",
                           {"rating": "negative", "comment": "Kam zwei Stunden zu spät"})
    assert response.status_code == 302, response.text
    # Changing it: the form comes filled in.
    page = bernd.client.get(f"/exchanges/{exchange_id}/feedback").text
    assert "Kam zwei Stunden zu spät" in page and "Change feedback" in page

    clara = life.browser(life.clara)
    profile = clara.client.get(f"/members/{life.anna.id}").text
    assert "0 positive, 0 neutral, 1 negative" in profile
    assert "Kam zwei Stunden zu spät" in profile
    listed = clara.client.get(f"/members/{life.anna.id}/feedback").text
    assert "Kam zwei Stunden zu spät" in listed and "Bernd" in listed

    desk = life.browser(life.karin).client.get("/coordination/feedback").text
    assert 'data-testid="negative-feedback"' in desk and "Kam zwei Stunden zu spät" in desk
    assert "/coordination/feedback" in life.browser(life.karin).client.get("/coordination").text


def test_the_pages_speak_german(life):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    bernd = life.browser(life.bernd, language="de")
    page = bernd.client.get(f"/exchanges/{exchange_id}/feedback").text
    assert "Wie war es?" in page and "Positiv" in page
    response = submit_form(bernd, f"/exchanges/{exchange_id}/feedback",
                           f"/exchanges/{exchange_id}/feedback", {"rating": "positive"})
    assert response.status_code == 302
    profile = bernd.client.get(f"/members/{life.anna.id}").text
    assert "1 positiv, 0 neutral, 0 negativ" in profile


def test_others_cannot_give_feedback_and_a_bad_form_changes_nothing(life):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    assert life.browser(life.clara).client.get(
        f"/exchanges/{exchange_id}/feedback").status_code == 404
    assert life.browser(life.karin).client.get(
        f"/exchanges/{exchange_id}/feedback").status_code == 403
    assert life.browser(life.otto).client.get(
        f"/exchanges/{exchange_id}/feedback").status_code == 404
    assert life.browser(life.anna).client.get("/coordination/feedback").status_code == 403
    bernd = life.browser(life.bernd)
    response = submit_form(bernd, f"/exchanges/{exchange_id}/feedback",
                           f"/exchanges/{exchange_id}/feedback", {"rating": "wonderful"})
    assert response.status_code == 200  # the form again, with its error
    assert "0 positive, 0 neutral, 0 negative" in bernd.client.get(
        f"/members/{life.anna.id}").text
