"""Search that understands German, on both engines: inflected words, compound
words, umlauts and misspellings find their talent, the best match first."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from tauschring.actors import Actor
from tauschring.db import atomic, db
from tauschring.market import service as market
from tauschring.market.models import Category, Talent
from tauschring.search import talents as search
from tests.support.pages import Pages

TALENTS = [
    ("Hilfe im Garten", "Unkraut jäten, Beete umgraben, Hecke schneiden."),
    ("Fahrrad reparieren", "Platten flicken und Bremsen einstellen."),
    ("Rasenmähen", "Ich mähe Ihren Rasen mit meinem Mäher."),
    ("Kinderbetreuung am Nachmittag", "Hausaufgaben begleiten, spielen, vorlesen."),
    ("Computerhilfe für Senioren", "E-Mails, Fotos und das Smartphone einrichten."),
    ("Kuchen backen", "Für Feste im Garten oder im Saal."),
    ("Fahrdienst zum Arzt", "Dienstags und donnerstags mit dem Auto."),
    ("Äpfel pflücken", "Obstbäume im Herbst abernten."),
    ("Bücher vorlesen", "Für Menschen, die nicht mehr gut sehen."),
]

CARD_TITLE = re.compile(r'id="talent-\d+-title"><a href="[^"]*">([^<]*)</a>')

# The query, and the talent it must find first.
QUERIES = [
    ("Gärten", "Hilfe im Garten"),
    ("garten", "Hilfe im Garten"),
    ("Fahrräder", "Fahrrad reparieren"),
    ("Rasenmahen", "Rasenmähen"),          # the umlaut forgotten
    ("Rasenmähn", "Rasenmähen"),           # a letter left out
    ("Kinderbetreung", "Kinderbetreuung am Nachmittag"),  # a letter left out
    ("Kinder", "Kinderbetreuung am Nachmittag"),          # the start of a compound
    ("Apfel", "Äpfel pflücken"),
    ("Buch", "Bücher vorlesen"),
    ("Computer Senioren", "Computerhilfe für Senioren"),
    ("Arzt fahren", "Fahrdienst zum Arzt"),
    ("Hecken", "Hilfe im Garten"),
]


def offer(session, ring, actor, title, description) -> int:
    """An offer in the ring's first category; its id."""
    category = session.scalar(sa.select(Category.id).where(Category.ring_id == ring.id))
    return market.create_talent(session, actor, kind="offer", title=title,
                                description=description, category_id=category).id


@pytest.fixture
def talents(world):
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    return ring, atomic(lambda session: {
        title: offer(session, ring, anna.actor, title, description)
        for title, description in TALENTS})


def found(ring, q) -> list[str]:
    db.session.rollback()
    statement = market.current_talents(db.session, ring.id, q=q)
    return [talent.title for talent in db.session.scalars(statement)]


@pytest.mark.parametrize(("q", "first"), QUERIES)
def test_each_query_finds_its_talent_first(talents, q, first):
    ring, _ids = talents
    results = found(ring, q)
    assert results and results[0] == first, (q, results)


def test_title_weighs_more_than_description_and_unrelated_talents_stay_out(talents):
    ring, _ids = talents
    assert found(ring, "Gärten") == ["Hilfe im Garten", "Kuchen backen"]
    assert found(ring, "Schwimmbad") == []
    assert found(ring, "Fahrräder Bremsen") == ["Fahrrad reparieren"]  # every word


def test_with_several_words_the_talent_that_has_them_in_its_title_comes_first(talents):
    """Every word counts for the ranking, not the first alone: newer talents that
    have the words only in their description come after."""
    ring, ids = talents
    anna = Actor.of(db.session.get(Talent, ids["Kuchen backen"]).member)
    atomic(offer, ring, anna, "Hecke schneiden im Garten", "Mit eigener Schere.")
    atomic(offer, ring, anna, "Gartenarbeit", "Auch die Hecke, wenn es sein muss.")
    assert found(ring, "Garten Hecke") == ["Hecke schneiden im Garten", "Hilfe im Garten",
                                           "Gartenarbeit"]


def test_a_changed_or_withdrawn_talent_is_found_by_what_it_says_now(talents, world):
    ring, ids = talents
    anna = db.session.get(Talent, ids["Kuchen backen"]).member
    atomic(market.update_talent, Actor.of(anna), ids["Kuchen backen"], title="Torten verzieren")
    assert found(ring, "Torte") == ["Torten verzieren"]
    assert found(ring, "Kuchen") == []
    atomic(market.withdraw_talent, Actor.of(anna), ids["Kuchen backen"])
    assert found(ring, "Torte") == []


def test_the_market_page_and_the_api_rank_the_same_way(talents, world, http, app):
    ring, _ids = talents
    clara = world.member(ring, "Clara")
    token = http.token(clara)
    browser = Pages(app.test_client())
    browser.login(clara)
    for q, first in QUERIES:
        listed = http.get("/api/v1/talents", token=token, params={"q": q}).json()["items"]
        assert listed and listed[0]["title"] == first, (q, listed)
        page = browser.client.get("/market", query_string={"q": q}).text
        titles = [html.unescape(t) for t in CARD_TITLE.findall(page)]
        assert titles and titles[0] == first, (q, titles)


def test_talents_written_without_the_orm_are_found_after_a_reindex(talents):
    """As `import-ring` writes them (it reindexes the ring it moved in)."""
    ring, ids = talents

    def insert(session):
        row = session.execute(sa.select(Talent.__table__).where(
            Talent.id == ids["Kuchen backen"])).mappings().one()
        values = {**row, "id": 900, "title": "Marmelade einkochen"}
        session.execute(Talent.__table__.insert(), [values])
    atomic(insert)
    engine = db.session.get_bind().dialect.name
    assert found(ring, "Marmeladen") == ([] if engine == "sqlite" else ["Marmelade einkochen"])
    atomic(search.reindex, ring.id)
    assert found(ring, "Marmeladen") == ["Marmelade einkochen"]


def test_near_spellings_are_read_before_the_query_and_named_in_it(talents):
    """SQLite: the index's words spelt like a misspelt word are chosen before the
    query and named in its FTS5 query, so SQLite never calls back into Python while
    it runs (each call would wait for the server's other threads). PostgreSQL
    finds them by trigram similarity in the query itself."""
    ring, _ids = talents
    statement = market.current_talents(db.session, ring.id, q="Kinderbetreung")
    assert [t.title for t in db.session.scalars(statement)] == ["Kinderbetreuung am Nachmittag"]
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite":
        assert search.near_spellings(db.session, ["kinderbetreung"]) == [["kinderbetreu"]]
        sql = str(statement.compile(bind, compile_kwargs={"literal_binds": True}))
        assert '"kinderbetreu"' in sql  # the index's word, stemmed
