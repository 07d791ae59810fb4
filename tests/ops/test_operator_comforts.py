"""What an operator meets at the command line, through the real `tauschring`
command in a subprocess, on SQLite and PostgreSQL:

- `member create` asks for the password in a terminal (hidden, twice), reads
  it from `--password-stdin`, and without either and without a terminal
  refuses in one line;
- `init` says whether it created, upgraded or found the schema current, and
  whether it created the first ring;
- `serve` announces its address only once it listens, refuses a port in use
  in one line, and logs every request (method, path, status, milliseconds;
  no query string, no reset token), as text or JSON lines.
"""

from __future__ import annotations

import json
import logging
import os
import pty
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from tauschring.app import MIGRATIONS
from tauschring.db import db
from tauschring.logs import QueueDepthSummary
from tauschring.members.passwords import verify_password
from tests.support.app import make_app
from tests.support.commands import refused
from tests.support.databases import postgres_database

COMMAND = Path(sys.executable).with_name("tauschring")
NEW_PASSWORD = "Kaffee und Kuchen 7"


def environment(database_url: str, **more) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env.update(TAUSCHRING_DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **more)
    return env


def tauschring(*args, database_url: str, cwd: Path, stdin=subprocess.DEVNULL,
               input: str | None = None, **env) -> subprocess.CompletedProcess:
    if input is not None:
        stdin = None
    return subprocess.run([str(COMMAND), *args], cwd=cwd, env=environment(database_url, **env),
                          stdin=stdin, input=input, capture_output=True, text=True,
                          timeout=180)


def in_terminal(*args, database_url: str, cwd: Path, answers: dict[str, str],
                timeout: float = 120) -> tuple[int, str]:
    """Run the command in a pseudo-terminal, answering each prompt when it shows.

    Returns the exit code and everything the terminal showed.
    """
    env = environment(database_url)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pseudo-terminal is its controlling terminal
        try:
            os.chdir(cwd)
            os.execve(str(COMMAND), [str(COMMAND), *args], env)
        finally:
            os._exit(127)
    shown, pending = "", dict(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            shown += chunk.decode("utf-8", "replace")
            for prompt in list(pending):
                if shown.rstrip().endswith(prompt):
                    os.write(fd, (pending.pop(prompt) + "\n").encode())
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown


def password_hash(url: str, email: str) -> str | None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT password_hash FROM members WHERE email = :e"),
                                {"e": email}).scalar()
    finally:
        engine.dispose()


# --- member create: the password ------------------------------------------------------

