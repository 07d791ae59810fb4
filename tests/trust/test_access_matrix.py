"""The access matrix (access_matrix.py) against the app and a live server.

Every route of the app has a row; every cell holds on both engines, through
real HTTP: bearer tokens for the API, a logged-in browser session with the
page's CSRF token for the pages. The scene is built once per engine; what
the callers send is refused by validation or by the state of things even
where they are allowed, so after the whole run nothing has changed and the
audit is ok.
"""

from __future__ import annotations

import re
import shutil
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from access_matrix import (
    ADMIN,
    ANONYMOUS,
    CALLERS,
    CONTACT,
    COORDINATOR,
    LOGIN,
    MEMBER,
    OK,
    OTHER_COORDINATOR,
    PENDING,
    ROWS,
    SUSPENDED,
    SUSPENDED_COORDINATOR,
    markdown,
    routes_with_rows,
)
from browsers import Browser
from webtest.http import StopableWSGIServer

from tauschring.db import atomic, db, utcnow
from tauschring.exchanges import service as exchanges
from tauschring.ledger import service as ledger
from tauschring.ledger.audit import audit_ring
from tauschring.market import service as market
from tauschring.rings.service import create_ring
from tests.support.app import PASSWORD, World, make_app
from tests.support.databases import ENGINES, postgres_database
from tests.support.regions import region_for_matrix
from tests.trust.access_partner_market import scene as partner_market_scene

TIMEOUT = 60  # seconds for one request; PDFs take a while on a busy machine
DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
REDIRECTS = (301, 302, 303, 307, 308)
REFUSALS = (401, 403, 404)
SKIPPED_ENDPOINTS = {"static"}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

# Cells that do not hold yet, with why: the test passes over them while they
# differ, and fails once one holds (then it leaves this list).
KNOWN_GAPS: dict = {}

# What must be as it was after every cell has been called (log-ins, tokens,
# read marks and the coordinators' log may change; nothing else).
STATE = {
    "members": "SELECT id, status, role, email, name, language, account_id FROM members "
               "ORDER BY id",
    "accounts": "SELECT id, status, balance, min_balance, max_balance FROM accounts "
                "ORDER BY id",
    "rings": "SELECT id, name, chain_length, chain_head, registration_open, "
             "default_min_balance, default_max_balance FROM rings ORDER BY id",
    "transfers": "SELECT count(*) FROM transfers",
    "exchanges": "SELECT id, state, minutes, transfer_id FROM exchanges ORDER BY id",
    "exchange_events": "SELECT count(*) FROM exchange_events",
    "talents": "SELECT id, status, kind, title, expires_on FROM talents ORDER BY id",
    "categories": "SELECT id, name_de, name_en, active, position FROM categories ORDER BY id",
    "idempotent_responses": "SELECT count(*) FROM idempotent_responses",
    "partnerships": "SELECT id, status, credit_line, proposed_by_ring_id FROM partnerships "
                    "ORDER BY id",
}


class TrustScene:
    """Ring A with a caller of every kind, ring B with its coordinator, a live server."""

    def __init__(self, engine: str, app, base_url: str, people: dict, objects: dict):
        self.engine = engine
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.people = people          # caller kind (and "partner") -> Person
        self.objects = objects        # placeholder -> id
        self.api = requests.Session()
        self.tokens = {kind: self.new_token(kind) for kind in people if kind in CALLERS}
        self.browsers = {kind: self.new_browser(kind) for kind in (ANONYMOUS, *self.tokens)}

    # --- callers ------------------------------------------------------------------

    def new_token(self, kind: str) -> str | None:
        if kind == ANONYMOUS:
            return None
        person = self.people[kind]
        response = self.api.post(self.base_url + "/api/v1/tokens", timeout=TIMEOUT,
                                 json={"email": person.email, "password": PASSWORD})
        assert response.status_code == 201, (kind, response.text[:300])
        return response.json()["token"]

    def token(self, kind: str) -> str | None:
        """The caller's bearer token (anonymous: None), made once."""
        if kind not in self.tokens:
            self.tokens[kind] = self.new_token(kind)
        return self.tokens[kind]

    def new_browser(self, kind: str) -> Browser:
        """A browser logged in as `kind` (anonymous: none), holding a CSRF token."""
        browser = Browser(self.base_url)
        # The contact point has no account: it lands at its region's desk.
        home = {ANONYMOUS: "/login", CONTACT: "/regions/lippetal/desk"}.get(kind, "/dashboard")
        if kind != ANONYMOUS:
            response = browser.log_in(self.people[kind].email, PASSWORD)
            assert response.status_code == 302, (kind, response.status_code)
            assert browser.get(home).status_code == 200, kind
        browser.token = browser.csrf(home)
        return browser

    # --- requests -----------------------------------------------------------------

    def url(self, row, kind: str) -> str:
        own = self.people.get(kind, self.people[MEMBER])
        return row.url.format(self=own.id, **self.objects)

    def call(self, row, kind: str) -> requests.Response:
        url = self.url(row, kind)
        if row.is_api:
            token = self.new_token(kind) if row.fresh else self.token(kind)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            body = {}
            if row.json is not None:
                body["json"] = row.json
            if row.csv is not None:
                body["data"] = row.csv.encode()
                headers["Content-Type"] = "text/csv"
            return self.api.request(row.method, self.base_url + url, headers=headers,
                                    timeout=TIMEOUT, allow_redirects=False, **body)
        browser = self.new_browser(kind) if row.fresh else self.browsers[kind]
        if row.method == "GET":
            return browser.session.get(self.base_url + url, timeout=TIMEOUT,
                                       allow_redirects=False)
        return browser.session.request(row.method, self.base_url + url, timeout=TIMEOUT,
                                       allow_redirects=False,
                                       data={"csrf_token": browser.token, **(row.form or {})})

    # --- what is stored -------------------------------------------------------------

    def state(self) -> dict:
        with self.app.app_context(), db.engine.connect() as conn:
            return {name: [tuple(r) for r in conn.execute(sa.text(query))]
                    for name, query in STATE.items()}

    def audits(self) -> list[dict]:
        with self.app.app_context():
            try:
                return [audit_ring(db.session, ring_id)
                        for ring_id in (self.objects["ring"], self.objects["ring_b"])]
            finally:
                db.session.remove()


