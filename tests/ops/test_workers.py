"""`tauschring serve --workers 2`: two gunicorn processes on one PostgreSQL
database, and what they must share lives in the database.

Requests go over fresh connections, so each lands on whichever worker accepts
it; the JSON access log names the process ("pid") that answered. The test
goes on until both processes have answered, and shows:

- an Idempotency-Key used in one process replays its answer in the other,
  and books once;
- log-in failures counted in one process throttle the other.

On SQLite `--workers` above 1 is refused in one line (one writer at a time:
more processes would only queue on the file).
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time

import pytest
import requests

from tauschring.db import db
from tests.ledger.conftest import assert_ledger_sound
from tests.ops.test_operator_comforts import COMMAND, environment, free_port, tauschring
from tests.support.commands import refused

ATTEMPTS = 200  # fresh connections until both workers have answered


class Workers:
    """`tauschring serve --workers 2` in the background, its JSON log lines in a queue."""

    def __init__(self, database_url: str, cwd, config):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(COMMAND), "serve", "--port", str(self.port), "--workers", "2",
             "--threads", "2"], cwd=cwd,
            env=environment(database_url, TAUSCHRING_CONFIG=str(config),
                            TAUSCHRING_SECRET_KEY="workers-test-secret"),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        self.lines: queue.Queue = queue.Queue()
        self.announced = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            if line.startswith("serving Tauschring"):
                self.announced.set()
            elif line.startswith("{"):
                self.lines.put(json.loads(line))

    def logged(self, method: str, path: str, timeout: float = 30) -> dict:
        """The access-log entry of the request just answered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                entry = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if entry.get("method") == method and entry.get("path") == path:
                return entry
        raise AssertionError(f"no access-log line for {method} {path}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@pytest.fixture
def workers(database_url, engine_name, tmp_path):
    if engine_name != "postgresql":
        pytest.skip("several processes are for PostgreSQL")
    config = tmp_path / "tauschring.toml"
    config.write_text('[server]\nlog_format = "json"\n\n[security]\nlogin_max_failures = 3\n')
    db.engine.dispose()
    server = Workers(database_url, tmp_path, config)
    try:
        if not server.announced.wait(90):
            raise AssertionError(f"serve did not announce: {server.process.stderr.read()}")
        yield server
    finally:
        assert server.stop() == 0
        stderr = server.process.stderr.read()
        server.process.stdout.close()
        server.process.stderr.close()
        assert "Traceback" not in stderr, stderr


def test_an_idempotent_retry_replays_across_the_two_processes(world, workers):
    ring = world.ring("zwei")
    karin = world.coordinator(ring)
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
    db.session.remove()
    token = requests.post(f"{workers.base}/api/v1/tokens", timeout=30, json={
        "email": karin.email, "password": karin.password}).json()["token"]
    workers.logged("POST", "/api/v1/tokens")
    body = {"debit_account_id": anna.account_id, "credit_account_id": bert.account_id,
            "minutes": 90, "memo": "Fahrdienst"}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "fahrt-2026-12-05"}
    answers = []  # (pid, status, replayed, body)
    for _ in range(ATTEMPTS):
        response = requests.post(f"{workers.base}/api/v1/transfers", json=body,
                                 headers=headers, timeout=30)
        entry = workers.logged("POST", "/api/v1/transfers")
        answers.append((entry["pid"], response.status_code,
                        response.headers.get("Idempotent-Replayed"), response.json()))
        if len({pid for pid, *_ in answers}) == 2:
            break
    pids = {pid for pid, *_ in answers}
    assert len(pids) == 2, f"one process answered all {len(answers)} requests"
    assert all(status == 201 for _, status, _, _ in answers), answers
    first_pid, _, replayed, first = answers[0]
    assert replayed is None
    assert all(r == "true" and b == first for _, _, r, b in answers[1:])
    # The other process replayed what the first one booked.
    assert any(pid != first_pid for pid, *_ in answers[1:])
    facts = assert_ledger_sound(ring.id, overridden=set())
    assert list(facts.transfers) == [first["id"]]
    assert facts.balances[anna.account_id] == -90


def test_log_in_failures_in_one_process_throttle_the_other(world, workers):
    ring = world.ring("drossel")
    anna = world.member(ring, "Anna")
    db.session.remove()
    wrong = {"email": anna.email, "password": "falsch geraten 1"}
    answers = []  # (pid, status)
    for _ in range(ATTEMPTS):
        response = requests.post(f"{workers.base}/api/v1/tokens", json=wrong, timeout=30)
        answers.append((workers.logged("POST", "/api/v1/tokens")["pid"],
                        response.status_code))
        throttled = {pid for pid, status in answers if status == 429}
        if len(throttled) == 2:
            break
    statuses = [status for _, status in answers]
    # Three failures are free (login_max_failures), wherever they were counted;
    # from then on every attempt is throttled, by either process.
    assert statuses[:3] == [401, 401, 401], answers
    assert set(statuses[3:]) == {429}, answers
    assert len({pid for pid, status in answers if status == 429}) == 2, (
        f"one process answered all {len(answers)} attempts")
    # Even the right password waits now, in both processes.
    right = {"email": anna.email, "password": anna.password}
    assert requests.post(f"{workers.base}/api/v1/tokens", json=right,
                         timeout=30).status_code == 429


def test_serve_refuses_several_processes_on_sqlite(database_url, engine_name, tmp_path):
    if engine_name != "sqlite":
        pytest.skip("the refusal is SQLite's")
    line = refused(tauschring("serve", "--workers", "2", database_url=database_url,
                              cwd=tmp_path))
    assert "--workers" in line and "PostgreSQL" in line
