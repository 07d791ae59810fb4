"""A whole ring as one JSON document, to move it to another instance.

`export_ring` writes everything the ring is: its settings, categories,
members, accounts, every transfer with all its fields and entries, talents,
exchanges with their events, fee charges, the audit log and notifications,
the ring's life: feedback, news, events and who comes to them (not the
uploaded documents' files, nor members' mail choices or calendar links), and
the office's tables: member numbers, the counters of member numbers and slip
serials, the booked batches with their slips (a slip booked before the move is
not booked again after it), authorisations, what helpers did, and who gets
letters by post (not the outbox's attachments: waiting mail does not move).
It carries no secrets: no password hashes (a coordinator could otherwise
guess members' and the admin's passwords offline from a file they may
download), and no API tokens, log-in sessions or failures, or mails waiting
(with their reset links), which are not the ring's tables. `import_ring`
recreates the ring in another database with the same ids: the hash chain
covers the ids of accounts, members, exchanges and transfers, so only then
does the moved ring's chain verify and end in the same head. Where the target
already uses one of those ids (or the slug, or an e-mail address), the import
is refused. Moved members have no usable password; each sets one with the
reset link ("Forgot your password?").

The format is versioned: {"format": "tauschring-ring-export", "version": 3, ...};
docs/import.md describes it. Version 1 (with password hashes) is still read,
and its hashes are ignored: a file that has been lying around or passed on
must not decide how anyone logs in. Versions 1 and 2 may lack the tables of
LATER_TABLES (then the members are numbered anew, in the order they joined).
Version 3 came with the office's tables: an instance that reads only up to
version 2 would drop them without a word (and could book a slip twice), so it
refuses the file instead.

A ring that has or had partner rings (a clearing account, an exchange across
rings) is not moved: its clearing balances mirror accounts in other rings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.auditlog import LoggedAction
from tauschring.db import UtcDateTime, utcnow
from tauschring.errors import Conflict, Invalid, NotFound
from tauschring.events.models import Event, EventAttendance
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.federation.models import Peer
from tauschring.feedback.models import Feedback
from tauschring.fees.models import FeeCharge
from tauschring.i18n import _l
from tauschring.imports.passwords import unusable_password_hash
from tauschring.ledger.chain import GENESIS_HASH, transfer_hash
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.news.models import News
from tauschring.notifications.models import Notification
from tauschring.office.models import (
    COUNTERS,
    Authorisation,
    Batch,
    BatchTransfer,
    MemberNumber,
    OfficeCounter,
    PostalChoice,
    ProxyAction,
)
from tauschring.office.numbers import number_unnumbered
from tauschring.partners.models import Partnership
from tauschring.rings.models import Ring
from tauschring.search.talents import reindex as reindex_talents

FORMAT = "tauschring-ring-export"
VERSION = 3
# Version 1 held members' password hashes; version 3 added the office's tables.
READABLE_VERSIONS = (1, 2, 3)
# In the order they are inserted: whatever a row refers to comes before it.
TABLES: tuple[tuple[str, type], ...] = (
    ("ring", Ring), ("categories", Category), ("accounts", Account), ("members", Member),
    ("talents", Talent), ("transfers", Transfer), ("entries", Entry),
    ("exchanges", Exchange), ("exchange_events", ExchangeEvent),
    ("fee_charges", FeeCharge), ("audit_log", LoggedAction), ("notifications", Notification),
    ("feedback", Feedback), ("news", News), ("events", Event),
    ("event_attendance", EventAttendance),
    ("member_numbers", MemberNumber), ("office_counters", OfficeCounter),
    ("office_batches", Batch), ("office_batch_transfers", BatchTransfer),
    ("authorisations", Authorisation), ("proxy_actions", ProxyAction),
    ("postal_choices", PostalChoice),
)
# Tables a file may lack (table -> the first version whose files must hold it;
# None: files of any version may lack it, as they always could): such a file
# moves a ring without them. The ring's life came during version 2. The
# office's tables came with version 3: a file of version 1 or 2 without them
# has its members numbered in the order they joined.
LATER_TABLES = {"feedback": None, "news": None, "events": None, "event_attendance": None,
                "member_numbers": 3, "office_counters": 3, "office_batches": 3,
                "office_batch_transfers": 3, "authorisations": 3, "proxy_actions": 3,
                "postal_choices": 3}
# Columns that never leave the database (the import fills them in itself).
SECRET_COLUMNS = {"members": ("password_hash",)}
# An audit-log row may name an actor of another ring (an admin appointing a
# coordinator); that person does not move along, so the row keeps who it was here.
OUTSIDE_ACTOR = "actor_outside_ring"
CHUNK = 500


def _key(table: Table) -> str:
    """The name of the table's primary-key column (`id`, or `member_id`, `ring_id`,
    `transfer_id` for the office's tables that extend a row of another table)."""
    (column,) = table.primary_key.columns
    return column.name


