"""What the command line needs for moving data: files in, files out.

Each function runs inside an application context, does its work through the
same services as the pages and the API, and raises a DomainError (Invalid,
Conflict, NotFound) with one readable message when it refuses; then nothing
has changed.

    tauschring export --ring SLUG --out FILE         -> export_ring_to_file
    tauschring import-ring FILE                      -> import_ring_from_file
    tauschring import-members --ring SLUG FILE [--dry-run]
                                                     -> import_members_from_file
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from tauschring.actors import Actor
from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.imports import service
from tauschring.imports.passwords import unusable_password_hash
from tauschring.imports.ring_file import TABLES, export_ring, import_ring
from tauschring.ledger.audit import audit_ring
from tauschring.rings.service import ring_by_slug


def export_ring_to_file(slug: str, out: str | os.PathLike) -> dict:
    """Write the ring to `out`, readable by its owner only: it holds no password
    hashes, but the names, addresses and dealings of every member.

    The file is written whole or not at all. Returns {ring, rows, chain, path}.
    """
    ring = ring_by_slug(db.session, slug)
    data = export_ring(db.session, ring.id)
    db.session.rollback()
    path = Path(out)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise Invalid(f"The folder {folder} does not exist.", code="folder_missing",
                      field="out")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False, indent=1)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"ring": slug, "path": str(path), "chain": data["chain"],
            "rows": {name: len(data[name]) for name, _ in TABLES if name != "ring"}}


def import_ring_from_file(path: str | os.PathLike) -> dict:
    """Recreate the ring of an export file; the audit of the moved ring must be ok.

    Returns the summary of import_ring plus the audit as it stands after commit.
    The moved members' (unusable) password hash is made before the transaction.
    """
    data = _read_json(path)
    summary = atomic(import_ring, data, password_hash=unusable_password_hash())
    summary["audit"] = audit_ring(db.session, summary["ring_id"])
    return summary


def import_members_from_file(slug: str, path: str | os.PathLike, *,
                             dry_run: bool = False) -> service.MemberImportReport:
    """Import (or with `dry_run` only check) a CSV file of members into the ring,
    as the operator. The report lists every bad row; then nothing was written."""
    raw = _read_bytes(path)
    ring = ring_by_slug(db.session, slug)
    actor = Actor.operator(ring.id)
    text = service.decode_csv(raw)
    if dry_run:
        report = service.import_members(db.session, actor, text, dry_run=True)
        db.session.rollback()
        return report
    db.session.rollback()  # no transaction stays open while the passwords are hashed
    hashes = service.hash_passwords(text)
    return atomic(service.import_members, actor, text, dry_run=False, hashes=hashes)


def report_lines(report: service.MemberImportReport) -> list[str]:
    """The report as lines for the terminal: every bad row, or what was (to be) done."""
    if not report.ok:
        return [f"row {e.row}" + (f", {e.column}" if e.column else "") + f": {e.message}"
                for e in report.errors] + [
            f"{len(report.errors)} problem(s) in the file; nothing was imported"]
    balances = report.opening_balances
    verb = "would import" if report.dry_run else "imported"
    lines = [f"{verb}: {len(report.members)} member(s) on {report.accounts} account(s), "
             f"{report.households} of them shared by a household; "
             f"{report.coordinators} coordinator(s)",
             f"opening balances: {len(balances)}, sum {report.opening_balance_total} minutes "
             f"(credit {sum(b for b in balances if b > 0)}, "
             f"debit {sum(b for b in balances if b < 0)}), booked against the association "
             "account",
             f"{report.generated_passwords} members without a password: they set one by "
             "password reset"]
    if report.ignored_columns:
        lines.append(f"ignored columns: {', '.join(report.ignored_columns)}")
    return lines


def _read_bytes(path: str | os.PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise Invalid(f"The file {path} cannot be read: {error.strerror or error}.",
                      code="file_unreadable", field="file") from None


def _read_json(path: str | os.PathLike) -> dict:
    try:
        return json.loads(_read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Invalid(f"The file {path} is not a JSON document.", code="file_not_json",
                      field="file") from None
