"""A member's yearly statements agree with each other, with the ledger and with
the ring's trial balance, year after year."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tauschring.actors import Actor
from tauschring.db import db
from tauschring.errors import Forbidden, NotFound
from tauschring.ledger.models import Account
from tauschring.reports.service import annual_report
from tauschring.statements import service
from tauschring.statements.render import hours, statement_csv, statement_pdf
from tests.support.ledger_history import YEARS, berlin
from tests.support.statements import flat, pdf_text, read_csv


def operator(history):
    return Actor.operator(history.ring.id)


def test_each_year_opens_where_the_last_one_closed(history):
    actor = operator(history)
    for account_id in history.account_ids:
        previous_closing = 0
        for year in (2022, *YEARS, 2026):
            found = service.statement(db.session, actor, account_id, year)
            assert found.opening_balance == previous_closing, (account_id, year)
            running = found.opening_balance
            for line in found.lines:
                running += line.minutes
                assert line.balance_after == running, (account_id, year, line)
                assert line.day.year == year
            assert found.closing_balance == running
            assert found.received - found.given == found.closing_balance - found.opening_balance
            assert found.received == sum(line.minutes for line in found.lines if line.minutes > 0)
            previous_closing = found.closing_balance
        assert previous_closing == db.session.get(Account, account_id).balance


def test_every_statement_closes_on_the_trial_balance_and_the_ring_sums_to_zero(history):
    actor = operator(history)
    for year in YEARS:
        statements = list(service.statements_of_ring(db.session, actor, year))
        report = annual_report(db.session, actor, year)
        trial = {row["account_id"]: row["balance"] for row in report["trial_balance"]["accounts"]}
        closings = {s.account_id: s.closing_balance for s in statements}
        assert sum(closings.values()) == report["trial_balance"]["sum"] == 0
        # An account without any entry yet (a member who never booked) closes on 0.
        assert {a: trial.get(a, 0) for a in closings} == closings
        # Left out only where there was nothing to state.
        assert all(trial[a] == 0 for a in set(trial) - set(closings))


def test_the_statement_shows_counterparties_memos_and_categories(history):
    anna = history.person("Anna Becker")
    bernd = history.person("Bernd Schulze")
    found = service.statement(db.session, anna.actor, anna.account_id, 2024)
    by_memo = {line.memo: line for line in found.lines}
    assert found.holders == ["Anna Becker"]
    assert "Startguthaben" not in by_memo  # booked in 2023
    first = service.statement(db.session, anna.actor, anna.account_id, 2023)
    start = [line for line in first.lines if line.memo == "Startguthaben"]
    assert len(start) == 1 and start[0].minutes == 120
    assert str(start[0].counterparty) == "Association"
    household = service.statement(db.session, bernd.actor, bernd.account_id, 2024)
    assert household.holders == ["Bernd Schulze", "Berta Schulze"]
    hedge = by_memo["Hecke geschnitten"]
    assert hedge.counterparty == "Bernd Schulze, Berta Schulze" and hedge.minutes == 45
    assert by_memo["Fenster geputzt"].minutes == 90
    reversal = [line for line in found.lines if line.memo.startswith("Reversal of transfer")]
    assert len(reversal) == 1 and reversal[0].minutes == -90
    categorised = [line for line in found.lines + first.lines if line.category]
    assert categorised, "some exchanges of the history have a category"


def test_new_years_eve_counts_by_the_clock_in_berlin(history):
    anna = history.person("Anna Becker")
    eve = service.statement(db.session, anna.actor, anna.account_id, 2024)
    new_year = service.statement(db.session, anna.actor, anna.account_id, 2025)
    assert eve.lines[-1].memo == "Silvester, vor Mitternacht"
    assert str(eve.lines[-1].day) == "2024-12-31"
    assert new_year.lines[0].memo == "Neujahr, nach Mitternacht"
    # Booked at 23:30 UTC on 31 December: still the old year in UTC, the new one here.
    assert new_year.lines[0].booked_at.year == 2024
    assert str(new_year.lines[0].day) == "2025-01-01"


def test_the_verification_line_is_the_chain_head_at_the_years_end(history):
    for year in YEARS:
        end = berlin(year + 1, 1, 1)
        expected = db.session.execute(sa.text(
            "SELECT seq, hash FROM transfers WHERE ring_id = :r AND booked_at < :end "
            "ORDER BY seq DESC LIMIT 1"),
            {"r": history.ring.id, "end": end if db.engine.dialect.name != "sqlite"
             else end.replace(tzinfo=None).isoformat(sep=" ")}).one()
        anna = history.person("Anna Becker")
        found = service.statement(db.session, anna.actor, anna.account_id, year)
        assert (found.chain_head.seq, found.chain_head.hash) == tuple(expected)
        rows = read_csv(statement_csv(found))
        assert rows[-1][1:] == [str(expected.seq), expected.hash]   # in any language
    # The statement of a year before the ring: the empty chain.
    empty = service.statement(db.session, anna.actor, anna.account_id, 2022)
    assert empty.chain_head.seq == 0 and empty.chain_head.hash == "0" * 64


def test_csv_and_pdf_agree(history):
    clara = history.person("Clara Yilmaz")
    found = service.statement(db.session, clara.actor, clara.account_id, 2024,
                              language="en")
    assert len(found.lines) >= 5
    rows = read_csv(statement_csv(found))
    header = rows.index(["Date", "Transfer", "Counterparty", "Description", "Category",
                         "Minutes", "Hours", "Balance (minutes)", "Balance (hours)"])
    entries = rows[header + 1:rows.index([], header)]
    assert [int(r[5]) for r in entries] == [line.minutes for line in found.lines]
    facts = {r[0]: r[1:] for r in rows if r}
    assert facts["Opening balance"] == [str(found.opening_balance),
                                        hours(found.opening_balance)]
    assert facts["Closing balance"][0] == str(found.closing_balance)
    assert facts["Received"][0] == str(found.received)
    assert facts["Given"][0] == str(found.given)

    text = flat(pdf_text(statement_pdf(found)).replace("\u2212", "-"))
    assert "Clara Yilmaz" in text and "Statement of account 2024" in text
    # Every entry, in order: its number, the amount and the running balance (h:mm).
    position = 0
    for row in entries:
        amount = row[6] if row[6].startswith("-") else "+" + row[6]
        for token in (row[1], amount, row[8]):
            found_at = text.find(token, position)
            assert found_at >= 0, (token, row)
            position = found_at + len(token)
    for label, minutes in (("Received", found.received), ("Given", found.given)):
        assert f"{label} {hours(minutes)} {minutes} min" in text
    assert f"Closing balance {hours(found.closing_balance)} {found.closing_balance} min" in text
    assert found.chain_head.hash[:20] in text.replace(" ", "")


def test_csv_for_excel(history):
    anna = history.person("Anna Becker")
    found = service.statement(db.session, anna.actor, anna.account_id, 2023)
    data = statement_csv(found)
    assert data.startswith(b"\xef\xbb\xbf")
    dieter = history.person("Dieter Groß")
    assert "Dieter Groß".encode() in statement_csv(
        service.statement(db.session, dieter.actor, dieter.account_id, 2023))
    german = data.decode("utf-8-sig")
    assert german.splitlines()[0].endswith(";2023")              # German: semicolons
    rows = read_csv(data)
    # A memo that a spreadsheet would run as a formula stays text.
    assert not any(cell.startswith("=") for row in rows for cell in row)
    found.language = "en"
    assert statement_csv(found).decode("utf-8-sig").splitlines()[0] == \
        "Statement of account,2023"


def test_statements_in_the_holders_language(history, app):
    from sqlalchemy import update

    from tauschring.db import atomic
    from tauschring.members.models import Member

    eva = history.person("Eva Lange")
    atomic(lambda s: s.execute(update(Member).where(Member.id == eva.id)
                               .values(language="en")))
    db.session.rollback()
    found = service.statement(db.session, eva.actor, eva.account_id, 2025)
    assert found.language == "en"
    bernd = history.person("Bernd Schulze")
    assert service.statement(db.session, bernd.actor, bernd.account_id, 2025).language == "de"
    first = found.lines[0].day
    text = flat(pdf_text(statement_pdf(found)))
    assert f"{first:%b} {first.day}, 2025" in text        # English dates
    found.language = "de"
    assert f"{first:%d.%m.%Y}" in flat(pdf_text(statement_pdf(found)))


def test_who_may_read_a_statement(history, world):
    anna, bernd, berta = (history.person(n) for n in ("Anna Becker", "Bernd Schulze",
                                                      "Berta Schulze"))
    # The household shares the account, and with it the statement.
    assert service.statement(db.session, berta.actor, bernd.account_id, 2024).holders == [
        "Bernd Schulze", "Berta Schulze"]
    with pytest.raises(NotFound):
        service.statement(db.session, anna.actor, bernd.account_id, 2024)
    other = world.ring("anderswo")
    stranger = world.coordinator(other, "Otto")
    with pytest.raises(NotFound):
        service.statement(db.session, stranger.actor, anna.account_id, 2024)
    with pytest.raises(NotFound):
        service.statement(db.session, history.coordinator.actor, 10**6, 2024)
    with pytest.raises(Forbidden):
        list(service.statements_of_ring(db.session, anna.actor, 2024))
    for year in (1899, 2999):
        with pytest.raises(NotFound):
            service.statement(db.session, anna.actor, anna.account_id, year)


def test_the_zip_holds_every_accounts_csv_and_pdf(history):
    data = service.all_statements_zip(db.session, history.coordinator.actor, 2024)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    statements = list(service.statements_of_ring(db.session, history.coordinator.actor, 2024))
    assert len(names) == 2 * len(statements)
    for item in statements:
        csv_name = service.file_name(item, "csv", with_holder=True)
        assert archive.read(csv_name) == statement_csv(item)
        assert archive.read(csv_name.replace(".csv", ".pdf")).startswith(b"%PDF")
    assert any("anna-becker" in name for name in names)
    assert any("bernd-schulze-berta-schulze" in name for name in names)


def test_write_statements_for_the_command_line(history, tmp_path):
    seen = []
    files = service.write_statements(db.session, history.ring.id, 2023, tmp_path / "out",
                                     "csv", progress=lambda n, item, path: seen.append(n))
    assert files and all(path.exists() for path in files)
    assert seen == list(range(1, len(files) + 1))
    assert sum(int(read_csv(p.read_bytes())[-2][1]) for p in files) == 0  # closings
    # Dieter left in 2024: his closed account has nothing to state in 2025.
    later = service.write_statements(db.session, history.ring.id, 2025, tmp_path / "2025",
                                     "csv")
    dieter = history.person("Dieter Groß")
    assert not any(f"-{dieter.account_id:05d}-" in path.name for path in later)
    assert any(f"-{dieter.account_id:05d}-" in path.name for path in files)
    with pytest.raises(Exception):  # noqa: B017 - a refusal (Invalid)
        service.write_statements(db.session, history.ring.id, 2023, tmp_path, "xls")


def test_write_statements_renders_pdfs_in_parallel(history, tmp_path):
    files = service.write_statements(db.session, history.ring.id, 2024, tmp_path, "pdf",
                                     workers=2)
    alone = service.write_statements(db.session, history.ring.id, 2024, tmp_path / "one",
                                     "pdf")
    assert [p.name for p in files] == [p.name for p in alone]
    for parallel, single in zip(files, alone, strict=True):
        assert flat(pdf_text(parallel.read_bytes())) == flat(pdf_text(single.read_bytes()))


def test_the_current_year_runs_until_today(history):
    from tauschring.statements.years import current_year, local_day

    anna = history.person("Anna Becker")
    running = service.statement(db.session, anna.actor, anna.account_id, current_year(),
                                language="en")
    assert not running.complete
    assert running.last_day == local_day(datetime.now(UTC))
    assert "The year is not over yet" in flat(pdf_text(statement_pdf(running)))
    assert service.statement(db.session, anna.actor, anna.account_id, 2025).complete
