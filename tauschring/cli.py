"""The `tauschring` command: thin door onto the same services as the API.

Every failure is one readable line on stderr and a non-zero exit (1 for a
refusal, 2 for bad usage); the work of a failed command is rolled back.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import click

from tauschring.config import ConfigError
from tauschring.limits import MINUTES_MAX

EXIT_REFUSED = 1
EXIT_USAGE = 2
# Default limits of a ring, in minutes: within what every JSON client reads exactly.
LIMIT = click.IntRange(-MINUTES_MAX, MINUTES_MAX)


class Group(click.Group):
    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(EXIT_REFUSED)
        except click.UsageError as exc:
            message = exc.format_message().replace("\n", " ")
            click.echo(f"error: {message} (see --help)", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code or EXIT_REFUSED)
        except Exception as exc:  # the contract: one line, never a traceback
            if os.environ.get("TAUSCHRING_DEBUG"):
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {one_line(str(exc))} "
                       "(TAUSCHRING_DEBUG=1 shows the traceback)", err=True)
            sys.exit(EXIT_REFUSED)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            refusal = as_refusal(exc)
            if refusal is None:
                raise
            raise refusal from None


def as_refusal(exc: Exception) -> click.ClickException | None:
    """A refusal of the domain, the configuration or the database, as one line."""
    from tauschring.errors import DomainError

    if isinstance(exc, DomainError):
        return click.ClickException(str(exc.message))
    if isinstance(exc, ConfigError):
        return click.ClickException(str(exc))
    if "sqlalchemy" in sys.modules:  # imported lazily: `--help` and usage errors stay quick
        from sqlalchemy.exc import DBAPIError, OperationalError

        if isinstance(exc, OperationalError):
            return click.ClickException(
                f"the database cannot be used: {first_line(exc.orig)}")
        if isinstance(exc, DBAPIError):
            return click.ClickException(f"the database refused: {first_line(exc.orig)}")
    return None


def first_line(error) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def one_line(message: str) -> str:
    return " ".join(str(message).split()) or "(no message)"


def make_app(*, creates_database: bool = False, serving: bool = False):
    """The app for one command. Only `init` and `demo` may create a database;
    only `serve` needs a lasting secret key (a one-off command leaves no key file)."""
    from tauschring.config import load_settings

    # Configuration first: a mistake there is told at once, before the
    # (slow) import of the whole application.
    settings = load_settings()
    if not creates_database:
        require_existing_sqlite_file(settings.database_url)
    if not serving and not settings.secret_key:
        settings.secret_key = secrets.token_urlsafe(32)
    from tauschring.app import create_app
    return create_app(settings)


def require_existing_sqlite_file(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or (
            database.startswith("file:")):
        return
    if not Path(database).is_file():
        raise click.ClickException(
            f"the database file {database} does not exist; create it with `tauschring init`")


def in_app(fn=None, *, creates_database: bool = False):
    """Run the command inside an application context."""
    import functools

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            app = make_app(creates_database=creates_database)
            with app.app_context():
                return fn(*args, **kwargs)

        return wrapper

    return decorate(fn) if fn is not None else decorate


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Tauschring: run a time bank's exchange ring."""


@main.command()
@click.option("--ring-name", default="Mein Tauschring", show_default=True,
              help="Name of the first ring, if none exists yet.")
@click.option("--ring-slug", default="mein-tauschring", show_default=True)
@in_app(creates_database=True)
def init(ring_name, ring_slug):
    """Create or upgrade the schema, and the first ring if none exists."""
    from tauschring.setup import initialise
    done = initialise(ring_name=ring_name, ring_slug=ring_slug)
    click.echo(done.schema_sentence())
    if done.ring_created:
        click.echo(f"created ring {done.ring.slug!r} ({done.ring.name})")
    else:
        click.echo(f"a ring exists already ({done.ring.slug!r}): created no first ring")


def check_unit_name(value: str) -> str:
    if not value.strip() or len(value) > 40:
        raise click.BadParameter("must have 1 to 40 characters")
    return value.strip()


@main.group()
def ring():
    """Manage rings."""


@ring.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--unit-name", default="Talente", show_default=True,
              callback=lambda ctx, param, value: check_unit_name(value),
              help="Name of the ring's currency (at most 40 characters).")
@click.option("--min-balance", type=LIMIT, help="Default lowest balance in minutes.")
@click.option("--max-balance", type=LIMIT, help="Default highest balance in minutes.")
@in_app
def ring_create(name, slug, unit_name, min_balance, max_balance):
    """Create a ring with its association account."""
    from tauschring.db import atomic
    from tauschring.rings.service import create_ring
    created = atomic(create_ring, name=name, slug=slug, unit_name=unit_name,
                     default_min_balance=min_balance, default_max_balance=max_balance)
    click.echo(f"created ring {created.slug!r} (id {created.id})")


