"""docs/deploy.md, run: every marked `sh` block of the guide, in order, on
SQLite and on PostgreSQL, against a temporary instance.

The guide's paths (/opt/tauschring, /etc/tauschring, /var/lib/tauschring,
/var/backups/tauschring, /var/log/tauschring, /etc/nginx, ...) are moved
into a temporary folder, in the blocks and in copies of contrib/; port 5000
and the mail server become free local ports (an SMTP sink). Commands that
manage the machine go to stand-ins on PATH: `sudo` runs the command as the
test's user, `systemctl` starts and stops `tauschring` from the installed
unit file (its ExecStart, Environment, WorkingDirectory and
StandardOutput=append:), `nginx` is the real nginx on the moved
configuration, `certbot` makes a self-signed certificate, `useradd`,
`chown` and `apt-get` only write down what they were asked. The wheel is
really built and installed into a fresh venv (once per module), the
PostgreSQL role and database really created on the test server.

Between the blocks the test checks what the guide promises: the service
answers, a transfer made through the API survives backup, upgrade and
restore, every line of the installed cron file runs as cron would run it,
the log is rotated while the service writes on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.ops.deploy_support import (
    CONTRIB,
    NGINX,
    REPO,
    free_port,
    guide_blocks,
    nginx_main_config,
    python_shebang,
    request,
    require,
    unmarked_blocks,
    write_script,
)
from tests.support.databases import (
    POSTGRES_URL,
    database_name,
    drop_database,
    pg_admin,
    pg_url,
    require_postgres,
)

pytestmark = pytest.mark.slow

PASSWORD = "karins-long-password"
STATUTES = b"%PDF-1.4\n% Satzung des Tauschrings\n%%EOF\n"
PIP_CACHE = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
# The guide's paths, moved into the test's folder (longest first).
MOVED = ["/etc/systemd/system", "/etc/logrotate.d", "/etc/letsencrypt", "/etc/tauschring",
         "/etc/nginx", "/etc/caddy", "/etc/cron.d", "/var/lib/tauschring",
         "/var/log/tauschring", "/var/backups/tauschring", "/var/www/html", "/root"]

SUDO = """#!/bin/sh
# sudo [-u USER] COMMAND...: runs COMMAND as the test's user.
while [ $# -gt 0 ]; do
  case "$1" in -u|-g) shift 2 ;; -*) shift ;; *) break ;; esac
done
exec "$@"
"""
RECORD = """#!/bin/sh
echo "$(basename "$0") $*" >> "$DEPLOY_ROOT/stand-ins.log"
"""
INSTALL = """#!/bin/sh
# install without -o/-g: the service user does not exist here.
args=""
while [ $# -gt 0 ]; do
  case "$1" in -o|-g) shift 2 ;; *) args="$args $1"; shift ;; esac
