"""Configuration: built-in defaults, then the TOML file, then environment overrides.

The TOML file is named by TAUSCHRING_CONFIG, else ./tauschring.toml if it
exists. TAUSCHRING_DATABASE_URL and TAUSCHRING_SECRET_KEY override the file.
config.example.toml documents every key.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(Exception):
    """The configuration cannot be used; the message says why."""


DEFAULT_DATABASE_URL = "sqlite:///instance/tauschring.db"


@dataclass
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_minutes: int = 15
    token_lifetime_days: int = 90
    max_transfer_minutes: int = 1_000_000
    server_host: str = "127.0.0.1"
    server_port: int = 5000
    server_threads: int = 4  # more only take turns for the one Python (bench/pages.py)
    # Where the service is reached ("https://tausch.example.org"); links in mails
    # are built from it alone. Empty: not configured (see tauschring.app).
    base_url: str = ""
    # Host names requests may name; empty: derived (see tauschring.app).
    trusted_hosts: list[str] = field(default_factory=list)
    # Reverse proxies in front of the service whose X-Forwarded-* headers count.
    proxies: int = 0
    instance_path: str = "instance"
    # How `tauschring serve` writes its access log: "text", "json" (JSON lines) or "off".
    server_log_format: str = "text"
    source: str = "built-in defaults"
    extra: dict = field(default_factory=dict)


# (section, key) in TOML -> attribute of Settings, with the type it must have.
_KEYS = {
    ("database", "url"): ("database_url", str),
    ("security", "secret_key"): ("secret_key", str),
    ("security", "secure_cookies"): ("secure_cookies", bool),
    ("security", "login_max_failures"): ("login_max_failures", int),
    ("security", "login_window_minutes"): ("login_window_minutes", int),
    ("security", "token_lifetime_days"): ("token_lifetime_days", int),
    ("ledger", "max_transfer_minutes"): ("max_transfer_minutes", int),
    ("server", "host"): ("server_host", str),
    ("server", "port"): ("server_port", int),
    ("server", "threads"): ("server_threads", int),
    ("server", "base_url"): ("base_url", str),
    ("server", "trusted_hosts"): ("trusted_hosts", list),
    ("server", "proxies"): ("proxies", int),
    ("server", "instance_path"): ("instance_path", str),
    ("server", "log_format"): ("server_log_format", str),
}


_SECTIONS = {section for section, _ in _KEYS}

# Whole numbers that only make sense within bounds.
_RANGES = {
    "login_max_failures": (1, 1_000_000),
    "login_window_minutes": (1, 10_000_000),
    "token_lifetime_days": (1, 36_500),
    "max_transfer_minutes": (1, 2**53 - 1),
    "server_port": (1, 65535),
    "server_threads": (1, 256),
    "proxies": (0, 10),
}

# A host name or IPv4 address as Werkzeug compares it with the Host header; a
# leading dot also trusts every subdomain.
_HOST_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    """Read the settings the contract describes, failing with a ConfigError."""
    env = os.environ if environ is None else environ
    settings = Settings()
    given: set[str] = set()
    path = env.get("TAUSCHRING_CONFIG")
    if path:
        given = _apply_file(settings, Path(path), required=True)
    elif Path("tauschring.toml").is_file():
        given = _apply_file(settings, Path("tauschring.toml"), required=False)
    if "secure_cookies" not in given:
        # A service reached through HTTPS must not send its cookies over HTTP.
        settings.secure_cookies = settings.base_url.startswith("https://")
    if env.get("TAUSCHRING_DATABASE_URL"):
        settings.database_url = env["TAUSCHRING_DATABASE_URL"]
    if env.get("TAUSCHRING_SECRET_KEY"):
        settings.secret_key = env["TAUSCHRING_SECRET_KEY"]
    _check_database_url(settings.database_url)
    return settings


def _apply_file(settings: Settings, path: Path, *, required: bool) -> set[str]:
    """Apply the file's keys; return the names of the settings it gave."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except UnicodeDecodeError:
        raise ConfigError(f"configuration file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise ConfigError(f"configuration file {path} is not valid TOML: {message}") from None
    except OSError as exc:
        raise ConfigError(f"configuration file {path} cannot be read: {exc.strerror}") from None
    settings.source = str(path)
    given = set()
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key, value in values.items():
            target = _KEYS.get((section, key))
            if target is None and section in _SECTIONS:
                # A typo here would silently leave the default in force.
                raise ConfigError(f"{path}: unknown key {section}.{key} (config.example.toml "
                                  "lists every key)")
            if target is None:
                settings.extra[f"{section}.{key}"] = value  # another part's ([mail], ...)
                continue
            attr, kind = target
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConfigError(f"{path}: {section}.{key} must be a whole number")
            if kind is list and not isinstance(value, list):
                raise ConfigError(f'{path}: {section}.{key} must be a list, like ["a", "b"]')
            if not isinstance(value, kind):
                raise ConfigError(f"{path}: {section}.{key} must be a {kind.__name__}")
            low, high = _RANGES.get(attr, (None, None))
            if low is not None and not (low <= value <= high):
                raise ConfigError(f"{path}: {section}.{key} must be between {low} and {high}")
            check = _CHECKS.get(attr)
            if check is not None:
                try:
                    value = check(value)
                except ValueError as error:
                    raise ConfigError(f"{path}: {section}.{key} {error}") from None
            setattr(settings, attr, value)
            given.add(attr)
    old = settings.extra.get("mail.base_url")
    if old is not None:
        # Where base_url was read before [server] had it: old files keep working.
        if not isinstance(old, str):
            raise ConfigError(f"{path}: mail.base_url must be a str")
        try:
            old = checked_base_url(old)
        except ValueError as error:
            raise ConfigError(f"{path}: mail.base_url {error}") from None
        if old and "base_url" in given and settings.base_url != old:
            raise ConfigError(f"{path}: server.base_url and mail.base_url differ; "
                              "keep server.base_url only")
        if old and "base_url" not in given:
            settings.base_url = old
            given.add("base_url")
    return given


def checked_base_url(value: str) -> str:
    """The address the service is reached at, without a trailing slash ("" stays "").

    Raises ValueError with the end of a sentence about the key.
    """
    value = value.strip()
    if not value:
        return ""
    usage = 'must be an address like "https://tausch.example.org"'
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(f"{usage}; {value!r} is not one") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{usage} (http or https, with a host name)")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{usage}, without a user name or password")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(f"{usage}, without ?query or #fragment")
    if port == 0:
        raise ValueError(f"{usage}; port 0 is not one")
    if not parts.hostname.startswith("[") and ":" not in parts.hostname and (
            not _HOST_NAME.fullmatch(parts.hostname) or parts.hostname.startswith(".")):
        raise ValueError(f"{usage}; {parts.hostname!r} is not a host name")
    return value.rstrip("/")


