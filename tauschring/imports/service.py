"""Importing members from a CSV file, for rings that move in from elsewhere.

The whole file is checked before anything is written. Every bad row is
reported with its row number (as a spreadsheet counts: the header is row 1),
its column and what is wrong; a file with any bad row changes nothing. A dry
run checks and tells what would happen. Otherwise the members are created
active with open accounts (one account per household), and each account's
opening balance is booked against the ring's association account with an
override of the limits, so legacy balances move in as they are and the ring
still sums to zero.

Passwords given in the file are hashed before the import's transaction
(`hash_passwords`, called by every door outside `atomic`): at the production
Argon2 cost a hash takes a quarter of a second or more, and inside the
transaction every booking of the instance would wait for all of them. Rows
without a password get the unusable hash (imports.passwords).

The columns are described in docs/import.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field

from flask_babel import gettext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.auditlog import LoggedAction
from tauschring.db import utcnow
from tauschring.errors import Conflict
from tauschring.i18n import _l
from tauschring.imports.passwords import unusable_password_hash
from tauschring.ledger.models import Account
from tauschring.ledger.service import association_account, book, max_transfer_minutes
from tauschring.members.models import Member
from tauschring.members.passwords import hash_password
from tauschring.members.service import (
    EMAIL,
    LANGUAGES,
    MIN_PASSWORD,
    PROFILE_LIMITS,
    normalise_email,
)
from tauschring.office.numbers import number_unnumbered
from tauschring.rings.models import Ring

COLUMNS = ("name", "email", "household", "role", "phone", "postcode", "district",
           "opening_balance", "language", "password")
REQUIRED_COLUMNS = ("name", "email")
# Headers as German spreadsheets tend to name them (compared after normalising).
ALIASES = {
    "e_mail": "email", "mail": "email", "email_adresse": "email", "e_mail_adresse": "email",
    "haushalt": "household", "rolle": "role", "telefon": "phone",
    "telefonnummer": "phone", "plz": "postcode", "postleitzahl": "postcode",
    "stadtteil": "district", "ortsteil": "district", "anfangssaldo": "opening_balance",
    "eröffnungssaldo": "opening_balance", "saldo": "opening_balance",
    "kontostand": "opening_balance", "sprache": "language", "passwort": "password",
    "kennwort": "password",
}
IMPORTABLE_ROLES = ("member", "coordinator")
HOUSEHOLD_KEY_MAX = 120
MAX_ROWS = 20_000
OVERRIDE_REASON = "opening balance on import"
MEMO = "Anfangssaldo / opening balance"
# Looked up in chunks: every engine accepts this many bound parameters.
CHUNK = 500

_MINUTES = re.compile(r"[+-]?[0-9]{1,12}")
_HOURS = re.compile(r"([+-]?)([0-9]{1,9}):([0-5][0-9])")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def N_(message: str) -> str:
    """Marks a message for translation (Babel extracts N_); RowError translates it."""
    return message


@dataclass(frozen=True)
class RowError:
    """What is wrong in one row (row 1 is the header) and column of the file."""

    row: int
    column: str | None
    code: str
    text: str  # English, with %(name)s placeholders filled from `params`
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The text in the reader's language (English at the command line)."""
        return gettext(self.text, **self.params)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code,
                "message": self.message}


@dataclass
class PlannedMember:
    """One row as it would be (or was) imported; never holds the password."""

    row: int
    name: str
    email: str
    role: str = "member"
    household: str = ""
    holder_row: int = 0  # the row whose account this member shares (its own if a holder)
    phone: str = ""
    postcode: str = ""
    district: str = ""
    language: str = "de"
    opening_balance: int = 0  # minutes; on the holder row of a household only
    password_given: bool = False
    member_id: int | None = None
    account_id: int | None = None

    @property
    def is_holder(self) -> bool:
        return self.holder_row == self.row


