"""The vocabulary of the access matrix: the callers, the words of a cell, a row.

access_matrix.py explains the words; the rows live there and in the
access_<area>.py files beside it.
"""

from __future__ import annotations

from typing import NamedTuple

ANONYMOUS = "anonymous"
PENDING = "pending"
MEMBER = "member"
SUSPENDED = "suspended"
COORDINATOR = "coordinator"
SUSPENDED_COORDINATOR = "suspended_coordinator"
OTHER_COORDINATOR = "other_coordinator"
CONTACT = "contact"
ADMIN = "admin"

CALLERS = (ANONYMOUS, PENDING, MEMBER, SUSPENDED, COORDINATOR, SUSPENDED_COORDINATOR,
           OTHER_COORDINATOR, CONTACT, ADMIN)
CALLER_TITLES = {
    ANONYMOUS: "anonymous", PENDING: "pending", MEMBER: "member", SUSPENDED: "suspended",
    COORDINATOR: "coordinator", SUSPENDED_COORDINATOR: "suspended coordinator",
    OTHER_COORDINATOR: "other ring's coordinator", CONTACT: "contact point", ADMIN: "admin",
}
OK, LOGIN = "ok", "login"
WORDS = {"ok": OK, "login": LOGIN, "401": 401, "403": 403, "404": 404, "-": None}


class Row(NamedTuple):
    method: str
    rule: str
    expect: str              # one word per caller, in the order of CALLERS
    path: str | None = None  # the URL called, with {placeholders}; default: the rule
    json: object = None      # the API body (None: no body)
    form: dict | None = None  # a page's form fields (the CSRF token is added)
    csv: str | None = None   # a text/csv body
    fresh: bool = False      # the request ends the log-in: use a log-in of its own
    note: str = ""

    def cells(self) -> dict:
        words = self.expect.split()
        if len(words) != len(CALLERS):
            raise ValueError(f"{self.method} {self.rule}: {len(words)} cells")
        return {caller: WORDS[word] for caller, word in zip(CALLERS, words, strict=True)}

    @property
    def url(self) -> str:
        return self.path or self.rule

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


R = Row
