"""The commands a cron job runs: fees and automatic confirmation, each safe to run twice."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from tauschring.auditlog import LoggedAction
from tauschring.db import atomic, db
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.models import Exchange
from tauschring.fees.models import FeeCharge
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.rings.service import update_settings
from tests.support.pages import pages  # noqa: F401,F811 - the page browser

COMMAND = Path(sys.executable).parent / "tauschring"


def tauschring(database_url, *args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_fees_charged_twice_book_once_and_list_who_could_not_pay(world, database_url,
                                                                 tmp_path):
    ring = world.ring("gebuehren", min_balance=-30, max_balance=600)
    karin = world.coordinator(ring)
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    atomic(update_settings, karin.actor, fee_minutes=20, fee_period="month")
    # Bernd is already near his limit: the fee would take him below it.
    atomic(lambda s: exchanges.confirm(s, anna.actor, exchanges.propose(
        s, bernd.actor, provider_id=anna.id, recipient_id=bernd.id, minutes=25,
        description="Einkauf", performed_on=date.today()).id))

    first = tauschring(database_url, "fees", "charge", "--ring", "gebuehren", "--period",
                       "2026-11", cwd=tmp_path)
    second = tauschring(database_url, "fees", "charge", "--ring", "gebuehren", "--period",
                        "2026-11", cwd=tmp_path)
    assert first.returncode == 1 and "Bernd" in first.stdout, first
    assert "charged 2 accounts" in first.stdout  # Anna and Karin
    assert "charged 0 accounts" in second.stdout and "2 were charged before" in second.stdout
    db.session.rollback()
    db.session.expire_all()  # the command wrote in another process
    charges = db.session.scalar(select(func.count(FeeCharge.id)))
    assert charges == 2
    assert db.session.get(Account, bernd.account_id).balance == -25
    assert audit_ring(db.session, ring.id)["ok"]

    wrong = tauschring(database_url, "fees", "charge", "--ring", "gebuehren", "--period",
                       "2026-13", cwd=tmp_path)
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1


def test_auto_confirm_books_old_proposals_once(world, database_url, tmp_path):
    ring = world.ring("automatisch")
    karin = world.coordinator(ring)
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    atomic(update_settings, karin.actor, auto_confirm_days=7)
    old = atomic(exchanges.propose, anna.actor, provider_id=anna.id, recipient_id=bernd.id,
                 minutes=60, description="Rasen", performed_on=date.today())
    fresh = atomic(exchanges.propose, anna.actor, provider_id=anna.id, recipient_id=bernd.id,
                   minutes=30, description="Hecke", performed_on=date.today())
    atomic(lambda s: s.execute(update(Exchange).where(Exchange.id == old.id).values(
        created_at=old.created_at - timedelta(days=8))))

    runs = [tauschring(database_url, "exchanges", "auto-confirm", "--ring", "automatisch",
                       cwd=tmp_path) for _ in range(2)]
    assert [r.stdout.splitlines()[0] for r in runs] == ["confirmed 1 exchanges",
                                                        "confirmed 0 exchanges"], runs
    db.session.rollback()
    db.session.expire_all()  # the command wrote in another process
    assert db.session.get(Exchange, old.id).state == "booked"
    assert db.session.get(Exchange, fresh.id).state == "proposed"
    assert audit_ring(db.session, ring.id)["ok"]



def test_fees_charged_from_the_command_line_are_in_the_audit_log_as_from_the_page(
        world, database_url, tmp_path, pages):  # noqa: F811
    ring = world.ring("protokoll", min_balance=-50, max_balance=600)
    karin = world.coordinator(ring)
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    atomic(update_settings, karin.actor, fee_minutes=20, fee_period="month")
    atomic(lambda s: exchanges.confirm(s, anna.actor, exchanges.propose(
        s, bernd.actor, provider_id=anna.id, recipient_id=bernd.id, minutes=45,
        description="Einkauf", performed_on=date.today()).id))
    # Bernd at -0:45 cannot pay 0:20 in either month; Anna and Karin pay both.

    tauschring(database_url, "fees", "charge", "--ring", "protokoll", "--period", "2026-11",
               cwd=tmp_path)
    pages.login(karin)
    assert pages.submit("/coordination/fees", "/coordination/fees",
                        {"period": "2026-12"}).status_code == 200

    db.session.rollback()
    db.session.expire_all()  # the command wrote in another process
    runs = db.session.scalars(select(LoggedAction).where(
        LoggedAction.ring_id == ring.id, LoggedAction.action == "fees.charge")
        .order_by(LoggedAction.id)).all()
    assert [(run.actor_id, run.subject) for run in runs] == [
        (None, f"ring:{ring.id}"), (karin.id, f"ring:{ring.id}")]
    by_cli, by_page = (json.loads(run.detail) for run in runs)
    assert by_cli == {"period": "2026-11", "minutes": 20, "charged": 2, "already": 0,
                      "refused": ["Bernd"]}
    assert by_page == {**by_cli, "period": "2026-12"}
    log = pages.client.get("/coordination/log").text
    assert log.count("Refused: Bernd") == 2  # one line for each run
