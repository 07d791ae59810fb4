"""Two live `tauschring serve` instances trading over HTTP, each killed
(SIGKILL) between prepare and commit in a loop of 50 transfers.

Ring "sonnenberg" lives on instance A (SQLite), ring "talheim" on instance B
(SQLite, or PostgreSQL in the postgresql variant). Each instance reaches the
other through a small HTTP proxy of this test, which sees every signed
message and so knows exactly when a prepare has been answered (then it kills
A before A reads the answer) or a commit is on its way (then it kills B
before the commit arrives); one transfer in ten goes the other way (B pays
A, through the other proxy). Peers are set up with the real commands, the
transfers go through the real API, recovery is `tauschring federation retry`
on both sides, and at the end every transfer is booked on both sides or on
neither, both rings audit ok and `tauschring federation reconcile` finds no
difference. Forged and replayed messages sent by the test change nothing.
"""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tauschring.db import db
from tauschring.federation import service
from tests.ops.test_operator_comforts import COMMAND, environment, free_port, tauschring
from tests.support.app import PASSWORD, World, make_app
from tests.support.databases import postgres_database

TRANSFERS = 50
KILL_SENDER = {7, 31}     # A dies after B answered prepare, before A reads it
KILL_RECEIVER = {18, 42}  # B dies just before A's commit reaches it
BACK = {5, 15, 25, 35, 45}  # these go the other way: Bert (B) pays Anna (A)


class Instance:
    """One `tauschring serve` with its own database and instance folder."""

    def __init__(self, name: str, folder, database_url: str, ring: str):
        self.name, self.folder, self.database_url, self.ring = name, folder, database_url, ring
        self.member = None
        self.config = folder / "tauschring.toml"
        self.config.write_text(f'[server]\ninstance_path = "{folder / "instance"}"\n'
                               'log_format = "off"\n')
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)

    def run(self, *args, input=None, ok=True) -> subprocess.CompletedProcess:
        done = tauschring(*args, database_url=self.database_url, cwd=self.folder,
                          input=input, TAUSCHRING_CONFIG=str(self.config),
                          TAUSCHRING_SECRET_KEY=f"{self.name}-secret")
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def start(self) -> None:
        log = open(self.folder / "serve.log", "a")  # noqa: SIM115 (closed by the process)
        self.process = subprocess.Popen(
            [str(COMMAND), "serve", "--port", str(self.port), "--threads", "4"],
            cwd=self.folder, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env=environment(self.database_url, TAUSCHRING_CONFIG=str(self.config),
                            TAUSCHRING_SECRET_KEY=f"{self.name}-secret"))
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            assert self.process.poll() is None, (self.folder / "serve.log").read_text()
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.engine.dispose()

    def query(self, sql: str, **params) -> list:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).all()


class Proxy(ThreadingHTTPServer):
    """Forwards POSTs to `target`; `plan` = (kind, action) acts on the next such
    message: "kill_after_answer" (forward, call `kill`, never answer) or
    "kill_before" (call `kill`, answer 502). Every message it saw is kept."""

    daemon_threads = True

    def __init__(self, target: Instance):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.target = target
        self.plan = None
        self.seen: list[dict] = []
        self.answers: dict[str, bytes] = {}  # message id -> the answer passed back
        self.acted = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def take(self, kind: str):
        with self.lock:
            if self.plan and self.plan[0] == kind:
                action, self.plan = self.plan[1:], None
                return action
        return None


class ProxyHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802 - the name http.server calls
        proxy: Proxy = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            message = json.loads(body)
            kind, message_id = message["message"]["kind"], message["message"]["id"]
            proxy.seen.append(message)
        except (ValueError, KeyError, TypeError):
            kind = message_id = None
        action = proxy.take(kind)
        if action and action[0] == "kill_before":
            action[1]()
            proxy.acted.set()
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        connection = http.client.HTTPConnection("127.0.0.1", proxy.target.port, timeout=30)
        try:
            connection.request("POST", self.path, body=body,
                               headers={"Content-Type": "application/json"})
            answer = connection.getresponse()
            status, content = answer.status, answer.read()
        except OSError:
            status, content = 502, b""
        finally:
            connection.close()
        if action and action[0] == "kill_after_answer":
            action[1]()  # the receiver has answered; the sender never reads it
            proxy.acted.set()
            self.close_connection = True
            return
        if message_id is not None:
            proxy.answers[message_id] = content
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