@dataclass
class MemberImportReport:
    """What a member import found, and did or would do."""

    dry_run: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    members: list[PlannedMember] = field(default_factory=list)
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def accounts(self) -> int:
        return sum(1 for m in self.members if m.is_holder)

    @property
    def households(self) -> int:
        """Accounts shared by two or more people."""
        holders = [m.holder_row for m in self.members if not m.is_holder]
        return len(set(holders))

    @property
    def coordinators(self) -> int:
        return sum(1 for m in self.members if m.role == "coordinator")

    @property
    def generated_passwords(self) -> int:
        return sum(1 for m in self.members if not m.password_given)

    @property
    def opening_balances(self) -> list[int]:
        return [m.opening_balance for m in self.members if m.is_holder and m.opening_balance]

    @property
    def opening_balance_total(self) -> int:
        """The net sum; the association account takes the opposite."""
        return sum(self.opening_balances)

    def as_dict(self) -> dict:
        balances = self.opening_balances
        return {
            "ok": self.ok, "dry_run": self.dry_run, "imported": self.imported,
            "rows": self.rows, "members": len(self.members), "accounts": self.accounts,
            "households": self.households, "coordinators": self.coordinators,
            "generated_passwords": self.generated_passwords,
            "opening_balances": {
                "count": len(balances), "total": sum(balances),
                "credit": sum(b for b in balances if b > 0),
                "debit": sum(b for b in balances if b < 0)},
            "ignored_columns": self.ignored_columns,
            "errors": [e.as_dict() for e in self.errors],
            "people": [{k: v for k, v in asdict(m).items()} for m in self.members],
        }


@dataclass(frozen=True)
class PasswordHashes:
    """The hashes of the passwords one file gives, by row, made before the import's
    transaction (`hash_passwords`), and the hash for rows without a password."""

    file_digest: str
    by_row: dict[int, str]
    unusable: str


def _digest(csv_text: str) -> str:
    return hashlib.sha256(csv_text.encode("utf-8", "surrogatepass")).hexdigest()


def hash_passwords(csv_text: str) -> PasswordHashes:
    """Hash every password the file gives; call it outside any transaction, then
    pass the result to `import_members`. Rows are read and checked as the import
    will (without the database); a file with a bad row gets no hashes, since its
    import will be refused anyway."""
    report = MemberImportReport(dry_run=False)
    records = _read(csv_text, report)
    given: dict[int, str] = {}
    if records is not None:
        errors: list[RowError] = []
        for number, values in records:
            _member, password = _check_row(number, dict(values), errors)
            if password:
                given[number] = password
        if errors or not report.ok:
            given = {}
    return PasswordHashes(file_digest=_digest(csv_text),
                          by_row={row: hash_password(p) for row, p in given.items()},
                          unusable=unusable_password_hash())


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without byte order mark), else Windows-1252 as German Excel writes."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def import_members(session: Session, actor: Actor, csv_text: str, *, dry_run: bool,
                   hashes: PasswordHashes | None = None) -> MemberImportReport:
    """Check a CSV file of members and, unless `dry_run` or a row is bad, import it.

    `actor` is a coordinator of the ring (or the operator: Actor.operator(ring_id));
    the members join the actor's ring. Returns the report: `errors` lists every
    bad row, and then nothing was written. Must run inside `atomic` to write.
    `hashes` are the file's password hashes made before the transaction
    (`hash_passwords`); without them every password is hashed here, inside the
    transaction, which holds the write lock that long.
    """
    actor.require_coordinator()
    if hashes is not None and hashes.file_digest != _digest(csv_text):
        raise ValueError("the password hashes were made for another file")
    ring = session.get(Ring, actor.ring_id)
    report = MemberImportReport(dry_run=dry_run)
    records = _read(csv_text, report)
    passwords = _check(session, ring, records, report) if records is not None else {}
    if not report.ok:
        report.members = []
        return report
    if not dry_run:
        _write(session, actor, ring, report, passwords, hashes)
        report.imported = True
    return report


# --- reading ---------------------------------------------------------------------

