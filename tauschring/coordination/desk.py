"""The coordinator's desk: transfers, manual bookings, balances, the audit log, fees.

Pages on the coordination blueprint (`blueprint.py`), with their forms in
`forms.py`. Like the other coordination pages they only read forms and call
the services (ledger.service, ledger.queries, fees.service, and
coordination/service.py for what the desk reads) inside `atomic`; refusals
appear beside the field they concern. Accounts and transfers of other rings are unknown (404).
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from tauschring.auditlog import LoggedAction
from tauschring.coordination import service
from tauschring.coordination.blueprint import (
    MAX_PAGE,
    PER_PAGE,
    account_names,
    bp,
    current_ring,
)
from tauschring.coordination.forms import (
    ROLE_LABELS,
    BookingForm,
    FeeForm,
    ReverseForm,
    TransferFilter,
    setting_labels,
)
from tauschring.db import db, utcnow
from tauschring.errors import Invalid
from tauschring.fees import service as fee_service
from tauschring.ledger import queries
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.limits import ID_MAX
from tauschring.market.models import Category
from tauschring.paging import page_number, page_of
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act, show_error
from tauschring.web.i18n import hours

DEFAULT_INACTIVE_DAYS = 180
MAX_INACTIVE_DAYS = 36_500
BALANCE_SORTS = {
    "balance": _l("Balance, lowest first"),
    "-balance": _l("Balance, highest first"),
    "activity": _l("Last activity, longest ago first"),
    "-activity": _l("Last activity, most recent first"),
    "name": _l("Name"),
}
FEE_HISTORY = 24

ACTION_LABELS = {
    "account.limits": _l("Limits of an account changed"),
    "ring.create": _l("Ring created"),
    "ring.settings": _l("Ring settings changed"),
    "member.create": _l("Member entered"),
    "member.household_add": _l("Member added to a household"),
    "member.admit": _l("Member admitted"),
    "member.suspend": _l("Member suspended"),
    "member.reactivate": _l("Member re-activated"),
    "member.leave": _l("Member left the ring"),
    "member.role": _l("Role changed"),
    "member.email_change_requested": _l("New log-in address asked for"),
    "member.email_change": _l("Log-in address changed"),
    "category.create": _l("Category created"),
    "category.update": _l("Category changed"),
    "category.move": _l("Category moved"),
    "fees.charge": _l("Account fees charged"),
    "office.batch": _l("Bookings of a stack of slips or to many"),
    "proxy.grant": _l("Authorisation to act for a member given"),
    "proxy.end": _l("Authorisation to act for a member ended"),
    "proxy.talent.create": _l("Talent posted for a member"),
    "proxy.talent.renew": _l("Talent renewed for a member"),
    "proxy.exchange.propose": _l("Exchange proposed for a member"),
    "proxy.exchange.confirm": _l("Exchange confirmed for a member"),
    "proxy.exchange.decline": _l("Exchange declined for a member"),
    "partnership.proposed": _l("Partnership with a partner ring proposed"),
    "partnership.accepted": _l("Partnership with a partner ring accepted"),
    "partnership.declined": _l("Proposal of a partnership declined"),
    "partnership.paused": _l("Partnership with a partner ring paused"),
    "partnership.ended": _l("Partnership with a partner ring ended"),
    "partnership.active": _l("Partnership made at the command line"),
}
# In the order the log shows them; other keys follow in alphabetical order.
DETAIL_LABELS = {
    "period": _l("Period"),
    "minutes": _l("Fee per account"),
    "override": _l("Limit overridden"),
    "role": _l("Role"),
    "settled": _l("Settled against the association"),
    "account_closed": _l("Account closed"),
    "charged": _l("Charged now"),
    "already": _l("Charged earlier"),
    "refused": _l("Refused"),
    "household_of": _l("In the household of"),
}
MINUTE_KEYS = {"default_min_balance", "default_max_balance", "starting_credit", "fee_minutes",
               "settled", "minutes"}


@bp.app_template_filter("date_time")
def date_time(value) -> str:
    """A moment as date and time of day, in the ring's time zone."""
    return format_datetime(value, "short") if value else ""


# --- helpers ---------------------------------------------------------------------

def _page() -> int:
    return page_number(request.args.get("page"), MAX_PAGE)


def _int_arg(name: str, default: int, maximum: int) -> int:
    """A whole number from the query; one that makes no sense is left out."""
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and 0 < int(value) <= maximum:
        return int(value)
    return default


