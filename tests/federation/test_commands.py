"""`tauschring federation ...`: bad input is one line and changes nothing."""

from __future__ import annotations

from tests.ops.test_operator_comforts import tauschring
from tests.support.commands import refused


def test_federation_commands_refuse_in_one_line(database_url, tmp_path, world):
    world.ring("sonnenberg")
    config = tmp_path / "tauschring.toml"
    config.write_text(f'[federation]\nkey_file = "{tmp_path / "keys" / "key.pem"}"\n')

    def run(*args):
        return tauschring("federation", *args, database_url=database_url, cwd=tmp_path,
                          TAUSCHRING_CONFIG=str(config))

    line = refused(run("reconcile"))
    assert "no federation key" in line and "tauschring federation key" in line
    line = refused(run("peer", "add", "--ring", "sonnenberg", "--url", "https://b.example",
                       "--remote-ring", "talheim", "--public-key", "not-a-key",
                       "--credit-line", "600"))
    assert "--public-key" in line
    made = run("key")
    assert made.returncode == 0 and len(made.stdout.strip()) == 43
    assert (tmp_path / "keys" / "key.pem").stat().st_mode & 0o077 == 0
    assert run("peer", "list").stdout == ""
