"""Members: joining, admission, households, profiles, leaving, passwords."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.auth.sessions import end_everything, start_session
from tauschring.db import utcnow
from tauschring.emails import ADDRESS as EMAIL  # noqa: F401  (imports read it here)
from tauschring.emails import checked_email, normalise_email
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.i18n import LazyText, _l
from tauschring.ledger.service import open_account
from tauschring.mail import service as mail
from tauschring.members.models import (
    CONTACT_FIELDS,
    RANKS,
    ROLES,
    STATUSES,
    VISIBILITIES,
    Member,
)
from tauschring.members.passwords import dummy_hash, hash_password, verify_password
from tauschring.office.numbers import number_matches
from tauschring.rings import service as rings
from tauschring.text import one_line
from tauschring.textsearch import every_word

MIN_PASSWORD = 8
LANGUAGES = ("de", "en")
# A member's status in a sentence: "... Anna is waiting for admission."
STATUS_NAMES = {"active": _l("active"), "pending": _l("waiting for admission"),
                "suspended": _l("suspended"), "left": _l("no longer a member")}
# A role in a sentence: "... Anna is already a coordinator."
ROLE_NAMES = {"member": _l("a member"), "coordinator": _l("a coordinator"),
              "admin": _l("an admin")}


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid(_l("The password needs at least %(min)d characters.", min=MIN_PASSWORD),
                      code="password_too_short", field="password")
    if len(password) > 1024:
        raise Invalid(_l("The password is too long."), code="password_too_long",
                      field="password")


def create_member(session: Session, *, ring_id: int, name: str, email: str, password: str,
                  role: str = "member", status: str = "active",
                  account_id: int | None = None) -> Member:
    """A member with a new account of its own, or sharing `account_id` (a household).

    An active member's account is open; a pending member's waits for admission.
    """
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid(_l("A member needs a name of at most 120 characters."),
                      code="name_invalid", field="name")
    email = checked_email(email)
    if role not in ROLES:
        raise Invalid(_l("The role must be one of %(roles)s.", roles=", ".join(ROLES)),
                      code="role_invalid", field="role")
    check_password_strength(password)
    if session.scalar(select(Member.id).where(func.lower(Member.email) == email)) is not None:
        raise Conflict(_l("A member with this e-mail address exists already."),
                       code="email_taken", field="email")
    if account_id is None:
        account_id = open_account(session, ring_id=ring_id,
                                  status="open" if status == "active" else "pending").id
    member = Member(ring_id=ring_id, account_id=account_id, name=name, email=email,
                    password_hash=hash_password(password), role=role, status=status,
                    joined_on=utcnow().date() if status == "active" else None)
    session.add(member)
    session.flush()
    return member


def member_by_email(session: Session, email: str) -> Member | None:
    return session.scalars(select(Member).where(Member.email == normalise_email(email))).first()


def get_member(session: Session, ring_id: int, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.ring_id != ring_id:
        raise NotFound(_l("Member %(id)s does not exist.", id=member_id),
                       code="member_not_found")
    return member


# --- joining, admission, leaving -------------------------------------------

def register(session: Session, *, ring_slug: str, name: str, email: str, password: str,
             language: str = "de", **profile) -> Member | None:
    """Self-registration: a pending member whom a coordinator admits later.

    An address that is taken gets the same answer as a new one (None instead
    of the member, which the doors do not show), and its owner a mail: nobody
    learns from the answer which addresses belong to members.
    """
    ring = rings.ring_by_slug(session, ring_slug)
    if not ring.registration_open:
        raise Forbidden(_l("This ring does not take registrations at the moment; please ask "
                           "its coordinators."), code="registration_closed")
    owner = member_by_email(session, checked_email(email))
    if owner is not None:
        check_password_strength(password)
        dummy_hash(password)  # as long as a real registration takes
        mail.queue_template(session, owner, "registration_existing", ring=ring)
        return None
    member = create_member(session, ring_id=ring.id, name=name, email=email,
                           password=password, status="pending")
    _apply_profile(member, {"language": language, **profile})
    for coordinator in coordinators_of(session, ring.id):
        mail.queue_template(session, coordinator, "registration_waiting", newcomer=member)
    session.flush()
    return member


def coordinators_of(session: Session, ring_id: int) -> list[Member]:
    return list(session.scalars(select(Member).where(
        Member.ring_id == ring_id, Member.role.in_(("coordinator", "admin")),
        Member.status == "active").order_by(Member.id)))


def _household(session: Session, account_id: int) -> list[Member]:
    return list(session.scalars(select(Member).where(
        Member.account_id == account_id, Member.status != "left").order_by(Member.id)))


def household(session: Session, member: Member) -> list[Member]:
    """The people sharing the member's account (the member included), who have not left."""
    return _household(session, member.account_id)


