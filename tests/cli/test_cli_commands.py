"""The `tauschring` command does its work on SQLite and PostgreSQL alike:
init, demo, ring create, member create and audit, as the contract says.

What an operator does is run once per engine, both engines side by side
(see conftest.py); each test checks one part of it.
"""

from __future__ import annotations

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from tauschring.app import MIGRATIONS
from tauschring.members.passwords import verify_password

ENGINES = ["sqlite", "postgresql"]


def migration_heads() -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(config).get_heads())


def init_twice(cli, run, url) -> dict:
    """`tauschring init` on a database without schema, then once more."""
    found = {"first": run("init", database_url=url)}
    found["after_first"] = cli.database_state(url)
    found["again"] = run("init", database_url=url)
    found["after_again"] = cli.database_state(url)
    found["versions"] = {r[0] for r in cli.execute(url, "SELECT version_num FROM alembic_version")}
    return found


def operate(cli, run, url) -> dict:
    """demo on an empty database, a new ring with a member, audit, tampering, audit."""
    found = {"demo": run("demo", database_url=url)}
    found["after_demo"] = cli.database_state(url)
    found["ring"] = run("ring", "create", "--name", "Tauschring Talheim", "--slug", "talheim",
                        "--min-balance", "-600", "--max-balance", "1200", database_url=url)
    found["member"] = run("member", "create", "--ring", "talheim", "--name", "Anna Becker",
                          "--email", "Anna.Becker@Example.org", "--password",
                          "langes passwort", "--role", "coordinator", database_url=url)
    found["state"] = cli.database_state(url)
    found["password_hash"] = cli.execute(
        url, "SELECT password_hash FROM members WHERE email = 'anna.becker@example.org'")
    found["audit"] = run("audit", database_url=url)
    # accounts.balance is a stored sum, not append-only: change one behind the
    # ledger's back
    found["tampered"] = min(a[0] for a in found["after_demo"]["accounts"] if a[2] == "member")
    cli.execute(url, "UPDATE accounts SET balance = balance + 1 WHERE id = :id",
                id=found["tampered"])
    found["audit_after_tampering"] = run("audit", database_url=url)
    return found


@pytest.fixture(scope="module")
def operated(databases, cli_tools, tmp_path_factory):
    tasks = {}
    for engine in databases.engines():
        empty = databases.empty(engine, "init")
        migrated = databases.migrated(engine, "operate")
        init_dir = tmp_path_factory.mktemp(f"init-{engine}")
        operate_dir = tmp_path_factory.mktemp(f"operate-{engine}")
        tasks[("init", engine)] = (
            lambda u=empty, d=init_dir: init_twice(cli_tools, cli_tools.runner(d), u))
        tasks[("operate", engine)] = (
            lambda u=migrated, d=operate_dir: operate(cli_tools, cli_tools.runner(d), u))
    results = cli_tools.run_all(tasks)
    return {"init": {e: r for (kind, e), r in results.items() if kind == "init"},
            "operate": {e: r for (kind, e), r in results.items() if kind == "operate"}}


@pytest.mark.parametrize("engine", ENGINES)
def test_init_creates_the_schema_and_first_ring_and_is_safe_to_repeat(
        operated, on_engine, engine):
    found = on_engine(operated["init"], engine)
    assert found["first"].code == 0, str(found["first"])
    assert "created ring 'mein-tauschring'" in found["first"].out
    assert found["again"].code == 0, str(found["again"])
    assert "created ring" not in found["again"].out
    assert found["after_again"] == found["after_first"]
    (ring,) = found["after_first"]["rings"]
    assert ring[2] == "mein-tauschring"
    assert [a[2] for a in found["after_first"]["accounts"] if a[1] == ring[0]] == [
        "association"]
    assert found["versions"] == migration_heads()


@pytest.mark.parametrize("engine", ENGINES)
def test_demo_fills_an_empty_database_and_tells_how_to_log_in(operated, on_engine, engine):
    found = on_engine(operated["operate"], engine)
    assert found["demo"].code == 0, str(found["demo"])
    assert "demo" in found["demo"].out and "@" in found["demo"].out
    assert len(found["after_demo"]["members"]) >= 3
    assert found["after_demo"]["transfers"][0][0] > 0


@pytest.mark.parametrize("engine", ENGINES)
def test_ring_create_with_default_limits(operated, on_engine, engine):
    found = on_engine(operated["operate"], engine)
    assert found["ring"].code == 0, str(found["ring"])
    assert "talheim" in found["ring"].out
    (talheim,) = [r for r in found["state"]["rings"] if r[2] == "talheim"]
    assert talheim[1:6] == ("Tauschring Talheim", "talheim", "Talente", -600, 1200)
    assert [a[2] for a in found["state"]["accounts"] if a[1] == talheim[0]] == ["association",
                                                                                 "member"]


@pytest.mark.parametrize("engine", ENGINES)
def test_member_create_makes_an_active_member_with_an_open_account(operated, on_engine,
                                                                   engine):
    found = on_engine(operated["operate"], engine)
    assert found["member"].code == 0, str(found["member"])
    assert "anna.becker@example.org" in found["member"].out
    state = found["state"]
    (talheim,) = [r for r in state["rings"] if r[2] == "talheim"]
    (anna,) = [m for m in state["members"] if m[3] == "anna.becker@example.org"]
    assert (anna[1], anna[4], anna[5]) == (talheim[0], "coordinator", "active")
    accounts = {a[0]: a for a in state["accounts"]}
    assert accounts[anna[2]][1:] == (talheim[0], "member", "open", 0)
    ((password_hash,),) = found["password_hash"]
    assert verify_password(password_hash, "langes passwort")
    assert not verify_password(password_hash, "falsches passwort")


@pytest.mark.parametrize("engine", ENGINES)
def test_audit_is_ok_with_exit_0_and_catches_tampering_with_exit_1(operated, on_engine,
                                                                   engine):
    found = on_engine(operated["operate"], engine)
    ok = found["audit"]
    assert ok.code == 0, str(ok)
    assert "ring demo: ok" in ok.out and "ring talheim: ok" in ok.out
    assert "NOT OK" not in ok.out

    broken = found["audit_after_tampering"]
    assert broken.code == 1, str(broken)
    assert "ring demo: NOT OK" in broken.out and "ring talheim: ok" in broken.out
    assert f"account {found['tampered']}" in broken.out
    assert "Traceback" not in broken.err
