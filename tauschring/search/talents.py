"""Searching talents in German, ranked by relevance, on both engines.

PostgreSQL: full-text search with the `german` configuration (stemming,
prefixes for compound words: "Fahrrad" finds "Fahrradreparatur") and, for
misspelt words, trigram similarity of `pg_trgm` ("Rasenmahen" finds
"Rasenmähen"); ranked by ts_rank (title weighs more than the description)
plus the title's word similarity.

SQLite: an FTS5 index (`talent_search`, made by migration 0007; Unicode
tokenizer without diacritics) of the talents' stemmed words, kept current
here whenever a talent is written; for a misspelt word, the index's words
spelt like it (`talent_search_vocab`, by similarity) are read before the query
and named in it; ranked by bm25 (title ten times the description).

Each word of a query must match (as itself, a longer word it begins, or a
near spelling); the talents that match best come first.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

from sqlalchemy import ColumnElement, Float, Select, event, false, literal, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from tauschring.market.models import Talent
from tauschring.search.german import query_words, stemmed, stems

# How alike a misspelt word must be to a word of a talent: pg_trgm's word
# similarity on PostgreSQL, difflib's ratio of the stems on SQLite.
PG_WORD_SIMILARITY = 0.6
SQLITE_SIMILARITY = 0.8
TITLE_WEIGHT = 10.0


def _fts_phrase(stem: str) -> str:
    return '"' + stem.replace('"', "") + '"*'


class _Words(ColumnElement):
    """The words of a search as bound values: a search's SQL is compiled once per
    number of words and then taken from SQLAlchemy's cache (the values travel
    as parameters), not compiled anew for every search.

    `alike` (SQLite): the index words spelt like each word's stem, chosen before the
    query (`near_spellings`); each word's FTS5 query names them, so SQLite never
    calls back into Python while it runs."""

    inherit_cache = True
    _traverse_internals = [(name, InternalTraversal.dp_clauseelement_list) for name in
                           ("prefixes", "plain", "phrases", "together")]

    def __init__(self, words: list[str], word_stems: list[str],
                 alike: list[list[str]] | None):
        self.words, self.stems = words, word_stems
        # PostgreSQL: each word as a prefix query and as written; SQLite: its stem.
        self.prefixes = [literal(word + ":*") for word in self.words]
        self.plain = [literal(word) for word in self.words]
        self.phrases = [literal(_fts_phrase(stem) + "".join(
            f' OR "{term}"' for term in (alike[index] if alike else ())))
            for index, stem in enumerate(self.stems)]
        self.together = [literal(" | ".join(word + ":*" for word in self.words)),
                         literal(" ".join(self.words))]


class TalentMatches(_Words):
    """True for a talent every word matches (see the module's docstring)."""

    type = Boolean()
    inherit_cache = True


class TalentRelevance(_Words):
    """How well a talent matches the words: the higher, the better."""

    type = Float()
    inherit_cache = True


def search(statement: Select, q: str | None, session: Session) -> Select:
    """`statement` (talents) narrowed to those matching every word of `q`, the best
    first. No search (empty `q`): unchanged. A search without any word ("%",
    "?!"): finds nothing. On SQLite the near spellings are read first (`session`)."""
    if not (q or "").strip():
        return statement
    words = query_words(q)
    if not words:
        return statement.where(false())
    word_stems = [next(iter(stems(word)), word) for word in words]
    alike = near_spellings(session, word_stems) \
        if session.get_bind().dialect.name == "sqlite" else None
    return statement.where(TalentMatches(words, word_stems, alike)).order_by(None).order_by(
        TalentRelevance(words, word_stems, alike).desc(), Talent.created_at.desc(),
        Talent.id.desc())


def near_spellings(session: Session, word_stems: list[str]) -> list[list[str]]:
    """SQLite: for each stem, the index words spelt like it (`_similar`). The
    candidates come in one row: row by row, every step would let the server's
    other threads in first."""
    shortest = min(len(stem) for stem in word_stems)
    longest = max(len(stem) for stem in word_stems)
    found = session.execute(text(
        "SELECT group_concat(term, ' ') FROM talent_search_vocab "
        "WHERE length(term) BETWEEN :shortest AND :longest"),
        {"shortest": shortest - 2, "longest": longest + 2}).scalar()
    terms = (found or "").split()
    return [[term for term in terms if _similar(term, stem)] for stem in word_stems]


# --- PostgreSQL ---------------------------------------------------------------------

def _pg_document(compiler, **kw) -> str:
    title = compiler.process(Talent.__table__.c.title, **kw)
    description = compiler.process(Talent.__table__.c.description, **kw)
    return title, description


@compiles(TalentMatches, "postgresql")
def _pg_matches(element, compiler, **kw):
    title, description = _pg_document(compiler, **kw)
    document = f"(coalesce({title}, '') || ' ' || coalesce({description}, ''))"
    clauses = []
    for index in range(len(element.words)):
        prefix = compiler.process(element.prefixes[index], **kw)
        similar = compiler.process(element.plain[index], **kw)
        # A stop word ("über", "zum") has no German lexeme: as it is written, then.
        clauses.append(
            f"(to_tsvector('german', {document}) @@ to_tsquery('german', {prefix}) "
            f"OR to_tsvector('simple', {document}) @@ to_tsquery('simple', {prefix}) "
            f"OR word_similarity({similar}, {document}) >= {PG_WORD_SIMILARITY})")
    return "(" + " AND ".join(clauses) + ")"


@compiles(TalentRelevance, "postgresql")
def _pg_relevance(element, compiler, **kw):
    title, description = _pg_document(compiler, **kw)
    tsquery = f"to_tsquery('german', {compiler.process(element.together[0], **kw)})"
    vector = (f"(setweight(to_tsvector('german', coalesce({title}, '')), 'A') || "
              f"setweight(to_tsvector('german', coalesce({description}, '')), 'B'))")
    said = compiler.process(element.together[1], **kw)
    return f"(ts_rank({vector}, {tsquery}) + word_similarity({said}, {title}))"


# --- SQLite -------------------------------------------------------------------------

@compiles(TalentMatches, "sqlite")
def _sqlite_matches(element, compiler, **kw):
    talent_id = compiler.process(Talent.__table__.c.id, **kw)
    clauses = [f"{talent_id} IN (SELECT rowid FROM talent_search WHERE talent_search MATCH "
               f"{compiler.process(element.phrases[i], **kw)})"
               for i in range(len(element.words))]
    return "(" + " AND ".join(clauses) + ")"


@compiles(TalentRelevance, "sqlite")
def _sqlite_relevance(element, compiler, **kw):
    talent_id = compiler.process(Talent.__table__.c.id, **kw)
    # One FTS5 query, any word: '(' || word 1 || ') OR (' || word 2 || ')' ...
    words = " || ') OR (' || ".join(compiler.process(element.phrases[i], **kw)
                                    for i in range(len(element.words)))
    # bm25 is lower for better matches: negated, so that higher is better here too.
    return (f"coalesce((SELECT -bm25(talent_search, {TITLE_WEIGHT}, 1.0) FROM talent_search "
            f"WHERE talent_search MATCH ('(' || {words} || ')') AND rowid = {talent_id}), 0)")


# Asked for every index word of about the right length, search after search:
# the same pairs come back, so the answers are kept (bounded).
@lru_cache(maxsize=65536)
def _similar(term: str, stem: str) -> bool:
    if abs(len(term) - len(stem)) > 2:
        return False
    return SequenceMatcher(None, term, stem).ratio() >= SQLITE_SIMILARITY


# --- keeping SQLite's index current -------------------------------------------------

@event.listens_for(Session, "after_flush")
def _index_talents(session: Session, _context) -> None:
    """Every talent written is (re)indexed in the same transaction (SQLite only)."""
    written = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Talent)]
    removed = [obj for obj in session.deleted if isinstance(obj, Talent)]
    if not written and not removed:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    for talent in (*written, *removed):
        connection.execute(text("DELETE FROM talent_search WHERE rowid = :id"),
                           {"id": talent.id})
    for talent in written:
        connection.execute(text("INSERT INTO talent_search (rowid, title, body) "
                                "VALUES (:id, :title, :body)"),
                           {"id": talent.id, "title": stemmed(talent.title),
                            "body": stemmed(talent.description)})



def reindex(session: Session, ring_id: int | None = None) -> int:
    """SQLite: index the talents of a ring (or of all rings) anew, for talents
    written without the ORM (a ring moved in by `import-ring`). The number indexed."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return 0
    table = Talent.__table__
    statement = table.select()
    if ring_id is not None:
        statement = statement.where(table.c.ring_id == ring_id)
    rows = connection.execute(statement).mappings().all()
    for row in rows:
        connection.execute(text("DELETE FROM talent_search WHERE rowid = :id"), {"id": row["id"]})
        connection.execute(text("INSERT INTO talent_search (rowid, title, body) "
                                "VALUES (:id, :title, :body)"),
                           {"id": row["id"], "title": stemmed(row["title"]),
                            "body": stemmed(row["description"])})
    return len(rows)