def may_add_household_member(session: Session, member: Member) -> bool:
    """Whether `member` could add a person to their account now (see add_household_member)."""
    return (member.status == "active"
            and len(_household(session, member.account_id)) < member.ring.household_size)


def create_by_coordinator(session: Session, actor: Actor, *, name: str, email: str,
                          password: str, household_of: int | None = None,
                          role: str = "member", **profile) -> Member:
    """A coordinator enters someone who came to the office: active at once.

    With `household_of` the new person shares that member's account.
    """
    actor.require_coordinator()
    if role == "admin" and actor.role != "admin":
        raise Forbidden(_l("Only an admin may appoint admins."), code="admin_only")
    account_id = None
    if household_of is not None:
        account_id = _household_account(session, actor, household_of)
    member = create_member(session, ring_id=actor.ring_id, name=name, email=email,
                           password=password, role=role, status="active",
                           account_id=account_id)
    _apply_profile(member, profile)
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="member.create", subject=f"member:{member.id}",
                    household_of=household_of, role=role)
    session.flush()
    return member


def check_may_add_household_member(session: Session, actor: Actor) -> Member:
    """Only active members add people to their account (403)."""
    holder = session.get(Member, actor.member_id) if actor.member_id else None
    if holder is None or holder.status != "active":
        raise Forbidden(_l("Only active members can add household members."),
                        code="member_not_active")
    return holder


def add_household_member(session: Session, actor: Actor, *, name: str, email: str,
                         password: str, **profile) -> Member:
    """A member adds a person of their household to their own account."""
    holder = check_may_add_household_member(session, actor)
    account_id = _household_account(session, actor, holder.id)
    member = create_member(session, ring_id=actor.ring_id, name=name, email=email,
                           password=password, status="active", account_id=account_id)
    _apply_profile(member, profile)
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="member.household_add", subject=f"member:{member.id}",
                    account_id=account_id)
    session.flush()
    return member


def _household_account(session: Session, actor: Actor, holder_id: int) -> int:
    from tauschring.rings.models import Ring

    holder = get_member(session, actor.ring_id, holder_id)
    if holder.status != "active":
        raise Invalid(_l("A household can only be joined to an active member's account."),
                      code="holder_not_active", field="household_of")
    ring = session.get(Ring, actor.ring_id)
    if len(_household(session, holder.account_id)) >= ring.household_size:
        raise Invalid(_l("A household in this ring has at most %(max)d people.",
                         max=ring.household_size),
                      code="household_full", field="household_of")
    return holder.account_id


@dataclass(frozen=True)
class Move:
    """One allowed change of a member's status by a coordinator."""

    before: tuple[str, ...]
    after: str
    refusal: Callable[[Member], LazyText]  # why a member in another state cannot
    code: str


MOVES = {
    "admit": Move(("pending",), "active", lambda m: _l(
        "Only members waiting for admission can be admitted; %(name)s is %(status)s.",
        name=m.name, status=STATUS_NAMES[m.status]), "not_pending"),
    "suspend": Move(("active",), "suspended", lambda m: _l(
        "Only active members can be suspended; %(name)s is %(status)s.",
        name=m.name, status=STATUS_NAMES[m.status]), "not_active"),
    "reactivate": Move(("suspended",), "active", lambda m: _l(
        "Only suspended members can be re-activated; %(name)s is %(status)s.",
        name=m.name, status=STATUS_NAMES[m.status]), "not_suspended"),
    "leave": Move(("pending", "active", "suspended"), "left",
                  lambda m: _l("This member has already left."), "already_left"),
}


