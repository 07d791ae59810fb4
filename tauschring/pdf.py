"""PDF documents (newsletter, statements, annual report) from Jinja templates.

Every document gets the translated "Page 2 of 5" and a footer line as CSS
strings, and loads nothing from outside: everything it needs is inline.

Processes of their own that render PDFs side by side (the statements of a
whole ring, statements.service.rendered_statements) need no database, no
pages, no settings: `renderer_setup` tells them, as plain values, where this
app's templates and catalog are, and `start_renderer` builds a bare app from
that in each process.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import Babel, gettext


def render_pdf(template: str, *, footer: str, **context) -> bytes:
    """Render `template` (in the current locale) to PDF bytes."""
    return _weasyprint(template, footer, context).write_pdf()


def _weasyprint(template: str, footer: str, context: dict):
    """`template` rendered with the page counter and the footer, as a WeasyPrint
    document that loads nothing from outside."""
    from weasyprint import HTML  # slow to import; only PDFs need it

    html = render_template(template, page_counter=page_counter(),
                           footer_name=css_string(footer), **context)
    return HTML(string=html, url_fetcher=_fetch_nothing)


def page_counter() -> str:
    """The translated "Page 2 of 5" as the value of a CSS `content` property."""
    text = gettext("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = []
    for piece in text.split("\0"):
        if piece in ("page", "pages"):
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def css_string(text: str) -> str:
    escaped = "".join(c if c.isalnum() or c in " .,:;-/()" else f"\\{ord(c):x} "
                      for c in text)
    return f'"{escaped}"'


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"PDF documents load no resources ({url[:60]})")


def renderer_setup() -> dict:
    """What a process needs to render the current app's documents, as plain values
    (they cross into the process by pickling)."""
    babel = current_app.extensions["babel"]
    return {"templates": str(Path(current_app.root_path, current_app.template_folder)),
            "translations": ";".join(babel.translation_directories),
            "default_locale": babel.default_locale,
            "default_timezone": babel.default_timezone}


def start_renderer(setup: dict) -> None:
    """In a rendering process: a bare app with the templates and the catalog of
    `setup` (see renderer_setup), its context open for the process's life."""
    app = Flask("tauschring", root_path=str(Path(__file__).parent),
                template_folder=setup["templates"])
    app.config.update(BABEL_TRANSLATION_DIRECTORIES=setup["translations"],
                      BABEL_DEFAULT_LOCALE=setup["default_locale"],
                      BABEL_DEFAULT_TIMEZONE=setup["default_timezone"])
    Babel(app)
    app.app_context().push()


def render_pdf_tagged(template: str, *, footer: str, **context) -> bytes:
    """As render_pdf, but a tagged PDF (headings, tables, paragraphs as a structure
    tree, the language, the title shown): what screen readers need."""
    return _weasyprint(template, footer, context).write_pdf(pdf_tags=True,
                                                            custom_metadata=True)


# --- tagged PDFs without a layout engine ------------------------------------------
#
# WeasyPrint lays out any HTML and CSS, at about 6 ms per table row and 0.1 s per
# document: a year-end run of a thousand members with 400 entries each would take
# an hour. Documents of a fixed shape (a statement: a title, a few facts, one long
# table) are drawn directly instead: TaggedPdf places text where it is told, with
# the DejaVu fonts embedded as subsets, and writes the structure tree (Document,
# H1, P, Table, TR, TH, TD) that makes the PDF accessible: tagged, with real text
# (ToUnicode), the document's language and title; page furniture as artifacts.

A4 = (595.28, 841.89)
COMPRESSION = 1    # zlib's fastest: a quarter less CPU than level 6 for an eighth more bytes
MM = 72 / 25.4
FONT_FILES = {"regular": ("DejaVu Sans", "DejaVuSans.ttf"),
              "bold": ("DejaVu Sans:bold", "DejaVuSans-Bold.ttf")}
