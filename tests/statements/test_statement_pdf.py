"""The statement as PDF: accessible (tagged, real text, the holder's language and
title), every entry on paper however long the year, and in the year-end run
each member's file holds that member's statement and nobody else's."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import update

from tauschring.db import atomic, db
from tauschring.members.models import Member
from tauschring.statements import service
from tauschring.statements.render import hours, statement_pdf
from tauschring.statements.statement import Statement, StatementLine
from tauschring.statements.years import ChainHead
from tests.support.statements import flat, pdf_text

COMMAND = Path(sys.executable).with_name("tauschring")

DAY = {"de": r"\d\d\.\d\d\.\d{4}", "en": r"[A-Z][a-z]{2} \d{1,2}, \d{4}"}


def structure(data: bytes) -> tuple[dict, list[tuple[int, str]]]:
    """The document catalog and the structure tree as (depth, tag) in reading order."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    tags = []

    def walk(node, depth):
        node = node.get_object()
        if isinstance(node, dict) and node.get("/Type") == "/MCR":
            return
        if isinstance(node, dict) and "/S" in node:
            tags.append((depth, node["/S"]))
            kids = node.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                if not isinstance(kid, int):
                    walk(kid, depth + 1)

    walk(root["/StructTreeRoot"]["/K"], 0)
    return root, tags


def long_statement(lines: int, language: str = "en") -> Statement:
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    found = Statement(ring_id=1, ring_name="Tauschring Sonnenberg", ring_slug="sonnenberg",
                      unit_name="Stunde", account_id=17, account_kind="member",
                      holders=["Łucja Żółkiewska-Öztürk"], language=language, year=2025,
                      first_day=date(2025, 1, 1), last_day=date(2025, 12, 31),
                      timezone="Europe/Berlin", opening_balance=-75,
                      chain_head=ChainHead(4321, "c0ffee" * 10 + "beef"))
    balance = found.opening_balance
    for n in range(lines):
        minutes = 30 + n if n % 3 else -(15 + n)
        balance += minutes
        found.lines.append(StatementLine(
            transfer_id=1000 + n, booked_at=start + timedelta(hours=20 * n),
            day=(start + timedelta(hours=20 * n)).date(), counterparty_account_id=5,
            counterparty="Σοφία Παπαδοπούλου" if n % 2 else "Bernd Schulze, Berta Schulze",
            memo=f"Entry {n}: " + "garden, ladder and a very long description " * (n % 4),
            category="Haus & Garten" if n % 5 else "", minutes=minutes,
            balance_after=balance))
        if minutes > 0:
            found.received += minutes
        else:
            found.given -= minutes
    found.closing_balance = balance
    return found


def test_a_statement_is_a_tagged_pdf_in_the_holders_language(history):
    anna = history.person("Anna Becker")
    found = service.statement(db.session, anna.actor, anna.account_id, 2024)
    assert found.language == "de"
    data = statement_pdf(found)
    root, tags = structure(data)
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a PDF boolean)
    assert root["/Lang"] == "de"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Kontoauszug 2024 – Anna Becker"
    names = [tag for _, tag in tags]
    assert names[:2] == ["/Document", "/H1"]
    assert names.count("/Table") == 3                   # facts, entries, totals
    assert "/THead" in names and "/TBody" in names
    assert names.count("/TR") >= len(found.lines) + 3
    # Every font is embedded (a subset) and maps its glyphs back to text.
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]
            assert "/ToUnicode" in font
    text = flat(pdf_text(data))
    assert "Kontoauszug 2024" in text and "Anna Becker" in text
    assert "Anfangskontostand" in text and "Seite 1 von 1" in text


