"""The office at the command line.

    tauschring slips --ring SLUG --out FILE.pdf [--count N]
    tauschring letters --ring SLUG --kind statements|newsletter|notice [--year YEAR]
                       [--text TEXT] [--no-email] --out FILE.pdf

`commands(in_app)` makes the commands; tauschring/cli.py hands in its `in_app`
(the application context) and adds them, so this module needs nothing of cli.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from tauschring.office.slips import MAX_SLIPS


def commands(in_app) -> list[click.Command]:
    @click.command()
    @click.option("--ring", "ring_slug", required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False),
                  help="The PDF file to write.")
    @click.option("--count", type=click.IntRange(1, MAX_SLIPS), default=20, show_default=True,
                  help="How many slips (four on each A4 page).")
    @in_app
    def slips(ring_slug, out, count):
        """Blank trading slips (Tauschquittungen) to print, with serial numbers."""
        from tauschring.db import atomic, db
        from tauschring.office.render import render_slips
        from tauschring.office.slips import reserve_serials
        from tauschring.rings.service import ring_by_slug

        ring = ring_by_slug(db.session, ring_slug)
        ring_id = ring.id
        serials = atomic(lambda session: reserve_serials(session, ring_id, count))
        pdf = render_slips(db.session, ring, serials, language="de")
        Path(out).write_bytes(pdf)
        click.echo(f"wrote {count} slips (numbers {serials[0]} to {serials[-1]}) to {out}")

    @click.command()
    @click.option("--ring", "ring_slug", required=True)
    @click.option("--kind", type=click.Choice(["statements", "newsletter", "notice"]),
                  required=True)
    @click.option("--text", default="", help="The notice's text (--kind notice).")
    @click.option("--no-email", is_flag=True,
                  help="Only the letters; no e-mail to the other members.")
    @click.option("--year", type=click.IntRange(1970, 9999),
                  help="The statements' year (default: last year).")
    @click.option("--out", required=True, type=click.Path(dir_okay=False),
                  help="The PDF with every letter, for the members who chose post.")
    @in_app
    def letters(ring_slug, kind, text, no_email, year, out):
        """Letters for the members who get their mail by post (one PDF); the others
        get an e-mail with their PDF attached."""
        from tauschring.db import atomic, db
        from tauschring.office.letters import send_run
        from tauschring.rings.models import Ring
        from tauschring.rings.service import ring_by_slug

        ring_id = ring_by_slug(db.session, ring_slug).id
        run = atomic(lambda session: send_run(session, session.get(Ring, ring_id), kind=kind,
                                              year=year, text=text,
                                              email_others=not no_email))
        if run.letters_pdf:
            Path(out).write_bytes(run.letters_pdf)
            click.echo(f"wrote {run.letters} letters to {out}")
        else:
            click.echo("nobody gets letters by post: no file written")
        click.echo(f"queued {run.mails} e-mails, each with its PDF")

    return [slips, letters]