FONT_FOLDERS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                "/usr/share/fonts/TTF", "/usr/local/share/fonts", "/Library/Fonts",
                "C:/Windows/Fonts")
_fonts: dict[str, TrueTypeFont] = {}


def font(style: str = "regular") -> TrueTypeFont:
    """The DejaVu Sans font of `style` ("regular", "bold"), read once per process."""
    if style not in _fonts:
        _fonts[style] = TrueTypeFont(_font_path(*FONT_FILES[style]))
    return _fonts[style]


def _font_path(pattern: str, file_name: str) -> str:
    import shutil
    import subprocess

    for folder in FONT_FOLDERS:
        if Path(folder, file_name).is_file():
            return str(Path(folder, file_name))
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True,
                               text=True, timeout=30).stdout.strip()
        if found.endswith(file_name) and Path(found).is_file():
            return found
    raise RuntimeError(f"the font {file_name} is missing (Debian: fonts-dejavu-core)")


class TrueTypeFont:
    """A TrueType font's metrics and glyphs, and subsets of it for embedding.

    The subsets keep every glyph's number (an empty outline for the glyphs not
    used), so the PDF shows text by the font's own glyph ids (Identity-H)."""

    def __init__(self, path: str):
        import struct

        from fontTools.ttLib import TTFont

        self.data = data = Path(path).read_bytes()
        count = struct.unpack_from(">H", data, 4)[0]
        self.tables = {}
        for i in range(count):
            tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self.tables[tag.decode("latin-1")] = (offset, length)
        head = self.table("head")
        self.units = struct.unpack_from(">H", head, 18)[0]
        self.bbox = struct.unpack_from(">4h", head, 36)
        self.long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        hhea = self.table("hhea")
        self.ascent, self.descent = struct.unpack_from(">2h", hhea, 4)
        metrics = struct.unpack_from(">H", hhea, 34)[0]
        self.glyph_count = struct.unpack_from(">H", self.table("maxp"), 4)[0]
        hmtx = self.table("hmtx")
        pairs = struct.unpack_from(f">{2 * metrics}H", hmtx)
        advances, bearings = list(pairs[::2]), list(pairs[1::2])
        self.advances = advances + [advances[-1]] * (self.glyph_count - metrics)
        self.bearings = bearings + list(struct.unpack_from(
            f">{self.glyph_count - metrics}H", hmtx, 4 * metrics))
        loca = self.table("loca")
        if self.long_loca:
            self.loca = struct.unpack_from(f">{self.glyph_count + 1}I", loca)
        else:
            self.loca = tuple(2 * o for o in struct.unpack_from(f">{self.glyph_count + 1}H",
                                                                  loca))
        parsed = TTFont(path, lazy=True)
        self.name = parsed["name"].getDebugName(6) or Path(path).stem
        self.cap_height = getattr(parsed["OS/2"], "sCapHeight", 0) or self.ascent
        order = {name: gid for gid, name in enumerate(parsed.getGlyphOrder())}
        self.glyphs = {code: order[name] for code, name in parsed.getBestCmap().items()}
        parsed.close()
        self._widths: dict[str, float] = {}
        self.codes: dict[str, str] = {}
        self.runs: dict[str, tuple[bytes, float]] = {}

    def table(self, tag: str) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset:offset + length]

    def glyph(self, char: str) -> int:
        return self.glyphs.get(ord(char), 0)

    def code(self, char: str) -> str:
        """The glyph id of `char` as four hex digits (how Identity-H shows it)."""
        found = self.codes.get(char)
        if found is None:
            found = self.codes[char] = f"{self.glyph(char):04x}"
        return found

    def width(self, text: str, size: float) -> float:
        """The advance of `text` at `size` points (no kerning)."""
        text = str(text)
        return (self.runs.get(text) or self.run(text))[1] * size

    def run(self, text: str) -> tuple[bytes, float]:
        """`text` as glyph ids in hex (for Tj) and its advance at 1 pt, remembered:
        days, names, amounts and categories repeat on every statement."""
        if len(self.runs) > 200_000:
            self.runs.clear()
        widths = self._widths
        for char in text:
            if char not in widths:
                widths[char] = self.advances[self.glyph(char)] / self.units
                self.code(char)
        codes = self.codes
        found = self.runs[text] = ("".join([codes[c] for c in text]).encode(),
                                   sum([widths[c] for c in text]))
        return found

    def scaled(self, value: int) -> int:
        return round(value * 1000 / self.units)

    def _closure(self, gids: set[int]) -> set[int]:
        """The glyphs with the glyphs that composite glyphs are built from."""
        import struct

        glyf = self.tables["glyf"][0]
        todo, done = list(gids), set()
        while todo:
            gid = todo.pop()
            if gid in done:
                continue
            done.add(gid)
            start, end = self.loca[gid], self.loca[gid + 1]
            if end - start < 10 or struct.unpack_from(">h", self.data, glyf + start)[0] >= 0:
                continue
            pos = glyf + start + 10
            while True:      # the components of a composite glyph
                flags, component = struct.unpack_from(">HH", self.data, pos)
                todo.append(component)
                pos += 4 + (4 if flags & 1 else 2)
                pos += 8 if flags & 0x80 else 4 if flags & 0x40 else 2 if flags & 8 else 0
                if not flags & 0x20:
                    break
        return done

    def subset(self, gids: set[int]) -> bytes:
        """The font with only these glyphs' outlines (and their components)."""
        import struct

        keep = self._closure(set(gids) | {0})
        glyf = self.tables["glyf"][0]
        parts, offsets, position = [], [0], 0
        metrics = []
        for gid in range(self.glyph_count):
            if gid in keep:
                outline = self.data[glyf + self.loca[gid]:glyf + self.loca[gid + 1]]
                outline += b"\0" * (-len(outline) % 4)
                parts.append(outline)
                position += len(outline)
                metrics += (self.advances[gid], self.bearings[gid])
            else:
                metrics += (0, 0)
            offsets.append(position)
        head = bytearray(self.table("head"))
        head[8:12] = b"\0\0\0\0"                 # checkSumAdjustment: not needed in a PDF
        head[50:52] = struct.pack(">h", 1)       # long offsets in loca
        hhea = bytearray(self.table("hhea"))
        hhea[34:36] = struct.pack(">H", self.glyph_count)
        tables = {
            "head": bytes(head), "hhea": bytes(hhea), "maxp": self.table("maxp"),
            "hmtx": struct.pack(f">{2 * self.glyph_count}H", *metrics),
            "loca": struct.pack(f">{len(offsets)}I", *offsets), "glyf": b"".join(parts),
            **{tag: self.table(tag) for tag in ("cvt ", "fpgm", "prep") if tag in self.tables},
        }
        return _sfnt(tables)


