"""A ring moved to another instance (export, import-ring) takes its life along:
feedback, news, events and who comes; a file from before has none and still moves."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tauschring.db import atomic, db, utcnow
from tauschring.events import service as events
from tauschring.feedback import service as feedback
from tauschring.imports.ring_file import export_ring, import_ring
from tauschring.news import service as news
from tests.support.app import make_app
from tests.support.databases import postgres_database


@pytest.fixture
def target_app(engine_name, request, tmp_path):
    if engine_name == "sqlite":
        path = tmp_path / "target.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        app = make_app(f"sqlite:///{path}", tmp_path / "target-instance")
        yield app
    else:
        with postgres_database("target", request.getfixturevalue("postgres_template")) as url:
            app = make_app(url, tmp_path / "target-instance")
            yield app
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            return
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def lively(life) -> None:
    exchange_id = life.booked_exchange(life.anna, life.bernd)

    def make(session):
        feedback.give(session, life.bernd.actor, exchange_id, rating="positive",
                      comment="Sehr gut")
        news.post(session, life.karin.actor, title="Sommerfest")
        event = events.create(session, life.karin.actor, title="Tauschtreffen",
                              place="Gemeindehaus", starts_at=utcnow() + timedelta(days=3))
        events.attend(session, life.anna.actor, event.id)
    atomic(make)


def table(name: str) -> list[tuple]:
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(sa.text(
        f"SELECT * FROM {name} ORDER BY id")).all()]


def test_feedback_news_and_events_move_with_the_ring(life, target_app):
    lively(life)
    before = {name: table(name) for name in ("feedback", "news", "events",
                                             "event_attendance")}
    exported = json.loads(json.dumps(export_ring(db.session, life.ring.id)))
    assert [f["comment"] for f in exported["feedback"]] == ["Sehr gut"]
    with target_app.app_context():
        summary = atomic(import_ring, exported)
        assert summary["rows"]["events"] == 1 and summary["rows"]["event_attendance"] == 1
        after = {name: table(name) for name in before}
    assert {n: len(rows) for n, rows in after.items()} == {n: len(rows)
                                                           for n, rows in before.items()}
    assert [r[0] for r in after["events"]] == [r[0] for r in before["events"]]


def test_an_export_without_ring_life_still_moves(life, target_app):
    lively(life)
    exported = json.loads(json.dumps(export_ring(db.session, life.ring.id)))
    for name in ("feedback", "news", "events", "event_attendance"):
        del exported[name]
    with target_app.app_context():
        summary = atomic(import_ring, exported)
        assert summary["slug"] == "sonnenberg" and summary["rows"]["news"] == 0
