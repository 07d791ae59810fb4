"""The demo region of `tauschring demo`: three rings (the demo ring and two
neighbours), a contact point and a directory of a dozen services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.market.models import Talent
from tauschring.regions import service as regions
from tauschring.rings.service import create_ring

SLUG = "lippetal"
CONTACT = ("Lena Lotse", "anlaufstelle@demo.tauschring.example")
# slug, name, postcodes, places, meeting place, meeting time, contact
RINGS = [
    (None, None, "33602,33604", "Sonnenberg;Altstadt", "Café Mitte, Marktstraße 3",
     "jeden ersten Dienstag im Monat, 19 Uhr", "sonnenberg@demo.tauschring.example"),
    ("demo-talheim", "Tauschring Talheim (Demo)", "33649", "Talheim;Oberhausen",
     "Gemeindehaus Talheim, Kirchweg 1", "donnerstags alle zwei Wochen, 18 Uhr",
     "talheim@demo.tauschring.example"),
    ("demo-lindenau", "Tauschring Lindenau (Demo)", "33659,33699", "Lindenau;Heepen",
     "Bürgerhaus Lindenau, Am Anger 5", "jeden dritten Samstag, 10 Uhr",
     "lindenau@demo.tauschring.example"),
]
# name, kind, places, postcodes, cost, price note, contact, hours, accessibility, quality
SERVICES = [
    ("Familienzentrum Arche", "childcare", "Sonnenberg;Altstadt", "33602,33604", "free", "",
     "Tel. 05231 100200", "Mo–Fr 8–16 Uhr", "ebenerdig, Wickelraum", True),
    ("Tagesmütter-Netz Lippetal", "childcare", "Talheim;Lindenau", "33649,33659", "paid",
     "4,50 € je Stunde, Zuschuss vom Jugendamt möglich", "tagesmuetter@lippetal.example",
     "nach Vereinbarung", "", True),
    ("Großelterndienst Lindenau", "childcare", "Lindenau", "33659", "tauschring", "",
     "Bürgerhaus Lindenau, Tel. 05231 300400", "mittwochs 15–17 Uhr", "ebenerdig", False),
    ("Haus- und Gartenhilfe Müller", "house_garden", "Sonnenberg;Talheim", "33602,33649",
     "paid", "18 € je Stunde", "Tel. 0170 1112223", "Mo–Sa 7–18 Uhr", "", True),
    ("Reparatur-Café Talheim", "house_garden", "Talheim", "33649", "free", "",
     "Gemeindehaus Talheim", "jeden letzten Samstag, 14–17 Uhr", "ebenerdig", False),
    ("Einkaufsbus der Caritas", "shopping", "Lindenau;Heepen", "33659,33699", "free", "",
     "Tel. 05231 500600", "dienstags und freitags, 9–12 Uhr", "mit Rampe für Rollstühle", True),
    ("Nachbarschaftshilfe Einkauf", "shopping", "Altstadt", "33604", "tauschring", "",
     "über den Tauschring Sonnenberg", "nach Absprache", "", False),
    ("Seniorenbüro Lippetal", "senior_care", "", "", "free", "",
     "Rathausplatz 1, Tel. 05231 700800", "Mo–Do 9–12 Uhr", "Aufzug, Hörschleife", True),
    ("Ambulanter Pflegedienst Sonnenschein", "senior_care", "Sonnenberg;Altstadt;Talheim",
     "33602,33604,33649", "paid", "nach Pflegegrad, Beratung kostenlos",
     "Tel. 05231 900100", "rund um die Uhr", "", True),
    ("Erziehungsberatung Lippe", "counselling", "", "", "free", "",
     "beratung@lippe.example", "Mo–Fr 9–17 Uhr", "ebenerdig, Gebärdensprache nach Absprache",
     True),
    ("Bürgerbus Lippetal", "transport", "Talheim;Lindenau;Heepen", "33649,33659,33699", "paid",
     "2 € je Fahrt", "Tel. 05231 123123", "Mo–Fr 7–19 Uhr", "Niederflurbus", True),
    ("Lernpaten Altstadt", "learning", "Altstadt;Sonnenberg", "33602,33604", "free", "",
     "lernpaten@altstadt.example", "nachmittags nach Absprache", "", False),
]
# Offers of the demo ring that their members published to the region.
PUBLISHED = ("Kinderbetreuung am Nachmittag", "Fahrten zum Arzt", "Türkisch und Deutsch üben")


def fill_demo_region(session: Session, demo_ring, talents: list[Talent],
                     password: str) -> list[str]:
    """The region around the demo ring; returns lines for the demo's printout."""
    regions.create_region(session, name="Lippetal (Demo)", slug=SLUG,
                          contact_email="anlaufstelle@lippetal.example",
                          contact_phone="05231 700800",
                          contact_address="Rathausplatz 1, 33602 Lippetal",
                          contact_hours="Mo–Do 9–12 Uhr",
                          description="Die Anlaufstelle für Familien und Seniorinnen und "
                                      "Senioren im Lippetal.")
    for slug, name, postcodes, places, meeting_place, meeting_time, contact in RINGS:
        ring = demo_ring if slug is None else create_ring(session, name=name, slug=slug)
        regions.add_ring(session, region_slug=SLUG, ring_slug=ring.slug)
        regions.set_coverage(session, ring_slug=ring.slug, postcodes=postcodes, places=places,
                             meeting_place=meeting_place, meeting_time=meeting_time,
                             how_to_join="Kommen Sie einfach zu einem Treffen oder "
                                         "schreiben Sie uns.",
                             contact_email=contact)
    operator = Actor(ring_id=demo_ring.id, member_id=None, role="admin")
    for (name, kind, places, postcodes, cost, note, contact, hours, access,
         quality) in SERVICES:
        regions.create_service(session, operator, SLUG, name=name, kind=kind, places=places,
                               postcodes=postcodes, cost=cost, price_note=note,
                               contact=contact, hours=hours, accessibility=access,
                               meets_quality=quality)
    for talent in talents:
        if talent.title in PUBLISHED:
            talent.visibility = "region"
    regions.appoint_contact(session, region_slug=SLUG, name=CONTACT[0], email=CONTACT[1],
                            password=password)
    session.flush()
    return [f"demo region {SLUG!r}: /regions/{SLUG}; its contact point logs in as",
            f"  {CONTACT[1]}  (contact)"]