def _header_name(raw: str) -> str:
    name = re.sub(r"[\s\-]+", "_", (raw or "").strip().lower())
    return ALIASES.get(name, name)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read(text: str, report: MemberImportReport) -> list[tuple[int, dict]] | None:
    """(row number, {column: text}) per non-empty row; None when the file is unusable."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        report.errors.append(RowError(1, None, "file_empty", N_("The file is empty.")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(
        text.splitlines()[0]))
    records = []
    try:
        header = next(reader)
        columns = [_header_name(h) for h in header]
        for number, cells in enumerate(reader, start=2):
            if len(records) >= MAX_ROWS:
                report.errors.append(RowError(
                    number, None, "too_many_rows",
                    N_("A file may hold at most %(max)d members; please split it."),
                    {"max": MAX_ROWS}))
                return None
            records.append((number, cells))
    except csv.Error as error:
        report.errors.append(RowError(
            reader.line_num or 1, None, "csv_unreadable",
            N_("This is not a readable CSV file: %(problem)s."), {"problem": str(error)}))
        return None
    if not _check_header(columns, report):
        return None
    rows = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # an empty line
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            report.errors.append(RowError(
                number, None, "too_many_fields",
                N_("This row has %(found)d fields, but the header names %(expected)d."),
                {"found": len(cells), "expected": len(columns)}))
            continue
        values = {name: (cells[i] if i < len(cells) else "")
                  for i, name in enumerate(columns) if name in COLUMNS}
        rows.append((number, values))
    report.rows = len(rows)
    if not rows and report.ok:
        report.errors.append(RowError(1, None, "no_members",
                                      N_("The file holds a header but no members.")))
    return rows


def _check_header(columns: list[str], report: MemberImportReport) -> bool:
    seen = set()
    for name in columns:
        if name in seen and name in COLUMNS:
            report.errors.append(RowError(1, name, "column_twice",
                                          N_("The column %(column)s appears twice."),
                                          {"column": name}))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            report.errors.append(RowError(1, name, "column_missing",
                                          N_("The column %(column)s is missing."),
                                          {"column": name}))
    report.ignored_columns = [name or "(empty)" for name in columns if name not in COLUMNS]
    return report.ok


# --- checking --------------------------------------------------------------------

def parse_balance(text: str) -> int:
    """Minutes as a whole number ("-90") or hours as h:mm ("-1:30"); ValueError else."""
    cleaned = (text or "").strip().translate(_MINUS_SIGNS).replace(" ", "")
    if not cleaned:
        return 0
    if _MINUTES.fullmatch(cleaned):
        return int(cleaned)
    match = _HOURS.fullmatch(cleaned)
    if match:
        sign, hours, minutes = match.groups()
        total = int(hours) * 60 + int(minutes)
        return -total if sign == "-" else total
    raise ValueError(text)


def _check_row(number: int, values: dict, errors: list[RowError]
               ) -> tuple[PlannedMember, str | None]:
    def bad(column, code, text, **params):
        errors.append(RowError(number, column, code, text, params))

    for column, value in values.items():
        if "\x00" in value:
            bad(column, "nul_character", N_("The text holds a NUL character."))
            values[column] = value.replace("\x00", "")
    clean = {k: v.strip() for k, v in values.items()}
    planned = PlannedMember(row=number, name=clean.get("name", ""),
                            email=normalise_email(clean.get("email", "")))
    if not planned.name:
        bad("name", "name_missing", N_("The name is missing."))
    elif len(planned.name) > 120:
        bad("name", "name_too_long", N_("The name has more than %(max)d characters."),
            max=120)
    if not planned.email:
        bad("email", "email_missing", N_("The e-mail address is missing."))
    elif not EMAIL.fullmatch(planned.email) or len(planned.email) > 254:
        bad("email", "email_invalid", N_("%(email)s is not an e-mail address."),
            email=clean["email"])
    role = clean.get("role", "").lower() or "member"
    if role in IMPORTABLE_ROLES:
        planned.role = role
    else:
        bad("role", "role_invalid", N_("The role %(role)s is unknown: write member or "
                                       "coordinator, or leave it empty."), role=clean["role"])
    for column in ("phone", "postcode", "district"):
        value = clean.get(column, "")
        if len(value) > PROFILE_LIMITS[column]:
            bad(column, "too_long", N_("At most %(max)d characters."),
                max=PROFILE_LIMITS[column])
        setattr(planned, column, value)
    language = clean.get("language", "").lower() or "de"
    if language in LANGUAGES:
        planned.language = language
    else:
        bad("language", "language_invalid",
            N_("The language %(language)s is unknown: write de or en."),
            language=clean["language"])
    household = clean.get("household", "")
    if len(household) > HOUSEHOLD_KEY_MAX:
        bad("household", "too_long", N_("At most %(max)d characters."), max=HOUSEHOLD_KEY_MAX)
    planned.household = household
    try:
        planned.opening_balance = parse_balance(clean.get("opening_balance", ""))
    except ValueError:
        bad("opening_balance", "balance_invalid",
            N_("%(value)s is not a balance: write minutes as a whole number (-90) or "
               "hours as h:mm (-1:30)."), value=clean["opening_balance"])
    else:
        limit = max_transfer_minutes()
        if abs(planned.opening_balance) > limit:
            bad("opening_balance", "balance_too_large",
                N_("A balance may be at most %(max)d minutes either way."), max=limit)
    password = values.get("password", "")  # as written: spaces may belong to it
    if not password.strip():
        password = ""
    if password:
        planned.password_given = True
        if len(password) < MIN_PASSWORD:
            bad("password", "password_too_short",
                N_("The password needs at least %(min)d characters; leave it empty for a "
                   "made-up one."), min=MIN_PASSWORD)
        elif len(password) > 1024:
            bad("password", "password_too_long", N_("The password is too long."))
    return planned, password or None


def _check(session: Session, ring: Ring, rows: list[tuple[int, dict]],
           report: MemberImportReport) -> dict[int, str]:
    """Fill the report's members and errors; the given passwords by row number."""
    errors: list[RowError] = []
    planned, passwords = [], {}
    for number, values in rows:
        member, password = _check_row(number, values, errors)
        planned.append(member)
        if password:
            passwords[number] = password
    _check_emails(session, planned, errors)
    _check_households(ring, planned, rows, errors)
    report.errors.extend(sorted(errors, key=lambda e: (e.row, COLUMNS.index(e.column)
                                                        if e.column in COLUMNS else -1)))
    report.members = planned
    return passwords