def outcome(response: requests.Response):
    """What a cell expects this answer to be: a refusal's status, LOGIN, or OK."""
    status = response.status_code
    if status >= 500:
        return f"{status} (a server error)"
    if status in REDIRECTS and urlsplit(response.headers.get("Location", "")).path == "/login":
        return LOGIN
    if status in REFUSALS:
        return status
    return OK


def build_scene(world: World) -> tuple[dict, dict]:
    """The people and objects of the matrix, made through the services."""
    ring_a = world.ring("sonnenberg", min_balance=-600, max_balance=1200)
    ring_b = world.ring("talheim", min_balance=-300, max_balance=600)
    people = {
        PENDING: world.member(ring_a, "Paula", status="pending"),
        MEMBER: world.member(ring_a, "Anna"),
        SUSPENDED: world.member(ring_a, "Sven", status="suspended"),
        COORDINATOR: world.coordinator(ring_a, "Karin"),
        SUSPENDED_COORDINATOR: world.member(ring_a, "Kurt", role="coordinator",
                                            status="suspended"),
        OTHER_COORDINATOR: world.coordinator(ring_b, "Otto"),
        ADMIN: world.member(ring_a, "Ada", role="admin"),
        "partner": world.member(ring_a, "Bert"),
        "ring_b_member": world.member(ring_b, "Olga"),
    }
    anna, bert, karin = people[MEMBER], people["partner"], people[COORDINATOR]

    def objects(session):
        category = market.categories(session, ring_a.id)[0].id

        def offer(title):
            return market.create_talent(session, anna.actor, kind="offer", title=title,
                                        category_id=category).id

        def proposal(description):
            return exchanges.propose(session, anna.actor, provider_id=anna.id,
                                     recipient_id=bert.id, minutes=60,
                                     description=description,
                                     performed_on=utcnow().date()).id

        made = {"talent": offer("Fahrräder reparieren"), "spare": offer("Vorlesen"),
                "withdrawn": offer("Hecke schneiden"), "exchange": proposal("Rasen gemäht"),
                "cancelled": proposal("Fenster geputzt"), "category": category}
        market.withdraw_talent(session, anna.actor, made["withdrawn"])
        exchanges.cancel(session, anna.actor, made["cancelled"])
        made["transfer"] = ledger.book_by_coordinator(
            session, karin.actor, debit_account_id=ring_a.association_account_id,
            credit_account_id=anna.account_id, minutes=120, memo="Startguthaben").id
        from tauschring.office import batch, proxies  # the office's objects
        made["batch"] = batch.book_rows(session, karin.actor, [batch.Row(
            ring_a.association_account_id, anna.account_id, 30, "Sommerfest")]).id
        made["authorisation"] = proxies.grant(session, anna.actor, helper_id=bert.id).id
        ledger.book_by_coordinator(
            session, people[OTHER_COORDINATOR].actor,
            debit_account_id=ring_b.association_account_id,
            credit_account_id=people["ring_b_member"].account_id, minutes=30,
            memo="Startguthaben")
        from tauschring.events import service as ring_events  # ring life's objects
        made["event"] = ring_events.create(
            session, karin.actor, title="Tauschtreffen", place="Gemeindehaus",
            starts_at=utcnow() + timedelta(days=7)).id
        made["booked"] = exchanges.propose(
            session, bert.actor, provider_id=anna.id, recipient_id=bert.id, minutes=30,
            description="Vorgelesen", performed_on=utcnow().date()).id
        exchanges.confirm(session, anna.actor, made["booked"])  # feedback may follow
        from tauschring.documents import service as ring_documents
        from tauschring.documents import storage
        made["document"] = ring_documents.upload(
            session, karin.actor, title="Satzung", filename="satzung.pdf",
            data=b"%PDF-1.4\n%%EOF\n", folder=storage.folder(world.app)).id
        from tauschring.partners import service as partners  # ring A proposes to Bergdorf
        bergdorf = create_ring(session, name="Bergdorf", slug="bergdorf")
        made["partnership"] = partners.propose(session, karin.actor, ring=bergdorf.id,
                                               credit_line=600).id
        return made

    made = atomic(objects)
    made.update(member=anna.id, partner=bert.id, admin=people[ADMIN].id,
                account=anna.account_id, ring=ring_a.id, ring_b=ring_b.id,
                year=utcnow().year)
    people[CONTACT], region_objects = region_for_matrix(ring_a, ring_b)
    made.update(region_objects)
    made.update(atomic(partner_market_scene, ring_a, ring_b, people["ring_b_member"]))
    return people, made


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module", params=ENGINES)
def trust_scene(request, tmp_path_factory):
    with ExitStack() as stack:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("trust") / "tauschring.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            url = f"sqlite:///{path}"
        else:
            url = stack.enter_context(postgres_database(
                "trust", request.getfixturevalue("postgres_template")))
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        stack.callback(_dispose, app)
        with app.app_context():
            people, objects = build_scene(World(app))
            db.session.remove()
        server = StopableWSGIServer.create(app, threads=8)
        stack.callback(server.shutdown)
        yield TrustScene(request.param, app, server.application_url, people, objects)


