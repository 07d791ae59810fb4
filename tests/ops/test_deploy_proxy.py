"""The shipped deployment files, for real: contrib/nginx/tauschring.conf and
contrib/Caddyfile in a real nginx and Caddy in front of `tauschring serve`,
contrib/tauschring.service through `systemd-analyze verify`,
contrib/logrotate/tauschring through `logrotate`, contrib/cron/tauschring
read as cron reads it.

The instance is configured as docs/deploy.md says (base_url https,
trusted_hosts, proxies = 1) and checked through the proxy as a visitor
would: the pages load over HTTPS, plain HTTP is sent to HTTPS, the client's
address (not one the client made up) reaches the application, the cookies
are Secure (the session's because the base URL is https, the language
switch's because the proxy says X-Forwarded-Proto: https), and a request
naming another host is answered with 400.

Only the addresses are changed: ports (free ones), the certificate (a
self-signed one), the webroot. Without nginx or Caddy installed the test
is skipped with the reason (scripts/test installs both; under
TAUSCHRING_TEST_STRICT=1 it fails instead).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ops.deploy_support import (
    CADDY,
    CONTRIB,
    HOST,
    NGINX,
    free_port,
    nginx_main_config,
    request,
    require,
    self_signed,
    stop,
    wait_until_answering,
)
from tests.support.databases import postgres_database, require_postgres

COMMAND = Path(sys.executable).with_name("tauschring")
CLIENT = "127.0.0.7"   # the visitor's address; the proxy talks to the app from 127.0.0.1
MADE_UP = "203.0.113.9"
PASSWORD = "deploy-test-password"


def replaced(text: str, old: str, new: str, count: int | None = None) -> str:
    """`text` with `old` replaced; the shipped file must contain it (count times)."""
    found = text.count(old)
    assert found and (count is None or found == count), \
        f"expected {count or 'some'} {old!r} in the shipped file, found {found}"
    return text.replace(old, new)


def proxied_instance_env(folder: Path, database_url: str, port: int) -> dict:
    """The environment of a `tauschring` configured as docs/deploy.md says for one
    proxy in front (tauschring.toml written into the folder)."""
    config = folder / "tauschring.toml"
    config.write_text(f"""
