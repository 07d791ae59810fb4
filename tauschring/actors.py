"""Who is acting: a member through the web or API, or the operator at the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from tauschring.errors import Forbidden
from tauschring.i18n import _l
from tauschring.members.models import RANKS


@dataclass(frozen=True)
class Actor:
    ring_id: int
    member_id: int | None  # None: the operator at the command line
    role: str
    account_id: int | None = None
    # Powers come with an active membership: a suspended coordinator is a reader.
    status: str = "active"

    @classmethod
    def operator(cls, ring_id: int) -> Actor:
        return cls(ring_id=ring_id, member_id=None, role="admin")

    @classmethod
    def of(cls, member) -> Actor:
        return cls(ring_id=member.ring_id, member_id=member.id, role=member.role,
                   account_id=member.account_id, status=member.status)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_coordinator(self) -> bool:
        return self.role in ("coordinator", "admin") and self.is_active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and self.is_active

    @property
    def rank(self) -> int:
        return RANKS[self.role] if self.is_active else 0

    def require_coordinator(self) -> None:
        if not self.is_coordinator:
            raise Forbidden(_l("Only a coordinator of this ring may do this."),
                            code="coordinator_only")

    def require_rank_over(self, member) -> None:
        """Coordinators act on members of their own rank or below, never above."""
        if RANKS[member.role] > self.rank:
            raise Forbidden(_l("Only an admin may do this to an admin."), code="admin_only")


def not_admitted() -> Forbidden:
    """The refusal for a member waiting for admission, on pages and in the API."""
    return Forbidden(_l("Your membership waits for admission by a coordinator; until then "
                        "you can see and change your own profile only."), code="not_admitted")
