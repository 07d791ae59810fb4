"""Blank trading slips (four on a page, serial numbers never given twice, by the
command line and the coordinator's page), and bookings between one account and
many, all or nothing."""

from __future__ import annotations

import io
import re

import pypdf
from click.testing import CliRunner
from sqlalchemy import func, select

from tauschring.cli import main
from tauschring.db import db
from tauschring.ledger.models import Transfer
from tauschring.office.numbers import numbers_of
from tests.support.pages import Pages


def serials_of(pdf: bytes) -> list[list[int]]:
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return [[int(n) for n in re.findall(r"(?:Slip no\.|Quittung Nr\.) (\d+)", page.extract_text())]
            for page in pages]


def test_slips_from_the_command_line_and_the_page(world, app, database_url, tmp_path,
                                                  monkeypatch):
    ring = world.ring("lindenhof")
    karin = world.coordinator(ring)
    world.member(ring, "Anna Adler")
    monkeypatch.setenv("TAUSCHRING_DATABASE_URL", database_url)
    out = tmp_path / "slips.pdf"
    result = CliRunner().invoke(main, ["slips", "--ring", "lindenhof", "--out", str(out),
                                       "--count", "6"])
    assert result.exit_code == 0, result.output
    first = serials_of(out.read_bytes())
    assert first[:2] == [[1, 2, 3, 4], [5, 6]]
    assert "Anna Adler" in pypdf.PdfReader(out).pages[-1].extract_text()  # the numbers

    refused = CliRunner().invoke(main, ["slips", "--ring", "nirgendwo", "--out",
                                        str(tmp_path / "x.pdf")])
    assert refused.exit_code != 0 and "nirgendwo" in refused.output

    pages = Pages(app.test_client())
    pages.login(karin)
    response = pages.submit("/coordination/slips", "/coordination/slips", {"count": "4"})
    assert response.status_code == 200, response.status_code
    assert serials_of(response.data)[0] == [7, 8, 9, 10]  # never the same number twice
    too_many = pages.submit("/coordination/slips", "/coordination/slips", {"count": "5000"})
    assert too_many.status_code == 422


def test_an_hour_to_each_of_twelve_helpers_and_a_shared_cost(world, app):
    ring = world.ring()
    karin = world.coordinator(ring, "Karin Kohl")
    helpers = [world.member(ring, f"Helfer {i}") for i in range(12)]
    numbers = numbers_of(db.session, [h.id for h in helpers])
    pages = Pages(app.test_client())
    pages.login(karin)
    before = db.session.scalar(select(func.count()).select_from(Transfer))
    rows = {f"rows-{i}-number": str(numbers[h.id]) for i, h in enumerate(helpers)}

    unknown = pages.submit("/coordination/split", "/coordination/split", {
        "direction": "to_many", "one": "0", "hours": "1:00", "memo": "Sommerfest",
        **rows, "rows-11-number": "999"})
    assert unknown.status_code == 422 and "999" in unknown.text
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == before

    booked = pages.submit("/coordination/split", "/coordination/split", {
        "direction": "to_many", "one": "0", "hours": "1:00", "memo": "Sommerfest", **rows})
    assert booked.status_code == 302
    receipt = pages.client.get(booked.headers["Location"]).text
    assert receipt.count('class="booking"') == 12
    listed = pages.client.get("/coordination/batches").text
    assert booked.headers["Location"] in listed and "12:00" in listed

    shared = pages.submit("/coordination/split", "/coordination/split", {
        "direction": "from_many", "one": str(numbers[helpers[0].id]), "hours": "0:20",
        "memo": "Busfahrt", "rows-0-number": str(numbers[helpers[1].id]),
        "rows-1-number": str(numbers[helpers[2].id]), "rows-1-hours": "0:40"})
    assert shared.status_code == 302
    db.session.remove()
    shared_minutes = db.session.scalar(
        select(func.sum(Transfer.minutes)).where(Transfer.memo == "Busfahrt"))
    assert shared_minutes == 60
