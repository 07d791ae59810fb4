"""The year-end run gives every member a statement, also those who booked
nothing that year: the API's ZIP and `tauschring statements` alike."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.members import service as members
from tauschring.statements.years import current_year
from tests.support.statements import read_csv

COMMAND = Path(sys.executable).with_name("tauschring")


def set_dates(person, joined: date, left: date | None = None):
    def change(session):
        session.execute(sa.text("UPDATE members SET joined_on = :joined, left_on = :left "
                                "WHERE id = :id"),
                        {"joined": joined, "left": left, "id": person.id})
    atomic(change)


def csv_by_account(files: dict[str, bytes]) -> dict[int, list[list[str]]]:
    return {int(name.split("-")[2]): read_csv(data) for name, data in files.items()
            if name.endswith(".csv")}


def test_an_inactive_member_gets_a_statement_in_the_zip_and_the_folder(
        app, world, client, database_url, tmp_path):
    year = current_year() - 1
    ring = world.ring("jahresende")
    karin = world.coordinator(ring)
    bert = world.member(ring, "Bert")      # joined last year, never booked
    anna = world.member(ring, "Anna")      # joined this year
    dieter = world.member(ring, "Dieter")  # left the year before
    emil = world.member(ring, "Emil")      # left during the year, booked nothing
    paula = world.member(ring, "Paula", status="pending")   # an applicant
    for person in (dieter, emil):
        atomic(members.leave, karin.actor, person.id, "Umzug")
    set_dates(karin, date(year - 1, 1, 1))
    set_dates(bert, date(year, 2, 1))
    set_dates(dieter, date(year - 1, 1, 1), date(year - 1, 6, 30))
    set_dates(emil, date(year - 1, 1, 1), date(year, 5, 1))
    db.session.remove()

    token = client.post("/api/v1/tokens",
                        json={"email": karin.email, "password": karin.password}).json["token"]
    response = client.get(f"/api/v1/statements/{year}.zip?format=csv",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    in_zip = csv_by_account({name: archive.read(name) for name in archive.namelist()})

    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    out = tmp_path / "statements"
    done = subprocess.run([str(COMMAND), "statements", "--ring", ring.slug, "--year",
                           str(year), "--out", str(out), "--format", "csv"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    in_folder = csv_by_account({p.name: p.read_bytes() for p in out.iterdir()})

    expected = {karin.account_id, bert.account_id, emil.account_id}
    assert set(in_zip) == expected
    assert set(in_folder) == expected
    assert anna.account_id not in in_zip and dieter.account_id not in in_zip
    assert paula.account_id not in in_zip
    for rows in (in_zip[bert.account_id], in_folder[bert.account_id],
                 in_zip[emil.account_id]):
        opening, closing = rows[5][1], rows[-2][1]
        assert opening == closing == "0", rows
    assert f"wrote {len(expected)} statements" in done.stdout


def test_the_running_year_has_a_statement_for_every_open_account(app, world):
    """A member and the association account, neither of which booked anything yet."""
    from tauschring.actors import Actor
    from tauschring.statements import service

    ring = world.ring("saldo")
    bert = world.member(ring, "Bert")
    db.session.remove()
    found = {s.account_id: s for s in service.statements_of_ring(
        db.session, Actor.operator(ring.id), current_year())}
    assert bert.account_id in found and ring.association_account_id in found
    assert found[bert.account_id].opening_balance == found[bert.account_id].closing_balance
    assert found[bert.account_id].lines == []