@main.group()
def member():
    """Manage members."""


@member.command("create")
@click.option("--ring", "ring_slug", required=True, help="Slug of the member's ring.")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--password", help="The password (visible to other users of this machine; "
              "better: let the command ask, or use --password-stdin).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password as one line from stdin.")
@click.option("--role", type=click.Choice(["member", "coordinator", "admin"]),
              default="member", show_default=True)
def member_create(ring_slug, name, email, password, password_stdin, role):
    """Create an active member with an open account.

    The password (8 to 1024 characters) comes from --password, from
    --password-stdin, or else is asked for when run in a terminal.
    """
    password = member_password(password, password_stdin)
    create_active_member(ring_slug, name, email, password, role)


def member_password(password: str | None, from_stdin: bool) -> str:
    """The new member's password: given, read from stdin, or asked for (twice, hidden)."""
    if password is not None and from_stdin:
        raise click.UsageError("give either --password or --password-stdin, not both")
    if password is not None:
        return password
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("--password-stdin read nothing: pipe the password "
                                       "in as one line")
        return line.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise click.UsageError("no password given and no terminal to ask for it: use "
                               "--password-stdin (one line on stdin) or --password")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@in_app
def create_active_member(ring_slug, name, email, password, role):
    from tauschring.db import atomic
    from tauschring.members.service import create_member
    from tauschring.rings.service import ring_by_slug

    def create(session):
        ring_ = ring_by_slug(session, ring_slug)
        return create_member(session, ring_id=ring_.id, name=name, email=email,
                             password=password, role=role, status="active")

    created = atomic(create)
    click.echo(f"created member {created.email} (id {created.id}, account "
               f"{created.account_id}) in ring {ring_slug!r}")


@main.command()
@click.option("--ring", "ring_slug", help="Audit only this ring (default: every ring).")
@click.option("--json", "as_json", is_flag=True, help="Print the full audit as JSON.")
@in_app
def audit(ring_slug, as_json):
    """Recompute balances and the hash chain; exit 1 if anything is wrong."""
    from tauschring.db import db
    from tauschring.ledger.audit import audit_ring
    from tauschring.rings.service import all_rings, ring_by_slug

    rings = [ring_by_slug(db.session, ring_slug)] if ring_slug else all_rings(db.session)
    results = [(r, audit_ring(db.session, r.id)) for r in rings]
    if as_json:
        click.echo(json.dumps([result for _, result in results], indent=2))
    else:
        for r, result in results:
            click.echo(describe_audit(r.slug, result))
    if not all(result["ok"] for _, result in results):
        sys.exit(EXIT_REFUSED)


def describe_audit(slug: str, result: dict) -> str:
    chain = result["chain"]
    lines = [f"ring {slug}: {'ok' if result['ok'] else 'NOT OK'}",
             f"  accounts {result['accounts']}, transfers {result['transfers']}, "
             f"sum of balances {result['sum_of_balances']}",
             f"  chain {'ok' if chain['ok'] else 'BROKEN'}: length {chain['length']}, "
             f"head {chain['head']}"]
    if not chain["ok"]:
        lines.append(f"  chain problem: {chain['problem']} at transfer "
                     f"{chain['first_bad_transfer_id']}")
    for item in result["mismatched_accounts"]:
        lines.append(f"  account {item['account_id']}: stored {item['balance']}, "
                     f"from transfers {item['recomputed']}, from entries {item['entries_sum']}")
    entries = result["entries"]
    if not entries["ok"]:
        lines.append(f"  entries: {entries['count']} stored; transfers without matching "
                     f"entries {entries['transfers_without_matching_entries']}; wrong "
                     f"balance_after {entries['entries_with_wrong_balance_after']}")
    for item in result["limit_violations"]:
        lines.append(f"  account {item['account_id']} outside its limits: balance "
                     f"{item['balance']} (min {item['min_balance']}, max {item['max_balance']}"
                     f"{', override recorded' if item['override_recorded'] else ''})")
    return "\n".join(lines)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default from config).")
