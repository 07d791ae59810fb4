"""Partner rings at the command line (the operator's shortcuts).

    tauschring partner add --ring A --partner B --credit-line MINUTES
    tauschring partner list [--ring A]
    tauschring partner end --ring A --partner B

`commands(in_app)` makes the group; tauschring/cli.py hands in its `in_app`
(the application context) and adds it, so this module needs nothing of cli.py.
"""

from __future__ import annotations

import click

from tauschring.limits import MINUTES_MAX


def commands(in_app) -> click.Group:
    @click.group()
    def partner():
        """Partnerships between rings of this instance (trading across rings)."""

    @partner.command("add")
    @click.option("--ring", "ring_slug", required=True)
    @click.option("--partner", "partner_slug", required=True)
    @click.option("--credit-line", type=click.IntRange(1, MINUTES_MAX), required=True,
                  help="Minutes: the most either ring may owe the other.")
    @in_app
    def add(ring_slug, partner_slug, credit_line):
        """Make two rings partners at once, as if both rings' coordinators had
        agreed (an existing partnership is resumed with this credit line)."""
        from tauschring.db import atomic, db
        from tauschring.partners import service
        from tauschring.rings.service import ring_by_slug

        ring, other = ring_by_slug(db.session, ring_slug), ring_by_slug(db.session, partner_slug)
        ring_id, other_id = ring.id, other.id
        partnership = atomic(lambda session: service.add(
            session, ring_id=ring_id, partner_ring_id=other_id, credit_line=credit_line))
        click.echo(f"{ring_slug} and {partner_slug} are partners (partnership "
                   f"{partnership.id}), credit line {credit_line} minutes")

    @partner.command("list")
    @click.option("--ring", "ring_slug", help="Only this ring's partnerships.")
    @in_app
    def list_(ring_slug):
        """Every partnership (or one ring's): status, credit line, clearing
        balances and whether they mirror each other."""
        from sqlalchemy import select

        from tauschring.db import db
        from tauschring.ledger.models import Account
        from tauschring.partners.models import Partnership
        from tauschring.rings.models import Ring
        from tauschring.rings.service import ring_by_slug

        statement = select(Partnership).order_by(Partnership.id)
        if ring_slug:
            ring_id = ring_by_slug(db.session, ring_slug).id
            statement = statement.where((Partnership.ring_a_id == ring_id)
                                        | (Partnership.ring_b_id == ring_id))
        found = db.session.scalars(statement).all()
        if not found:
            click.echo("no partnerships")
        for p in found:
            a, b = db.session.get(Ring, p.ring_a_id), db.session.get(Ring, p.ring_b_id)
            a_balance = db.session.get(Account, p.a_account_id).balance
            b_balance = db.session.get(Account, p.b_account_id).balance
            mirrored = "mirrored" if a_balance == -b_balance else "NOT MIRRORED"
            click.echo(f"{p.id}\t{a.slug}\t{b.slug}\t{p.status}\tcredit line {p.credit_line}"
                       f"\tclearing {a_balance} / {b_balance}\t{mirrored}")

    @partner.command("end")
    @click.option("--ring", "ring_slug", required=True)
    @click.option("--partner", "partner_slug", required=True)
    @in_app
    def end(ring_slug, partner_slug):
        """End the partnership of two rings (the clearing balances stay)."""
        from tauschring.db import atomic, db
        from tauschring.partners import service
        from tauschring.rings.service import ring_by_slug

        ring_id = ring_by_slug(db.session, ring_slug).id
        other_id = ring_by_slug(db.session, partner_slug).id
        atomic(lambda session: service.end_between(session, ring_id=ring_id,
                                                   partner_ring_id=other_id))
        click.echo(f"the partnership of {ring_slug} and {partner_slug} has ended")

    return partner
