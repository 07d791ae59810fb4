"""The office's printed documents: sheets of blank trading slips."""

from __future__ import annotations

import re

from flask_babel import force_locale
from sqlalchemy.orm import Session

from tauschring.office.numbers import ring_numbers
from tauschring.office.slips import pages_of
from tauschring.pdf import render_pdf
from tauschring.rings.models import Ring


def render_slips(session: Session, ring: Ring, serials: list[int],
                 language: str | None = None) -> bytes:
    """Four blank slips per A4 page, each with its serial number and the ring's
    name; then the ring's members with their numbers, to fill the slips in."""
    directory = [row for row in ring_numbers(session, ring.id) if row.status == "active"]

    def render() -> bytes:
        return render_pdf("office/slips_pdf.html", footer=ring.name, ring=ring,
                          pages=pages_of(serials), directory=directory)
    if language:
        with force_locale(language):
            return render()
    return render()


def slips_filename(ring: Ring, serials: list[int]) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", ring.slug.lower()).strip("-") or "ring"
    return f"tauschquittungen-{slug}-{serials[0]}-{serials[-1]}.pdf"