def check_may_manage_member(session: Session, actor: Actor, member_id: int) -> Member:
    """A coordinator acting on a member of its ring: 403 for others, 404 for
    members of other rings, 403 for a member of a higher role. The pages and
    the API call it before they read a form or body, the moves below again."""
    actor.require_coordinator()
    member = get_member(session, actor.ring_id, member_id)
    actor.require_rank_over(member)
    return member


def _checked(session: Session, actor: Actor, member_id: int, name: str) -> Member:
    """The member, if this coordinator may make this move on them now."""
    member = check_may_manage_member(session, actor, member_id)
    if member.status not in MOVES[name].before:
        raise Conflict(MOVES[name].refusal(member), code=MOVES[name].code)
    if name == "suspend" and member.id == actor.member_id:
        raise Conflict(_l("Coordinators cannot suspend themselves."), code="self_suspension")
    return member


def _moved(session: Session, actor: Actor, member: Member, name: str, **detail) -> Member:
    """Set the move's status and log it; leaving active duty ends sessions and tokens."""
    member.status = MOVES[name].after
    if member.status != "active":
        end_everything(session, member.id)
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action=f"member.{name}", subject=f"member:{member.id}", **detail)
    session.flush()
    return member


def admit(session: Session, actor: Actor, member_id: int) -> Member:
    """Pending -> active: the account opens and receives the ring's starting credit."""
    from tauschring.ledger.models import Account
    from tauschring.ledger.service import association_account, book
    from tauschring.rings.models import Ring

    member = _checked(session, actor, member_id, "admit")
    ring = session.get(Ring, actor.ring_id)
    _moved(session, actor, member, "admit", starting_credit=ring.starting_credit)
    member.joined_on = utcnow().date()
    account = session.get(Account, member.account_id)
    account.status = "open"
    session.flush()
    if ring.starting_credit > 0:
        book(session, ring_id=ring.id, debit_account_id=association_account(session, ring.id).id,
             credit_account_id=account.id, minutes=ring.starting_credit,
             memo="Startguthaben / starting credit", booked_by_id=actor.member_id)
    mail.queue_template(session, member, "admitted", ring=ring)
    session.flush()
    return member


def suspend(session: Session, actor: Actor, member_id: int, reason: str = "") -> Member:
    """Suspended members can log in and read, but not trade, until re-activated."""
    member = _checked(session, actor, member_id, "suspend")
    return _moved(session, actor, member, "suspend", reason=reason)


def reactivate(session: Session, actor: Actor, member_id: int) -> Member:
    member = _checked(session, actor, member_id, "reactivate")
    return _moved(session, actor, member, "reactivate")


def _check_no_transfer_under_way(session: Session, account_id: int) -> None:
    """A payment with a ring on another instance that is under way holds the
    account: its other half was promised and must still be booked."""
    from tauschring.federation.models import FederatedTransfer
    from tauschring.ledger.models import Account

    # Locked first: a prepare of the other instance waits, then finds it closed.
    session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
    if session.scalar(select(FederatedTransfer.id).where(
            FederatedTransfer.account_id == account_id,
            FederatedTransfer.state.in_(("preparing", "prepared"))).limit(1)) is not None:
        raise Conflict(_l("A payment with a partner ring on another instance is under way "
                          "on this account; the member can leave once it is booked."),
                       code="federation_transfer_under_way")


