"""Pages for the coordination: overview, audit, admissions, members, ring settings.

The coordinator's desk (transfers, manual bookings, balances, the audit log,
fees) lives in `desk.py` on the same blueprint (`blueprint.py`); the forms
are in `forms.py`.

Every page is for the coordinators of the caller's own ring; members of
other rings are unknown here (404). The pages only read forms and call the
services (members.service, ledger.service, rings.service) inside `atomic`.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectChoice

from tauschring.coordination.blueprint import (
    MAX_PAGE,
    PER_PAGE,
    account_names,
    bp,
    current_ring,
)
from tauschring.coordination.forms import (
    ROLE_LABELS,
    ActionForm,
    LeaveForm,
    LimitsForm,
    NewMemberForm,
    RoleForm,
    SettingsForm,
    SuspendForm,
)
from tauschring.coordination.service import limit_flag
from tauschring.db import atomic, db
from tauschring.errors import DomainError
from tauschring.exchanges.service import dispute_queue
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.ledger.service import effective_limits, set_limits
from tauschring.members import service as members
from tauschring.members.models import STATUSES, Member
from tauschring.paging import page_number, page_of
from tauschring.rings.service import SETTINGS, update_settings
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act

HOURS_HINT = _l("Hours and minutes as h:mm, or whole hours: e.g. 1:30, -20, -20:00.")


# --- helpers -------------------------------------------------------------------

def _member(member_id: int) -> Member:
    """A member of the caller's ring; any other is unknown (404)."""
    return members.get_member(db.session, current_actor().ring_id, member_id)


def _managed_member(member_id: int) -> Member:
    """A member of the caller's ring (404) whom the caller may act on (403: a higher
    role), checked before any form is read."""
    return members.check_may_manage_member(db.session, current_actor(), member_id)


def _role_choices() -> list[tuple[str, str]]:
    roles = ["member", "coordinator"] + (["admin"] if current_actor().role == "admin" else [])
    return [SelectChoice(role, str(ROLE_LABELS[role])) for role in roles]


@bp.app_template_global("open_disputes")
def open_disputes() -> int:
    """How many exchanges of the caller's ring wait for a coordinator's decision."""
    if not current_user.is_authenticated or not current_user.is_coordinator:
        return 0
    return db.session.scalar(select(func.count()).select_from(
        dispute_queue(current_actor()).order_by(None).subquery()))


# --- overview and audit ------------------------------------------------------------

@bp.get("")
@coordinator_required
def index():
    """Counts, links, and the audit as it stands now."""
    actor = current_actor()
    counts = dict(db.session.execute(
        select(Member.status, func.count(Member.id)).where(Member.ring_id == actor.ring_id)
        .group_by(Member.status)).all())
    audit = audit_ring(db.session, actor.ring_id)
    return render_template("coordination/index.html", counts=counts, audit=audit,
                           disputes=open_disputes(), ring=current_ring())


@bp.get("/audit")
@coordinator_required
def audit():
    actor = current_actor()
    result = audit_ring(db.session, actor.ring_id)
    ids = [row["account_id"] for row in result["mismatched_accounts"]
           + result["limit_violations"]]
    return render_template("coordination/audit.html", audit=result,
                           names=account_names(ids), ring=current_ring())


# --- admissions ------------------------------------------------------------------

def _admissions_page(errors: list[str] | None = None, status: int = 200):
    actor = current_actor()
    pending = db.session.scalars(select(Member).where(
        Member.ring_id == actor.ring_id, Member.status == "pending")
        .order_by(Member.created_at, Member.id)).all()
    return render_template("coordination/admissions.html", pending=pending, ring=current_ring(),
                           errors=errors or []), status


@bp.get("/admissions")
@coordinator_required
def admissions():
    return _admissions_page()