def test_member_create_reads_the_password_from_stdin_or_asks_in_a_terminal(
        database_url, world, tmp_path):
    world.ring("talheim")
    db.session.remove()
    base = ["member", "create", "--ring", "talheim", "--role", "coordinator"]

    piped = tauschring(*base, "--name", "Karin Vogt", "--email", "karin@example.org",
                       "--password-stdin", input=NEW_PASSWORD + "\n",
                       database_url=database_url, cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert "created member karin@example.org" in piped.stdout
    assert NEW_PASSWORD not in piped.stdout + piped.stderr
    assert verify_password(password_hash(database_url, "karin@example.org"), NEW_PASSWORD)

    code, shown = in_terminal(*base, "--name", "Ben Ott", "--email", "ben@example.org",
                              database_url=database_url, cwd=tmp_path,
                              answers={"Password:": NEW_PASSWORD,
                                       "Repeat for confirmation:": NEW_PASSWORD})
    assert code == 0, shown
    assert "created member ben@example.org" in shown
    assert NEW_PASSWORD not in shown, "the password is not echoed"
    assert verify_password(password_hash(database_url, "ben@example.org"), NEW_PASSWORD)

    # --password keeps working (the contract has it)
    given = tauschring(*base, "--name", "Cem Aydin", "--email", "cem@example.org",
                       "--password", NEW_PASSWORD, database_url=database_url, cwd=tmp_path)
    assert given.returncode == 0, given.stderr
    assert verify_password(password_hash(database_url, "cem@example.org"), NEW_PASSWORD)


def test_member_create_without_a_password_and_without_a_terminal_is_refused(
        database_url, world, tmp_path):
    world.ring("talheim")
    db.session.remove()
    base = ["member", "create", "--ring", "talheim", "--name", "Dora Ross",
            "--email", "dora@example.org"]

    line = refused(tauschring(*base, database_url=database_url, cwd=tmp_path))
    assert "--password-stdin" in line
    line = refused(tauschring(*base, "--password-stdin", input="", database_url=database_url,
                              cwd=tmp_path))
    assert "--password-stdin" in line
    line = refused(tauschring(*base, "--password-stdin", input="kurz\n",
                              database_url=database_url, cwd=tmp_path))
    assert "8" in line and "kurz" not in line
    line = refused(tauschring(*base, "--password", NEW_PASSWORD, "--password-stdin",
                              input=NEW_PASSWORD + "\n", database_url=database_url,
                              cwd=tmp_path))
    assert "not both" in line
    assert password_hash(database_url, "dora@example.org") is None


# --- init: what it did -----------------------------------------------------------------

def head_and_previous() -> tuple[str, str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    head = script.get_revision(script.get_current_head())
    return head.revision, head.down_revision


@pytest.fixture
def empty_database(engine_name, tmp_path):
    """empty_database(name) -> the URL of a database without any schema."""
    with ExitStack() as stack:
        def make(name: str) -> str:
            if engine_name == "sqlite":
                return f"sqlite:///{tmp_path / name / 'tauschring.db'}"
            return stack.enter_context(postgres_database(f"ops_{name}"))
        yield make


def test_init_says_whether_it_created_upgraded_or_found_the_schema(empty_database, tmp_path):
    head, previous = head_and_previous()
    fresh = empty_database("fresh")
    first = tauschring("init", database_url=fresh, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"created the schema (revision {head})" in first.stdout
    assert "created ring 'mein-tauschring'" in first.stdout

    again = tauschring("init", database_url=fresh, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"the schema is current (revision {head})" in again.stdout
    assert "created no first ring" in again.stdout and "created ring" not in again.stdout

    older = empty_database("older")
    app = make_app(older, tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=previous)
        db.session.remove()
        db.engine.dispose()
    upgraded = tauschring("init", database_url=older, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded the schema from {previous} to {head}" in upgraded.stdout
    assert "created ring 'mein-tauschring'" in upgraded.stdout


# --- serve: listening, a port in use, the access log --------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_refuses_a_port_in_use_in_one_line(database_url, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = refused(tauschring("serve", "--port", str(port), database_url=database_url,
                                  cwd=tmp_path))
    assert str(port) in line and "listen" in line


def test_serve_refuses_an_unknown_log_format(database_url, tmp_path):
    config = tmp_path / "tauschring.toml"
    config.write_text('[server]\nlog_format = "xml"\n')
    line = refused(tauschring("serve", database_url=database_url, cwd=tmp_path,
                              TAUSCHRING_CONFIG=str(config)))
    assert "log_format" in line


class Serving:
    """`tauschring serve` in the background; its output lines arrive in `lines`."""

    def __init__(self, database_url: str, cwd: Path, **env):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(COMMAND), "serve", "--port", str(self.port)], cwd=cwd,
            env=environment(database_url, **env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"serve ended: {seen} {self.process.stderr.read()}")
            seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line like {pattern!r} in {seen}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@pytest.fixture
def serving(database_url, tmp_path):
    started = []

    def start(**env) -> Serving:
        started.append(Serving(database_url, tmp_path, **env))
        return started[-1]

    yield start
    for server in started:
        server.stop()
        server.process.stdout.close()
        server.process.stderr.close()


def test_serve_listens_before_it_announces_and_logs_each_request_without_secrets(serving):
    server = serving()
    announced = server.wait_for(r"^serving Tauschring on ")
    assert f"http://127.0.0.1:{server.port}/" in announced
    base = f"http://127.0.0.1:{server.port}"
    # the announcement comes after the socket listens: the first try connects
    assert requests.get(f"{base}/healthz", timeout=30).status_code == 200
    line = server.wait_for(r"GET /healthz ")
    assert re.search(r"\bGET /healthz 200 \d+(\.\d+)?ms$", line), line

    requests.get(f"{base}/password/reset/SECRET-TOKEN-123?next=/x&code=QUERY-SECRET",
                 timeout=30)
    line = server.wait_for(r"/password/reset/")
    assert re.search(r"\bGET /password/reset/\*\*\* \d{3} \d+(\.\d+)?ms$", line), line
    requests.get(f"{base}/nowhere?token=QUERY-SECRET", timeout=30)
    line = server.wait_for(r"/nowhere")
    assert re.search(r"\bGET /nowhere 404 ", line), line
    assert "SECRET" not in line and "?" not in line

    assert server.stop() == 0
    assert "Traceback" not in server.process.stderr.read()


def test_serve_writes_the_access_log_as_json_lines(serving, tmp_path):
    config = tmp_path / "json.toml"
    config.write_text('[server]\nlog_format = "json"\n')
    server = serving(TAUSCHRING_CONFIG=str(config))
    server.wait_for(r"^serving Tauschring on ")
    requests.post(f"http://127.0.0.1:{server.port}/email/confirm/SECRET-TOKEN?x=1",
                  timeout=30)
    entry = json.loads(server.wait_for(r'^\{.*"/email/confirm/'))
    assert entry["method"] == "POST" and entry["path"] == "/email/confirm/***"
    assert isinstance(entry["status"], int) and isinstance(entry["ms"], (int, float))
    assert entry["time"].endswith("Z")


def test_serve_tells_of_requests_waiting_for_a_thread_once_not_for_each(serving, tmp_path):
    """waitress warns for every request that finds all threads busy: under load, a
    line per request. `serve` says it once a minute, with the deepest queue."""
    config = tmp_path / "one-thread.toml"
    config.write_text("[server]\nthreads = 1\n")
    server = serving(TAUSCHRING_CONFIG=str(config))
    server.wait_for(r"^serving Tauschring on ")
    url = f"http://127.0.0.1:{server.port}/healthz"
    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(lambda _: requests.get(url, timeout=60).status_code,
                                range(240)))
    assert answers == [200] * 240
    assert server.stop() == 0
    warnings = [line for line in server.process.stderr.read().splitlines()
                if "Task queue depth" in line]
    assert len(warnings) == 1, warnings
    assert re.search(r"Task queue depth is \d+ \(the deepest; 1 request\(s\) waited",
                     warnings[0]), warnings


def test_the_queue_summary_tells_the_deepest_queue_when_the_minute_is_up():
    logger = logging.getLogger("tests.queue-summary")
    logger.propagate, lines = False, []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())
    logger.addHandler(Keep())
    logger.addFilter(QueueDepthSummary(logger, every=0.3))

    for depth in (1, 7, 3):
        logger.warning("Task queue depth is %d", depth)
    assert lines == ["Task queue depth is 1 (the deepest; 1 request(s) waited for a thread)"]
    deadline = time.monotonic() + 10
    while len(lines) < 2 and time.monotonic() < deadline:  # told without a further warning
        time.sleep(0.05)
    assert lines[1:] == ["Task queue depth is 7 (the deepest; 2 request(s) waited for a thread)"]
    time.sleep(0.5)
    assert len(lines) == 2  # nothing waited since: nothing to tell
    logger.warning("Task queue depth is %d", 2)
    assert lines[2:] == ["Task queue depth is 2 (the deepest; 1 request(s) waited for a thread)"]
