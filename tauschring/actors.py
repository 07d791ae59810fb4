"""Who is acting: a member through the web or API, or the operator at the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from tauschring.errors import Forbidden
from tauschring.i18n import _l


@dataclass(frozen=True)
class Actor:
    ring_id: int
    member_id: int | None  # None: the operator at the command line
    role: str
    account_id: int | None = None

    @classmethod
    def operator(cls, ring_id: int) -> Actor:
        return cls(ring_id=ring_id, member_id=None, role="admin")

    @classmethod
    def of(cls, member) -> Actor:
        return cls(ring_id=member.ring_id, member_id=member.id, role=member.role,
                   account_id=member.account_id)

    @property
    def is_coordinator(self) -> bool:
        return self.role in ("coordinator", "admin")

    def require_coordinator(self) -> None:
        if not self.is_coordinator:
            raise Forbidden(_l("Only a coordinator of this ring may do this."),
                            code="coordinator_only")
