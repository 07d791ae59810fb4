"""Member numbers: short, printed, unique per ring.

Every member gets the next number of its ring when it is created (by any
door: registration, the coordinator, the command line), through a flush hook
in models.py, so that no path that makes members can forget it. Members that
were inserted without the ORM (the bulk import) are numbered by
`number_unnumbered`. Numbers come from one counter row per ring, taken with
an UPDATE (a row lock on PostgreSQL; SQLite has one writer at a time).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tauschring.members.models import Member
from tauschring.office.models import MemberNumber, take_numbers


def number_unnumbered(session: Session, ring_id: int) -> int:
    """Number the ring's members that have no number yet (in id order); how many."""
    ids = session.scalars(
        select(Member.id).where(Member.ring_id == ring_id, Member.id.not_in(
            select(MemberNumber.member_id).where(MemberNumber.ring_id == ring_id)))
        .order_by(Member.id)).all()
    if not ids:
        return 0
    first = take_numbers(session, ring_id, "last_member_number", len(ids))
    session.add_all(MemberNumber(member_id=member_id, ring_id=ring_id, number=first + i)
                    for i, member_id in enumerate(ids))
    session.flush()
    return len(ids)


def numbers_of(session: Session, member_ids) -> dict[int, int]:
    """member id -> its number."""
    ids = list(set(member_ids))
    if not ids:
        return {}
    return dict(session.execute(select(MemberNumber.member_id, MemberNumber.number)
                                .where(MemberNumber.member_id.in_(ids))).all())


def number_of(session: Session, member_id: int) -> int | None:
    return numbers_of(session, [member_id]).get(member_id)


def member_by_number(session: Session, ring_id: int, number: int) -> Member | None:
    return session.scalars(select(Member).join(
        MemberNumber, MemberNumber.member_id == Member.id).where(
        MemberNumber.ring_id == ring_id, MemberNumber.number == number)).first()


def ring_numbers(session: Session, ring_id: int) -> list:
    """Every member of the ring with its number: rows (number, id, name, status,
    account_id), by number."""
    return session.execute(
        select(MemberNumber.number, Member.id, Member.name, Member.status, Member.account_id)
        .join(Member, Member.id == MemberNumber.member_id)
        .where(MemberNumber.ring_id == ring_id).order_by(MemberNumber.number)).all()


def parse_number(text) -> int | None:
    """A member number as people write it: "17", "Nr. 17", "#17"; else None."""
    cleaned = str(text or "").strip().lower().removeprefix("nr.").removeprefix("no.")
    cleaned = cleaned.strip().lstrip("#").strip()
    if cleaned.isascii() and cleaned.isdigit() and 0 < len(cleaned) <= 9:
        return int(cleaned)
    return None


def number_matches(ring_id: int, q: str | None):
    """A search for a member number ("17", "Nr. 17", "#17"): the members of the ring
    with that number, as a condition on Member; None when `q` is no number."""
    number = parse_number(q)
    if number is None:
        return None
    return Member.id.in_(select(MemberNumber.member_id).where(
        MemberNumber.ring_id == ring_id, MemberNumber.number == number))
