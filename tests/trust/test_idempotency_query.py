"""An Idempotency-Key stands for one request: method, path, query and body. The
same key on the same POST with another query (?dry_run=false after
?dry_run=true) is a conflict, not a replay of the dry run's answer; the query's
parameters in another order are the same request. Over real HTTP."""

from __future__ import annotations

import sqlalchemy as sa

from tauschring.db import db

CSV = "name,email,opening_balance\nZoe,zoe@example.org,30\nYann,yann@example.org,-15\n"


def members_named(*names: str) -> int:
    db.session.rollback()
    return db.session.execute(sa.text("SELECT count(*) FROM members WHERE name IN :names")
                              .bindparams(sa.bindparam("names", expanding=True)),
                              {"names": list(names)}).scalar_one()


def post_import(http, token: str, query: str, key: str | None):
    headers = {"Content-Type": "text/csv"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post(f"/api/v1/imports/members{query}", token=token, data=CSV.encode(),
                     headers=headers)


def test_the_same_key_with_another_query_is_a_conflict_not_a_replay(world, http):
    ring = world.ring()
    karin = world.coordinator(ring)
    token = http.token(karin)

    checked = post_import(http, token, "?dry_run=true", "import-1")
    assert checked.status_code == 200, checked.text
    assert checked.json()["dry_run"] is True and members_named("Zoe", "Yann") == 0

    real = post_import(http, token, "?dry_run=false", "import-1")
    assert real.status_code == 409, real.text
    assert real.headers.get("Idempotent-Replayed") is None
    assert real.json()["code"] == "idempotency_key_reused"
    assert members_named("Zoe", "Yann") == 0

    # Without a query the request differs from the dry run's too.
    bare = post_import(http, token, "", "import-1")
    assert bare.status_code == 409, bare.text
    assert members_named("Zoe", "Yann") == 0

    # The same query again is the same request: the dry run's answer, replayed.
    replayed = post_import(http, token, "?dry_run=true", "import-1")
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.content == checked.content

    imported = post_import(http, token, "?dry_run=false", "import-2")
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] is True and members_named("Zoe", "Yann") == 2
    again = post_import(http, token, "?dry_run=false", "import-2")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert members_named("Zoe", "Yann") == 2


def test_the_order_of_query_parameters_does_not_matter(world, http):
    ring = world.ring()
    karin = world.coordinator(ring)
    token = http.token(karin)

    first = post_import(http, token, "?dry_run=true&dry_run=true&lang=de", "check-1")
    assert first.status_code == 200, first.text
    shuffled = post_import(http, token, "?lang=de&dry_run=true&dry_run=true", "check-1")
    assert shuffled.status_code == 200, shuffled.text
    assert shuffled.headers["Idempotent-Replayed"] == "true"
    assert shuffled.content == first.content
    other = post_import(http, token, "?lang=en&dry_run=true&dry_run=true", "check-1")
    assert other.status_code == 409, other.text