@click.option("--port", type=click.IntRange(1, 65535), default=None)
@click.option("--threads", type=click.IntRange(1, 256), default=None)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes (gunicorn, POSIX, PostgreSQL only); 1: waitress.")
def serve(host, port, threads, workers):
    """Serve the web pages and the API with a production WSGI server (waitress;
    with --workers N above 1, N gunicorn processes)."""
    import waitress

    from tauschring.serving import check_port_free, refuse_workers, run_gunicorn

    app = make_app(serving=True)
    refuse_workers(app, workers)
    settings = app.config["TAUSCHRING"]
    host = host or settings.server_host
    port = port or settings.server_port
    from tauschring.app import freeze_startup_objects, serve_at
    from tauschring.logs import log_requests_to, summarise_queue_warnings
    from tauschring.mail.sender import MailWorker, settings_of

    links = serve_at(app, host, port)  # without [server] base_url: this address
    settings_of(app)  # a mistake in [mail] is told now, not in the worker
    freeze_startup_objects()
    shown = f"[{host}]" if ":" in host else host
    if workers > 1:
        check_port_free(host, port)
        log_requests_to(sys.stdout, settings.server_log_format)
        run_gunicorn(app, host, port, workers, threads or settings.server_threads,
                     lambda: click.echo(f"serving Tauschring on http://{shown}:{port}/ with "
                                        f"{workers} worker processes, links in mails to "
                                        f"{links} (Ctrl+C to stop)"))
        return
    try:  # listen first: the address is announced only once it is ours
        server = waitress.create_server(app, host=host, port=port,
                                        threads=threads or settings.server_threads,
                                        ident="Tauschring",
                                        # waitress drops X-Forwarded-* by default; with
                                        # [server] proxies the app's ProxyFix reads them
                                        clear_untrusted_proxy_headers=not settings.proxies)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log_requests_to(sys.stdout, settings.server_log_format)
    summarise_queue_warnings()
    MailWorker(app).start()
    from tauschring.federation.worker import FederationWorker
    FederationWorker(app).start()  # `federation retry` every minute
    click.echo(f"serving Tauschring on http://{shown}:{port}/, links in mails to {links} "
               "(Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()


@main.command()
@in_app(creates_database=True)
def demo():
    """Fill an empty database with a small demo ring and print how to log in."""
    from tauschring.demo import fill_demo
    from tauschring.setup import upgrade_schema
    upgrade_schema()
    for line in fill_demo():
        click.echo(line)



def ring_id_of(slug: str) -> int:
    from tauschring.db import db
    from tauschring.rings.service import ring_by_slug
    return ring_by_slug(db.session, slug).id


@main.group()
def mail():
    """The outgoing mail queue."""


@mail.command("send")
@in_app
def mail_send():
    """Send the mail that is due now (for cron; `serve` does it by itself)."""
    from flask import current_app

    from tauschring.mail.sender import send_due, settings_of

    settings = settings_of(current_app)
    if not settings.host:
        raise click.ClickException("no mail server configured ([mail] host)")
    outcome = send_due(settings)
    click.echo(outcome.line())
    if outcome.failed:
        sys.exit(EXIT_REFUSED)


@main.group()
def fees():
    """The periodic account fee."""


@fees.command("charge")
@click.option("--ring", "ring_slug", required=True)
@click.option("--period", required=True, help="YYYY-MM (monthly fee) or YYYY (yearly fee).")
@in_app
def fees_charge(ring_slug, period):
    """Charge the fee for one period; running it twice books once."""
    from tauschring.actors import Actor
    from tauschring.db import atomic
    from tauschring.fees.service import charge_fees

    run = atomic(charge_fees, Actor.operator(ring_id_of(ring_slug)), period)
    click.echo(f"period {run.period}: charged {len(run.charged)} accounts "
               f"{run.minutes} minutes each; {len(run.already)} were charged before")
    for account_id, names, reason in run.refused:
        click.echo(f"  not charged: account {account_id} ({', '.join(names)}): {reason}")
    if run.refused:
        sys.exit(EXIT_REFUSED)


@main.group()
def exchanges():
    """Exchanges between members."""


@exchanges.command("auto-confirm")
@click.option("--ring", "ring_slug", required=True)
@in_app
def exchanges_auto_confirm(ring_slug):
    """Confirm proposals older than the ring's auto_confirm_days (for cron; safe twice)."""
    from tauschring.db import atomic
    from tauschring.exchanges.service import auto_confirm_due

    confirmed, blocked = atomic(auto_confirm_due, ring_id_of(ring_slug))
    click.echo(f"confirmed {len(confirmed)} exchanges")
    for exchange_id, reason in blocked:
        click.echo(f"  exchange {exchange_id} not booked: {reason}")


@main.command("export")
@click.option("--ring", "ring_slug", required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@in_app
def export_command(ring_slug, out):
    """Write a whole ring to one JSON file, to move it to another instance."""
    from tauschring.imports.commands import export_ring_to_file

    written = export_ring_to_file(ring_slug, out)
    click.echo(f"exported ring {ring_slug!r} to {written['path']}: "
               f"{written['rows']['members']} members, {written['rows']['transfers']} "
               f"transfers, chain head {written['chain']['head']}")


@main.command("import-ring")
@click.argument("file", type=click.Path(dir_okay=False))
@in_app(creates_database=True)
def import_ring_command(file):
    """Recreate an exported ring, with its ids, in a new database (instead of `init`)."""
    from tauschring.imports.commands import import_ring_from_file
    from tauschring.setup import upgrade_schema

    upgrade_schema()
    moved = import_ring_from_file(file)
    click.echo(describe_audit(moved["slug"], moved["audit"]))
    if not moved["audit"]["ok"]:
        sys.exit(EXIT_REFUSED)


@main.command("import-members")
@click.option("--ring", "ring_slug", required=True)
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@click.argument("file", type=click.Path(dir_okay=False))
@in_app
def import_members_command(ring_slug, file, dry_run):
    """Import members from a CSV file (docs/import.md); nothing if any row is bad."""
    from tauschring.imports.commands import import_members_from_file, report_lines

    report = import_members_from_file(ring_slug, file, dry_run=dry_run)
    lines = report_lines(report)
    for line in lines if report.ok else lines[:-1]:
        click.echo(line)
    if not report.ok:
        raise click.ClickException(lines[-1])



@main.command()
@click.option("--ring", "ring_slug", required=True)
@click.option("--year", type=click.IntRange(1970, 9999), required=True)
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the files (created if missing).")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="pdf",
              show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes writing PDFs side by side (about one per core).")
@in_app
def statements(ring_slug, year, out, fmt, workers):
    """Write every account's statement of one year into a folder."""
    from tauschring.actors import Actor
    from tauschring.db import db
    from tauschring.statements.service import count_statements, write_statements

    ring_id = ring_id_of(ring_slug)
    total = count_statements(db.session, Actor.operator(ring_id), year)
    with click.progressbar(length=total, label=f"statements {year}", file=sys.stderr) as bar:
        written = write_statements(db.session, ring_id, year, out, fmt,
                                   progress=lambda n, item, path: bar.update(1),
                                   workers=workers)
    click.echo(f"wrote {len(written)} statements to {out}")


@main.command()
@click.option("--ring", "ring_slug", required=True)
@click.option("--year", type=click.IntRange(1970, 9999), required=True)
@click.option("--out", type=click.Path(dir_okay=False),
              help="File to write (.json, .csv or .pdf); without it, JSON on stdout.")
@in_app
def report(ring_slug, year, out):
    """The ring's annual report: members, exchanges, categories, trial balance, audit."""
    from tauschring.db import db
    from tauschring.reports.service import write_report

    data = write_report(db.session, ring_id_of(ring_slug), year, out,
                        language="en")   # the command line speaks English
    if out:
        click.echo(f"wrote the {year} report to {out}")
    else:
        click.echo(data.decode("utf-8"))


@main.command()
@click.option("--out", required=True,
              help="File to write, or a folder (ending in /) for a time-stamped file.")
@click.option("--keep", type=click.IntRange(1, 10000),
              help="With --out FOLDER/: keep only the newest N backups there.")
def backup(out, keep):
    """Copy the database while the instance serves (SQLite: online backup; PostgreSQL: pg_dump)."""
    from tauschring.backup import BackupError
    from tauschring.backup import backup as make_backup
    from tauschring.config import load_settings

    try:
        done = make_backup(load_settings().database_url, out, keep)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up the {done.engine} database to {done.path}")
    for head in done.rings:
        click.echo(f"  ring {head.slug}: chain length {head.chain_length}, "
                   f"head {head.chain_head}")
    for path in done.removed:
        click.echo(f"  removed the older backup {path}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def restore(file):
    """Fill an empty database (no tables yet) from a backup, then audit every ring."""
    from tauschring.backup import BackupError
    from tauschring.backup import restore as restore_backup
    from tauschring.config import load_settings

    try:
        done = restore_backup(load_settings().database_url, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {done.path} into the {done.engine} database")
    audits = dict(done.audits)
    for head in done.rings:
        ok = audits.get(head.slug, {}).get("ok")
        click.echo(f"  ring {head.slug}: audit {'ok' if ok else 'NOT OK'}, chain length "
                   f"{head.chain_length}, head {head.chain_head}")
    if not all(result["ok"] for _, result in done.audits):
        sys.exit(EXIT_REFUSED)


def _office_commands() -> None:
    from tauschring.office.commands import commands as office_commands
    for command in office_commands(in_app):
        main.add_command(command)


_office_commands()


def _region_commands() -> None:
    from tauschring.regions.commands import commands as region_commands
    region, ring_coverage = region_commands(in_app, member_password)
    main.add_command(region)
    ring.add_command(ring_coverage)


_region_commands()


def _ring_life_commands() -> None:
    from tauschring.digest.commands import commands as digest_commands
    main.add_command(digest_commands(in_app, ring_id_of))


_ring_life_commands()


def _federation_commands() -> None:
    from tauschring.federation.commands import commands as federation_commands
    main.add_command(federation_commands(in_app))


_federation_commands()


def _partner_commands() -> None:
    from tauschring.partners.commands import commands as partner_commands
    main.add_command(partner_commands(in_app))


_partner_commands()


if __name__ == "__main__":
    main()