@bp.post("/admissions/<int:member_id>/admit")
@coordinator_required
def admit(member_id: int):
    member = _member(member_id)
    try:
        atomic(members.admit, current_actor(), member.id)
    except DomainError as error:
        return _admissions_page([f"{member.name}: {error}"], error.status)
    flash(_("%(name)s is admitted.", name=member.name))
    return redirect(url_for(".admissions"))


# --- members -----------------------------------------------------------------------

@bp.get("/members")
@coordinator_required
def member_list():
    """Every member with status, role, balance and limits; filter and search."""
    actor = current_actor()
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:200]
    page = page_number(request.args.get("page"), MAX_PAGE)
    found = page_of(db.session, members.directory(actor, q=q, status=status), page=page,
                    per_page=PER_PAGE)
    rows = _member_rows(found["items"])
    return render_template("coordination/members.html", page=found, rows=rows, q=q,
                           status=status, statuses=STATUSES, ring=current_ring())


def _member_rows(found: list[Member]) -> list[dict]:
    ring = current_ring()
    account_ids = {m.account_id for m in found}
    accounts = {a.id: a for a in db.session.scalars(
        select(Account).where(Account.id.in_(account_ids)))}
    people = dict(db.session.execute(
        select(Member.account_id, func.count(Member.id))
        .where(Member.account_id.in_(account_ids), Member.status != "left")
        .group_by(Member.account_id)).all())
    rows = []
    for member in found:
        account = accounts[member.account_id]
        low, high = effective_limits(account, ring)
        rows.append({"member": member, "account": account, "low": low, "high": high,
                     "flag": limit_flag(account, low, high),
                     "shared": people.get(account.id, 0) > 1})
    return rows


def _member_page(member: Member, status: int = 200, **submitted: FlaskForm):
    """The member's page with its action forms; `submitted` keeps a refused form."""
    ring = current_ring()
    account = db.session.get(Account, member.account_id)
    low, high = effective_limits(account, ring)
    household = db.session.scalars(select(Member).where(
        Member.account_id == account.id, Member.id != member.id, Member.status != "left")
        .order_by(Member.id)).all()
    forms = {
        "suspend": SuspendForm(formdata=None, prefix="suspend"),
        "reactivate": ActionForm(formdata=None, prefix="reactivate"),
        "role": RoleForm(formdata=None, prefix="role", data={"role": member.role}),
        "limits": LimitsForm(formdata=None, prefix="limits",
                             data={"min_balance": account.min_balance,
                                   "max_balance": account.max_balance}),
    }
    forms.update(submitted)
    forms["role"].role.choices = _role_choices()
    may_set_role = member.role != "admin" or current_actor().role == "admin"
    return render_template(
        "coordination/member.html", member=member, account=account, low=low, high=high,
        flag=limit_flag(account, low, high), household=household, ring=ring, forms=forms,
        may_set_role=may_set_role and member.id != current_actor().member_id,
        role_labels=ROLE_LABELS), status


def _act(member: Member, form_name: str, form: FlaskForm, action, *args, done: str, **kwargs):
    """Validate the form, run the service in one transaction, and report back."""
    if not form.validate():
        return _member_page(member, 422, **{form_name: form})
    outcome = act(form, action, current_actor(), *args, **kwargs)
    if not outcome:
        return _member_page(member, outcome.status, **{form_name: form})
    flash(done)
    return redirect(url_for(".member", member_id=member.id))


@bp.get("/members/<int:member_id>")
@coordinator_required
def member(member_id: int):
    return _member_page(_member(member_id))


@bp.post("/members/<int:member_id>/suspend")
@coordinator_required
def suspend(member_id: int):
    member = _managed_member(member_id)
    form = SuspendForm(prefix="suspend")
    return _act(member, "suspend", form, members.suspend, member.id,
                reason=(form.reason.data or "").strip(),
                done=_("%(name)s is suspended.", name=member.name))


@bp.post("/members/<int:member_id>/reactivate")
@coordinator_required
def reactivate(member_id: int):
    member = _managed_member(member_id)
    return _act(member, "reactivate", ActionForm(prefix="reactivate"), members.reactivate,
                member.id, done=_("%(name)s is active again.", name=member.name))


