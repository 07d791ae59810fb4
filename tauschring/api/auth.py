"""Who is calling the API: a bearer token, or the browser's session cookie.

With the cookie, unsafe methods must carry the CSRF token (X-CSRFToken);
a bearer token is not sent by browsers on their own, so it needs none.
"""

from __future__ import annotations

import flask_babel
from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from tauschring.actors import Actor, not_admitted
from tauschring.auth.service import member_for_token
from tauschring.db import db
from tauschring.errors import Forbidden, Unauthenticated
from tauschring.i18n import _l
from tauschring.members.models import Member
from tauschring.regions.endpoints import PUBLIC_API

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Who may call without logging in.
PUBLIC_ENDPOINTS = {"Tokens.create_token", "Members.register", "api-docs.openapi_json",
                    *PUBLIC_API}
# What a member waiting for admission may do: its own data and the ring's
# public information, nothing about other members.
PENDING_ENDPOINTS = {"Members.me", "Rings.current_ring", "Tokens.create_token",
                     "Tokens.delete_token", "Members.register", *PUBLIC_API}
PENDING_OWN_ENDPOINTS = {"Members.get_member", "Members.update_member"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def identify_caller() -> None:
    """Run before every API request: set g.api_member (or None).

    Answers speak the member's language from here on (see
    tauschring.web.i18n.select_locale); before, the Accept-Language header's.
    """
    g.api_member = g.api_language = None
    if "Authorization" in request.headers:
        token = bearer_token()
        member = member_for_token(db.session(), token) if token else None
        if member is None:
            raise Unauthenticated(_l("The bearer token is missing, unknown, expired or "
                                     "revoked."), code="token_invalid")
        _identified(member)
        return
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except (ValidationError, CSRFError):
                raise Forbidden(_l("A request with the session cookie needs the X-CSRFToken "
                                   "header."), code="csrf_failed") from None
        _identified(current_user._get_current_object())


def check_caller(endpoint: str | None, view_args: dict | None) -> None:
    """Who may call at all, before any view reads what was sent: anonymous
    callers only the public endpoints, pending members only their own data."""
    member = getattr(g, "api_member", None)
    if endpoint is None:
        return  # no such route: 404 or 405 follow
    if member is None:
        if endpoint not in PUBLIC_ENDPOINTS:
            raise Unauthenticated(_l("Log in first: send a bearer token from POST "
                                     "/api/v1/tokens."))
        return
    if member.status == "pending" and endpoint not in PENDING_ENDPOINTS and not (
            endpoint in PENDING_OWN_ENDPOINTS
            and (view_args or {}).get("member_id") == member.id):
        raise not_admitted()


def _identified(member: Member) -> None:
    g.api_member = member
    # Read now: an error answer later must not need the database to pick its language.
    g.api_language = member.language
    flask_babel.refresh()


def current_member() -> Member:
    member = getattr(g, "api_member", None)
    if member is None:
        raise Unauthenticated(_l("Log in first: send a bearer token from POST "
                                 "/api/v1/tokens."))
    return member


def current_actor() -> Actor:
    return Actor.of(current_member())
