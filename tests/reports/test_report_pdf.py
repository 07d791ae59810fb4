"""The annual report as PDF: tagged (sections, tables, the charts as figures with
a text), in the reader's language, every account of the trial balance on paper."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tauschring.db import db
from tauschring.reports.render import report_pdf
from tauschring.reports.service import annual_report
from tauschring.statements.render import hours
from tests.support.statements import flat, pdf_text


def tags_of(data: bytes) -> list[dict]:
    """Every structure element in reading order, as its dictionary."""
    reader = PdfReader(io.BytesIO(data))
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict) and "/S" in node:
            found.append(node)
            kids = node.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                if not isinstance(kid, int):
                    walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"])
    return found


def test_the_report_pdf_is_tagged_and_holds_every_account(history):
    report = annual_report(db.session, history.coordinator.actor, 2024, language="de")
    data = report_pdf(report)
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de" and root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert reader.metadata.title.startswith("Jahresbericht 2024")
    tags = tags_of(data)
    names = [tag["/S"] for tag in tags]
    assert names[:2] == ["/Document", "/H1"]
    assert names.count("/H2") == 5 and names.count("/Sect") == 5
    assert "/TFoot" in names and names.count("/THead") == 3
    figures = [tag for tag in tags if tag["/S"] == "/Figure"]
    assert [f["/Alt"] for f in figures] == ["Getauschte Stunden je Monat",
                                            "Getauschte Stunden je Kategorie"]
    text = flat(pdf_text(data)).replace("\u2212", "-")
    assert "Jahresbericht 2024" in text and "Seite 1 von" in text
    for row in report["trial_balance"]["accounts"]:
        holders = ", ".join(row["holders"]) or "Verein"
        assert f"{row['account_id']} {holders} {hours(row['balance'])} {row['balance']}" \
            in text, row
    assert "Summe 0:00 0" in text
    assert report["chain_head"]["hash"] in text.replace(" ", "")


def test_the_report_pdf_in_english(history):
    report = annual_report(db.session, history.coordinator.actor, 2024, language="en")
    data = report_pdf(report)
    assert PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"] == "en"
    text = flat(pdf_text(data))
    assert "Annual report 2024" in text and "Trial balance at the end of the year" in text
    assert f"Exchanges booked {report['exchanges']['booked']}" in text
