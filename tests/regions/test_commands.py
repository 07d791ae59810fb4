"""`tauschring region create|add-ring|contact|forget|brochure` and `tauschring ring
coverage`, as the contract names them; bad input is one line and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tauschring.cli import main
from tauschring.db import atomic, db, utcnow
from tauschring.members.models import Member
from tauschring.regions import service as regions
from tauschring.regions.models import HelpRequest, Region
from tests.support.app import PASSWORD


@pytest.fixture
def tauschring(database_url, tmp_path, app):
    config = tmp_path / "tauschring.toml"
    config.write_text("")
    env = {"TAUSCHRING_DATABASE_URL": database_url, "TAUSCHRING_CONFIG": str(config)}

    def run(*args, stdin=None):
        result = CliRunner().invoke(main, list(args), env=env, input=stdin)
        db.session.remove()
        return result
    return run


def test_an_operator_sets_up_a_region_with_its_rings_and_contact_point(tauschring, world):
    world.ring("sonnenberg")
    world.ring("talheim")
    done = tauschring("region", "create", "--name", "Lippetal", "--slug", "lippetal")
    assert done.exit_code == 0, done.output
    for ring in ("sonnenberg", "talheim"):
        done = tauschring("region", "add-ring", "--region", "lippetal", "--ring", ring)
        assert done.exit_code == 0, done.output
    done = tauschring("ring", "coverage", "--ring", "sonnenberg", "--postcodes", "33602,33604",
                      "--places", "Ort A;Ort B")
    assert done.exit_code == 0, done.output
    assert "33602, 33604" in done.output
    done = tauschring("region", "contact", "--region", "lippetal", "--name", "Lena Lotse",
                      "--email", "Lena@Lippetal.example", "--password-stdin",
                      stdin=PASSWORD + "\n")
    assert done.exit_code == 0, done.output

    region = db.session.scalar(select(Region).where(Region.slug == "lippetal"))
    near = regions.rings_near(db.session, region, postcode="33604")
    assert [c.ring.slug for c in near] == ["sonnenberg"]
    assert [c.place_list for c in near] == [["Ort A", "Ort B"]]
    contact = db.session.scalar(select(Member).where(Member.email == "lena@lippetal.example"))
    assert (contact.role, contact.ring_id, contact.account_id) == ("contact", None, None)
    assert regions.contact_region(db.session, contact.id).slug == "lippetal"


@pytest.mark.parametrize("args", [
    ("region", "create", "--name", "X", "--slug", "Not A Slug"),
    ("region", "add-ring", "--region", "nowhere", "--ring", "sonnenberg"),
    ("region", "add-ring", "--region", "lippetal", "--ring", "nowhere"),
    ("ring", "coverage", "--ring", "sonnenberg", "--postcodes", "33602,<script>"),
    ("region", "contact", "--region", "lippetal", "--name", "Lena", "--email", "kein-at",
     "--password", PASSWORD),
    ("region", "contact", "--region", "lippetal", "--name", "Lena", "--email",
     "lena@example.org", "--password", "kurz"),
    # the password is read as for `member create`: nothing on stdin is refused
    ("region", "contact", "--region", "lippetal", "--name", "Lena", "--email",
     "lena@example.org", "--password-stdin"),
])
def test_bad_input_is_one_line_and_changes_nothing(tauschring, world, args):
    world.ring("sonnenberg")
    assert tauschring("region", "create", "--name", "Lippetal", "--slug",
                      "lippetal").exit_code == 0
    before = (db.session.scalars(select(Member.email)).all(),
              db.session.scalars(select(Region.slug)).all())
    done = tauschring(*args)
    assert done.exit_code == 1, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.output
    assert "Traceback" not in done.output
    assert (db.session.scalars(select(Member.email)).all(),
            db.session.scalars(select(Region.slug)).all()) == before


def test_forget_runs_from_cron_and_is_safe_twice(tauschring, region_scene):
    request = atomic(regions.ask_for_help, region_scene.slug, need="Hilfe", consent=True,
                     email="x@example.org")

    def age(session):
        session.get(HelpRequest, request.id).retain_until = utcnow().date() - timedelta(days=1)
    atomic(age)
    first = tauschring("region", "forget")
    assert first.exit_code == 0 and "of 1 requests" in first.output, first.output
    again = tauschring("region", "forget")
    assert again.exit_code == 0 and "of 0 requests" in again.output
    assert db.session.get(HelpRequest, request.id).email == ""


def test_the_brochure_from_the_command_line(tauschring, region_scene, tmp_path):
    out = tmp_path / "broschuere.pdf"
    done = tauschring("region", "brochure", "--region", region_scene.slug, "--out", str(out),
                      "--size", "a5")
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"%PDF")