done
exec /usr/bin/install $args
"""
CERTBOT = """#!/bin/sh
echo "certbot $*" >> "$DEPLOY_ROOT/stand-ins.log"
domain=""
while [ $# -gt 0 ]; do [ "$1" = -d ] && domain="$2"; shift; done
live="$DEPLOY_ROOT/etc/letsencrypt/live/$domain"
mkdir -p "$live"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$domain" \\
  -keyout "$live/privkey.pem" -out "$live/fullchain.pem" 2>/dev/null
"""
NGINX_STAND_IN = """#!/bin/sh
# The real nginx, on the moved main configuration.
exec {nginx} -p "$DEPLOY_ROOT/nginx" -c "$DEPLOY_ROOT/etc/nginx/nginx.conf" \\
  -e "$DEPLOY_ROOT/nginx/error.log" "$@"
"""
SYSTEMCTL = '''
"""systemctl for the unit tauschring: runs the installed unit file's ExecStart."""
import os, re, signal, subprocess, sys, time, urllib.request
root = os.environ["DEPLOY_ROOT"]
pidfile = os.path.join(root, "tauschring.pid")
with open(os.path.join(root, "stand-ins.log"), "a") as log:
    log.write("systemctl " + " ".join(sys.argv[1:]) + "\\n")
args = [a for a in sys.argv[1:] if not a.startswith("-")]
verb, units = args[0], args[1:]
now = "--now" in sys.argv

def running():
    try:
        pid = int(open(pidfile).read())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None

def start():
    if running():
        return
    unit = open(os.path.join(root, "etc/systemd/system/tauschring.service")).read()
    service = unit.split("[Service]")[1].split("\\n[")[0]
    keys = dict(re.findall(r"^(\\w+)=(.*)$", service, re.M))
    env = dict(os.environ)
    for line in re.findall(r"^Environment=(.*)$", service, re.M):
        name, value = line.split("=", 1)
        env[name] = value
    output = keys["StandardOutput"].removeprefix("append:")
    os.makedirs(os.path.dirname(output), exist_ok=True)
    seen = os.path.getsize(output) if os.path.exists(output) else 0
    journal = os.path.join(root, "journal.log")   # StandardError=journal
    assert keys["StandardError"] == "journal"
    with open(output, "a") as out, open(journal, "a") as errors:
        process = subprocess.Popen(keys["ExecStart"].split(), cwd=keys["WorkingDirectory"],
                                   env=env, stdout=out, stderr=errors,
                                   start_new_session=True)
    open(pidfile, "w").write(str(process.pid))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"tauschring.service failed: exit {process.returncode}")
        with open(output) as log:
            log.seek(seen)
            announced = "serving Tauschring on" in log.read()
        if announced:
            return
        time.sleep(0.3)
    sys.exit("tauschring.service did not announce itself within 90 s")

def stop():
    pid = running()
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(300):
            try:
                os.kill(pid, 0)
            except OSError:
                break
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.1)
    if os.path.exists(pidfile):
        os.remove(pidfile)

if verb == "daemon-reload" or "tauschring" not in [u.removesuffix(".service") for u in units]:
    sys.exit(0)   # nginx, caddy: only written down
if verb in ("start",) or (verb == "enable" and now):
    start()
elif verb == "stop":
    stop()
elif verb == "restart":
    stop(); start()
elif verb == "status":
    pid = running()
    print(f"tauschring.service: {'active (running), pid ' + str(pid) if pid else 'inactive'}")
    sys.exit(0 if pid else 3)
