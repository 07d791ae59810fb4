"""PDF documents (newsletter, statements, annual report) from Jinja templates.

Every document gets the translated "Page 2 of 5" and a footer line as CSS
strings, and loads nothing from outside: everything it needs is inline.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext


def render_pdf(template: str, *, footer: str, **context) -> bytes:
    """Render `template` (in the current locale) to PDF bytes."""
    from weasyprint import HTML  # slow to import; only PDFs need it

    html = render_template(template, page_counter=page_counter(),
                           footer_name=css_string(footer), **context)
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


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
