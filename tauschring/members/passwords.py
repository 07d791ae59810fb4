"""Password hashing with Argon2id (the OWASP recommendation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_hashers: dict[tuple[int, int], PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    cost = (3, 65536)
    if has_app_context():
        cost = current_app.config.get("ARGON2_COST", cost)
    if cost not in _hashers:
        _hashers[cost] = PasswordHasher(time_cost=cost[0], memory_cost=cost[1])
    return _hashers[cost]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Checked against when the e-mail is unknown, so both failures take as long.
def dummy_verify(password: str) -> None:
    verify_password(_dummy(), password)


_DUMMY: dict[str, str] = {}


def _dummy() -> str:
    key = repr(_hasher())
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not a real password")
    return _DUMMY[key]


def dummy_hash(password: str) -> None:
    """Spend what hashing a new password costs, so refusals that must not be
    told apart (a taken address at registration) take as long as success."""
    hash_password(password)
