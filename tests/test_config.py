"""Configuration: built-in defaults, then the TOML file, then the environment."""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict
from pathlib import Path

import pytest

from tauschring.config import _KEYS, DEFAULT_DATABASE_URL, ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


@pytest.fixture(autouse=True)
def empty_cwd(tmp_path, monkeypatch):
    """Each test starts in an empty folder: no ./tauschring.toml."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_without_file_or_environment_the_built_in_defaults_hold():
    settings = load_settings({})
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///instance/tauschring.db"
    assert settings.source == "built-in defaults"
    assert (settings.login_max_failures, settings.login_window_minutes) == (5, 15)
    assert settings.max_transfer_minutes == 1_000_000
    assert settings.secret_key is None and settings.secure_cookies is False


def test_tauschring_toml_in_the_working_directory_is_read(empty_cwd):
    write(empty_cwd / "tauschring.toml",
          '[database]\nurl = "sqlite:///here.db"\n[ledger]\nmax_transfer_minutes = 600\n')
    settings = load_settings({})
    assert settings.database_url == "sqlite:///here.db"
    assert settings.max_transfer_minutes == 600
    assert settings.source == "tauschring.toml"


def test_the_named_file_wins_over_the_one_in_the_working_directory(empty_cwd, tmp_path):
    write(empty_cwd / "tauschring.toml", '[database]\nurl = "sqlite:///here.db"\n')
    named = write(tmp_path / "named.toml", '[database]\nurl = "sqlite:///named.db"\n'
                                           '[server]\nport = 8080\nthreads = 4\n')
    settings = load_settings({"TAUSCHRING_CONFIG": str(named)})
    assert settings.database_url == "sqlite:///named.db"
    assert (settings.server_port, settings.server_threads) == (8080, 4)
    assert settings.source == str(named)


def test_the_environment_overrides_the_file(tmp_path):
    named = write(tmp_path / "named.toml",
                  '[database]\nurl = "sqlite:///named.db"\n'
                  '[security]\nsecret_key = "from the file"\nlogin_max_failures = 3\n')
    settings = load_settings({
        "TAUSCHRING_CONFIG": str(named),
        "TAUSCHRING_DATABASE_URL": "postgresql+psycopg://tauschring@db.example:5432/ring",
        "TAUSCHRING_SECRET_KEY": "from the environment",
    })
    assert settings.database_url == "postgresql+psycopg://tauschring@db.example:5432/ring"
    assert settings.secret_key == "from the environment"
    assert settings.login_max_failures == 3  # the rest of the file still counts


def test_empty_environment_variables_do_not_override(tmp_path):
    named = write(tmp_path / "named.toml", '[database]\nurl = "sqlite:///named.db"\n')
    settings = load_settings({"TAUSCHRING_CONFIG": str(named), "TAUSCHRING_DATABASE_URL": "",
                              "TAUSCHRING_SECRET_KEY": ""})
    assert settings.database_url == "sqlite:///named.db"
    assert settings.secret_key is None


def test_the_example_file_documents_every_key_with_its_default():
    text = EXAMPLE.read_text(encoding="utf-8")
    sections = {}
    current = None
    for line in text.splitlines():
        header = re.fullmatch(r"\s*\[(\w+)\]\s*", line)
        if header:
            current = header.group(1)
            continue
        key = re.match(r"\s*#?\s*(\w+)\s*=", line)
        if key and current:
            sections.setdefault(current, set()).add(key.group(1))
    undocumented = [f"{s}.{k}" for s, k in _KEYS if k not in sections.get(s, set())]
    assert not undocumented, f"config.example.toml lacks {undocumented}"

    example = load_settings({"TAUSCHRING_CONFIG": str(EXAMPLE)})
    defaults = Settings()
    differing = {name: value for name, value in asdict(example).items()
                 if name not in ("source", "extra") and value != getattr(defaults, name)}
    assert not differing, f"the example's values are not the defaults: {differing}"
    assert tomllib.loads(text)  # and it is valid TOML


@pytest.mark.parametrize("content,words", [
    ("[database\nurl = 'x'\n", "not valid TOML"),
    ('[server]\nport = "abc"\n', "server.port"),
    ("[server]\nport = 70000\n", "server.port"),
    ("[server]\nthreads = 0\n", "server.threads"),
    ("[security]\nsecure_cookies = 1\n", "security.secure_cookies"),
    ("[security]\nlogin_max_failures = true\n", "security.login_max_failures"),
    ("[security]\ntoken_lifetime_days = 1.5\n", "security.token_lifetime_days"),
    ("[ledger]\nmax_transfer_minutes = -5\n", "ledger.max_transfer_minutes"),
    ("[database]\nurl = 5\n", "database.url"),
    ('database = "sqlite:///x.db"\n', "[database] must be a table"),
    ('[database]\nurl = "mysql://root@localhost/x"\n', "unsupported database URL"),
    ('[database]\nurl = "sqlite:x.db"\n', "malformed database URL"),
    ('[database]\nulr = "sqlite:///typo.db"\n', "unknown key database.ulr"),
    ("[server]\nprot = 8080\n", "unknown key server.prot"),
])
def test_a_bad_file_is_a_config_error_naming_file_and_key(tmp_path, content, words):
    bad = write(tmp_path / "bad.toml", content)
    with pytest.raises(ConfigError) as caught:
        load_settings({"TAUSCHRING_CONFIG": str(bad)})
    message = str(caught.value)
    assert words in message
    assert "\n" not in message
    if "URL" not in words:
        assert "bad.toml" in message


def test_a_missing_unreadable_or_binary_file_is_a_config_error(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00[server]")
    for path, words in ((tmp_path / "missing.toml", "does not exist"),
                        (tmp_path, "cannot be read"), (binary, "not UTF-8")):
        with pytest.raises(ConfigError, match=words):
            load_settings({"TAUSCHRING_CONFIG": str(path)})


@pytest.mark.parametrize("url", ["mysql://root:geheim@localhost/x", "sqlite:x.db",
                                 "postgresql+psycopg://ring:geheim@localhost:port/x"])
def test_a_bad_url_from_the_environment_is_refused_without_its_password(url):
    with pytest.raises(ConfigError) as caught:
        load_settings({"TAUSCHRING_DATABASE_URL": url})
    assert "geheim" not in str(caught.value)


def test_keys_of_other_parts_are_kept_for_them(tmp_path):
    named = write(tmp_path / "named.toml", '[mail]\nhost = "smtp.example.org"\nport = 587\n')
    settings = load_settings({"TAUSCHRING_CONFIG": str(named)})
    assert settings.extra == {"mail.host": "smtp.example.org", "mail.port": 587}