# --- export ----------------------------------------------------------------------

def export_ring(session: Session, ring_id: int) -> dict:
    """The whole ring as a JSON-serialisable dict, read in one consistent moment."""
    with _snapshot(session) as snapshot:
        ring = snapshot.get(Ring, ring_id)
        if ring is None:
            raise NotFound(f"Ring {ring_id} does not exist.", code="ring_not_found")
        _refuse_partners(snapshot, ring_id)
        data = {"format": FORMAT, "version": VERSION, "exported_at": utcnow().isoformat(),
                "chain": {"length": ring.chain_length, "head": ring.chain_head}}
        for name, model in TABLES:
            withheld = SECRET_COLUMNS.get(name, ())
            rows = [_row_out(model.__table__, row, withheld)
                    for row in snapshot.execute(_rows_of_ring(model, ring_id)).mappings()]
            data[name] = rows[0] if name == "ring" else rows
        _mark_outside_actors(snapshot, data)
    return data


def _refuse_partners(session: Session, ring_id: int) -> None:
    """A ring that has or had partner rings cannot move yet: its clearing accounts
    mirror accounts in the partner rings, which stay behind."""
    partner_ids: set[int] = set()
    for a, b in session.execute(select(Partnership.ring_a_id, Partnership.ring_b_id).where(
            or_(Partnership.ring_a_id == ring_id, Partnership.ring_b_id == ring_id))):
        partner_ids.add(b if a == ring_id else a)
    for own, partner in session.execute(
            select(Exchange.ring_id, Exchange.partner_ring_id).where(
                or_(Exchange.ring_id == ring_id, Exchange.partner_ring_id == ring_id),
                Exchange.partner_ring_id.is_not(None)).distinct()):
        partner_ids.add(partner if own == ring_id else own)
    names = [f"{name} ({slug})" for name, slug in session.execute(
        select(Ring.name, Ring.slug).where(Ring.id.in_(partner_ids)).order_by(Ring.name))]
    names += [f"{remote} ({url})" for remote, url in session.execute(
        select(Peer.remote_ring, Peer.url).where(Peer.ring_id == ring_id)
        .order_by(Peer.remote_ring, Peer.url))]
    clearing = list(session.scalars(select(Account.id).where(
        Account.ring_id == ring_id, Account.kind == "clearing").order_by(Account.id)))
    if not names and not clearing:
        return
    raise Conflict(_l(
        "This ring has or had partner rings: %(rings)s. It cannot be moved: its clearing "
        "accounts and exchanges across rings mirror the books of those rings, which stay "
        "behind. Settle the clearing balances and end the partnerships with the partner "
        "rings; this version moves only rings that never had a partner ring.",
        rings=", ".join(names or [f"#{i}" for i in clearing])), code="ring_has_partners",
        partner_rings=names, clearing_accounts=clearing)


@contextmanager
def _snapshot(session: Session) -> Iterator[Session]:
    """PostgreSQL: a REPEATABLE READ snapshot on a connection of its own, so an export
    taken during traffic is consistent (as in ledger.audit). SQLite's read
    transaction is a snapshot already."""
    bind = session.get_bind(mapper=Transfer)
    if bind.dialect.name != "postgresql":
        yield session
        return
    engine = getattr(bind, "engine", bind)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=connection) as snapshot:
            yield snapshot


def _rows_of_ring(model, ring_id: int):
    table = model.__table__
    if model is Ring:
        where = table.c.id == ring_id
    elif model is Entry:
        where = table.c.account_id.in_(select(Account.id).where(Account.ring_id == ring_id))
    elif model is ExchangeEvent:
        where = table.c.exchange_id.in_(select(Exchange.id).where(Exchange.ring_id == ring_id))
    elif model is Notification:
        where = table.c.member_id.in_(select(Member.id).where(Member.ring_id == ring_id))
    elif model is EventAttendance:
        where = table.c.event_id.in_(select(Event.id).where(Event.ring_id == ring_id))
    elif model is PostalChoice:
        where = table.c.member_id.in_(select(Member.id).where(Member.ring_id == ring_id))
    else:
        where = table.c.ring_id == ring_id
    return select(table).where(where).order_by(table.c[_key(table)])


