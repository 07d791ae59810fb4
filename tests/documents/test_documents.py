"""The ring's documents: coordinators upload (the kind is read from the bytes),
the files are kept outside the web root, and only the ring's members get them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import sqlalchemy as sa

from tauschring.db import db
from tauschring.documents.models import Document
from tests.support.pages import forms_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def upload_page(browser, title, filename, data):
    form = next(f for f in forms_of(browser.client.get("/documents").text)
                if f["action"] == "/documents")
    fields = {**form["fields"], "title": title, "file": (io.BytesIO(data), filename)}
    return browser.client.post("/documents", data=fields, content_type="multipart/form-data")


def stored():
    db.session.rollback()
    return db.session.scalars(sa.select(Document).order_by(Document.id)).all()


def test_coordinator_uploads_and_members_download(life, app):
    karin = life.browser(life.karin)
    assert upload_page(karin, "Satzung", "Satzung 2026.pdf", PDF).status_code == 302
    assert upload_page(karin, "Protokoll", "protokoll.docx", docx()).status_code == 302
    documents = stored()
    assert [(d.title, d.content_type) for d in documents] == [
        ("Satzung", "application/pdf"),
        ("Protokoll",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    folder = Path(app.instance_path) / "documents"
    kept = folder / documents[0].stored_name
    assert kept.read_bytes() == PDF and "Satzung" not in kept.name
    assert Path(app.static_folder) not in kept.parents

    anna = life.browser(life.anna)
    page = anna.client.get("/documents").text
    assert "Satzung" in page and 'action="/documents"' not in page
    got = anna.client.get(f"/documents/{documents[0].id}")
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert "attachment" in got.headers["Content-Disposition"]
    assert life.browser(life.otto).client.get(
        f"/documents/{documents[0].id}").status_code == 404
    german = life.browser(life.anna, language="de").client.get("/documents").text
    assert "Dokumente" in german


def test_the_content_decides_not_the_name(life):
    karin = life.browser(life.karin)
    for name, data in (("liste.pdf", b"Name;Telefon\nAnna;123\n"),   # text, named PDF
                       ("bild.pdf", PNG),                              # an image, named PDF
                       ("programm.exe", b"MZ\x90\x00" + b"\x00" * 60),
                       ("leer.pdf", b"")):
        response = upload_page(karin, "Versuch", name, data)
        assert response.status_code == 422, (name, response.status_code)
    assert upload_page(karin, "Foto vom Sommerfest", "fest.png", PNG).status_code == 302
    assert [d.filename for d in stored()] == ["fest.png"]


def test_size_is_checked(life, app):
    app.config["TAUSCHRING"].extra["documents.max_mb"] = 1
    karin = life.browser(life.karin)
    big = PDF + b"0" * (1024 * 1024)
    assert upload_page(karin, "Zu groß", "gross.pdf", big).status_code in (413, 422)
    assert stored() == []


def test_the_api_lists_uploads_and_serves_documents(life, http):
    karin, anna = http.token(life.karin), http.token(life.anna)
    created = http.post("/api/v1/documents", token=karin, data={"title": "Beitrittsformular"},
                        files={"file": ("beitritt.pdf", PDF, "application/pdf")})
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["content_type"] == "application/pdf" and document["size"] == len(PDF)
    refused = http.post("/api/v1/documents", token=karin, data={"title": "x"},
                        files={"file": ("x.pdf", b"<html>", "application/pdf")})
    assert refused.status_code == 422 and refused.json()["code"] == "file_type_refused"
    assert http.post("/api/v1/documents", token=anna, data={"title": "x"},
                     files={"file": ("x.pdf", PDF, "application/pdf")}).status_code == 403
    listed = http.get("/api/v1/documents", token=anna).json()
    assert [d["title"] for d in listed["items"]] == ["Beitrittsformular"]
    got = http.get(f"/api/v1/documents/{document['id']}", token=anna)
    assert got.status_code == 200 and got.content == PDF
    assert http.get(f"/api/v1/documents/{document['id']}",
                    token=http.token(life.otto)).status_code == 404
    assert http.get(f"/api/v1/documents/{document['id']}").status_code == 401


def test_coordinator_removes_a_document(life, app):
    karin = life.browser(life.karin)
    upload_page(karin, "Altes Protokoll", "alt.pdf", PDF)
    document = stored()[0]
    path = Path(app.instance_path) / "documents" / document.stored_name
    page = karin.client.get("/documents").text
    form = next(f for f in forms_of(page) if f["action"] == f"/documents/{document.id}/delete")
    assert life.browser(life.anna).client.post(
        f"/documents/{document.id}/delete", data=form["fields"]).status_code in (400, 403)
    assert karin.client.post(f"/documents/{document.id}/delete",
                             data=form["fields"]).status_code == 302
    assert stored() == [] and not path.exists()
