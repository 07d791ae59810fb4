"""Who may open a page: logged-in members, coordinators, admins."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request
from flask_login import current_user, login_required

from tauschring.actors import Actor, not_admitted
from tauschring.regions.endpoints import PUBLIC_PAGES as REGION_PAGES

# Signed messages between instances (tauschring.federation): a log-in counts for
# nothing there, so it neither opens nor closes the door (401 without a signature).
MACHINE_ENDPOINTS = {"federation_machine.messages"}
# The pages a member waiting for admission may open: its own profile and
# account, passwords, and the ring's public pages; nothing about other members.
PENDING_PAGES = {
    "web.index", "web.dashboard", "members.login", "members.logout", "members.register",
    "members.registered", "members.change_password", "members.forgot_password",
    "members.reset_password", "members.confirm_email", "members.edit_own_profile",
    "imports.export_own_data", "i18n.switch_language", "health.healthz", "static",
    *REGION_PAGES, *MACHINE_ENDPOINTS,
}
PENDING_OWN_PAGES = {"members.profile", "members.edit_profile"}


def init_access(app: Flask) -> None:
    @app.before_request
    def _pending_members_wait():
        if (request.path.startswith("/api/") or request.endpoint is None
                or not current_user.is_authenticated or current_user.status != "pending"):
            return
        if request.endpoint in PENDING_PAGES or (
                request.endpoint in PENDING_OWN_PAGES
                and (request.view_args or {}).get("member_id") == current_user.id):
            return
        raise not_admitted()


def current_actor() -> Actor:
    return Actor.of(current_user)


def coordinator_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper
