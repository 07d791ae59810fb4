"""The password of members who move in without one: a member import's rows
without a password, and every member of a moved ring (exports carry no hashes).

They get the Argon2 hash of a random secret that nobody keeps. Nobody logs in
with it; a log-in attempt costs as long as for any member, so it tells nobody
which addresses have no password yet; and the reset link ("Forgot your
password?") replaces it with one the member chooses.
"""

from __future__ import annotations

import secrets
import threading

from flask import current_app, has_app_context

from tauschring.members.passwords import hash_password

_unusable: dict[str, str] = {}
_lock = threading.Lock()


def unusable_password_hash() -> str:
    """One hash per process and Argon2 cost, made on first use: an import calls it
    before its transaction, so no write lock waits for the hashing."""
    cost = repr(current_app.config.get("ARGON2_COST")) if has_app_context() else ""
    with _lock:
        if cost not in _unusable:
            _unusable[cost] = hash_password(secrets.token_urlsafe(32))
        return _unusable[cost]
