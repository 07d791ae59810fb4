"""`tauschring partner add|list|end`: the real command in a subprocess, on
both engines; bad input is one line on stderr and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tauschring.db import db
from tauschring.partners import clearing
from tests.support.commands import refused

COMMAND = Path(sys.executable).with_name("tauschring")


@pytest.fixture
def tauschring(database_url, world, tmp_path):
    world.ring("auental"), world.ring("bergdorf"), world.ring("christdorf")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    environment["TAUSCHRING_DATABASE_URL"] = database_url

    def run(*args):
        return subprocess.run([str(COMMAND), "partner", *args], cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=180)
    return run


def _status(slug_a="auental", slug_b="bergdorf"):
    db.session.rollback()
    rings = {r.slug: r.id for r in db.session.execute(db.text("SELECT id, slug FROM rings"))}
    found = clearing.partnership_between(db.session, rings[slug_a], rings[slug_b])
    return None if found is None else (found.status, found.credit_line)


def test_add_list_and_end(tauschring):
    added = tauschring("add", "--ring", "auental", "--partner", "bergdorf",
                       "--credit-line", "600")
    assert added.returncode == 0, added.stderr
    assert "auental and bergdorf are partners" in added.stdout
    assert _status() == ("active", 600)

    listed = tauschring("list", "--ring", "bergdorf")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert "auental\tbergdorf\tactive\tcredit line 600" in line and "mirrored" in line
    assert tauschring("list", "--ring", "christdorf").stdout.strip() == "no partnerships"

    ended = tauschring("end", "--ring", "bergdorf", "--partner", "auental")
    assert ended.returncode == 0, ended.stderr
    assert _status() == ("ended", 600)
    again = tauschring("add", "--ring", "auental", "--partner", "bergdorf",
                       "--credit-line", "900")
    assert again.returncode == 0 and _status() == ("active", 900)


@pytest.mark.parametrize("args, words", [
    (("add", "--ring", "auental", "--partner", "nirgendwo", "--credit-line", "60"),
     "nirgendwo"),
    (("add", "--ring", "auental", "--partner", "auental", "--credit-line", "60"),
     "its own partner"),
    (("add", "--ring", "auental", "--partner", "bergdorf", "--credit-line", "0"),
     "credit-line"),
    (("add", "--ring", "auental", "--partner", "bergdorf", "--credit-line", "viel"),
     "credit-line"),
    (("end", "--ring", "auental", "--partner", "christdorf"), "not partners"),
    (("list", "--ring", "nirgendwo"), "nirgendwo"),
])
def test_bad_input_is_one_line_and_changes_nothing(tauschring, args, words):
    line = refused(tauschring(*args))
    assert words in line
    assert _status() is None and _status("auental", "christdorf") is None
