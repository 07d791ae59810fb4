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

from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import Babel, gettext


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