def _sfnt(tables: dict[str, bytes]) -> bytes:
    import struct

    count = len(tables)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1,
                         count * 16 - power * 16)
    directory, body = [], []
    offset = 12 + 16 * count
    for tag in sorted(tables):
        data = tables[tag]
        padded = data + b"\0" * (-len(data) % 4)
        checksum = sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF
        directory.append(struct.pack(">4sIII", tag.encode("latin-1"), checksum, offset,
                                     len(data)))
        body.append(padded)
        offset += len(padded)
    return header + b"".join(directory) + b"".join(body)


@contextmanager
def collector_paused():
    """Python's cycle collector off while a document is drawn: its thousands of
    small objects (elements, lines) would make it run again and again for nothing."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Element:
    """A node of the structure tree: a standard tag (H1, P, Table, TR, TH, TD …),
    its children (elements, and marked content on pages) and attributes."""

    def __init__(self, tag: str, parent: Element | None = None, **attributes):
        self.tag, self.parent, self.attributes = tag, parent, attributes
        self.kids: list = []
        self.pdf_object = None
        self.alt: str | None = None       # a figure's text for those who cannot see it
        if parent is not None:
            parent.kids.append(self)


class TaggedPdf:
    """A tagged PDF drawn page by page. Positions are in points from the page's
    top-left corner; `text` draws lines of one font and size as the content of
    one structure element; lines and boxes are artifacts."""

    def __init__(self, *, title: str, language: str, size: tuple[float, float] = A4):
        self.title, self.language = title, language
        self.width, self.height = size
        self.root = Element("Document")
        self.pages: list[list[bytes]] = []
        self.marks: list[list[Element]] = []     # per page: the element of each MCID
        self.used: dict[str, set[str]] = {style: set() for style in FONT_FILES}
        self.current = -1

    def new_page(self) -> int:
        self.pages.append([])
        self.marks.append([])
        self.current = len(self.pages) - 1
        return len(self.pages)

    def go_to_page(self, number: int) -> None:
        """Draw on page `number` (from 1) again, e.g. its footer once the count is known."""
        self.current = number - 1

    def element(self, tag: str, parent: Element | None = None, **attributes) -> Element:
        return Element(tag, parent or self.root, **attributes)

    def text(self, element: Element | None, x: float, top: float, lines: list[str], *,
             size: float, style: str = "regular", leading: float | None = None,
             color: tuple[float, float, float] | None = None, align: str = "left",
             width: float = 0.0) -> None:
        """Draw `lines` (the first line's top at `top`), left-aligned at x or
        right-aligned to x + width; marked as `element`'s content, or as an
        artifact (page furniture) without one."""
        face = font(style)
        used = self.used[style]
        runs = face.runs
        leading = leading or size * 1.35
        page = self.current
        if element is None:
            begin = b"/Artifact <</Type /Pagination>> BDC"
        else:
            mcid = len(self.marks[page])
            self.marks[page].append(element)
            element.kids.append((page, mcid))
            begin = b"/%s <</MCID %d>> BDC" % (element.tag.encode(), mcid)
        parts = [begin, b"BT %.3f %.3f %.3f rg /F%d %.2f Tf" % (
            *(color or (0, 0, 0)), 1 if style == "regular" else 2, size)]
        y = self.height - top - (leading - size) / 2 - size * face.ascent / face.units
        for line in lines:
            line = str(line)               # lazy texts ("Association") as they read now
            used.add(line)
            run = runs.get(line) or face.run(line)
            left = x + width - run[1] * size if align == "right" else x
            parts.append(b"1 0 0 1 %.2f %.2f Tm <%s> Tj" % (left, y, run[0]))
            y -= leading
        parts.append(b"ET EMC")
        self.pages[page].append(b"\n".join(parts))

    def rule(self, x: float, top: float, width: float, thickness: float,
             color: tuple[float, float, float]) -> None:
        """A horizontal line (an artifact) whose top edge is at `top`."""
        self.box(x, top, width, thickness, color)

    def box(self, x: float, top: float, width: float, height: float,
            color: tuple[float, float, float]) -> None:
        self.pages[self.current].append(
            b"/Artifact BMC q %.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f Q EMC"
            % (*color, x, self.height - top - height, width, height))

    def write(self) -> bytes:
        """The PDF: pages, fonts (subsets), the structure tree, the metadata."""
        out = _Writer()
        catalog, pages, tree, info = (out.reserve() for _ in range(4))
        fonts = b"".join(b"/F%d %d 0 R" % (n, self._font(out, font(style), self.used[style]))
                         for n, style in enumerate(FONT_FILES, 1))
        resources = out.add(b"<</Font <<" + fonts + b">>>>")
        page_numbers = [out.reserve() for _ in self.pages]
        elements: list[Element] = []
        stack = [self.root]
        while stack:                                   # every element gets its number
            element = stack.pop()
            element.pdf_object = out.reserve()
            elements.append(element)
            stack.extend(kid for kid in element.kids if isinstance(kid, Element))
        for element in elements:
            out.put(element.pdf_object, self._element(element, tree, page_numbers))
        for number, content in enumerate(self.pages):
            stream = out.stream(b"\n".join(content))
            out.put(page_numbers[number], (
                b"<</Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources %d 0 R "
                b"/Contents %d 0 R /StructParents %d /Tabs /S>>"
                % (pages, self.width, self.height, resources, stream, number)))
        out.put(pages, b"<</Type /Pages /Count %d /Kids [%s]>>" % (
            len(page_numbers), b" ".join(b"%d 0 R" % n for n in page_numbers)))
        nums = b" ".join(b"%d [%s]" % (number, b" ".join(b"%d 0 R" % e.pdf_object
                                                         for e in marks))
                         for number, marks in enumerate(self.marks))
        out.put(tree, b"<</Type /StructTreeRoot /K %d 0 R /ParentTree <</Nums [%s]>> "
                      b"/ParentTreeNextKey %d>>" % (self.root.pdf_object, nums,
                                                    len(self.pages)))
        metadata = out.stream(_xmp(self.title, self.language),
                              b"/Type /Metadata /Subtype /XML", compress=False)
        out.put(info, b"<</Title %s /Producer (Tauschring)>>" % _text(self.title))
        out.put(catalog, (
            b"<</Type /Catalog /Pages %d 0 R /MarkInfo <</Marked true>> /StructTreeRoot %d 0 R "
            b"/Lang %s /Metadata %d 0 R /ViewerPreferences <</DisplayDocTitle true>>>>"
            % (pages, tree, _text(self.language), metadata)))
        return out.finish(catalog, info, self.title)

    @staticmethod
    def _element(element: Element, tree: int, pages: list[int]) -> bytes:
        parent = element.parent.pdf_object if element.parent else tree
        body = b"<</Type /StructElem /S /%s /P %d 0 R" % (element.tag.encode(), parent)
        if element.attributes:     # table attributes: Scope (a name), ColSpan (a number)
            body += b" /A <</O /Table" + b"".join(
                b" /%s %s" % (key.encode(), f"/{value}".encode() if isinstance(value, str)
                              else str(value).encode())
                for key, value in element.attributes.items()) + b">>"
        if element.alt:
            body += b" /Alt " + _text(element.alt)
        kids = []
        for kid in element.kids:
            if isinstance(kid, Element):
                kids.append(b"%d 0 R" % kid.pdf_object)
            else:
                page, mcid = kid
                kids.append(b"<</Type /MCR /Pg %d 0 R /MCID %d>>" % (pages[page], mcid))
        return body + b" /K [" + b" ".join(kids) + b"]>>"

    @staticmethod
    def _font(out: _Writer, face: TrueTypeFont, used: set[str]) -> int:
        """The font as a Type0 font with a subset of its glyphs: those of the `used`
        lines of text."""
        import hashlib

        used = set("".join(used))
        gids = {face.glyph(char) for char in used} | {0}
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha1(
            repr(sorted(gids)).encode(), usedforsecurity=False).digest()[:6])
        name = f"/{tag}+{face.name}".encode()
        file = out.stream(face.subset(gids))
        descriptor = out.add(
            b"<</Type /FontDescriptor /FontName %s /Flags 32 /FontBBox [%s] /ItalicAngle 0 "
            b"/Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R>>" % (
                name, " ".join(str(face.scaled(v)) for v in face.bbox).encode(),
                face.scaled(face.ascent), face.scaled(face.descent),
                face.scaled(face.cap_height), file))
        widths = b" ".join(b"%d [%d]" % (gid, face.scaled(face.advances[gid]))
                           for gid in sorted(gids))
        cid = out.add(
            b"<</Type /Font /Subtype /CIDFontType2 /BaseFont %s /CIDSystemInfo <</Registry "
            b"(Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor %d 0 R /W [%s] "
            b"/CIDToGIDMap /Identity>>" % (name, descriptor, widths))
        unicode_of = {}
        for char in sorted(used):
            unicode_of.setdefault(face.glyph(char), ord(char))
        unicode_of.pop(0, None)
        to_unicode = out.stream(_to_unicode(unicode_of))
        return out.add(b"<</Type /Font /Subtype /Type0 /BaseFont %s /Encoding /Identity-H "
                       b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R>>"
                       % (name, cid, to_unicode))


def _text(value: str) -> bytes:
    """A PDF text string: UTF-16 with its byte-order mark, as hex."""
    return b"<feff%s>" % value.encode("utf-16-be").hex().encode()


class _Writer:
    """The objects of a PDF 1.7 file: streams as they are, every other object in one
    compressed object stream, and a cross-reference stream."""

    def __init__(self):
        self.objects: list[bytes | None] = [None]   # by number; streams are whole objects
        self.streams: set[int] = set()

    def reserve(self) -> int:
        self.objects.append(None)
        return len(self.objects) - 1

    def put(self, number: int, body: bytes) -> None:
        self.objects[number] = body

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def stream(self, data: bytes, extra: bytes = b"", compress: bool = True) -> int:
        import zlib

        if compress:
            data = zlib.compress(data, COMPRESSION)
            extra += b" /Filter /FlateDecode"
        number = self.add(b"<<%s /Length %d>>\nstream\n%s\nendstream"
                          % (extra, len(data), data))
        self.streams.add(number)
        return number

    def finish(self, catalog: int, info: int, identity: str) -> bytes:
        import hashlib
        import zlib

        packed = [n for n in range(1, len(self.objects)) if n not in self.streams]
        heads, bodies, position = [], [], 0
        for number in packed:
            heads.append(b"%d %d" % (number, position))
            body = self.objects[number] + b"\n"
            bodies.append(body)
            position += len(body)
        head = b" ".join(heads) + b"\n"
        packed_stream = zlib.compress(head + b"".join(bodies), COMPRESSION)
        object_stream = self.add(b"<</Type /ObjStm /N %d /First %d /Filter /FlateDecode "
                                 b"/Length %d>>\nstream\n%s\nendstream"
                                 % (len(packed), len(head), len(packed_stream), packed_stream))
        self.streams.add(object_stream)
        output = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        offset = len(output[0])
        offsets = {}
        for number in sorted(self.streams):
            offsets[number] = offset
            chunk = b"%d 0 obj\n%s\nendobj\n" % (number, self.objects[number])
            output.append(chunk)
            offset += len(chunk)
        xref = len(self.objects)
        index = {number: i for i, number in enumerate(packed)}
        rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
        for number in range(1, xref + 1):
            if number == xref:
                rows.append(b"\x01" + offset.to_bytes(4, "big") + b"\x00\x00")
            elif number in offsets:
                rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
            else:
                rows.append(b"\x02" + object_stream.to_bytes(4, "big")
                            + index[number].to_bytes(2, "big"))
        table = zlib.compress(b"".join(rows), COMPRESSION)
        identifier = hashlib.md5(identity.encode(), usedforsecurity=False).hexdigest().encode()
        output.append(b"%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Info %d 0 R "
                      b"/ID [<%s> <%s>] /Filter /FlateDecode /Length %d>>\nstream\n%s\n"
                      b"endstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
                      % (xref, xref + 1, catalog, info, identifier, identifier, len(table),
                         table, offset))
        return b"".join(output)


def _to_unicode(unicode_of: dict[int, int]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    pairs = sorted(unicode_of.items())
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for gid, code in chunk:
            text = chr(code).encode("utf-16-be").hex()
            lines.append(f"<{gid:04x}> <{text}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode()


def _xmp(title: str, language: str) -> bytes:
    from xml.sax.saxutils import escape

    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="{escape(language)}">{escape(title)}</rdf:li>'
        f'</rdf:Alt></dc:title><dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li>'
        '</rdf:Bag></dc:language></rdf:Description></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>').encode()