def _row_out(table: Table, row, withheld: tuple[str, ...] = ()) -> dict:
    out = {}
    for column in table.columns:
        if column.name in withheld:
            continue
        value = row[column.name]
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[column.name] = value
    return out


def _mark_outside_actors(session: Session, data: dict) -> None:
    ours = {m["id"] for m in data["members"]}
    for row in data["audit_log"]:
        actor_id = row["actor_id"]
        if actor_id is not None and actor_id not in ours:
            person = session.get(Member, actor_id)
            row[OUTSIDE_ACTOR] = {"id": actor_id, "name": person.name if person else None,
                                  "email": person.email if person else None}
            row["actor_id"] = None


# --- import ----------------------------------------------------------------------

def import_ring(session: Session, data: dict, *, password_hash: str | None = None) -> dict:
    """Recreate an exported ring with its original ids; must run inside `atomic`.

    Refused (nothing is written) when the document is not a ring export of a
    known version, is inconsistent, its hash chain does not verify, or the
    target already has the slug, an e-mail address or any of the ids. Every
    member gets `password_hash`, by default the unusable one (imports.passwords;
    make it before the transaction). Returns a summary: ring id and slug, rows
    per table, chain length and head.
    """
    rows = _read_document(data)
    unusable = password_hash or unusable_password_hash()
    for member in rows["members"]:
        member["password_hash"] = unusable
    ring = rows["ring"][0]
    _check_no_partners(rows)
    _check_references(rows)
    _check_unique(rows)
    _check_chain(ring, rows["transfers"])
    _check_target_free(session, rows)
    for name, model in TABLES:
        if rows[name]:
            try:
                session.execute(model.__table__.insert(), rows[name])
            except IntegrityError as error:
                raise _refuse(f"The {name} of the export break a rule of the database "
                              f"({str(error.orig).strip().splitlines()[0]}); nothing was "
                              "imported.") from None
    _reset_id_sequences(session)
    reindex_talents(session, ring["id"])  # inserted without the ORM: the search index
    _check_audit(session, ring["id"])
    # Numbers and serials go on from where they were; members of a file without
    # numbers (written before version 3) are numbered in the order they joined.
    _keep_counters_ahead(session, ring["id"])
    number_unnumbered(session, ring["id"])
    auditlog.record(session, ring_id=ring["id"], actor_id=None, action="ring.import",
                    subject=f"ring:{ring['id']}", exported_at=data.get("exported_at"),
                    chain_head=ring["chain_head"])
    session.flush()
    session.expire_all()
    return {"ring_id": ring["id"], "slug": ring["slug"],
            "rows": {name: len(rows[name]) for name, _ in TABLES},
            "chain": {"length": ring["chain_length"], "head": ring["chain_head"]}}


def _refuse(message: str, code: str = "export_invalid", **details) -> Invalid:
    return Invalid(message, code=code, field="file", **details)


