"""The command line of the regions: `tauschring region ...` and `tauschring ring coverage`.

`commands(in_app, member_password)` makes them with the command line's `in_app`
and its way of reading a password (tauschring/cli.py registers them), so this
module does not import the command line back."""

from __future__ import annotations

import click


def commands(in_app, member_password) -> tuple[click.Group, click.Command]:
    """The `region` group and the `coverage` command of the `ring` group."""

    @click.group()
    def region():
        """Manage regions: rings with one contact point."""

    @region.command("create")
    @click.option("--name", required=True)
    @click.option("--slug", required=True)
    @click.option("--contact-email", default="", help="The contact point's public e-mail address.")
    @click.option("--contact-phone", default="")
    @click.option("--contact-address", default="")
    @click.option("--contact-hours", default="")
    @in_app
    def region_create(name, slug, contact_email, contact_phone, contact_address, contact_hours):
        """Create a region."""
        from tauschring.db import atomic
        from tauschring.regions.service import create_region

        created = atomic(create_region, name=name, slug=slug, contact_email=contact_email,
                         contact_phone=contact_phone, contact_address=contact_address,
                         contact_hours=contact_hours)
        click.echo(f"created region {created.slug!r} (id {created.id})")

    @region.command("add-ring")
    @click.option("--region", "region_slug", required=True)
    @click.option("--ring", "ring_slug", required=True)
    @in_app
    def region_add_ring(region_slug, ring_slug):
        """Put a ring into a region."""
        from tauschring.db import atomic
        from tauschring.regions.service import add_ring

        atomic(add_ring, region_slug=region_slug, ring_slug=ring_slug)
        click.echo(f"ring {ring_slug!r} is in region {region_slug!r}")

    @region.command("contact")
    @click.option("--region", "region_slug", required=True)
    @click.option("--name", required=True)
    @click.option("--email", required=True)
    @click.option("--password", help="The password (visible to other users of this machine; "
                  "better: let the command ask, or use --password-stdin).")
    @click.option("--password-stdin", is_flag=True,
                  help="Read the password as one line from stdin.")
    @in_app
    def region_contact(region_slug, name, email, password, password_stdin):
        """Appoint the region's contact point: a log-in of the role `contact`, in no ring."""
        from tauschring.db import atomic
        from tauschring.regions.service import appoint_contact

        password = member_password(password, password_stdin)
        person = atomic(appoint_contact, region_slug=region_slug, name=name, email=email,
                        password=password)
        click.echo(f"appointed {person.email} as contact point of region {region_slug!r} "
                   f"(member id {person.id})")

    @region.command("forget")
    @in_app
    def region_forget():
        """Delete the contact data of requests for help past their retention day (for cron)."""
        from tauschring.db import atomic
        from tauschring.regions.service import forget_contact_data

        count = atomic(forget_contact_data)
        click.echo(f"deleted the contact data of {count} requests for help")

    @region.command("brochure")
    @click.option("--region", "region_slug", required=True)
    @click.option("--out", type=click.Path(dir_okay=False), required=True)
    @click.option("--size", type=click.Choice(["a4", "a5"]), default="a4", show_default=True)
    @click.option("--language", type=click.Choice(["de", "en"]), default="de", show_default=True)
    @in_app
    def region_brochure(region_slug, out, size, language):
        """Write the region's printable brochure (PDF)."""
        from pathlib import Path

        from tauschring.db import db
        from tauschring.regions.brochure import brochure_pdf

        Path(out).write_bytes(brochure_pdf(db.session, region_slug, size=size, language=language))
        click.echo(f"wrote the brochure of {region_slug!r} to {out}")

    @click.command("coverage")
    @click.option("--ring", "ring_slug", required=True)
    @click.option("--postcodes", help="Comma-separated postcodes the ring serves.")
    @click.option("--places",
                  help='Places the ring serves, separated by semicolons: "Ort A;Ort B".')
    @click.option("--meeting-place")
    @click.option("--meeting-time")
    @click.option("--how-to-join")
    @click.option("--contact-email", help="The ring's public contact (not a member's own).")
    @click.option("--contact-phone")
    @in_app
    def ring_coverage(ring_slug, postcodes, places, meeting_place, meeting_time, how_to_join,
                      contact_email, contact_phone):
        """What a ring covers and how people find it (shown on its region's public pages)."""
        from tauschring.db import atomic
        from tauschring.regions.service import set_coverage

        coverage = atomic(set_coverage, ring_slug=ring_slug, postcodes=postcodes, places=places,
                          meeting_place=meeting_place, meeting_time=meeting_time,
                          how_to_join=how_to_join, contact_email=contact_email,
                          contact_phone=contact_phone)
        click.echo(f"ring {ring_slug!r} covers postcodes {', '.join(coverage.postcode_list) or '-'}"
                   f" and places {', '.join(coverage.place_list) or '-'}")

    return region, ring_coverage
