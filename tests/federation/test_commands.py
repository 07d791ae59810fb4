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
    # One peer per remote ring and key: the other instance moving is set-url.
    key = made.stdout.strip()
    added = run("peer", "add", "--ring", "sonnenberg", "--url", "https://b.example",
                "--remote-ring", "talheim", "--public-key", key, "--credit-line", "600")
    assert added.returncode == 0, added.stderr
    line = refused(run("peer", "add", "--ring", "sonnenberg", "--url", "https://neu.example",
                       "--remote-ring", "talheim", "--public-key", key, "--credit-line", "600"))
    assert "set-url" in line
    moved = run("peer", "set-url", "--ring", "sonnenberg", "--remote-ring", "talheim",
                "--url", "https://neu.example")
    assert moved.returncode == 0 and "https://neu.example" in moved.stdout
    listed = run("peer", "list").stdout
    assert listed.count("talheim") == 1 and "https://neu.example" in listed
    assert "b.example" not in listed
    line = refused(run("peer", "set-url", "--ring", "sonnenberg", "--remote-ring", "nirgends",
                       "--url", "https://x.example"))
    assert "nirgends" in line