def _accounts() -> tuple[list[Account], dict[int, str]]:
    """Every account of the caller's ring, and who holds each."""
    accounts = db.session.scalars(select(Account).where(
        Account.ring_id == current_actor().ring_id).order_by(Account.id)).all()
    return accounts, account_names(a.id for a in accounts)


def _account_choices(accounts: list[Account], names: dict[int, str],
                     with_balance: bool = False, bookable: bool = False) -> list[SelectChoice]:
    """The association first, then open member accounts by name, then the others.
    `bookable`: for a manual booking, without the clearing accounts (they move
    only with exchanges across partner rings)."""
    def label(account):
        if with_balance:
            return f"{names[account.id]} ({hours(account.balance)})"
        return names[account.id]

    def by_name(account):
        return names[account.id].casefold(), account.id

    groups = [
        (_("Association"), [a for a in accounts if a.kind != "member"
                            and not (bookable and a.kind == "clearing")]),
        (_("Members"), sorted((a for a in accounts
                               if a.kind == "member" and a.status == "open"), key=by_name)),
        (_("Closed or not yet open"), sorted((a for a in accounts if a.kind == "member"
                                              and a.status != "open"), key=by_name)),
    ]
    return [SelectChoice(account.id, label(account), optgroup=group)
            for group, members in groups for account in members]


def _member_names(member_ids) -> dict[int, str]:
    return service.member_names(db.session, current_actor(), member_ids)


def _transfer(transfer_id: int) -> Transfer:
    """A transfer of the caller's ring; any other is unknown (404)."""
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or transfer.ring_id != current_actor().ring_id:
        abort(404)
    return transfer


# --- transfers ---------------------------------------------------------------------

@bp.get("/transfers")
@coordinator_required
def transfers():
    """Every transfer of the ring, newest first, filtered by account, days and kind."""
    actor = current_actor()
    accounts, names = _accounts()
    filters = TransferFilter(formdata=request.args)
    filters.account.choices = [SelectChoice("", _("All accounts"))] + _account_choices(
        accounts, names)
    filters.validate()  # what makes no sense is shown and left out
    account_id = filters.account.data if not filters.account.process_errors else None
    if account_id is not None and account_id not in names:
        abort(404)  # an account of another ring, or none at all
    try:
        statement = queries.transfers_of_ring(actor, account_id, filters.date_from.data,
                                              filters.date_to.data)
    except Invalid as error:
        show_error(filters, error, {"from": "date_from"})
        statement = queries.transfers_of_ring(actor, account_id)
    if filters.reversals.data:
        statement = statement.where(Transfer.reverses_id.is_not(None))
    if filters.overrides.data:
        statement = statement.where(Transfer.override_reason.is_not(None))
    found = page_of(db.session, statement, page=_page(), per_page=PER_PAGE)
    items = found["items"]
    reversed_by = queries.reversed_by(db.session, [t.id for t in items])
    booked_by = _member_names(t.booked_by_id for t in items)
    rows = [{"transfer": t, "debit": names.get(t.debit_account_id, ""),
             "credit": names.get(t.credit_account_id, ""),
             "booked_by": booked_by.get(t.booked_by_id),
             "reversed_by": reversed_by.get(t.id),
             "reversible": t.reverses_id is None and t.id not in reversed_by}
            for t in items]
    return render_template("coordination/transfers.html", page=found, rows=rows,
                           filters=filters, ring=current_ring())


def _transfer_page(transfer: Transfer, form: ReverseForm | None = None, status: int = 200):
    names = account_names([transfer.debit_account_id, transfer.credit_account_id])
    reversal = ledger.reversal_of(db.session, transfer.id)
    after = dict(db.session.execute(select(Entry.account_id, Entry.balance_after).where(
        Entry.transfer_id == transfer.id)).all())
    booked_by = _member_names([transfer.booked_by_id]).get(transfer.booked_by_id)
    return render_template(
        "coordination/transfer.html", transfer=transfer, names=names, after=after,
        booked_by=booked_by, reversal=reversal,
        reversible=transfer.reverses_id is None and reversal is None,
        form=form or ReverseForm(formdata=None), ring=current_ring()), status


@bp.get("/transfers/<int:transfer_id>")
@coordinator_required
def transfer(transfer_id: int):
    return _transfer_page(_transfer(transfer_id))