[database]
url = "{database_url}"
[server]
host = "127.0.0.1"
port = {port}
base_url = "https://{HOST}"
trusted_hosts = ["{HOST}", "127.0.0.1"]
proxies = 1
instance_path = "{folder}/instance"
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_CONFIG"] = str(config)
    return env


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """`tauschring serve` configured as docs/deploy.md says, on a free port."""
    folder = tmp_path_factory.mktemp("proxied")
    port = free_port()
    env = proxied_instance_env(folder, f"sqlite:///{folder}/tauschring.db", port)

    def run(*args, stdin=None):
        done = subprocess.run([str(COMMAND), *args], cwd=folder, env=env, input=stdin,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("init")
    run("member", "create", "--ring", "mein-tauschring", "--name", "Karin Vogt",
        "--email", "karin@example.org", "--role", "coordinator", "--password-stdin",
        stdin=PASSWORD + "\n")
    log = open(folder / "serve.log", "w")
    server = subprocess.Popen([str(COMMAND), "serve"], cwd=folder, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        wait_until_answering(port, server)
        yield {"port": port, "folder": folder, "database": folder / "tauschring.db"}
    finally:
        stop(server)
        log.close()


def login_failure_addresses(database: Path) -> list[str]:
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute(
            "SELECT remote_addr FROM login_failures ORDER BY id")]


def check_through_proxy(instance, https_port: int, name: str, *,
                        serves_any_host: bool) -> None:
    """What a visitor sees through the proxy on https_port (a browser names the port
    in Host and Referer, as it is not 443)."""
    named = f"{HOST}:{https_port}"
    # A page loads, in German, over HTTPS.
    status, headers, body, cookies = request(https_port, "/login", host=named, tls=True)
    assert status == 200, (name, status, body[:300])
    assert "Passwort" in body.decode()
    assert "max-age" in headers.get("strict-transport-security", ""), headers
    # The log-in session's cookie is Secure: the base URL is https.
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "Secure" in session[0], cookies

    # X-Forwarded-Proto: https reaches the app: the language switch's cookie, which is
    # Secure only for a request the app sees as HTTPS, is Secure.
    token = re.search(r'name="csrf_token" value="([^"]+)"', body.decode()).group(1)
    form = f"csrf_token={token}&language=en&next=/login".encode()
    status, headers, body, switched = request(
        https_port, "/language", host=named, tls=True, method="POST", body=form,
        headers={"Cookie": session[0].split(";")[0],
                 "Content-Type": "application/x-www-form-urlencoded",
                 "Referer": f"https://{named}/login"})
    assert status == 302, (name, status, body[:300])
    language = [c for c in switched if c.split("=")[0] not in ("session",)]
    assert language and "Secure" in language[0], switched
    # ... while the same switch straight to the app over plain HTTP is not Secure.
    status, _, body, direct = request(instance["port"], "/login", host="127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', body.decode()).group(1)
    cookie = [c for c in direct if c.startswith("session=")][0].split(";")[0]
    status, _, _, plain = request(
        instance["port"], "/language", host="127.0.0.1", method="POST",
        body=f"csrf_token={token}&language=en&next=/login".encode(),
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302
    plain_language = [c for c in plain if not c.startswith("session=")]
    assert plain_language and "Secure" not in plain_language[0], plain

    # The client's address reaches the app, not the proxy's and not one it made up:
    # a failed log-in is counted for the visitor's address.
    before = len(login_failure_addresses(instance["database"]))
    status, _, body, _ = request(
        https_port, "/api/v1/tokens", host=named, tls=True, method="POST", source=CLIENT,
        body=json.dumps({"email": "karin@example.org", "password": "wrong-password"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": MADE_UP})
    assert status == 401, (name, status, body[:300])
    assert login_failure_addresses(instance["database"])[before:] == [CLIENT]

    # A request naming another host is refused with 400 by the app (nginx passes it
    # on; Caddy answers it itself with an empty page, as it serves no such site), also
    # when only X-Forwarded-Host names it (the proxy puts the real host there).
    status, _, body, _ = request(https_port, "/login", host=f"evil.example.net:{https_port}",
                                 tls=True, server_name=HOST)
    if serves_any_host:
        assert status == 400 and b"<h1>400</h1>" in body, (name, status, body[:300])
    else:
        assert status == 200 and body == b"", (name, status, body[:300])
    status, _, body, _ = request(https_port, "/login", host=named, tls=True,
                                 headers={"X-Forwarded-Host": "evil.example.net"})
    assert status == 200, (name, status, body[:300])


def test_nginx_in_front_of_tauschring_serve(instance, tmp_path):
    require(NGINX, "nginx")
    http_port, https_port = free_port(), free_port()
    cert, key = self_signed(tmp_path / "cert")
    (tmp_path / "www").mkdir()
    site = (CONTRIB / "nginx" / "tauschring.conf").read_text()
    site = replaced(site, "    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n", 1)
    site = replaced(site, "    listen 443 ssl http2;\n",
                    f"    listen 127.0.0.1:{https_port} ssl http2;\n", 1)
    site = re.sub(r"    listen \[::\]:\d+.*\n", "", site)  # the test machine may lack IPv6
    site = replaced(site, f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert), 1)
    site = replaced(site, f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key), 1)
    site = replaced(site, "/var/www/html", str(tmp_path / "www"), 1)
    site = replaced(site, "http://127.0.0.1:5000", f"http://127.0.0.1:{instance['port']}", 1)
    (tmp_path / "tauschring.conf").write_text(site)
    prefix = tmp_path / "nginx"
    main = nginx_main_config(prefix, str(tmp_path / "tauschring.conf"))
    options = ["-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]

    checked = subprocess.run([NGINX, *options, "-t"], capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr

    nginx = subprocess.Popen([NGINX, *options, "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(https_port, nginx, host=HOST, path="/healthz", tls=True)
        # Plain HTTP goes to HTTPS, the path kept.
        status, headers, _, _ = request(http_port, "/login?next=/market")
        assert status == 301 and headers["location"] == f"https://{HOST}/login?next=/market"
        check_through_proxy(instance, https_port, "nginx", serves_any_host=True)
    finally:
        stop(nginx)


def test_caddy_in_front_of_tauschring_serve(instance, tmp_path):
    require(CADDY, "caddy")
    http_port, https_port = free_port(), free_port()
    caddyfile = (CONTRIB / "Caddyfile").read_text()
    # The shipped site, with an internal certificate instead of Let's Encrypt's.
    caddyfile = replaced(caddyfile, f"\n{HOST} {{\n",
                         f"\n{HOST}:{https_port} {{\n\ttls internal\n", 1)
    caddyfile = replaced(caddyfile, "reverse_proxy 127.0.0.1:5000",
                         f"reverse_proxy 127.0.0.1:{instance['port']}", 1)
    caddyfile = (f"{{\n\tadmin off\n\thttp_port {http_port}\n\thttps_port {https_port}\n"
                 f"\tskip_install_trust\n\tauto_https disable_redirects\n"
                 f"\tstorage file_system {tmp_path / 'data'}\n}}\n" + caddyfile)
    (tmp_path / "Caddyfile").write_text(caddyfile)
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))

    for shipped in (CONTRIB / "Caddyfile", tmp_path / "Caddyfile"):
        checked = subprocess.run([CADDY, "validate", "--config", str(shipped), "--adapter",
                                  "caddyfile"], capture_output=True, text=True, env=env,
                                 cwd=tmp_path, timeout=120)
        assert checked.returncode == 0, checked.stderr[-2000:]
        assert "Valid configuration" in checked.stdout + checked.stderr

    log = open(tmp_path / "caddy.log", "w")
    caddy = subprocess.Popen([CADDY, "run", "--config", str(tmp_path / "Caddyfile"),
                              "--adapter", "caddyfile"], env=env, cwd=tmp_path,
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(https_port, caddy, host=HOST, path="/healthz", tls=True)
        check_through_proxy(instance, https_port, "caddy", serves_any_host=False)
    finally:
        stop(caddy)
        log.close()


def test_the_systemd_unit_starts_the_installed_command_as_its_own_user(tmp_path):
    unit = (CONTRIB / "tauschring.service").read_text()
    service = dict(re.findall(r"^(\w+)=(.*)$", unit.split("[Service]")[1].split("[")[0],
                              re.M))
    assert service["ExecStart"] == "/opt/tauschring/venv/bin/tauschring serve"
    assert service["User"] == "tauschring" and service["Group"] == "tauschring"
    assert service["Environment"] == "TAUSCHRING_CONFIG=/etc/tauschring/tauschring.toml"
    assert service["StandardOutput"] == "append:/var/log/tauschring/tauschring.log"
    assert service["StandardError"] == "journal"
    assert "WantedBy=multi-user.target" in unit
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # parsed above; `systemd-analyze verify` where systemd is installed
    # The unit as installed, with the command where this machine has it.
    copy = tmp_path / "tauschring.service"
    copy.write_text(unit.replace("/opt/tauschring/venv/bin/tauschring", str(COMMAND)))
    verified = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True,
                              timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "tauschring.service" not in verified.stderr, verified.stderr


def test_logrotate_rotates_the_access_log_and_the_service_writes_on(tmp_path):
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    require(logrotate, "logrotate")
    logs = tmp_path / "log"
    logs.mkdir(mode=0o755)
    config = (CONTRIB / "logrotate" / "tauschring").read_text()
    config = replaced(config, "/var/log/tauschring/", f"{logs}/")
    assert "\n    su " not in config   # root rotates the root-owned folder
    (tmp_path / "tauschring").write_text(config)
    state = tmp_path / "state"

    checked = subprocess.run([logrotate, "--debug", "--state", str(state),
                              str(tmp_path / "tauschring")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "error" not in checked.stderr.lower(), checked.stderr

    # A writer that keeps the file open (as systemd's append: does) writes on into the
    # emptied file after the rotation.
    with open(logs / "tauschring.log", "a") as writer:
        writer.write("GET /login 200 3.1ms\n")
        writer.flush()
        forced = subprocess.run([logrotate, "--force", "--state", str(state),
                                 str(tmp_path / "tauschring")],
                                capture_output=True, text=True, timeout=60)
        assert forced.returncode == 0, forced.stderr
        writer.write("GET /healthz 200 1.0ms\n")
        writer.flush()
    assert (logs / "tauschring.log.1").read_text() == "GET /login 200 3.1ms\n"
    assert (logs / "tauschring.log").read_text().lstrip("\0") == "GET /healthz 200 1.0ms\n"


def test_the_cron_jobs_name_the_installed_command_and_existing_commands():
    from tauschring.cli import main

    text = (CONTRIB / "cron" / "tauschring").read_text()
    variables = dict(re.findall(r"^([A-Z_]+)=(.*)$", text, re.M))
    assert variables["TAUSCHRING_CONFIG"] == "/etc/tauschring/tauschring.toml"
    jobs = re.findall(r"^#? ?([*0-9/,-]+(?: +[*0-9/,-]+){4}) +(\S+) +(.*)$", text, re.M)
    commands = set()
    for _when, user, command in jobs:
        assert user == "tauschring", command
        if "/bin/tauschring" not in command:   # the documents, beside the database
            assert command.startswith("mkdir -p /var/lib/tauschring/instance/documents && "
                                      "tar -C /var/lib/tauschring/instance -czf "
                                      "/var/backups/tauschring/documents-"), command
            commands.add("tar")
            continue
        match = re.search(r"(?:^|[\s(])(/\S+/tauschring) ([a-z-]+)(?: ([a-z-]+))?", command)
        assert match and match.group(1) == "/opt/tauschring/venv/bin/tauschring", command
        name = match.group(2)
        assert name in main.commands, command
        if hasattr(main.commands[name], "commands"):
            assert match.group(3) in main.commands[name].commands, command
            name += " " + match.group(3)
        commands.add(name)
    assert commands == {"backup", "tar", "exchanges auto-confirm", "fees charge",
                        "region forget", "digest send", "digest remind", "audit", "mail send"}


def test_serve_hands_the_proxy_headers_to_the_app_when_proxies_is_set(instance):
    """waitress drops X-Forwarded-* unless told otherwise; with [server] proxies = 1
    `tauschring serve` keeps them for the app, which believes the last entry. (Here the
    test plays the proxy; no nginx needed.)"""
    before = len(login_failure_addresses(instance["database"]))
    status, _, body, _ = request(
        instance["port"], "/api/v1/tokens", host="127.0.0.1", method="POST",
        body=json.dumps({"email": "karin@example.org", "password": "wrong-password"}).encode(),
        headers={"Content-Type": "application/json",
                 "X-Forwarded-For": f"{MADE_UP}, 198.51.100.7"})
    assert status == 401, body
    assert login_failure_addresses(instance["database"])[before:] == ["198.51.100.7"]


def test_serve_with_worker_processes_behind_a_proxy_sees_the_client(tmp_path):
    """`serve --workers 2` (gunicorn, PostgreSQL) with [server] proxies = 1: the app
    believes the proxy's X-Forwarded-For entry as under waitress."""
    require_postgres()
    with postgres_database("workers_proxy") as url:
        port = free_port()
        env = proxied_instance_env(tmp_path, url, port)
        done = subprocess.run([str(COMMAND), "init"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        log = open(tmp_path / "serve.log", "w")
        server = subprocess.Popen([str(COMMAND), "serve", "--workers", "2"], cwd=tmp_path,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_answering(port, server)
            status, _, body, _ = request(
                port, "/api/v1/tokens", host=HOST, method="POST",
                body=json.dumps({"email": "nobody@example.org", "password": "wrong"}).encode(),
                headers={"Content-Type": "application/json",
                         "X-Forwarded-For": f"{MADE_UP}, 198.51.100.8",
                         "X-Forwarded-Proto": "https"})
            assert status == 401, body
        finally:
            stop(server)
            log.close()
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                addresses = conn.execute(sa.text("SELECT remote_addr FROM login_failures")
                                         ).scalars().all()
        finally:
            engine.dispose()
        assert addresses == ["198.51.100.8"]
