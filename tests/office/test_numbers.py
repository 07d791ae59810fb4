"""Member numbers: short, unique in each ring, given to every new member, shown
on profiles and lists, and found by searching for them."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade

from tauschring.app import MIGRATIONS
from tauschring.db import atomic, db
from tauschring.office.numbers import numbers_of, ring_numbers
from tests.support.pages import Pages


def test_every_member_gets_the_next_number_of_its_ring(world):
    sonnenberg, talheim = world.ring(), world.ring("talheim")
    first = [world.member(sonnenberg, name) for name in ("Anna", "Bernd")]
    other = world.member(talheim, "Olga")
    later = world.member(sonnenberg, "Clara", status="pending")
    found = numbers_of(db.session, [p.id for p in [*first, other, later]])
    assert [found[p.id] for p in first] == [1, 2]
    assert found[other.id] == 1
    assert found[later.id] == 3


def test_search_by_number_in_the_api_the_directory_and_the_coordinators_list(
        world, http, app):
    ring = world.ring()
    karin = world.coordinator(ring, "Karin Kohl")          # no. 1
    anna = world.member(ring, "Anna Adler")                # no. 2
    world.member(ring, "Bernd Bauer")                      # no. 3
    token = http.token(anna)
    found = http.get("/api/v1/members?q=2", token=token).json()
    assert [m["name"] for m in found["items"]] == ["Anna Adler"]
    assert found["items"][0]["number"] == 2
    assert [m["name"] for m in http.get("/api/v1/members?q=Nr. 3",
                                        token=token).json()["items"]] == ["Bernd Bauer"]

    pages = Pages(app.test_client())
    pages.login(anna)
    directory = pages.client.get("/members?q=3").text
    assert "Bernd Bauer" in directory and "Anna Adler" not in directory
    profile = pages.client.get(f"/members/{anna.id}").text
    assert 'data-testid="member-number">2<' in profile

    office = Pages(app.test_client())
    office.login(karin)
    listed = office.client.get("/coordination/members?q=2").text
    assert "Anna Adler" in listed and "Bernd Bauer" not in listed
    assert "No. 2" in listed


@pytest.mark.own_database
def test_the_migration_numbers_the_members_there_in_the_order_they_joined(app, world):
    first, second = world.ring("erster"), world.ring("zweiter")
    people = [world.member(first, "Anna"), world.member(second, "Olga"),
              world.member(first, "Bernd"), world.member(first, "Clara")]
    db.session.remove()
    downgrade(directory=str(MIGRATIONS), revision="0007")
    db.session.remove()
    upgrade(directory=str(MIGRATIONS))
    db.session.remove()
    found = numbers_of(db.session, [p.id for p in people])
    assert [found[p.id] for p in people] == [1, 1, 2, 3]
    later = world.member(first, "Dora")  # the counter goes on from there
    assert numbers_of(db.session, [later.id])[later.id] == 4


def test_the_statement_and_the_newsletter_show_the_number(world, app):
    import io

    import pypdf

    from tauschring.actors import Actor
    from tauschring.db import atomic, utcnow
    from tauschring.market.newsletter import render_newsletter
    from tauschring.market.service import categories, create_talent
    from tauschring.rings.models import Ring
    from tauschring.statements.service import render, statement

    ring = world.ring()
    world.member(ring, "Karin")
    anna = world.member(ring, "Anna Adler")  # no. 2
    atomic(lambda session: create_talent(session, anna.actor, kind="offer",
                                         title="Vorlesen", category_id=categories(
                                             session, ring.id)[0].id))
    found = statement(db.session, Actor.operator(ring.id), anna.account_id, utcnow().year,
                      language="en")
    assert found.member_numbers == [2]
    text = pypdf.PdfReader(io.BytesIO(render(found, "pdf"))).pages[0].extract_text()
    assert "Member no." in text and "2" in text
    with app.test_request_context():
        pdf, _day = render_newsletter(db.session, db.session.get(Ring, ring.id), "de")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Anna Adler" in text and "Nr. 2" in text


def test_imported_members_are_numbered_in_the_file_order(world):
    from tauschring.imports.service import import_members
    from tests.imports.conftest import csv_of

    ring = world.ring()
    karin = world.coordinator(ring)  # no. 1
    report = atomic(import_members, karin.actor, csv_of([
        {"name": "Ida", "email": "ida@example.org"},
        {"name": "Jan", "email": "jan@example.org"}]), dry_run=False)
    assert report.ok, report.errors
    db.session.remove()
    rows = {row.name: row.number for row in ring_numbers(db.session, ring.id)}
    assert rows == {"Karin": 1, "Ida": 2, "Jan": 3}