def leave(session: Session, actor: Actor, member_id: int, reason: str = "") -> Member:
    """The member leaves. The last person on an account settles its balance
    against the association account and the account closes; the history stays.
    """
    from tauschring.ledger.models import Account
    from tauschring.ledger.service import association_account, book

    member = _checked(session, actor, member_id, "leave")
    others = [m for m in _household(session, member.account_id) if m.id != member.id]
    member.left_on = utcnow().date()
    settled = 0
    if not others:
        _check_no_transfer_under_way(session, member.account_id)
        account = session.get(Account, member.account_id)
        if account.status == "open" and account.balance != 0:
            bank = association_account(session, actor.ring_id)
            settled = account.balance
            debit, credit = (account.id, bank.id) if settled > 0 else (bank.id, account.id)
            book(session, ring_id=actor.ring_id, debit_account_id=debit,
                 credit_account_id=credit, minutes=abs(settled),
                 memo=f"Ausgleich bei Austritt / settlement on leaving: {one_line(member.name)}",
                 booked_by_id=actor.member_id)
        session.refresh(account)
        account.status = "closed"
    return _moved(session, actor, member, "leave", reason=reason, settled=settled,
                  account_closed=not others)


# --- profiles ----------------------------------------------------------------

PROFILE_LIMITS = {"phone": 40, "address": 200, "postcode": 10, "district": 80,
                  "about": 5000, "skills": 5000, "availability": 2000}


def _apply_profile(member: Member, fields: dict) -> None:
    for name, value in fields.items():
        if name in PROFILE_LIMITS:
            value = (value or "").strip()
            if len(value) > PROFILE_LIMITS[name]:
                raise Invalid(_l("At most %(max)d characters.", max=PROFILE_LIMITS[name]),
                              code="too_long", field=name)
            setattr(member, name, value)
        elif name.endswith("_visibility") and name[:-len("_visibility")] in CONTACT_FIELDS:
            if value not in VISIBILITIES:
                raise Invalid(_l("Visible to 'coordinators' or to 'members'."),
                              code="visibility_invalid", field=name)
            setattr(member, name, value)
        elif name == "language":
            if value not in LANGUAGES:
                raise Invalid(_l("The language is 'de' or 'en'."), code="language_invalid",
                              field="language")
            member.language = value
        else:
            raise Invalid(_l("Unknown profile field %(name)s.", name=repr(name)),
                          code="unknown_field", field=name)


def editable_member(session: Session, actor: Actor, member_id: int) -> Member:
    """The member whose profile the actor may change: its own, or any of the ring's
    for a coordinator (NotFound for other rings, Forbidden for other members)."""
    member = get_member(session, actor.ring_id, member_id)
    if member.id != actor.member_id:
        if not actor.is_coordinator:
            raise Forbidden(_l("You may only change your own profile."),
                            code="not_own_profile")
        actor.require_rank_over(member)
    return member


def update_profile(session: Session, actor: Actor, member_id: int, **fields) -> Member:
    """Own profile; a coordinator may edit any member of the ring and set roles."""
    member = editable_member(session, actor, member_id)
    if "name" in fields:
        name = (fields.pop("name") or "").strip()
        if not name or len(name) > 120:
            raise Invalid(_l("A member needs a name of at most 120 characters."),
                          code="name_invalid", field="name")
        member.name = name
    if "email" in fields:
        request_email_change(session, actor, member, fields.pop("email"))
    if "role" in fields:
        set_role(session, actor, member, fields.pop("role"))
    _apply_profile(member, fields)
    session.flush()
    return member


# --- e-mail address changes ----------------------------------------------------

EMAIL_CHANGE_MAX_AGE = 2 * 24 * 60 * 60


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def request_email_change(session: Session, actor: Actor, member: Member,
                         new_email: str) -> None:
    """A new log-in address takes effect when its owner opens the link mailed to
    it. The answer is the same whether or not the address belongs to somebody;
    if it does, that person is told instead. A change asked for by a
    coordinator is logged and told to the old address. Coordinators never
    change another coordinator's or an admin's log-in address."""
    email = checked_email(new_email)
    if email == member.email:
        return
    if member.id != actor.member_id:
        if RANKS[member.role] >= RANKS["coordinator"] and not actor.is_admin:
            raise Forbidden(_l("Only the person themselves or an admin may change the "
                               "log-in address of a coordinator."),
                            code="login_data_of_coordinator")
        auditlog.record(session, ring_id=member.ring_id, actor_id=actor.member_id,
                        action="member.email_change_requested", subject=f"member:{member.id}",
                        before=member.email, after=email)
        mail.queue_template(session, member, "email_change_requested", new_email=email)
    owner = member_by_email(session, email)
    recipient = SimpleNamespace(id=member.id, ring_id=member.ring_id, name=member.name,
                                language=member.language, email=email)
    if owner is not None:
        mail.queue_template(session, recipient, "email_taken", ring=member.ring)
        return
    token = _email_serializer().dumps({"id": member.id, "email": email,
                                       "h": _fingerprint(member.email)})
    mail.queue_template(session, recipient, "email_confirm", token=token)