@bp.post("/transfers/<int:transfer_id>/reverse")
@coordinator_required
def reverse_transfer(transfer_id: int):
    """Book the mirror image; the original stays. A second reversal is refused (409)."""
    transfer = _transfer(transfer_id)
    form = ReverseForm()
    if not form.validate():
        return _transfer_page(transfer, form, 422)
    # A limit the reversal would breach is beside the box that allows it.
    outcome = act(form, ledger.reverse, current_actor(), transfer_id=transfer.id,
                  reason=form.reason.data, override_limits=form.override_limits.data,
                  field_map={"minutes": "override_limits"})
    if not outcome:
        return _transfer_page(transfer, form, outcome.status)
    flash(_("Transfer #%(id)s is reversed by transfer #%(reversal)s.", id=transfer.id,
            reversal=outcome.result.id))
    return redirect(url_for(".transfer", transfer_id=transfer.id))


@bp.route("/transfers/new", methods=["GET", "POST"])
@coordinator_required
def new_transfer():
    """A manual booking: starting credit, fee, correction. Past a limit only with a reason."""
    actor = current_actor()
    accounts, names = _accounts()
    chosen = {name: value for name, value in (
        ("debit_account_id", _int_arg("debit", 0, ID_MAX)),
        ("credit_account_id", _int_arg("credit", 0, ID_MAX))) if value in names}
    form = BookingForm(data=chosen)
    choices = _account_choices(accounts, names, with_balance=True, bookable=True)
    form.debit_account_id.choices = [SelectChoice("", _("Choose an account"))] + choices
    form.credit_account_id.choices = [SelectChoice("", _("Choose an account"))] + choices
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        outcome = act(
            form, ledger.book_by_coordinator, actor,
            debit_account_id=form.debit_account_id.data,
            credit_account_id=form.credit_account_id.data, minutes=form.minutes.data,
            memo=form.memo.data, override_limits=form.override_limits.data,
            reason=form.reason.data)
        if outcome:
            transfer = outcome.result
            flash(_("Transfer #%(id)s is booked: %(minutes)s from %(debit)s to %(credit)s.",
                    id=transfer.id, minutes=hours(transfer.minutes),
                    debit=names[transfer.debit_account_id],
                    credit=names[transfer.credit_account_id]))
            return redirect(url_for(".transfer", transfer_id=transfer.id))
        status = outcome.status
    return render_template("coordination/transfer_new.html", form=form, ring=current_ring()), status


# --- balances ----------------------------------------------------------------------------

@bp.get("/balances")
@coordinator_required
def balances():
    """Every member account with its limits and last activity, to know whom to call."""
    days = _int_arg("days", DEFAULT_INACTIVE_DAYS, MAX_INACTIVE_DAYS)
    sort = request.args.get("sort") if request.args.get("sort") in BALANCE_SORTS else "balance"
    only_flagged = request.args.get("flagged") == "1"
    with_closed = request.args.get("closed") == "1"
    overview = service.balances(db.session, current_actor(),
                                quiet_since=utcnow() - timedelta(days=days), sort=sort,
                                only_flagged=only_flagged, with_closed=with_closed)
    return render_template(
        "coordination/balances.html", **overview, days=days, sort=sort, sorts=BALANCE_SORTS,
        only_flagged=only_flagged, with_closed=with_closed, ring=current_ring())


# --- audit log ------------------------------------------------------------------------------

@bp.get("/log")
@coordinator_required
def log():
    """What coordinators and admins did in the ring: who, what, to whom, why."""
    actor = current_actor()
    actions = service.logged_actions(db.session, actor)
    action = request.args.get("action") if request.args.get("action") in actions else None
    statement = service.audit_log(actor, action)
    found = page_of(db.session, statement, page=_page(), per_page=PER_PAGE)
    entries = found["items"]
    people = _member_names([e.actor_id for e in entries]
                           + [_detail_of(e).get("household_of") for e in entries])
    subjects = _subjects([e.subject for e in entries])
    rows = [{"entry": e, "actor": people.get(e.actor_id), "action": action_label(e.action),
             "subject": subjects.get(e.subject, (e.subject, None)),
             "details": _details(e, people)}
            for e in entries]
    return render_template("coordination/log.html", page=found, rows=rows, action=action,
                           actions=[(a, action_label(a)) for a in actions], ring=current_ring())


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _subjects(subjects: list[str]) -> dict[str, tuple[str, str | None]]:
    """"member:5" -> (the member's name, the member's page), and so on for each kind."""
    ids: dict[str, set[int]] = {}
    for subject in subjects:
        kind, _sep, number = subject.partition(":")
        if number.isascii() and number.isdigit():
            ids.setdefault(kind, set()).add(int(number))
    found = {}
    for member_id, name in _member_names(ids.get("member", ())).items():
        found[f"member:{member_id}"] = (name, url_for(".member", member_id=member_id))
    for account_id, name in account_names(ids.get("account", ())).items():
        found[f"account:{account_id}"] = (name, url_for(".transfers", account=account_id))
    ring = current_ring()
    if ring.id in ids.get("ring", ()):
        found[f"ring:{ring.id}"] = (ring.name, url_for(".settings"))
    if ids.get("category"):
        for category in db.session.scalars(select(Category).where(
                Category.id.in_(ids["category"]), Category.ring_id == ring.id)):
            found[f"category:{category.id}"] = (category.name(str(get_locale())),
                                                url_for("market.categories"))
    return found