def _check_emails(session: Session, planned: list[PlannedMember],
                  errors: list[RowError]) -> None:
    first_row: dict[str, int] = {}
    for member in planned:
        if not member.email:
            continue
        if member.email in first_row:
            errors.append(RowError(member.row, "email", "email_twice",
                                   N_("The e-mail address %(email)s is in row %(first)d "
                                      "already."),
                                   {"email": member.email, "first": first_row[member.email]}))
        else:
            first_row[member.email] = member.row
    addresses = list(first_row)
    taken = set()
    for start in range(0, len(addresses), CHUNK):
        chunk = addresses[start:start + CHUNK]
        # Addresses are stored normalised (members.service.normalise_email).
        taken.update(session.scalars(select(Member.email).where(Member.email.in_(chunk))))
    for member in planned:
        if member.email in taken and first_row.get(member.email) == member.row:
            errors.append(RowError(member.row, "email", "email_taken",
                                   N_("A member with the e-mail address %(email)s exists "
                                      "already."), {"email": member.email}))


def _check_households(ring: Ring, planned: list[PlannedMember],
                      rows: list[tuple[int, dict]], errors: list[RowError]) -> None:
    """Rows with the same household key share the first such row's account."""
    written_balance = {number: values.get("opening_balance", "").strip()
                       for number, values in rows}
    unreadable = {e.row for e in errors if e.column == "opening_balance"}
    holders: dict[str, PlannedMember] = {}
    sizes: dict[str, int] = {}
    for member in planned:
        key = member.household.casefold()
        holder = holders.setdefault(key, member) if key else member
        member.holder_row = holder.row
        if holder is member:
            sizes[key] = 1
            continue
        sizes[key] += 1
        if sizes[key] > ring.household_size:
            errors.append(RowError(
                member.row, "household", "household_full",
                N_("The household %(household)s has more than %(max)d people, the most "
                   "this ring allows on one account."),
                {"household": member.household, "max": ring.household_size}))
        if (written_balance[member.row] and member.row not in unreadable
                and member.opening_balance != holder.opening_balance):
            errors.append(RowError(
                member.row, "opening_balance", "household_balance_disagrees",
                N_("The rows of household %(household)s disagree on the opening balance: "
                   "put it on the first row of the household (row %(holder)d) only."),
                {"household": member.household, "holder": holder.row}))
        # One balance per account: the holder's.
        member.opening_balance = 0