def confirm_email_change(session: Session, token: str) -> Member:
    """Open the link from request_email_change: the address changes (once)."""
    try:
        data = _email_serializer().loads(token, max_age=EMAIL_CHANGE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise Invalid(_l("This link is invalid or has expired; please ask for a new one."),
                      code="email_token_invalid", field="token") from None
    member = session.get(Member, data.get("id")) if isinstance(data, dict) else None
    if (member is None or member.status == "left"
            or not hmac.compare_digest(_fingerprint(member.email), str(data.get("h")))):
        raise Invalid(_l("This link has been used already; please ask for a new one."),
                      code="email_token_used", field="token")
    email = str(data.get("email"))
    if member_by_email(session, email) is not None:
        raise Conflict(_l("This address is no longer available."), code="email_taken",
                       field="email")
    old = SimpleNamespace(id=member.id, ring_id=member.ring_id, name=member.name,
                          language=member.language, email=member.email)
    member.email = email
    auditlog.record(session, ring_id=member.ring_id, actor_id=member.id,
                    action="member.email_change", subject=f"member:{member.id}",
                    before=old.email, after=email)
    mail.queue_template(session, old, "email_changed", new_email=email)
    session.flush()
    return member


def set_role(session: Session, actor: Actor, member: Member, role: str) -> None:
    actor.require_coordinator()
    if role not in ROLES:
        raise Invalid(_l("The role must be one of %(roles)s.", roles=", ".join(ROLES)),
                      code="role_invalid", field="role")
    if (role == "admin" or member.role == "admin") and actor.role != "admin":
        raise Forbidden(_l("Only an admin may appoint or remove admins."), code="admin_only")
    if member.id == actor.member_id and role != member.role:
        raise Conflict(_l("You cannot change your own role."), code="own_role")
    if role != member.role:
        auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                        action="member.role", subject=f"member:{member.id}",
                        before=member.role, after=role)
        member.role = role


# --- coordinators appointed by the admin -----------------------------------------

def appoint_coordinator(session: Session, actor: Actor, ring_id: int, member_id: int):
    """An admin makes an active member of any ring a coordinator of that ring.

    Unlike set_role this works across rings: the admin need
    not belong to the ring. The appointment is recorded in that ring's audit log.
    """
    ring = rings.get_ring(session, actor, ring_id)
    member = session.get(Member, member_id, with_for_update={"of": Member})
    if member is None or member.ring_id != ring.id:
        raise NotFound(_l("Member %(id)s does not exist in this ring.", id=member_id),
                       code="member_not_found", field="member_id")
    if member.status != "active":
        raise Conflict(_l("Only active members can be appointed; %(name)s is %(status)s.",
                          name=member.name, status=STATUS_NAMES[member.status]),
                       code="not_active", field="member_id")
    if member.role != "member":
        raise Conflict(_l("%(name)s is already %(role)s.", name=member.name,
                          role=ROLE_NAMES[member.role]),
                       code="already_coordinator", field="member_id")
    auditlog.record(session, ring_id=ring.id, actor_id=actor.member_id, action="member.role",
                    subject=f"member:{member.id}", before=member.role, after="coordinator")
    member.role = "coordinator"
    session.flush()
    return member