def test_a_long_year_breaks_into_pages_and_keeps_every_entry(app):
    found = long_statement(260)
    with app.app_context():
        data = statement_pdf(found)
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages >= 8
    text = flat(pdf_text(data)).replace("\u2212", "-")
    # Every entry in order, with its amount and running balance.
    position = 0
    for line in found.lines:
        for token in (str(line.transfer_id), hours(line.minutes, signed=True),
                      hours(line.balance_after)):
            at = text.find(token, position)
            assert at >= 0, (token, line)
            position = at + len(token)
    # Long descriptions wrap, names in any script stay text.
    assert "Σοφία Παπαδοπούλου" in text and "Łucja Żółkiewska-Öztürk" in text
    assert text.count("garden, ladder and a very long description") == sum(
        n % 4 for n in range(260))
    # The table's header repeats on every page; the page count is right.
    assert flat(reader.pages[-1].extract_text()).count("Page") == 1
    for n, page in enumerate(reader.pages, 1):
        page_text = flat(page.extract_text())
        assert f"Page {n} of {pages}" in page_text
        assert "Date No. Counterparty Description Amount Balance" in page_text or n == pages
    assert f"Received {hours(found.received)} {found.received} min" in text
    assert found.chain_head.hash in text.replace(" ", "")


def test_every_file_of_the_year_end_run_holds_only_its_members_statement(history, tmp_path):
    eva = history.person("Eva Lange")
    atomic(lambda s: s.execute(update(Member).where(Member.id == eva.id)
                               .values(language="en")))
    db.session.remove()
    coordinator = history.coordinator.actor
    statements = {s.account_id: s for s in service.statements_of_ring(db.session, coordinator,
                                                                      2025)}
    people = list(history.people)
    archive = zipfile.ZipFile(io.BytesIO(service.all_statements_zip(
        db.session, coordinator, 2025, ("pdf",))))
    folder = service.write_statements(db.session, history.ring.id, 2025, tmp_path, "pdf")
    assert len(archive.namelist()) == len(folder) == len(statements)
    for path in folder:
        account_id = int(path.name.split("-")[2])
        found = statements[account_id]
        for text in (flat(pdf_text(path.read_bytes())),
                     flat(pdf_text(archive.read(path.name)))):
            title = "Statement of account 2025" if found.language == "en" \
                else "Kontoauszug 2025"
            assert text.startswith(title)
            with force_locale(found.language):
                assert str(found.holder_label) in text       # "Verein" in German
            # Only this account's entries: a row reads "<date> <transfer number> …".
            day = DAY[found.language]
            numbers = [int(n) for n in re.findall(f"{day} (\\d+) ", text)]
            assert numbers == [line.transfer_id for line in found.lines], path.name
            # Nobody else's name, unless as the other side of one of its entries.
            named = set(found.holders) | {line.counterparty for line in found.lines}
            for name in people:
                if not any(name in label for label in named):
                    assert name not in text, (name, path.name)
            closing = hours(found.closing_balance).replace("-", "\u2212")
            label = "Closing balance" if found.language == "en" else "Endkontostand"
            assert f"{label} {closing}" in text
    eva_file = next(p for p in folder if f"-{eva.account_id:05d}-" in p.name)
    assert flat(pdf_text(eva_file.read_bytes())).startswith("Statement of account 2025")
    assert PdfReader(eva_file).trailer["/Root"]["/Lang"] == "en"


def test_count_statements_says_how_many_files_the_run_writes(history, tmp_path):
    coordinator = history.coordinator.actor
    for year in (2023, 2024, 2025):
        written = service.write_statements(db.session, history.ring.id, year,
                                           tmp_path / str(year), "csv")
        assert service.count_statements(db.session, coordinator, year) == len(written)


def test_the_command_writes_every_pdf_with_two_workers(history, database_url, tmp_path):
    coordinator = history.coordinator.actor
    expected = {s.account_id: s for s in service.statements_of_ring(db.session, coordinator,
                                                                    2024)}
    db.session.remove()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    out = tmp_path / "pdf"
    done = subprocess.run([str(COMMAND), "statements", "--ring", history.ring.slug, "--year",
                           "2024", "--out", str(out), "--workers", "2"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {len(expected)} statements to {out}"
    files = sorted(out.iterdir())
    assert [int(p.name.split("-")[2]) for p in files] == sorted(expected)
    for path in files:
        found = expected[int(path.name.split("-")[2])]
        text = flat(pdf_text(path.read_bytes()))
        numbers = [int(n) for n in re.findall(f"{DAY[found.language]} (\\d+) ", text)]
        assert numbers == [line.transfer_id for line in found.lines], path.name
