"""The `tauschring` command: thin door onto the same services as the API.

Every failure is one readable line on stderr and a non-zero exit (1 for a
refusal, 2 for bad usage); the work of a failed command is rolled back.
"""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy.exc import DBAPIError, OperationalError

from tauschring.config import ConfigError

EXIT_REFUSED = 1
EXIT_USAGE = 2


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
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code or EXIT_REFUSED)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)

    def invoke(self, ctx):
        from tauschring.errors import DomainError
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            raise click.ClickException(
                f"the database cannot be used: {str(exc.orig).strip().splitlines()[0]}"
            ) from None
        except DBAPIError as exc:
            raise click.ClickException(
                f"the database refused: {str(exc.orig).strip().splitlines()[0]}") from None


def make_app():
    from tauschring.app import create_app
    return create_app()


def in_app(fn):
    """Run the command inside an application context."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        app = make_app()
        with app.app_context():
            return fn(*args, **kwargs)

    return wrapper


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Tauschring: run a time bank's exchange ring."""


@main.command()
@click.option("--ring-name", default="Mein Tauschring", show_default=True,
              help="Name of the first ring, if none exists yet.")
@click.option("--ring-slug", default="mein-tauschring", show_default=True)
@in_app
def init(ring_name, ring_slug):
    """Create or upgrade the schema, and the first ring if none exists."""
    from tauschring.setup import initialise
    ring, created = initialise(ring_name=ring_name, ring_slug=ring_slug)
    click.echo("schema is up to date")
    if created:
        click.echo(f"created ring {ring.slug!r} ({ring.name})")


@main.group()
def ring():
    """Manage rings."""


@ring.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--unit-name", default="Talente", show_default=True)
@click.option("--min-balance", type=int, help="Default lowest balance in minutes.")
@click.option("--max-balance", type=int, help="Default highest balance in minutes.")
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
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["member", "coordinator", "admin"]),
              default="member", show_default=True)
@in_app
def member_create(ring_slug, name, email, password, role):
    """Create an active member with an open account."""
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
def serve(host, port, threads):
    """Serve the web pages and the API with a production WSGI server (waitress)."""
    import waitress

    app = make_app()
    settings = app.config["TAUSCHRING"]
    host = host or settings.server_host
    port = port or settings.server_port
    click.echo(f"serving Tauschring on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads or settings.server_threads,
                   ident="Tauschring")


@main.command()
@in_app
def demo():
    """Fill an empty database with a small demo ring and print how to log in."""
    from tauschring.demo import fill_demo
    from tauschring.setup import upgrade_schema
    upgrade_schema()
    for line in fill_demo():
        click.echo(line)


if __name__ == "__main__":
    main()