def enter_coordinator(session: Session, actor: Actor, ring_id: int, *, name: str, email: str,
                      password: str):
    """An admin enters a new person as an active coordinator of any ring (e.g. a
    new ring's first), with an open account; recorded in that ring's audit log."""
    ring = rings.get_ring(session, actor, ring_id)
    member = create_member(session, ring_id=ring.id, name=name, email=email,
                           password=password, role="coordinator", status="active")
    auditlog.record(session, ring_id=ring.id, actor_id=actor.member_id,
                    action="member.create", subject=f"member:{member.id}", role="coordinator")
    session.flush()
    return member


def visible_profile(member: Member, actor: Actor) -> dict:
    """The member's profile with each contact field only for those allowed to see it."""
    own = member.id == actor.member_id
    data = {"id": member.id, "ring_id": member.ring_id, "name": member.name,
            "status": member.status, "role": member.role, "joined_on": member.joined_on,
            "postcode": member.postcode, "district": member.district, "about": member.about,
            "skills": member.skills, "availability": member.availability}
    for field in CONTACT_FIELDS:
        if own or actor.is_coordinator or getattr(member, f"{field}_visibility") == "members":
            data[field] = getattr(member, field)
    if own or actor.is_coordinator:
        data.update(account_id=member.account_id, language=member.language,
                    left_on=member.left_on,
                    **{f"{f}_visibility": getattr(member, f"{f}_visibility")
                       for f in CONTACT_FIELDS})
    return data


def directory(actor: Actor, *, q: str | None = None, status: str | None = None):
    """Members of the actor's ring: active ones for members, any status for coordinators."""
    statement = select(Member).where(Member.ring_id == actor.ring_id).order_by(Member.name,
                                                                              Member.id)
    if not actor.is_coordinator:
        if status not in (None, "active"):
            raise Forbidden(_l("Members see the directory of active members only."),
                            code="coordinator_only")
        status = "active"
    if status:
        if status not in STATUSES:
            raise Invalid(_l("The status must be one of %(statuses)s.",
                             statuses=", ".join(STATUSES)),
                          code="status_invalid", field="status")
        statement = statement.where(Member.status == status)
    words = every_word(q, Member.name, Member.district, Member.postcode, Member.skills)
    by_number = number_matches(actor.ring_id, q)  # "17", "Nr. 17": the member number
    return statement.where(words if by_number is None else or_(words, by_number))


# --- passwords -----------------------------------------------------------------

RESET_MAX_AGE = 2 * 60 * 60


def change_password(session: Session, actor: Actor, *, current: str, new: str) -> str:
    """A new password ends every session and token of the member; returns the key
    of a new session for the one who changed it."""
    member = session.get(Member, actor.member_id)
    if not verify_password(member.password_hash, current or ""):
        raise Invalid(_l("The current password is not right."), code="password_wrong",
                      field="current_password")
    check_password_strength(new)
    member.password_hash = hash_password(new)
    end_everything(session, member.id)
    session.flush()
    return start_session(session, member.id)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def request_password_reset(session: Session, email: str) -> None:
    """Mail a reset link if the address belongs to a member; say nothing either way."""
    member = member_by_email(session, email)
    if member is None or member.status == "left":
        return
    token = _reset_serializer().dumps({"id": member.id, "h": _password_fingerprint(member)})
    mail.queue_template(session, member, "password_reset", token=token)


def _password_fingerprint(member: Member) -> str:
    """Changes with every new password, so a reset link works once only. A digest,
    because the link's payload is readable and must not carry part of the hash."""
    return _fingerprint(member.password_hash)


def member_for_reset_token(session: Session, token: str) -> Member:
    """The member a reset link is for, while the link is valid and unused."""
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise Invalid(_l("This link is invalid or has expired; please ask for a new one."),
                      code="reset_token_invalid", field="token") from None
    member = session.get(Member, data.get("id"))
    if (member is None or member.status == "left"
            or not hmac.compare_digest(_password_fingerprint(member), str(data.get("h")))):
        raise Invalid(_l("This link has been used already; please ask for a new one."),
                      code="reset_token_used", field="token")
    return member


def reset_password(session: Session, *, token: str, password: str) -> Member:
    member = member_for_reset_token(session, token)
    check_password_strength(password)
    member.password_hash = hash_password(password)
    end_everything(session, member.id)
    session.flush()
    return member
