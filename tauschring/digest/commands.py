"""`tauschring digest send` and `tauschring digest remind`: jobs for cron.

`commands(in_app, ring_id_of)` makes the group; tauschring/cli.py hands in its
helpers (so that this module does not import the command line back)."""

from __future__ import annotations

import click


def commands(in_app, ring_id_of) -> click.Group:
    @click.group()
    def digest():
        """The weekly digest mail and the inactivity reminder."""

    @digest.command("send")
    @click.option("--ring", "ring_slug", default=None,
                  help="only this ring's members (default: every ring)")
    @in_app
    def send(ring_slug):
        """Queue this week's digest for every member who wants it (run it weekly, or
        more often: one digest per member and week)."""
        from tauschring.db import atomic
        from tauschring.digest.service import send_weekly

        ring_id = ring_id_of(ring_slug) if ring_slug else None
        done = atomic(lambda session: send_weekly(session, ring_id=ring_id))
        click.echo(f"week {done.week}: queued {len(done.sent)} digests; "
                   f"{len(done.already)} members had theirs already, "
                   f"{len(done.nothing_new)} had nothing new")

    @digest.command("remind")
    @click.option("--ring", "ring_slug", required=True)
    @in_app
    def remind(ring_slug):
        """Remind the members without an exchange for the ring's number of months
        (daily or weekly: once per member and period)."""
        from tauschring.db import atomic
        from tauschring.digest.service import send_reminders

        reminded = atomic(send_reminders, ring_id_of(ring_slug))
        click.echo(f"queued {len(reminded)} reminders")

    return digest