def checked_hosts(value: list) -> list[str]:
    """Host names (or IPv4 addresses), lower case; ValueError says what is wrong."""
    hosts = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError('must be a list of host names, like ["tausch.example.org"]')
        host = item.strip().lower()
        if not _HOST_NAME.fullmatch(host):
            raise ValueError(f"must list host names without scheme or port (like "
                             f'"tausch.example.org"); {item!r} is not one')
        hosts.append(host)
    return hosts


def base_url_host(base_url: str) -> str | None:
    """The host name in a (checked) base URL."""
    return urlsplit(base_url).hostname if base_url else None


def checked_log_format(value: str) -> str:
    if value not in ("text", "json", "off"):
        raise ValueError(f'must be "text", "json" or "off", not {value!r}')
    return value


_CHECKS = {"base_url": checked_base_url, "trusted_hosts": checked_hosts,
           "server_log_format": checked_log_format}


def _check_database_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    usage = "use sqlite:///path.db or postgresql+psycopg://user@host:port/db"
    if not (url.startswith("sqlite:") or url.startswith("postgresql")):
        raise ConfigError(f"unsupported database URL {_masked(url)!r}: {usage}")
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018  (a malformed port shows only when read)
    except (ArgumentError, ValueError):
        raise ConfigError(f"malformed database URL {_masked(url)!r}: {usage}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"unsupported database URL {_masked(url)!r}: {usage}")


def _masked(url: str) -> str:
    """The URL as it may be shown: without its password."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def ensure_secret_key(settings: Settings) -> str:
    """The configured key, else one generated once and kept in the instance folder."""
    if settings.secret_key:
        return settings.secret_key
    folder = Path(settings.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    keyfile = folder / "secret_key"
    try:
        fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return keyfile.read_text().strip()
