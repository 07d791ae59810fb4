"""Letters by post: three members who chose post get their statements as letters in
one PDF, each address inside the window of a DIN 5008 envelope (form B)."""

from __future__ import annotations

import io

import pypdf
import pytest

from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.ledger.service import book_by_coordinator
from tauschring.office.letters import render_letters, set_postal_choice
from tauschring.rings.models import Ring

MM = 72 / 25.4
A4_HEIGHT = 297 * MM
# The window of form B: 20 mm from the left, 45 mm from the top, 90 x 45 mm.
WINDOW = {"left": 20 * MM, "right": 110 * MM, "top": 45 * MM, "bottom": 90 * MM}

ADDRESSES = {
    "Anna Adler": "Anna Adler\nLindenweg 3\n33602 Bielefeld",
    "Bernd Bauer": "Bernd Bauer\nAm Markt 12\n33604 Bielefeld",
    "Clara Christ": "Clara Christ\nc/o Pflegeheim Abendrot\nHeideweg 8\n33605 Bielefeld",
}


def text_positions(pdf: bytes) -> list[list[tuple[str, float, float]]]:
    """Per page: each piece of text with its x and its distance from the top edge (pt)."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        found = []

        def visit(text, cm, tm, _font, _size, found=found):
            if text.strip():
                x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
                found.append((text.strip(), x, A4_HEIGHT - y))
        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def test_three_members_by_post_get_letters_with_the_address_in_the_window(world, app):
    ring = world.ring()
    karin = world.coordinator(ring)
    people = {name: world.member(ring, name) for name in ADDRESSES}
    world.member(ring, "Dora Dorn")  # by e-mail: no letter
    for name, person in people.items():
        atomic(set_postal_choice, person.actor, person.id, by_post=True,
               address=ADDRESSES[name])
        atomic(book_by_coordinator, karin.actor, debit_account_id=ring.association_account_id,
               credit_account_id=person.account_id, minutes=120, memo="Startguthaben")
    year = db.session.get(Ring, ring.id).created_at.year

    pdf, count = render_letters(db.session, db.session.get(Ring, ring.id), "statements",
                                year=year, language="de")
    assert count == 3
    pages = text_positions(pdf)
    letters = [page for page in pages if any(t == "Sonnenberg" for t, _x, _y in page)]
    seen = set()
    for page in pages:
        texts = [t for t, _x, _y in page]
        for name, address in ADDRESSES.items():
            lines = address.split("\n")
            if lines[1] not in texts:
                continue
            seen.add(name)
            for line in lines:
                (x, top), = [(x, y) for t, x, y in page if t == line][:1]
                assert WINDOW["left"] <= x <= WINDOW["right"], (line, x / MM)
                assert WINDOW["top"] <= top <= WINDOW["bottom"], (line, top / MM)
            assert "Startguthaben" in " ".join(texts)
    assert seen == set(ADDRESSES)
    assert letters


def test_letters_need_an_address(world, app):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    with pytest.raises(Invalid) as refused:
        atomic(set_postal_choice, anna.actor, anna.id, by_post=True, address="Anna")
    assert refused.value.field == "address"


def test_the_choice_on_the_page_and_the_coordinators_letters(world, app):
    from tests.support.pages import Pages

    ring = world.ring()
    karin = world.coordinator(ring, "Karin Kohl")
    anna = world.member(ring, "Anna Adler")
    pages = Pages(app.test_client())
    pages.login(anna)
    refused = pages.submit("/letters-by-post", "/letters-by-post", {"by_post": "y",
                                                                   "address": "Anna"})
    assert refused.status_code == 422
    saved = pages.submit("/letters-by-post", "/letters-by-post", {
        "by_post": "y", "address": "Anna Adler\nLindenweg 3\n33602 Bielefeld"})
    assert saved.status_code == 302
    office = Pages(app.test_client())
    office.login(karin)
    assert "Lindenweg 3" in office.client.get("/coordination/letters").text
    pdf = office.submit("/coordination/letters", "/coordination/letters",
                        {"kind": "notice", "text": "Einladung zur Mitgliederversammlung"})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Lindenweg 3" in text and "Mitgliederversammlung" in text


def test_the_others_get_an_email_with_their_pdf_attached(world, app):
    from sqlalchemy import select

    from tauschring.mail.models import OutgoingMail
    from tauschring.mail.sender import MailSettings, _message
    from tauschring.office.letters import send_run

    ring = world.ring()
    anna = world.member(ring, "Anna Adler")
    dora = world.member(ring, "Dora Dorn")
    atomic(set_postal_choice, anna.actor, anna.id, by_post=True,
           address=ADDRESSES["Anna Adler"])
    run = atomic(lambda session: send_run(session, session.get(Ring, ring.id), kind="notice",
                                          text="Einladung zum Sommerfest"))
    assert run.letters == 1 and run.mails == 1
    assert "Lindenweg 3" in pypdf.PdfReader(io.BytesIO(run.letters_pdf)).pages[0].extract_text()
    db.session.remove()
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.member_id == dora.id)
                              ).one()
    assert "Sommerfest" in mail.body
    message = _message(mail, MailSettings(sender="ring@example.org"))
    attached = list(message.iter_attachments())
    assert [part.get_content_type() for part in attached] == ["application/pdf"]
    assert attached[0].get_content().startswith(b"%PDF")
    assert not db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.member_id == anna.id)).all()  # Anna gets her letter instead


def test_the_letters_command(world, app, database_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tauschring.cli import main

    ring = world.ring("lindenhof")
    anna = world.member(ring, "Anna Adler")
    world.member(ring, "Dora Dorn")
    atomic(set_postal_choice, anna.actor, anna.id, by_post=True,
           address=ADDRESSES["Anna Adler"])
    db.session.remove()
    monkeypatch.setenv("TAUSCHRING_DATABASE_URL", database_url)
    out = tmp_path / "briefe.pdf"
    result = CliRunner().invoke(main, ["letters", "--ring", "lindenhof", "--kind", "newsletter",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 1 letters" in result.output and "queued 1 e-mails" in result.output
    assert "Lindenweg 3" in pypdf.PdfReader(out).pages[0].extract_text()
    refused = CliRunner().invoke(main, ["letters", "--ring", "nirgendwo", "--kind", "notice",
                                        "--out", str(out)])
    assert refused.exit_code != 0 and "nirgendwo" in refused.output