def _read_document(data) -> dict[str, list[dict]]:
    """Every table's rows with values of the columns' Python types."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _refuse("This is not a Tauschring ring export.", code="export_format_unknown")
    version = data.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise _refuse(f"Ring exports of version {version!r} cannot be read here; this "
                      f"version reads versions {', '.join(map(str, READABLE_VERSIONS))}.",
                      code="export_version_unsupported")
    rows = {}
    for name, model in TABLES:
        raw = data.get(name)
        if raw is None and name in LATER_TABLES and (
                LATER_TABLES[name] is None or version < LATER_TABLES[name]):
            raw = []
        if name == "ring":
            raw = [raw] if isinstance(raw, dict) else None
        if not isinstance(raw, list):
            raise _refuse(f"The export has no {name}.")
        rows[name] = [_row_in(name, model.__table__, number, row, version)
                      for number, row in enumerate(raw)]
    return rows


def _row_in(name: str, table: Table, number: int, row, version: int) -> dict:
    where = f"{name}[{number}]"
    if not isinstance(row, dict):
        raise _refuse(f"{where} is not an object.")
    row = dict(row)
    outside = row.pop(OUTSIDE_ACTOR, None) if name == "audit_log" else None
    secret = SECRET_COLUMNS.get(name, ())
    for column in secret:
        # Version 1 carried password hashes: ignored. Version 2 never does, so a
        # file that has them was not written by us (or was changed): refused.
        if column in row and version >= 2:
            raise _refuse(f"{where} holds {column}, which ring exports never hold.")
        row.pop(column, None)
    unknown = set(row) - (set(table.columns.keys()) - set(secret))
    if unknown:
        raise _refuse(f"{where} has fields this version does not know: "
                      f"{', '.join(sorted(unknown))}.")
    values = {}
    for column in table.columns:
        if column.name in secret:
            continue
        if column.name not in row:
            if column.nullable or column.default is not None or (
                    column.server_default is not None):
                continue
            raise _refuse(f"{where} lacks the field {column.name}.")
        values[column.name] = _value_in(where, column, row[column.name])
    key = _key(table)
    if not isinstance(values.get(key), int):
        raise _refuse(f"{where} has no {key}.")
    if outside is not None:
        detail = json.loads(values.get("detail") or "{}")
        detail[OUTSIDE_ACTOR] = outside
        values["detail"] = json.dumps(detail, sort_keys=True, default=str)
    return values


def _value_in(where: str, column, value):
    if value is None:
        if not column.nullable:
            raise _refuse(f"{where}.{column.name} must not be empty.")
        return None
    kind = column.type
    try:
        if isinstance(kind, UtcDateTime):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("no offset")
            return moment
        if isinstance(kind, Date):
            return date.fromisoformat(value)
        if isinstance(kind, Boolean):
            if not isinstance(value, bool):
                raise ValueError("not true or false")
            return value
        if isinstance(kind, Integer):  # BigInteger too
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("not a whole number")
            return value
        if isinstance(kind, String | Text):
            if not isinstance(value, str) or "\x00" in value:
                raise ValueError("not text")
            return value
    except (TypeError, ValueError) as error:
        raise _refuse(f"{where}.{column.name} is not valid: {error}.") from None
    raise _refuse(f"{where}.{column.name} has a type this version cannot read.")


def _check_no_partners(rows: dict[str, list[dict]]) -> None:
    """A ring with partner rings is not moved (see `_refuse_partners`); a file that
    holds one was written by hand or by another program."""
    clearing = [a["id"] for a in rows["accounts"] if a.get("kind") == "clearing"]
    across = sorted({e["partner_ring_id"] for e in rows["exchanges"]
                     if e.get("partner_ring_id") is not None})
    if clearing or across:
        raise _refuse(_l(
            "The export holds a ring with partner rings (clearing accounts %(accounts)s, "
            "exchanges with the rings %(rings)s). Such a ring cannot be moved: its clearing "
            "accounts mirror the books of rings that stay behind. Nothing was imported.",
            accounts=", ".join(f"#{i}" for i in clearing) or "–",
            rings=", ".join(f"#{i}" for i in across) or "–"), code="ring_has_partners",
            clearing_accounts=clearing, partner_rings=across)


def _check_references(rows: dict[str, list[dict]]) -> None:
    """Every row belongs to the ring and refers only to rows of the export."""
    ring_id = rows["ring"][0]["id"]
    keys = {name: _key(model.__table__) for name, model in TABLES}
    for name, table_rows in rows.items():
        if len({row[keys[name]] for row in table_rows}) != len(table_rows):
            raise _refuse(f"The export holds two {name} with the same {keys[name]}.")
    by_table = {model.__tablename__: name for name, model in TABLES}
    for name, model in TABLES:
        table, key = model.__table__, keys[name]
        for column in table.columns:
            targets = [fk.column for fk in column.foreign_keys]
            if column.name == "ring_id":
                bad = [r[key] for r in rows[name] if r["ring_id"] != ring_id]
                if bad:
                    raise _refuse(f"{name} {bad[0]} belongs to another ring.")
            elif targets and targets[0].table.name in by_table:
                target = by_table[targets[0].table.name]
                known = {row[targets[0].name] for row in rows[target]}
                for row in rows[name]:
                    value = row.get(column.name)
                    if value is not None and value not in known:
                        raise _refuse(f"{name} {row[key]}: {column.name} {value} is not "
                                      "part of the export.")


def _check_unique(rows: dict[str, list[dict]]) -> None:
    """What the tables hold unique is unique in the file too (two members with one
    number, a slip booked twice): refused with its name, before anything is written."""
    for name, model in TABLES:
        table = model.__table__
        sets = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
                if isinstance(constraint, UniqueConstraint)]
        sets += [(c.name,) for c in table.columns if c.unique]
        for columns in sets:
            seen = set()
            for row in rows[name]:
                value = tuple(row.get(c) for c in columns)
                if None in value:
                    continue
                if value in seen:
                    raise _refuse(f"The export holds two {name} with the same "
                                  f"{', '.join(columns)} ({', '.join(map(str, value))}).")
                seen.add(value)


def _check_chain(ring: dict, transfers: list[dict]) -> None:
    """The file's transfers must verify as the ring's chain before they are stored."""
    prev, length = GENESIS_HASH, 0
    for transfer in sorted(transfers, key=lambda t: t["seq"]):
        length += 1
        fields = {k: transfer[k] for k in (
            "ring_id", "seq", "debit_account_id", "credit_account_id", "minutes", "memo",
            "booked_at", "booked_by_id", "exchange_id", "reverses_id", "override_reason")}
        if transfer["seq"] != length or transfer_hash(prev, **fields) != transfer["hash"]:
            raise _refuse(f"The hash chain of the export breaks at transfer {transfer['id']}: "
                          "the file has been changed or damaged.", code="export_chain_broken",
                          transfer_id=transfer["id"])
        prev = transfer["hash"]
    if length != ring["chain_length"] or prev != ring["chain_head"]:
        raise _refuse("The transfers of the export do not end in the ring's chain head: the "
                      "file has been changed or damaged.", code="export_chain_broken")


def _check_target_free(session: Session, rows: dict[str, list[dict]]) -> None:
    ring = rows["ring"][0]
    if session.scalar(select(Ring.id).where(Ring.slug == ring["slug"])) is not None:
        raise Conflict(f"A ring with the slug {ring['slug']!r} exists here already.",
                       code="slug_taken", field="slug")
    emails = [m["email"] for m in rows["members"]]
    taken = _existing(session, Member.email, emails)
    if taken:
        raise Conflict(f"Members with these e-mail addresses exist here already: "
                       f"{', '.join(sorted(taken)[:5])}.", code="email_taken", field="email")
    for name, model in TABLES:
        key = _key(model.__table__)
        used = _existing(session, model.__table__.c[key], [r[key] for r in rows[name]])
        if used:
            raise Conflict(
                f"This database already uses ids of the ring being imported ({name} "
                f"{', '.join(map(str, sorted(used)[:5]))}). A ring keeps its ids when it "
                "moves, because its hash chain covers them: import it into a new database "
                "whose schema is created but which holds no ring yet.",
                code="ids_taken", table=name)


def _existing(session: Session, column, values: list) -> set:
    found = set()
    for start in range(0, len(values), CHUNK):
        found.update(session.scalars(select(column).where(
            column.in_(values[start:start + CHUNK]))))
    return found


def _reset_id_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences that explicit ids do not advance.
    Tables keyed by another table's row (member_numbers, office_counters, ...) have
    no sequence."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for _, model in TABLES:
        column = model.__table__.autoincrement_column
        if column is None:
            continue
        table, name = model.__tablename__, column.name
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{name}'), "
            f"coalesce(max({name}), 1), max({name}) IS NOT NULL) FROM {table}"))


def _keep_counters_ahead(session: Session, ring_id: int) -> None:
    """The counter of member numbers stands at least at the highest number moved
    along, so that no number is handed out twice (also for a file whose counter
    is missing or behind)."""
    highest = session.scalar(select(func.max(MemberNumber.number)).where(
        MemberNumber.ring_id == ring_id))
    if highest is None:
        return
    counter = session.get(OfficeCounter, ring_id)
    if counter is None:
        session.execute(COUNTERS.insert().values(ring_id=ring_id, last_member_number=highest,
                                                 last_slip_serial=0))
    elif counter.last_member_number < highest:
        counter.last_member_number = highest
    session.flush()


def _check_audit(session: Session, ring_id: int) -> None:
    # The audit inside this transaction (ledger.audit.audit_ring reads committed
    # data only on PostgreSQL, and the ring is not committed yet).
    from tauschring.ledger.audit import _audit_ring

    session.flush()
    result = _audit_ring(session, ring_id)
    if not result["ok"]:
        raise _refuse("The imported ring does not pass the audit; nothing was imported.",
                      code="export_audit_failed", audit=result)
