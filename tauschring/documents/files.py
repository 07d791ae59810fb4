"""What a document's bytes are, read from the bytes themselves (never from the
name or the type a browser claims), and where the files are kept."""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from pathlib import Path

# Kind -> (file name endings it may carry, the type it is served as).
KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "gif": ((".gif",), "image/gif"),
    "webp": ((".webp",), "image/webp"),
    "docx": ((".docx",),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ((".pptx",),
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": ((".odt",), "application/vnd.oasis.opendocument.text"),
    "ods": ((".ods",), "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ((".odp",), "application/vnd.oasis.opendocument.presentation"),
    "ole": ((".doc", ".xls", ".ppt"), "application/octet-stream"),
}
OLE_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
             ".ppt": "application/vnd.ms-powerpoint"}
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ODF_TYPES = {"application/vnd.oasis.opendocument.text": "odt",
             "application/vnd.oasis.opendocument.spreadsheet": "ods",
             "application/vnd.oasis.opendocument.presentation": "odp"}


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return ODF_TYPES.get(declared)
            if "[Content_Types].xml" in names:
                for kind, prefix in OOXML_PARTS.items():
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The kind of document the bytes are, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def content_type(kind: str, filename: str) -> str:
    if kind == "ole":
        return OLE_TYPES[Path(filename).suffix.lower()]
    return KINDS[kind][1]


def endings(kind: str) -> tuple[str, ...]:
    return KINDS[kind][0]


def write(folder: Path, suffix: str, data: bytes) -> str:
    """Write the bytes under a new random name in `folder`; the name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + suffix
    temporary = folder / f".{name}.part"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / name)
    return name


def path_of(folder: Path, stored_name: str) -> Path:
    return folder / Path(stored_name).name
