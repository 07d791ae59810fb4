"""Sessions for the web pages, and the headers every response carries."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from tauschring.auth.sessions import member_of_session
from tauschring.db import db
from tauschring.i18n import _l

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")

login_manager = LoginManager()


def init_security(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "members.login"
    login_manager.session_protection = "strong"
    # Shown on the log-in page after a redirect, in the visitor's language.
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.localize_callback = str

    @login_manager.user_loader
    def load_member(stored: str):
        """The member of a session whose key still exists on the server (logging
        out, a new password, suspension and leaving delete it)."""
        member_id, _, key = stored.partition(":")
        number = _number(member_id)
        if not key or number is None:
            return None
        member = member_of_session(db.session, number, key)
        if member is None or member.status == "left":
            return None
        member.session_key = key
        return member

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None
