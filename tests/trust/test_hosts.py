"""Links in mails come from the configured address only, never from the Host a
request names; other hosts are refused; behind proxies the client's address
is seen. (Security review "Trust", finding 5.)"""

from __future__ import annotations

import re

import pytest
from flask import g, request
from sqlalchemy import select

from tauschring.app import create_app
from tauschring.config import ConfigError, Settings, load_settings
from tauschring.db import atomic, db
from tauschring.mail.models import OutgoingMail
from tauschring.members.service import create_member
from tauschring.rings.service import create_ring

PASSWORD = "correct horse battery"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
RESET_LINK = re.compile(r"(\S+)/password/reset/\S+")


@pytest.fixture
def build(database_url, tmp_path):
    """build(**settings) -> an app on the test database with these settings."""
    apps = []

    def make(**values):
        settings = Settings(database_url=database_url, secret_key="test-secret",
                            instance_path=str(tmp_path / "instance"), **values)
        app = create_app(settings, TESTING=True, ARGON2_COST=(1, 256))
        # Each request starts with an empty `g`, as on a real server (see tests/conftest.py).
        app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
        app.teardown_request(lambda _error: g.pop("_flask_babel", None))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def member_in(app) -> str:
    """A ring with one active member; returns the member's e-mail address."""
    def make(session):
        ring = create_ring(session, name="Sonnenberg", slug="sonnenberg")
        member = create_member(session, ring_id=ring.id, name="Anna Berg",
                               email="anna@example.org", password=PASSWORD,
                               role="member", status="active")
        return member.email
    with app.app_context():
        return atomic(make)


def ask_for_reset(app, email: str, *, host: str):
    """Ask for a password reset as a browser at http://<host>/ would."""
    client = app.test_client()
    with app.app_context():
        page = client.get("/password/forgot", base_url=f"http://{host}")
    if page.status_code != 200:
        return page
    token = CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)
    with app.app_context():
        return client.post("/password/forgot", base_url=f"http://{host}",
                           data={"csrf_token": token, "email": email})


def mails(app) -> list[OutgoingMail]:
    with app.app_context():
        db.session.rollback()
        return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def reset_link_base(mail: OutgoingMail) -> str:
    found = RESET_LINK.search(mail.body)
    assert found, mail.body
    return found.group(1)


# --- links -----------------------------------------------------------------------

def test_a_reset_asked_for_under_another_host_links_to_the_default_address(build):
    app = build()  # no base_url, no trusted_hosts: every host is served ...
    email = member_in(app)
    answer = ask_for_reset(app, email, host="evil.example")
    assert answer.status_code == 200
    mail, = mails(app)
    # ... but the link in the mail never comes from the request.
    assert "evil.example" not in mail.body and "evil.example" not in mail.subject
    assert reset_link_base(mail) == "http://localhost:5000"


def test_the_configured_base_url_is_in_the_link(build):
    app = build(base_url="https://tausch.example.org", secure_cookies=True)
    email = member_in(app)
    answer = ask_for_reset(app, email, host="tausch.example.org")
    assert answer.status_code == 200
    mail, = mails(app)
    assert reset_link_base(mail) == "https://tausch.example.org"


def test_serve_links_to_its_own_address_and_serves_only_that_host(build):
    from tauschring.app import serve_at

    app = build()
    assert serve_at(app, "127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    email = member_in(app)
    assert ask_for_reset(app, email, host="evil.example").status_code == 400
    assert mails(app) == []
    assert ask_for_reset(app, email, host="127.0.0.1:8123").status_code == 200
    mail, = mails(app)
    assert reset_link_base(mail) == "http://127.0.0.1:8123"


def test_serve_keeps_a_configured_base_url_and_needs_one_on_every_address(build):
    from tauschring.app import serve_at

    configured = build(base_url="https://tausch.example.org")
    assert serve_at(configured, "0.0.0.0", 5000) == "https://tausch.example.org"
    assert configured.config["TRUSTED_HOSTS"] == ["tausch.example.org"]
    with pytest.raises(ConfigError, match="base_url"):
        serve_at(build(), "0.0.0.0", 5000)


# --- other hosts are refused ------------------------------------------------------------

def test_with_a_base_url_another_host_is_refused_with_400_on_pages_and_api(build):
    app = build(base_url="https://tausch.example.org")
    email = member_in(app)
    refused = ask_for_reset(app, email, host="evil.example")
    assert refused.status_code == 400
    assert "hier nicht bedient" in refused.get_data(as_text=True)  # German first
    assert mails(app) == []

    client = app.test_client()
    with app.app_context():
        # The form's POST itself, with a token taken from the right host.
        page = client.get("/password/forgot", base_url="https://tausch.example.org")
        token = CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)
        posted = client.post("/password/forgot", base_url="http://evil.example",
                             data={"csrf_token": token, "email": email})
        api = client.post("/api/v1/tokens", base_url="http://evil.example",
                          json={"email": email, "password": PASSWORD})
        health = client.get("/healthz", base_url="http://evil.example:8080")
    assert posted.status_code == 400 and mails(app) == []
    assert api.status_code == 400
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["code"] == "untrusted_host"
    assert health.status_code == 400


def test_listed_hosts_replace_the_derived_one(build):
    app = build(base_url="https://tausch.example.org",
                trusted_hosts=["tausch.example.org", "127.0.0.1", ".ring.example"])
    client = app.test_client()
    with app.app_context():
        answers = {host: client.get("/healthz", base_url=f"http://{host}").status_code
                   for host in ("tausch.example.org", "127.0.0.1:5000", "nord.ring.example",
                                "localhost", "evil.example")}
    assert answers == {"tausch.example.org": 200, "127.0.0.1:5000": 200,
                       "nord.ring.example": 200, "localhost": 400, "evil.example": 400}


