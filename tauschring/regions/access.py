"""What a contact point may open: its region's pages and desk, logging in and
out, nothing of any ring (403), so never a member's account, entries or contacts.

A contact point logs in like a member (same form, tokens, sessions and
throttling) but is a member row of the role `contact` without ring. This
gate runs before every request, after the caller is known and before any
view reads what was sent.
"""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_login import current_user

from tauschring.errors import Forbidden
from tauschring.i18n import _l
from tauschring.members.models import CONTACT_ROLE
from tauschring.regions.endpoints import DESK_API, PUBLIC_API

API_ENDPOINTS = PUBLIC_API | DESK_API | {
    "Tokens.create_token", "Tokens.delete_token", "api-docs.openapi_json"}
PAGES = {"members.login", "members.logout", "members.change_password",
         "members.forgot_password", "members.reset_password", "i18n.switch_language",
         "health.healthz", "static",
         "federation_machine.messages"}  # between instances: a log-in counts for nothing
# Pages of a member's own that lead a contact point to its desk instead.
HOME_PAGES = {"web.index", "web.dashboard"}

NO_RING = _l("A contact point sees the region's pages and figures, nothing inside a ring.")


def contact_gate() -> object | None:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no such route: 404 or 405 follow
    if request.path.startswith("/api/"):
        caller = getattr(g, "api_member", None)
        if caller is not None and caller.role == CONTACT_ROLE and endpoint not in API_ENDPOINTS:
            raise Forbidden(NO_RING, code="contact_point_no_ring")
        return None
    if not current_user.is_authenticated or current_user.role != CONTACT_ROLE:
        return None
    if endpoint.startswith("regions.") and endpoint not in RING_PAGES:
        return None
    if endpoint in PAGES:
        return None
    if endpoint in HOME_PAGES:
        return redirect(url_for("regions.desk_home"))
    raise Forbidden(NO_RING, code="contact_point_no_ring")


# The regions' pages for a ring's coordinators: not for a contact point.
RING_PAGES = {"regions.ring_requests", "regions.ring_request", "regions.ring_post_request",
              "regions.ring_coverage"}
