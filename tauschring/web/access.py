"""Who may open a page: logged-in members, coordinators, admins."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from tauschring.actors import Actor


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