# --- reverse proxies -------------------------------------------------------------------

def seen_by(app, **headers) -> dict:
    """What the app sees of a request sent from 192.0.2.1 with these headers."""
    client = app.test_client()
    with app.app_context():
        answer = client.get("/_seen", headers=headers,
                            environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def with_seen_route(app):
    @app.get("/_seen")
    def seen():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme,
                "host": request.host}
    return app


FORWARDED = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "tausch.example.org"}


def test_behind_one_proxy_the_client_address_is_the_last_forwarded_one(build):
    app = with_seen_route(build(base_url="https://tausch.example.org", proxies=1))
    # The proxy appends the address it saw; what the client wrote before it is not believed.
    assert seen_by(app, **FORWARDED) == {"remote_addr": "203.0.113.9", "scheme": "https",
                                         "host": "tausch.example.org"}


def test_without_proxies_forwarded_headers_are_ignored(build):
    app = with_seen_route(build(proxies=0))
    assert seen_by(app, **FORWARDED) == {"remote_addr": "192.0.2.1", "scheme": "http",
                                         "host": "localhost"}


def test_log_in_throttling_counts_the_forwarded_client(build):
    """Failed log-ins are counted per client address: behind a proxy that is the
    forwarded address, not the proxy's (which would throttle everyone at once)."""
    from tauschring.auth.models import LoginFailure

    app = build(base_url="https://tausch.example.org", proxies=1)
    email = member_in(app)
    client = app.test_client()
    with app.app_context():
        answer = client.post("/api/v1/tokens", base_url="https://tausch.example.org",
                             json={"email": email, "password": "wrong password"},
                             headers={"X-Forwarded-For": "203.0.113.9",
                                      "X-Forwarded-Host": "tausch.example.org"},
                             environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert answer.status_code == 401, answer.get_data(as_text=True)
        db.session.rollback()
        addresses = db.session.scalars(select(LoginFailure.remote_addr)).all()
    assert addresses == ["203.0.113.9"]


# --- configuration ----------------------------------------------------------------------

def settings_from(tmp_path, text: str) -> Settings:
    path = tmp_path / "tauschring.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings({"TAUSCHRING_CONFIG": str(path)})


def test_server_keys_are_read(tmp_path):
    settings = settings_from(tmp_path, '[server]\nbase_url = "https://Tausch.example.org/"\n'
                                       'trusted_hosts = ["Tausch.example.org", ".ring.example"]\n'
                                       "proxies = 2\n")
    assert settings.base_url == "https://Tausch.example.org"
    assert settings.trusted_hosts == ["tausch.example.org", ".ring.example"]
    assert settings.proxies == 2


def test_https_base_url_turns_secure_cookies_on_unless_said_otherwise(tmp_path):
    assert load_settings({}).secure_cookies is False
    https = '[server]\nbase_url = "https://tausch.example.org"\n'
    assert settings_from(tmp_path, https).secure_cookies is True
    assert settings_from(tmp_path, https + "[security]\nsecure_cookies = false\n"
                         ).secure_cookies is False
    assert settings_from(tmp_path, '[server]\nbase_url = "http://10.0.0.5:5000"\n'
                         ).secure_cookies is False


def test_the_old_mail_base_url_still_counts(tmp_path):
    old = settings_from(tmp_path, '[mail]\nbase_url = "https://alt.example.org/"\n')
    assert old.base_url == "https://alt.example.org" and old.secure_cookies is True
    both = settings_from(tmp_path, '[server]\nbase_url = "https://neu.example.org"\n'
                                   '[mail]\nbase_url = ""\n')
    assert both.base_url == "https://neu.example.org"


@pytest.mark.parametrize("content,words", [
    ('[server]\nbase_url = 5\n', "server.base_url must be a str"),
    ('[server]\nbase_url = "tausch.example.org"\n', "server.base_url must be an address"),
    ('[server]\nbase_url = "ftp://tausch.example.org"\n', "http or https"),
    ('[server]\nbase_url = "https://user:pw@tausch.example.org"\n', "without a user name"),
    ('[server]\nbase_url = "https://tausch.example.org/?a=1"\n', "without ?query"),
    ('[server]\nbase_url = "https://tausch.example.org:99999"\n', "server.base_url"),
    ('[server]\nbase_url = "https://bad host.example"\n', "is not a host name"),
    ('[server]\ntrusted_hosts = "tausch.example.org"\n', "server.trusted_hosts must be a list"),
    ('[server]\ntrusted_hosts = [1]\n', "server.trusted_hosts must be a list of host names"),
    ('[server]\ntrusted_hosts = ["https://tausch.example.org"]\n', "without scheme or port"),
    ('[server]\ntrusted_hosts = ["tausch.example.org:443"]\n', "without scheme or port"),
    ("[server]\nproxies = -1\n", "server.proxies must be between 0 and 10"),
    ('[server]\nproxies = "1"\n', "server.proxies must be a whole number"),
    ("[server]\nproxies = true\n", "server.proxies must be a whole number"),
    ('[mail]\nbase_url = 1\n', "mail.base_url must be a str"),
    ('[mail]\nbase_url = "localhost"\n', "mail.base_url must be an address"),
    ('[server]\nbase_url = "https://a.example"\n[mail]\nbase_url = "https://b.example"\n',
     "differ"),
])
def test_bad_server_keys_are_config_errors(tmp_path, content, words):
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, content)
    message = str(caught.value)
    assert words in message and "tauschring.toml" in message
    assert "\n" not in message
