"""Events: coordinators put them up, members see them from a day on, say
"I'll come", find the next one on the dashboard, and read them all in their
calendar program through the API or a private, revocable link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import sqlalchemy as sa

from tauschring.db import atomic, db, utcnow
from tauschring.events import service as events
from tauschring.events.models import Event
from tests.support.ring_life import submit_form


def put_up(life, title, days, place="Gemeindehaus", hours=None):
    starts = (utcnow() + timedelta(days=days)).replace(microsecond=0)
    return atomic(events.create, life.karin.actor, title=title, place=place, starts_at=starts,
                  ends_at=starts + timedelta(hours=hours) if hours else None).id


def test_coordinator_puts_up_events_and_members_list_them(life, http):
    karin, anna = http.token(life.karin), http.token(life.anna)
    created = http.post("/api/v1/events", token=karin, json={
        "title": "Tauschtreffen", "starts_at": "2031-03-05T18:00:00+01:00",
        "ends_at": "2031-03-05T20:00:00+01:00", "place": "Gemeindehaus",
        "description": "Mit Kaffee und Kuchen"})
    assert created.status_code == 201, created.text
    assert created.json()["starts_at"] == "2031-03-05T17:00:00+00:00"
    assert http.post("/api/v1/events", token=anna, json={
        "title": "x", "starts_at": "2031-03-05T18:00:00+01:00",
        "place": "y"}).status_code == 403
    refused = http.post("/api/v1/events", token=karin, json={
        "title": "Stammtisch", "starts_at": "2031-03-05T18:00:00+01:00",
        "ends_at": "2031-03-05T17:00:00+01:00", "place": "Krone"})
    assert refused.status_code == 422 and refused.json()["code"] == "ends_before_start"
    assert http.post("/api/v1/events", token=karin, json={
        "title": "Stammtisch", "starts_at": "2031-03-05T18:00:00",  # no offset
        "place": "Krone"}).status_code == 422

    put_up(life, "Arbeitseinsatz im Garten", days=2)
    past = put_up(life, "Vergangenes Treffen", days=-10)
    listed = http.get("/api/v1/events", token=anna).json()
    assert [e["title"] for e in listed["items"]] == ["Arbeitseinsatz im Garten",
                                                    "Tauschtreffen"]
    earlier = http.get(f"/api/v1/events?from={(utcnow() - timedelta(days=11)).date()}",
                       token=anna).json()
    assert earlier["items"][0]["id"] == past
    assert http.get("/api/v1/events?from=gestern", token=anna).status_code == 422
    assert http.get("/api/v1/events", token=http.token(life.otto)).json()["items"] == []


def test_ill_come_counts_once_and_can_be_taken_back(life, http):
    event_id = put_up(life, "Tauschtreffen", days=5)
    for person in (life.anna, life.bernd, life.anna):
        answer = http.post(f"/api/v1/events/{event_id}/attendance", token=http.token(person),
                           json={"coming": True})
        assert answer.status_code == 200
    assert answer.json()["attendees"] == 2 and answer.json()["attending"] is True
    back = http.post(f"/api/v1/events/{event_id}/attendance", token=http.token(life.bernd),
                     json={"coming": False})
    assert back.json()["attendees"] == 1 and back.json()["attending"] is False
    assert http.post(f"/api/v1/events/{event_id}/attendance", token=http.token(life.otto),
                     json={"coming": True}).status_code == 404


def test_the_calendar_feed_holds_every_event(life, http):
    ids = [put_up(life, "Tauschtreffen", days=3, hours=2),
           put_up(life, "Stammtisch", days=10, place="Gasthaus Krone"),
           put_up(life, "Arbeitseinsatz", days=40)]
    response = http.get("/api/v1/events.ics", token=http.token(life.anna))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    entries = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(entries) == {"Tauschtreffen", "Stammtisch", "Arbeitseinsatz"}
    db.session.rollback()
    for event_id in ids:
        event = db.session.get(Event, event_id)
        entry = entries[event.title]
        assert entry.decoded("dtstart") == event.starts_at
        assert str(entry["location"]) == event.place
        assert str(entry["uid"]).startswith(f"event-{event.id}@sonnenberg.")
    tt = entries["Tauschtreffen"]
    assert tt.decoded("dtend") - tt.decoded("dtstart") == timedelta(hours=2)
    assert http.get("/api/v1/events.ics").status_code == 401


def test_the_private_link_works_without_log_in_until_it_is_renewed(life, app):
    put_up(life, "Tauschtreffen", days=3)
    anna = life.browser(life.anna)
    page = anna.client.get("/events").text
    link = page.split('data-testid="feed-url">')[1].split("<")[0]
    path = "/" + link.split("/", 3)[3]
    outsider = app.test_client()
    feed = outsider.get(path)
    assert feed.status_code == 200
    assert [str(e["summary"]) for e in
            icalendar.Calendar.from_ical(feed.data).walk("VEVENT")] == ["Tauschtreffen"]
    assert submit_form(anna, "/events", "/events/feed/renew", {}).status_code == 302
    assert outsider.get(path).status_code == 404
    new_page = anna.client.get("/events").text
    assert new_page.split('data-testid="feed-url">')[1].split("<")[0] != link


def test_pages_put_up_an_event_and_members_say_they_come(life):
    karin = life.browser(life.karin)
    response = submit_form(karin, "/events", "/events", {
        "title": "Stammtisch", "starts_at": "2031-06-01T19:30", "place": "Gasthaus Krone",
        "description": "Jeden ersten Sonntag"})
    assert response.status_code == 302, response.text
    db.session.rollback()
    event = db.session.scalar(sa.select(Event))
    # 19:30 in the ring's time zone (summer time) is 17:30 UTC.
    assert event.starts_at == datetime(2031, 6, 1, 17, 30, tzinfo=UTC)
    assert submit_form(karin, "/events", "/events", {"title": "", "starts_at": "",
                                                     "place": ""}).status_code == 422

    anna = life.browser(life.anna)
    assert "01.06.2031 19:30" in anna.client.get("/events").text
    submit_form(anna, "/events", f"/events/{event.id}/attend", {})
    page = anna.client.get("/events").text
    assert "1 member will come." in page and "I will not come after all" in page
    dashboard = anna.client.get("/dashboard").text
    assert 'data-testid="next-event"' in dashboard and "Stammtisch" in dashboard
    assert "Anna" in karin.client.get("/events").text  # the organiser sees who comes
    german = life.browser(life.bernd, language="de").client.get("/events").text
    assert "Ich komme" in german and "1 Mitglied kommt." in german
    assert anna.client.post("/events", data={"csrf_token": anna.csrf_token(),
                                              "title": "Mein Fest"}).status_code == 403