'''


class Guide:
    """The guide's world for one engine: folders, stand-ins, the moved paths."""

    def __init__(self, root: Path, opt: Path, engine: str):
        self.root, self.opt, self.engine = root, opt, engine
        self.app_port, self.smtp_port = free_port(), free_port()
        self.bin = root / "bin"
        self.bin.mkdir()
        for path in MOVED:
            (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
        for folder in ("etc/nginx/sites-available", "etc/nginx/sites-enabled", "nginx",
                       "dist", "home"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        nginx_main_config(root / "nginx", str(root / "etc/nginx/sites-enabled/*"))
        shutil.move(root / "nginx" / "nginx.conf", root / "etc/nginx/nginx.conf")
        write_script(self.bin / "sudo", SUDO)
        for name in ("useradd", "chown", "apt-get"):
            write_script(self.bin / name, RECORD)
        write_script(self.bin / "install", INSTALL)
        write_script(self.bin / "certbot", CERTBOT)
        write_script(self.bin / "nginx", NGINX_STAND_IN.format(nginx=NGINX))
        write_script(self.bin / "systemctl", python_shebang() + SYSTEMCTL)
        # contrib/ as the guide's copies would install it here.
        self.contrib = root / "source" / "contrib"
        shutil.copytree(CONTRIB, self.contrib)
        for path in self.contrib.rglob("*"):
            if path.is_file():
                path.write_text(self.moved(path.read_text()))
        self.role = self.database = None
        if engine == "postgresql":
            self.database = database_name("deploy")
            self.role = self.database.replace("tauschring_", "role_", 1)

    def moved(self, text: str) -> str:
        text = text.replace("/opt/tauschring", str(self.opt))
        for path in MOVED:
            text = text.replace(path, str(self.root / path.lstrip("/")))
        return text.replace("127.0.0.1:5000", f"127.0.0.1:{self.app_port}")

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TAUSCHRING_", "VIRTUAL_ENV", "PG"))}
        env.update(DEPLOY_ROOT=str(self.root), HOME=str(self.root / "home"),
                   PIP_CACHE_DIR=PIP_CACHE,  # the user's: the install need not download
                   PATH=f"{self.bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                   XDG_DATA_HOME=str(self.root / "home/data"),
                   XDG_CONFIG_HOME=str(self.root / "home/config"))
        if self.engine == "postgresql":
            server = make_url(POSTGRES_URL)
            env.update(PGHOST=server.host or "", PGPORT=str(server.port or 5432),
                       PGUSER=server.username or "", PGPASSWORD=server.password or "",
                       PGDATABASE=server.database or "postgres")
        return env

    def config(self, text: str) -> str:
        text = self.moved(text)
        text = replaced(text, "port = 5000", f"port = {self.app_port}")
        text = replaced(text, 'host = "smtp.example.org"', 'host = "127.0.0.1"')
        text = replaced(text, "port = 587", f"port = {self.smtp_port}")
        text = replaced(text, 'security = "starttls"', 'security = "none"')
        text = re.sub(r'(?m)^(username|password) = ".*"$', r'\1 = ""', text)
        if self.engine == "postgresql":
            text = replaced(text, 'url = "sqlite:///' + str(self.root / "var/lib/tauschring")
                            + '/tauschring.db"', f'url = "{pg_url(self.database)}"')
        return text

    def shell(self, text: str) -> str:
        text = self.moved(text)
        text = text.replace("contrib/", f"{self.contrib}/")
        text = text.replace("-w dist ", f"-w {self.root / 'dist'} ")
        text = text.replace(" dist/", f" {self.root / 'dist'}/")
        if self.engine == "postgresql":
            text = text.replace("createuser tauschring", f"createuser {self.role}")
            text = text.replace("--owner tauschring tauschring",
                                f"--owner {self.role} {self.database}")
            text = text.replace("ALTER DATABASE tauschring RENAME TO tauschring_before_restore",
                                f"ALTER DATABASE {self.database} RENAME TO "
                                f"{self.database}_old")
        return text

    def run(self, script: str, name: str) -> str:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=REPO,
                              env=self.env(), capture_output=True, text=True, timeout=900)
        shown = f"block {name!r} exit {done.returncode}\n{script}\n--- stdout\n{done.stdout}" \
                f"\n--- stderr\n{done.stderr[-4000:]}"
        assert done.returncode == 0, shown
        return done.stdout + done.stderr

    def api(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        status, _, data, _ = request(self.app_port, path, host="127.0.0.1", method=method,
                                     headers=headers,
                                     body=json.dumps(body).encode() if body else None)
        return status, json.loads(data) if data else None

    def cleanup(self) -> None:
        subprocess.run([str(self.bin / "systemctl"), "stop", "tauschring"], env=self.env(),
                       capture_output=True, timeout=60)
        if self.database:
            drop_database(self.database, f"{self.database}_old")
            admin = pg_admin()
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f"DROP ROLE IF EXISTS {self.role}"))
            finally:
                admin.dispose()


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, f"the guide's configuration no longer has {old!r}"
    return text.replace(old, new)


class SmtpSink:
    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def cron_jobs(path: Path) -> tuple[dict, list[str]]:
    """The installed cron file's variables and job commands (the commented-out too)."""
    text = path.read_text()
    variables = dict(re.findall(r"^([A-Z_]+)=(.*)$", text, re.M))
    jobs = [command for command in re.findall(
        r"^#? ?[*0-9/,-]+(?: +[*0-9/,-]+){4} +tauschring +(.*)$", text, re.M)]
    return variables, jobs


@pytest.fixture(scope="module")
def opt(tmp_path_factory):
    """/opt/tauschring, shared by the engines: the install block fills it once."""
    return tmp_path_factory.mktemp("opt")


def test_every_block_of_the_guide_is_marked_for_the_test():
    assert unmarked_blocks() == [], (
        "docs/deploy.md has sh/toml blocks without a <!-- deploy-test: NAME --> marker "
        "line before them; tests/ops/test_deploy_guide.py runs only marked blocks")
    names = [block.name for block in guide_blocks()]
    assert names[:3] == ["install", "database", "config"] and "restore" in names


def test_the_guide_runs_from_install_to_restore(engine_name, opt, tmp_path):
    if engine_name == "postgresql":
        require_postgres()
    require(NGINX, "nginx")
    require(shutil.which("caddy") or "/usr/bin/caddy", "caddy")
    require(shutil.which("logrotate") or "/usr/sbin/logrotate", "logrotate")
    guide = Guide(tmp_path, opt, engine_name)
    (tmp_path / "root" / "karin-password.txt").write_text(PASSWORD + "\n")
    ran = []
    try:
        with SmtpSink(guide.smtp_port):
            for block in guide_blocks():
                if block.engine not in (None, engine_name):
                    continue
                ran.append(block.name)
                if block.language == "toml":
                    config = tmp_path / "etc/tauschring/tauschring.toml"
                    config.write_text(guide.config(block.text))
                    continue
                output = guide.run(guide.shell(block.text), block.name)
                CHECKS.get(block.name, lambda *_: None)(guide, output)
    finally:
        guide.cleanup()
    expected = ["install", "config", "config-owner", "init", "service", "nginx", "caddy",
                "cron", "logrotate", "backup", "upgrade", "restore"]
    if engine_name == "postgresql":
        expected.insert(1, "database")
    assert ran == expected


def after_install(guide: Guide, output: str) -> None:
    assert (guide.opt / "venv/bin/tauschring").is_file()
    assert "backup" in output and "serve" in output  # the installed command's --help


def after_init(guide: Guide, output: str) -> None:
    assert "created ring 'mein-tauschring'" in output, output
    assert "created member karin@example.org" in output, output


def after_service(guide: Guide, output: str) -> None:
    assert '"status": "ok"' in output or '"status":"ok"' in output, output
    assert "active (running)" in output
    # Karin books a starting credit from the association account through the API.
    status, body = guide.api("POST", "/api/v1/tokens",
                             {"email": "karin@example.org", "password": PASSWORD})
    assert status == 201, body
    guide.token, guide.karin_account = body["token"], body["account_id"]
    status, accounts = guide.api("GET", "/api/v1/accounts?kind=association",
                                 token=guide.token)
    assert status == 200, accounts
    status, transfer = guide.api("POST", "/api/v1/transfers", {
        "debit_account_id": accounts["items"][0]["id"],
        "credit_account_id": guide.karin_account, "minutes": 90,
        "memo": "Startguthaben"}, token=guide.token)
    assert status == 201, transfer
    # ... and uploads the ring's statutes (a file beside the database).
    boundary = "deploy-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'
            f'Satzung\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="satzung.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode() \
        + STATUTES + f"\r\n--{boundary}--\r\n".encode()
    status, _, data, _ = request(
        guide.app_port, "/api/v1/documents", host="127.0.0.1", method="POST", body=body,
        headers={"Authorization": f"Bearer {guide.token}",
                 "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 201, data
    guide.document = json.loads(data)["id"]


def after_nginx(guide: Guide, output: str) -> None:
    assert "test is successful" in output, output
    enabled = guide.root / "etc/nginx/sites-enabled/tauschring"
    assert enabled.is_symlink() and enabled.resolve().is_file()


def after_caddy(guide: Guide, output: str) -> None:
    assert "Valid configuration" in output, output


def after_cron(guide: Guide, output: str) -> None:
    """Every job of the installed file, as cron runs it; the ring charges a fee first."""
    url = read_config_url(guide)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE rings SET fee_minutes = 10, fee_period = 'month' "
                                 "WHERE slug = 'mein-tauschring'"))
    finally:
        engine.dispose()
    variables, jobs = cron_jobs(guide.root / "etc/cron.d/tauschring")
    assert len(jobs) == 9, jobs
    env = guide.env()
    env.update(variables)
    env["PATH"] = f"{guide.bin}:{variables['PATH']}"
    outputs = {}
    for job in jobs:
        done = subprocess.run([variables["SHELL"], "-c", job.replace("\\%", "%")],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{job}\n{done.stdout}{done.stderr}"
        named = re.search(r"bin/tauschring ([a-z-]+(?: [a-z-]+)?)", job)
        outputs[named.group(1).split(" --")[0] if named else "tar"] = done.stdout + done.stderr
    backup, documents, confirm, fees, audit, mail = (outputs[name] for name in (
        "backup", "tar", "exchanges auto-confirm", "fees charge", "audit", "mail send"))
    assert {"region forget", "digest send", "digest remind"} <= set(outputs)
    assert "backed up the" in backup and "chain length 1" in backup, backup
    archives = list((guide.root / "var/backups/tauschring").glob("documents-*.tar.gz"))
    assert len(archives) == 1 and documents == "", documents
    listed = subprocess.run(["tar", "-tzf", str(archives[0])], capture_output=True,
                            text=True, check=True).stdout.split()
    assert len([name for name in listed if name.startswith("documents/")]) >= 2, listed
    assert "confirmed 0 exchanges" in confirm, confirm
    assert "charged 1 accounts 10 minutes each" in fees, fees
    assert audit == "", audit   # quiet while the ledger is sound
    assert mail.startswith("sent 0, failed 0"), mail


def after_logrotate(guide: Guide, output: str) -> None:
    """The service writes on after the file is rotated (copytruncate)."""
    assert "error:" not in output.lower(), output
    log = guide.root / "var/log/tauschring/tauschring.log"
    assert "GET /healthz 200" in log.read_text()
    done = subprocess.run(["logrotate", "--force", "--state", str(guide.root / "state"),
                           str(guide.root / "etc/logrotate.d/tauschring")],
                          env=guide.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "GET /healthz 200" in (log.parent / "tauschring.log.1").read_text()
    request(guide.app_port, "/healthz?after-rotation", host="127.0.0.1")
    deadline = time.monotonic() + 10
    while "GET /healthz 200" not in log.read_text().lstrip("\0"):
        assert time.monotonic() < deadline, "no line in the emptied log after the rotation"
        time.sleep(0.2)


def after_backup(guide: Guide, output: str) -> None:
    assert "backed up the" in output, output
    assert "tauschring-" in output


def after_upgrade(guide: Guide, output: str) -> None:
    assert "the schema is current" in output, output
    assert '"status": "ok"' in output or '"status":"ok"' in output, output


def after_restore(guide: Guide, output: str) -> None:
    assert re.search(r"ring mein-tauschring: audit ok, chain length 2", output), output
    status, account = guide.api("GET", f"/api/v1/accounts/{guide.karin_account}",
                                token=guide.token)
    assert status == 200, account
    assert account["balance"] == 90 - 10   # the starting credit, less the month's fee
    status, _, data, _ = request(guide.app_port, f"/api/v1/documents/{guide.document}",
                                 host="127.0.0.1",
                                 headers={"Authorization": f"Bearer {guide.token}"})
    assert status == 200 and data == STATUTES


def read_config_url(guide: Guide) -> str:
    import tomllib
    config = tomllib.loads((guide.root / "etc/tauschring/tauschring.toml").read_text())
    return config["database"]["url"]


CHECKS = {"install": after_install, "init": after_init, "service": after_service,
          "nginx": after_nginx, "caddy": after_caddy, "cron": after_cron,
          "logrotate": after_logrotate, "backup": after_backup, "upgrade": after_upgrade,
          "restore": after_restore}