# --- the data -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def url_map(tmp_path_factory):
    folder = tmp_path_factory.mktemp("routes")
    return make_app(f"sqlite:///{folder / 'unused.db'}", folder).url_map


def test_every_route_has_a_row(url_map):
    routes = {(method, rule.rule) for rule in url_map.iter_rules()
              if rule.endpoint not in SKIPPED_ENDPOINTS
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    missing = sorted(routes - routes_with_rows(), key=lambda r: (r[1], r[0]))
    assert not missing, "routes without a row in tests/trust/access_matrix.py:\n" + "\n".join(
        f"  {method} {rule}" for method, rule in missing)
    stale = sorted(routes_with_rows() - routes, key=lambda r: (r[1], r[0]))
    assert not stale, "rows for routes the app does not have:\n" + "\n".join(
        f"  {method} {rule}" for method, rule in stale)


def test_every_row_calls_its_own_route(url_map):
    adapter = url_map.bind("tauschring.example")
    wrong = []
    for row in ROWS:
        path = re.sub(r"\{\w+\}", "1", urlsplit(row.url).path)
        rule, _args = adapter.match(path, method=row.method, return_rule=True)
        if rule.rule != row.rule:
            wrong.append(f"{row.method} {row.url} calls {rule.rule}, not {row.rule}")
        row.cells()  # one word per caller
        if row.method in UNSAFE and not row.is_api and row.form is None:
            wrong.append(f"{row.method} {row.url}: a page's write needs a form")
    assert not wrong, "\n".join(wrong)


def test_the_security_page_shows_the_matrix():
    page = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- access-matrix:start -->\n", "<!-- access-matrix:end -->"
    assert start in page and end in page, f"{DOCS} has no access-matrix markers"
    shown = page.split(start, 1)[1].split(end, 1)[0]
    assert shown == markdown(), (
        "docs/security.md differs from tests/trust/access_matrix.py; paste the output of "
        "`python -m tests.trust.access_matrix --markdown` between the markers")


# --- the live server ------------------------------------------------------------------

def test_every_cell_holds_on_a_live_server(trust_scene):
    before = trust_scene.state()
    wrong = []
    for row in ROWS:
        for kind, expected in row.cells().items():
            if expected is None:
                continue  # not applicable yet (the contact point)
            response = trust_scene.call(row, kind)
            got = outcome(response)
            if (row.method, row.url, kind) in KNOWN_GAPS:
                if got == expected:
                    wrong.append(f"{row.method} {row.url} as {kind} holds now: take it off "
                                 "KNOWN_GAPS")
                continue
            if got != expected:
                wrong.append(f"{row.method} {trust_scene.url(row, kind)} as {kind}: expected "
                             f"{expected}, got {got} ({response.status_code} "
                             f"{response.text[:160]!r})")
            elif row.is_api and got in REFUSALS:
                kind_of_body = response.headers.get("Content-Type", "").split(";")[0]
                if kind_of_body != "application/problem+json":
                    wrong.append(f"{row.method} {row.url} as {kind}: {got} as {kind_of_body}")
    assert not wrong, f"{len(wrong)} cells differ on {trust_scene.engine}:\n" + "\n".join(wrong)

    after = trust_scene.state()
    changed = {name: (before[name], after[name]) for name in STATE if before[name] != after[name]}
    assert not changed, f"the calls changed the scene: {changed}"
    for audit in trust_scene.audits():
        assert audit["ok"] is True, audit