def _detail_of(entry: LoggedAction) -> dict:
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


def _details(entry: LoggedAction, people: dict[int, str]) -> list[tuple[str, str]]:
    """The entry's details as (label, text) lines a person can read."""
    detail = _detail_of(entry)
    if not detail and entry.detail not in (None, "", "{}"):
        return [("", entry.detail)]
    before, after = detail.pop("before", None), detail.pop("after", None)
    lines = []
    if entry.action == "account.limits" and isinstance(before, list) and isinstance(after, list):
        for label, old, new in zip((_("Lowest allowed balance"), _("Highest allowed balance")),
                                   before, after, strict=False):
            lines.append((label, f"{_limit_text(old)} → {_limit_text(new)}"))
    elif isinstance(before, dict) and isinstance(after, dict):
        labels = setting_labels()
        for key in after:
            lines.append((str(labels.get(key, key)),
                          f"{_value_text(key, before.get(key))} → {_value_text(key, after[key])}"))
    order = list(DETAIL_LABELS)
    for key, value in sorted(detail.items(), key=lambda item: (
            order.index(item[0]) if item[0] in order else len(order), item[0])):
        if key == "household_of" and isinstance(value, int) and value in people:
            value = people[value]
        lines.append((str(DETAIL_LABELS.get(key, key)), _value_text(key, value)))
    return lines


def _limit_text(minutes) -> str:
    return _("the ring's default") if minutes is None else hours(minutes)


def _value_text(key: str, value) -> str:
    if key == "role" and value in ROLE_LABELS:
        return str(ROLE_LABELS[value])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "–"
    if key in MINUTE_KEYS and isinstance(value, int):
        return hours(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


# --- fees ------------------------------------------------------------------------------------

def current_period(fee_period: str) -> str:
    today = utcnow().date()
    return str(today.year) if fee_period == "year" else f"{today.year}-{today.month:02d}"


@bp.route("/fees", methods=["GET", "POST"])
@coordinator_required
def fees():
    """The ring's fee, a form to charge one period, and what each run did."""
    actor = current_actor()
    ring = current_ring()
    form = FeeForm(data={"period": current_period(ring.fee_period)})
    status = 422 if form.is_submitted() else 200
    result = None
    if form.validate_on_submit():
        outcome = act(form, fee_service.charge_fees, actor, form.period.data.strip(),
                      field_map={"ring": None})
        status = outcome.status
        if outcome:
            result = _fee_result(outcome.result)
    history = service.fee_runs(db.session, actor, FEE_HISTORY)
    active = service.fee_accounts(db.session, actor)
    return render_template("coordination/fees.html", form=form, ring=ring, result=result,
                           history=history, active=active), status


def _fee_result(run: fee_service.FeeRun) -> dict:
    ring = current_ring()
    ids = run.charged + run.already + [account_id for account_id, _n, _m in run.refused]
    names = account_names(ids)
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(
        Account.id.in_(ids)))} if ids else {}
    refused = []
    for account_id, holder_names, message in run.refused:
        account = accounts[account_id]
        low, _high = ledger.effective_limits(account, ring)
        if low is not None and account.balance - run.minutes < low:
            message = _("The balance of %(balance)s would fall below the lowest allowed "
                        "balance of %(limit)s.", balance=hours(account.balance),
                        limit=hours(low))
        refused.append({"name": ", ".join(holder_names), "reason": message,
                        "account_id": account_id})
    return {"period": run.period, "minutes": run.minutes,
            "charged": sorted(names[i] for i in run.charged),
            "already": sorted(names[i] for i in run.already),
            "refused": refused,
            "summary": ngettext("%(num)d account charged now.",
                                "%(num)d accounts charged now.", len(run.charged))}