@pytest.fixture
def instances(engine_name, tmp_path, request):
    """Instance A on SQLite; B on SQLite or PostgreSQL: migrated databases (copies of
    the test templates), each with its ring and one member made by the services."""
    with ExitStack() as stack:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "a" / "a.db")
        if engine_name == "postgresql":
            url_b = stack.enter_context(postgres_database(
                "federation_b", request.getfixturevalue("postgres_template")))
        else:
            shutil.copy(template, tmp_path / "b" / "b.db")
            url_b = f"sqlite:///{tmp_path / 'b' / 'b.db'}"
        a = Instance("a", tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'a.db'}", "sonnenberg")
        b = Instance("b", tmp_path / "b", url_b, "talheim")
        for instance, member in ((a, "Anna"), (b, "Bert")):
            stack.callback(instance.stop)
            app = make_app(instance.database_url, instance.folder / "instance")
            with app.app_context():
                world = World(app)
                instance.member = world.member(world.ring(instance.ring), member)
                db.session.remove()
                db.engine.dispose()
        yield a, b


def on_both(a: Instance, b: Instance, step):
    """step(instance) on both instances at once (each command is a process)."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(step, (a, b)))


def set_up(a: Instance, b: Instance, proxy_a: Proxy, proxy_b: Proxy) -> None:
    key_a, key_b = on_both(a, b, lambda instance: instance.run(
        "federation", "key").stdout.strip())
    others = {"a": (proxy_b.url, "talheim", key_b), "b": (proxy_a.url, "sonnenberg", key_a)}
    own = {"a": key_a, "b": key_b}

    def add_peer(instance: Instance) -> None:
        url, remote_ring, key = others[instance.name]
        instance.run("federation", "peer", "add", "--ring", instance.ring, "--url", url,
                     "--remote-ring", remote_ring, "--public-key", key,
                     "--credit-line", "100000")
        if instance.name == "a":
            assert remote_ring in instance.run("federation", "peer", "list").stdout
        else:
            assert instance.run("federation", "key").stdout.strip() == own["b"]  # kept

    on_both(a, b, add_peer)


def test_fifty_transfers_with_each_side_killed_between_prepare_and_commit(instances):
    a, b = instances
    proxy_a, proxy_b = Proxy(a), Proxy(b)
    started = time.monotonic()
    set_up(a, b, proxy_a, proxy_b)
    on_both(a, b, Instance.start)
    setup_seconds = time.monotonic() - started
    payers = {}  # instance name -> (its member's token, its peer's id, the payee's number)
    for payer, payee in ((a, b), (b, a)):
        token = requests.post(payer.base + "/api/v1/tokens", timeout=30, json={
            "email": payer.member.email, "password": PASSWORD}).json()["token"]
        peer = requests.get(payer.base + "/api/v1/federation/peers", timeout=30,
                            headers={"Authorization": f"Bearer {token}"}).json()[0]["id"]
        number = payee.query("SELECT n.number FROM member_numbers n JOIN members m ON "
                             "m.id = n.member_id WHERE m.id = :id", id=payee.member.id)[0][0]
        payers[payer.name] = (token, peer, number)
    answers, killed = {}, {"a": 0, "b": 0}
    loop_started = time.monotonic()
    for i in range(TRANSFERS):
        if i in KILL_SENDER:
            proxy_b.plan = ("prepare", "kill_after_answer", a.kill)
        if i in KILL_RECEIVER:
            proxy_b.plan = ("commit", "kill_before", b.kill)
        proxy_b.acted.clear()
        payer = b if i in BACK else a
        token, peer, number = payers[payer.name]
        try:
            response = requests.post(
                payer.base + "/api/v1/federation/transfers", timeout=60,
                headers={"Authorization": f"Bearer {token}"},
                json={"peer": peer, "to_member": str(number), "minutes": 1 + i % 7,
                      "memo": f"Transfer {i}"})
            answers[i] = (response.status_code, response.json())
        except requests.ConnectionError:
            answers[i] = None
        if i in KILL_SENDER | KILL_RECEIVER:
            assert proxy_b.acted.wait(30)
            side = a if i in KILL_SENDER else b
            killed[side.name] += 1
            side.start()
            on_both(a, b, lambda instance: instance.run("federation", "retry",
                                                        "--older-than", "0"))
        else:
            assert answers[i][0] == 201, answers[i]
            assert (answers[i][1]["state"], answers[i][1]["delivered"]) == ("committed", True)
    loop_seconds = time.monotonic() - loop_started
    assert killed == {"a": 2, "b": 2}
    assert all(answers[i] is None for i in KILL_SENDER)
    assert all(answers[i][1]["state"] == "committed" and not answers[i][1]["delivered"]
               for i in KILL_RECEIVER)

    # every transfer is booked on both sides or on neither
    def states(instance: Instance, direction: str) -> dict:
        return dict(instance.query("SELECT uuid, state FROM federation_transfers WHERE "
                                   "direction = :direction", direction=direction))

    aborted = 0
    for sender, receiver in ((a, b), (b, a)):
        sent, got = states(sender, "out"), states(receiver, "in")
        assert len(sent) == (len(BACK) if sender is b else TRANSFERS - len(BACK))
        assert set(got) <= set(sent)
        for transfer_uuid, state in sent.items():
            assert state in ("committed", "aborted")
            assert got.get(transfer_uuid, "aborted") == state, transfer_uuid
        aborted += list(sent.values()).count("aborted")
    assert aborted == len(KILL_SENDER)  # presumed abort
    booked = sum((-1 if i in BACK else 1) * (1 + i % 7) for i in range(TRANSFERS)
                 if i not in KILL_SENDER)
    balance_a = a.query("SELECT a.balance FROM accounts a JOIN members m ON "
                        "m.account_id = a.id WHERE m.id = :id", id=a.member.id)[0][0]
    balance_b = b.query("SELECT a.balance FROM accounts a JOIN members m ON "
                        "m.account_id = a.id WHERE m.id = :id", id=b.member.id)[0][0]
    assert (balance_a, balance_b) == (-booked, booked), {
        instance.name: (instance.query(
            "SELECT uuid, direction, state, minutes, transfer_id, delivered, reason "
            "FROM federation_transfers ORDER BY id"), instance.query(
            "SELECT t.id, t.minutes, t.debit_account_id, t.credit_account_id, t.memo, "
            "t.override_reason FROM transfers t ORDER BY t.id"))
        for instance in (a, b)}
    for instance in (a, b):
        assert not instance.query("SELECT id FROM federation_transfers WHERE delivered = :no "
                                  "AND direction = 'out'", no=False)

    def audit_and_reconcile(instance: Instance) -> None:
        assert "ok" in instance.run("audit").stdout
        assert instance.run("federation", "reconcile").stdout.strip() == "no difference"

    on_both(a, b, audit_and_reconcile)

    # a replayed message gets the same answer and changes nothing; a forged one is refused
    before = (a.query("SELECT count(*) FROM transfers"), b.query("SELECT count(*) FROM transfers"),
              balance_b)
    commit = next(m for m in reversed(proxy_b.seen) if m["message"]["kind"] == "commit")
    replay = requests.post(b.base + service.MESSAGE_PATH, json=commit, timeout=30)
    assert replay.status_code in (200, 400)  # 400: older than the 5-minute window
    if replay.status_code == 200:  # the very answer it got the first time
        assert replay.content == proxy_b.answers[commit["message"]["id"]]
    tampered = json.loads(json.dumps(commit))
    tampered["message"]["id"] = "00000000-0000-4000-8000-000000000001"
    assert requests.post(b.base + service.MESSAGE_PATH, json=tampered,
                         timeout=30).status_code == 401
    forger = service.Identity(Ed25519PrivateKey.generate(), a.base)
    forged = service.envelope(forger, kind="commit", from_ring="sonnenberg", to_url=b.base,
                              to_ring="talheim", to_key=commit["message"]["to"]["key"],
                              body={"transfer": commit["message"]["body"]["transfer"]})
    forged["message"]["from"]["key"] = b.query("SELECT public_key FROM federation_peers")[0][0]
    assert requests.post(b.base + service.MESSAGE_PATH, json=forged,
                         timeout=30).status_code == 401
    unsigned = {"message": forged["message"]}
    assert requests.post(b.base + service.MESSAGE_PATH, json=unsigned,
                         timeout=30).status_code == 401
    balance_b_after = b.query("SELECT a.balance FROM accounts a JOIN members m ON "
                              "m.account_id = a.id WHERE m.id = :id", id=b.member.id)[0][0]
    assert (a.query("SELECT count(*) FROM transfers"), b.query("SELECT count(*) FROM transfers"),
            balance_b_after) == before
    print(f"\nfederation loop: set-up {setup_seconds:.1f} s, {TRANSFERS} transfers with "
          f"{len(KILL_SENDER) + len(KILL_RECEIVER)} kills {loop_seconds:.1f} s")