# --- writing ---------------------------------------------------------------------

def _write(session: Session, actor: Actor, ring: Ring, report: MemberImportReport,
           passwords: dict[int, str], made: PasswordHashes | None) -> None:
    """Everything in few statements, so the write lock is held briefly: accounts,
    members and their audit-log entries are inserted in bulk, then the opening
    balances are booked, each on the chain."""
    planned = report.members
    hashes = _password_hashes(planned, passwords, made)
    ring_id, by = ring.id, actor.member_id  # plain values: book() expires the ORM rows
    holders = [m for m in planned if m.is_holder]
    account_ids = session.scalars(
        insert(Account).returning(Account.id, sort_by_parameter_order=True),
        [{"ring_id": ring_id, "kind": "member", "status": "open", "balance": 0}
         for _ in holders]).all()
    account_of = {m.row: account_id for m, account_id in zip(holders, account_ids, strict=True)}
    today = utcnow().date()
    for m in planned:
        m.account_id = account_of[m.holder_row]
    try:
        # Without RETURNING: a driver's executemany sends one statement many times,
        # far cheaper than one statement with thousands of values. The ids follow.
        session.execute(insert(Member), [
            {"ring_id": ring_id, "account_id": m.account_id, "name": m.name,
             "email": m.email, "password_hash": hashes[m.row], "role": m.role,
             "status": "active", "language": m.language, "joined_on": today,
             "phone": m.phone, "postcode": m.postcode, "district": m.district}
            for m in planned])
    except IntegrityError:
        raise Conflict(_l("An e-mail address of the file was taken while importing; nothing "
                          "was imported. Please try again."), code="email_taken") from None
    member_ids = _ids_by_email(session, [m.email for m in planned])
    for m in planned:
        m.member_id = member_ids[m.email]
    number_unnumbered(session, ring_id)  # inserted without the ORM: numbered here
    session.execute(insert(LoggedAction), [
        _logged(ring_id, by, "member.create", f"member:{m.member_id}", imported=True,
                row=m.row, household=m.household or None, role=m.role)
        for m in planned])
    bank_id = association_account(session, ring_id).id
    for m in holders:
        if m.opening_balance:
            debit, credit = ((bank_id, m.account_id) if m.opening_balance > 0
                             else (m.account_id, bank_id))
            book(session, ring_id=ring_id, debit_account_id=debit, credit_account_id=credit,
                 minutes=abs(m.opening_balance), memo=MEMO, booked_by_id=by,
                 override_reason=OVERRIDE_REASON)
    auditlog.record(session, ring_id=ring_id, actor_id=by,
                    action="member.import", subject=f"ring:{ring_id}",
                    members=len(planned), accounts=report.accounts,
                    households=report.households,
                    opening_balance_total=report.opening_balance_total)
    session.flush()


def _ids_by_email(session: Session, emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(emails), CHUNK):
        found.update((email, member_id) for email, member_id in session.execute(
            select(Member.email, Member.id).where(Member.email.in_(
                emails[start:start + CHUNK]))))
    return found


def _logged(ring_id: int, actor_id: int | None, action: str, subject: str, **detail) -> dict:
    """An audit-log row as auditlog.record writes it, for a bulk insert."""
    return {"ring_id": ring_id, "actor_id": actor_id, "action": action, "subject": subject,
            "reason": None, "detail": json.dumps(detail, sort_keys=True, default=str)}


def _password_hashes(planned: list[PlannedMember], given: dict[int, str],
                     made: PasswordHashes | None) -> dict[int, str]:
    """Each given password's hash, made before the transaction where the door did
    so (else here). Rows without one share the unusable hash (imports.passwords):
    a thousand such rows need no hashing at all."""
    made_by_row = made.by_row if made is not None else {}
    unusable = made.unusable if made is not None else unusable_password_hash()
    hashes = {}
    for m in planned:
        if m.row in given:
            hashes[m.row] = made_by_row.get(m.row) or hash_password(given[m.row])
        else:
            hashes[m.row] = unusable
    return hashes
