"""The region's brochure: a printable PDF (A4 or A5) for people who do not use
the internet: the rings and where they meet, the directory of services by
kind and place, the offers published to the region, how to reach the
contact point."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy.orm import Session

from tauschring.errors import Invalid
from tauschring.i18n import _l
from tauschring.pdf import render_pdf
from tauschring.regions import service as regions
from tauschring.regions.models import SERVICE_KINDS

SIZES = ("a4", "a5")


def brochure_pdf(session: Session, region_slug: str, *, size: str = "a4",
                 language: str = "de") -> bytes:
    if size not in SIZES:
        raise Invalid(_l("The brochure comes in A4 or A5."), code="size_invalid", field="size")
    region = regions.region_by_slug(session, region_slug)
    with force_locale(language):
        return render_pdf("regions/brochure.html", footer=region.name, size=size,
                          **brochure_context(session, region))


def brochure_context(session: Session, region) -> dict:
    services = regions.find_services(session, region)
    by_kind = []
    for kind in SERVICE_KINDS:
        of_kind = [s for s in services if s.kind == kind]
        if not of_kind:
            continue
        by_place: dict[str, list] = {}
        for service in of_kind:
            for place in service.place_list or [str(_l("the whole region"))]:
                by_place.setdefault(place, []).append(service)
        by_kind.append((regions.KIND_NAMES[kind], sorted(by_place.items())))
    return {"region": region, "public": regions.region_public(session, region),
            "by_kind": by_kind, "talents": regions.region_talents(session, region),
            "cost_names": regions.COST_NAMES}
