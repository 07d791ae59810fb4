"""`tauschring federation ...`: the signing key, peers, retries, reconciling."""

from __future__ import annotations

import sys
from datetime import timedelta

import click


def commands(in_app):
    @click.group()
    def federation():
        """Trading with rings on other instances (docs/federation.md)."""

    @federation.command("key")
    @in_app
    def key():
        """Make the instance's signing key if it has none; print its public key."""
        from flask import current_app

        from tauschring.federation.signing import create_key, key_path, public_text

        path = key_path(current_app.config["TAUSCHRING"])
        made, created = create_key(path)
        click.echo(f"{'created' if created else 'kept'} {path}", err=True)
        click.echo(public_text(made))

    @federation.group()
    def peer():
        """Rings on other instances that a local ring trades with."""

    @peer.command("add")
    @click.option("--ring", "ring_slug", required=True, help="The local ring.")
    @click.option("--url", required=True, help="The other instance's address.")
    @click.option("--remote-ring", required=True, help="The ring's slug there.")
    @click.option("--public-key", required=True, help="The other instance's public key.")
    @click.option("--credit-line", type=click.IntRange(1, 2**53 - 1), required=True,
                  help="Minutes the clearing balance may reach either way.")
    @in_app
    def peer_add(ring_slug, url, remote_ring, public_key, credit_line):
        """Add a peer, with a clearing account in the local ring."""
        from tauschring.db import atomic
        from tauschring.federation.service import add_peer

        made = atomic(add_peer, ring_slug=ring_slug, url=url, remote_ring=remote_ring,
                      public_key=public_key, credit_line=credit_line)
        click.echo(f"added peer {made.id}: ring {ring_slug!r} <-> {made.remote_ring!r} at "
                   f"{made.url}, credit line {made.credit_line} minutes, clearing account "
                   f"{made.account_id}")

    @peer.command("set-url")
    @click.option("--ring", "ring_slug", required=True, help="The local ring.")
    @click.option("--remote-ring", required=True, help="The ring's slug there.")
    @click.option("--url", required=True, help="The other instance's new address.")
    @in_app
    def peer_set_url(ring_slug, remote_ring, url):
        """The other instance moved: the peer's new address (same key and balance)."""
        from tauschring.db import atomic
        from tauschring.federation.service import set_peer_url

        moved = atomic(set_peer_url, ring_slug=ring_slug, remote_ring=remote_ring, url=url)
        click.echo(f"peer {moved.id}: ring {ring_slug!r} <-> {moved.remote_ring!r} now at "
                   f"{moved.url}")

    @peer.command("list")
    @in_app
    def peer_list():
        """Every peer: id, local ring, remote ring and address, line, balance."""
        from tauschring.db import db
        from tauschring.federation.service import peer_summary, peers_of

        for found in peers_of(db.session):
            row = peer_summary(db.session, found)
            click.echo(f"{row['id']}\t{row['ring']}\t{row['remote_ring']}\t{row['url']}\t"
                       f"credit line {row['credit_line']}\tclearing account "
                       f"{row['clearing_account_id']} balance {row['clearing_balance']}\t"
                       f"key {row['public_key']}")

    @federation.command("retry")
    @click.option("--older-than", type=click.IntRange(0, 10**7), default=120,
                  show_default=True, help="Seconds a transfer must be unfinished to be "
                  "taken up (a younger one may still be under way).")
    @in_app
    def retry(older_than):
        """Resume every unfinished transfer (for cron, e.g. every minute)."""
        from flask import current_app

        from tauschring.federation.service import identity_of
        from tauschring.federation.service import retry as run

        counts = run(identity_of(current_app.config["TAUSCHRING"]),
                     older_than=timedelta(seconds=older_than))
        click.echo(", ".join(f"{name.replace('_', ' ')} {count}"
                             for name, count in counts.items()))
        if counts["unreachable"]:
            sys.exit(1)

    @federation.command("reconcile")
    @click.option("--ring", "ring_slug", help="Only this ring's peers (default: all).")
    @in_app
    def reconcile(ring_slug):
        """Compare the clearing balances and booked transfers with every peer;
        exit 1 with one line per difference."""
        from flask import current_app

        from tauschring.federation.service import identity_of
        from tauschring.federation.service import reconcile as run

        differences = run(identity_of(current_app.config["TAUSCHRING"]), ring_slug=ring_slug)
        for line in differences:
            click.echo(line)
        if differences:
            sys.exit(1)
        click.echo("no difference")

    return federation