@bp.post("/members/<int:member_id>/role")
@coordinator_required
def set_role(member_id: int):
    member = _managed_member(member_id)
    form = RoleForm(prefix="role")
    form.role.choices = _role_choices()

    def change(session, actor, member_id, role):
        members.set_role(session, actor, members.get_member(session, actor.ring_id, member_id),
                         role)

    return _act(member, "role", form, change, member.id, form.role.data,
                done=_("The role of %(name)s is saved.", name=member.name))


@bp.post("/members/<int:member_id>/limits")
@coordinator_required
def set_member_limits(member_id: int):
    member = _member(member_id)
    form = LimitsForm(prefix="limits")

    def change(session, actor):
        set_limits(session, actor, account_id=member.account_id,
                   min_balance=form.min_balance.data, max_balance=form.max_balance.data,
                   override_limits=form.override_limits.data,
                   reason=(form.reason.data or "").strip() or None)

    return _act(member, "limits", form, change,
                done=_("The limits of %(name)s are saved.", name=member.name))


@bp.route("/members/<int:member_id>/leave", methods=["GET", "POST"])
@coordinator_required
def leave(member_id: int):
    """Confirm first: the page says what will be settled against the association."""
    member = _managed_member(member_id)
    form = LeaveForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        outcome = act(form, members.leave, current_actor(), member.id,
                      reason=(form.reason.data or "").strip())
        if outcome:
            flash(_("%(name)s has left the ring.", name=member.name))
            return redirect(url_for(".member", member_id=member.id))
        status = outcome.status
    account = db.session.get(Account, member.account_id)
    others = db.session.scalars(select(Member).where(
        Member.account_id == account.id, Member.id != member.id,
        Member.status != "left").order_by(Member.id)).all()
    return render_template("coordination/leave.html", member=member, account=account,
                           others=others, form=form, ring=current_ring()), status


@bp.route("/members/new", methods=["GET", "POST"])
@coordinator_required
def new_member():
    """Enter someone in person: active at once, optionally in a household."""
    actor = current_actor()
    form = NewMemberForm()
    active = db.session.execute(select(Member.id, Member.name).where(
        Member.ring_id == actor.ring_id, Member.status == "active")
        .order_by(Member.name, Member.id)).all()
    form.household_of.choices = [SelectChoice(0, _("No – an account of their own"))] + [
        SelectChoice(member_id, name) for member_id, name in active]
    form.role.choices = _role_choices()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        generated = not form.password.data
        password = form.password.data or generate_password()
        outcome = act(form, members.create_by_coordinator, actor, name=form.name.data,
                      email=form.email.data, password=password,
                      household_of=form.household_of.data or None,
                      role=form.role.data, phone=form.phone.data or "",
                      district=form.district.data or "", language=form.language.data)
        if outcome:
            response = render_template("coordination/member_created.html",
                                       member=outcome.result,
                                       password=password if generated else None)
            # The generated password is shown this once and must not be cached.
            return response, 201, {"Cache-Control": "no-store"}
        status = outcome.status
    return render_template("coordination/member_new.html", form=form, ring=current_ring()), status


def generate_password() -> str:
    """Easy to read out and type: three groups of four, no look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


# --- ring settings --------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@coordinator_required
def settings():
    ring = current_ring()
    form = SettingsForm(obj=ring)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        changes = {}
        for name in SETTINGS:
            value = getattr(form, name).data
            if isinstance(value, str):
                value = value.strip()
            if value != getattr(ring, name):
                changes[name] = value
        if not changes:
            flash(_("Nothing was changed."))
            return redirect(url_for(".settings"))
        outcome = act(form, update_settings, current_actor(), **changes)
        if outcome:
            flash(_("The settings are saved."))
            return redirect(url_for(".settings"))
        status = outcome.status
    return render_template("coordination/settings.html", form=form, ring=ring,
                           hours_hint=HOURS_HINT), status
