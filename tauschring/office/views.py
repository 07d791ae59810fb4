"""The office's pages: blank slips to print, typing up a stack of slips and its
receipt, bookings between one account and many."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from tauschring.db import atomic, db, utcnow
from tauschring.errors import DomainError
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.forms import ProposeForm
from tauschring.ledger.service import holders_by_account
from tauschring.market import service as market
from tauschring.market.forms import TalentForm
from tauschring.market.service import talents_of_member
from tauschring.members.models import Member
from tauschring.office import batch as batches
from tauschring.office import letters, numbers, proxies, slips
from tauschring.office.batch import BatchRefused
from tauschring.office.forms import (
    MAX_ROWS,
    ROWS_SHOWN,
    ActionForm,
    GrantForm,
    LettersForm,
    PostalForm,
    SlipsForm,
    SplitForm,
    TypeSlipsForm,
)
from tauschring.office.render import render_slips, slips_filename
from tauschring.paging import page_number, page_of
from tauschring.rings.models import Ring
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act, show_error

bp = Blueprint("office", __name__)


def _today():
    return to_user_timezone(utcnow()).date()


def _ring() -> Ring:
    return db.session.get(Ring, current_user.ring_id)


def _directory() -> dict[str, dict]:
    """Member number -> name and status, for the names shown as the office types."""
    found = {str(row.number): {"name": row.name, "status": row.status}
             for row in numbers.ring_numbers(db.session, current_user.ring_id)}
    found["0"] = {"name": _("Association account"), "status": "active"}
    return found


# --- blank slips --------------------------------------------------------------------

@bp.route("/coordination/slips", methods=["GET", "POST"])
@coordinator_required
def print_slips():
    form = SlipsForm()
    if form.validate_on_submit():
        try:
            serials = atomic(lambda session: slips.reserve_serials(
                session, current_user.ring_id, form.count.data))
        except DomainError as error:
            show_error(form, error)
        else:
            ring = _ring()
            pdf = render_slips(db.session, ring, serials)
            return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                             download_name=slips_filename(ring, serials))
    return render_template("office/slips.html", form=form), 422 if form.errors else 200


# --- typing up a stack of slips ---------------------------------------------------

@bp.route("/coordination/slips/type", methods=["GET", "POST"])
@coordinator_required
def type_slips():
    form = TypeSlipsForm()
    status, row_errors, checked = 200, {}, None
    if request.method == "POST":
        if form.validate_on_submit():
            typed = [slips.TypedSlip(**{k: (v or "") for k, v in entry.data.items()})
                     for entry in form.rows]
            if "more" in request.form and len(form.rows) + ROWS_SHOWN <= MAX_ROWS:
                for _i in range(ROWS_SHOWN):
                    form.rows.append_entry()
            elif "book" in request.form:
                try:
                    batch = atomic(slips.book_typed_slips, current_actor(), typed, _today())
                except BatchRefused as refused:
                    row_errors, status = refused.by_row(), refused.status
                except DomainError as error:
                    show_error(form, error)
                    status = error.status
                else:
                    return redirect(url_for("office.receipt", batch_id=batch.id))
            else:
                try:
                    checked = _check(typed)
                except BatchRefused as refused:
                    row_errors, status = refused.by_row(), refused.status
                except DomainError as error:
                    show_error(form, error)
                    status = error.status
        else:
            status = 422
    return render_template("office/type_slips.html", form=form, row_errors=row_errors,
                           checked=checked, directory=_directory(),
                           today=_today()), status


def _check(typed: list) -> int:
    """How many typed slips would be booked; refusals as BatchRefused. Books nothing."""
    db.session.rollback()
    count = slips.check_typed_slips(db.session, current_actor(), typed, _today())
    db.session.rollback()
    return count


@bp.route("/coordination/batches/<int:batch_id>")
@coordinator_required
def receipt(batch_id):
    batch = batches.get_batch(db.session, current_actor(), batch_id)
    rows = batches.batch_transfers(db.session, batch.id)
    account_ids = {i for row in rows for i in (row.Transfer.debit_account_id,
                                               row.Transfer.credit_account_id)}
    names = holders_by_account(db.session, account_ids)
    numbers_by_account = _numbers_by_account(account_ids)
    booked_by = db.session.get(Member, batch.booked_by_id) if batch.booked_by_id else None
    return render_template("office/receipt.html", batch=batch, rows=rows, names=names,
                           numbers=numbers_by_account, booked_by=booked_by,
                           total=sum(row.Transfer.minutes for row in rows),
                           association=_("Association account"))


def _numbers_by_account(account_ids) -> dict[int, str]:
    found = {}
    for row in numbers.ring_numbers(db.session, current_user.ring_id):
        if row.account_id in account_ids:
            found.setdefault(row.account_id, str(row.number))
    return found


# --- one account and many ---------------------------------------------------------

@bp.route("/coordination/split", methods=["GET", "POST"])
@coordinator_required
def split():
    form = SplitForm()
    status, row_errors = 200, {}
    if request.method == "POST":
        if form.validate_on_submit():
            if "more" in request.form and len(form.rows) + ROWS_SHOWN <= MAX_ROWS:
                for _i in range(ROWS_SHOWN):
                    form.rows.append_entry()
            else:
                shares = [slips.TypedShare(number=entry.number.data or "",
                                           hours=entry.hours.data or "")
                          for entry in form.rows]
                try:
                    batch = atomic(slips.book_split, current_actor(),
                                   direction=form.direction.data, one=form.one.data or "",
                                   hours=form.hours.data or "", memo=form.memo.data or "",
                                   shares=shares)
                except BatchRefused as refused:
                    row_errors, status = refused.by_row(), refused.status
                    for name, messages in refused.field_errors.items():
                        if name.count(".") < 2 or name.endswith(".memo"):
                            form.memo.errors = [*form.memo.errors,
                                                *(str(m) for m in messages)]
                except DomainError as error:
                    show_error(form, error)
                    status = error.status
                else:
                    return redirect(url_for("office.receipt", batch_id=batch.id))
        else:
            status = 422
    return render_template("office/split.html", form=form, row_errors=row_errors,
                           directory=_directory()), status


# --- acting for someone (Vollmacht) -------------------------------------------------

@bp.app_template_global("acted_by")
def acted_by(event_id: int) -> str | None:
    """The helper who did this exchange event for the member, if a helper did."""
    return proxies.helpers_of_events(db.session, [event_id]).get(event_id)


@bp.route("/authorisations", methods=["GET", "POST"])
@login_required
def authorisations():
    """The member's authorisations: give one, see and end every one; and those the
    member may act on for others."""
    actor = current_actor()
    form = GrantForm()
    status = 200
    if form.validate_on_submit():
        helper_id = None
        if not form.office.data:
            number = numbers.parse_number(form.helper.data)
            helper = numbers.member_by_number(db.session, actor.ring_id, number) \
                if number else None
            helper_id = helper.id if helper is not None else 0  # 0: nobody (refused)
        outcome = act(form, proxies.grant, actor, helper_id=helper_id,
                      office=bool(form.office.data), field_map={"helper_id": "helper"})
        if outcome:
            flash(_("The authorisation is given."))
            return redirect(url_for("office.authorisations"))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    given = db.session.scalars(proxies.granted_by(actor.member_id)).all()
    helping = db.session.scalars(proxies.helping(actor)).all()
    names = {m.id: m.name for m in db.session.scalars(select(Member).where(
        Member.id.in_({a.helper_id for a in given} | {a.member_id for a in helping})))}
    return render_template("office/authorisations.html", form=form, given=given,
                           helping=helping, names=names, end_form=ActionForm()), status


@bp.route("/authorisations/<int:authorisation_id>/end", methods=["POST"])
@login_required
def end_authorisation(authorisation_id):
    proxies.get_authorisation(db.session, current_actor(), authorisation_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            atomic(proxies.end, current_actor(), authorisation_id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The authorisation has ended."))
    return redirect(url_for("office.authorisations"))


@bp.route("/acting-for/<int:member_id>")
@login_required
def acting_for(member_id):
    """What the helper may do for the member: answer proposals, renew talents."""
    proxy, _authorisation = proxies.acting_for(db.session, current_actor(), member_id)
    member = db.session.get(Member, member_id)
    waiting = db.session.scalars(exchanges.awaiting(proxy)).unique().all()
    talents = db.session.scalars(talents_of_member(member_id)).all()
    return render_template("office/acting_for.html", member=member, waiting=waiting,
                           talents=talents, action_form=ActionForm())


@bp.route("/acting-for/<int:member_id>/exchanges/<int:exchange_id>/confirm",
          methods=["POST"])
@login_required
def confirm_for(member_id, exchange_id):
    proxies.acting_for(db.session, current_actor(), member_id)
    return _act_for(member_id, "exchange.confirm", exchange_id,
                    done=_("The exchange is confirmed and booked."))


@bp.route("/acting-for/<int:member_id>/talents/<int:talent_id>/renew", methods=["POST"])
@login_required
def renew_for(member_id, talent_id):
    proxies.acting_for(db.session, current_actor(), member_id)
    return _act_for(member_id, "talent.renew", talent_id, done=_("The talent is renewed."))


def _act_for(member_id: int, action: str, *args, done: str):
    form = ActionForm()
    if form.validate_on_submit():
        try:
            atomic(proxies.act_for, current_actor(), member_id, action, *args)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            flash(str(error.message), "error")
        else:
            flash(done)
    return redirect(url_for("office.acting_for", member_id=member_id))


@bp.app_template_global("member_number")
def member_number(member_id: int) -> int | None:
    """The member's number, shown beside the name on profiles and lists: the
    reader's ring's numbers are read once per request."""
    if not has_request_context():  # e.g. the newsletter made at the command line
        return numbers.number_of(db.session, member_id)
    known = g.get("member_numbers")
    if known is None:
        ring_id = current_user.ring_id if current_user.is_authenticated else None
        known = g.member_numbers = {row.id: row.number for row in
                                    numbers.ring_numbers(db.session, ring_id)} if ring_id else {}
    if member_id in known:
        return known[member_id]
    return numbers.number_of(db.session, member_id)


# --- letters by post --------------------------------------------------------------

@bp.route("/letters-by-post", methods=["GET", "POST"])
@login_required
def postal_choice():
    """The member's choice: statements, the newsletter and notices by post."""
    return _postal_form(current_user._get_current_object(), "office.postal_choice", {})


@bp.route("/coordination/members/<int:member_id>/post", methods=["GET", "POST"])
@coordinator_required
def member_postal_choice(member_id):
    """A coordinator records the choice for a member (e.g. handed in at the office)."""
    member = db.session.get(Member, member_id)
    if member is None or member.ring_id != current_user.ring_id:
        abort(404)
    return _postal_form(member, "office.member_postal_choice", {"member_id": member_id})


def _postal_form(member: Member, endpoint: str, args: dict):
    choice = letters.postal_choice(db.session, member.id)
    form = PostalForm(obj=choice) if choice and request.method == "GET" else PostalForm()
    status = 200
    if form.validate_on_submit():
        outcome = act(form, letters.set_postal_choice, current_actor(), member.id,
                      by_post=form.by_post.data, address=form.address.data or "")
        if outcome:
            flash(_("Your choice is saved."))
            return redirect(url_for(endpoint, **args))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("office/postal_choice.html", form=form, member=member,
                           action=url_for(endpoint, **args)), status


@bp.route("/coordination/letters", methods=["GET", "POST"])
@coordinator_required
def print_letters():
    """One PDF with a letter for every member who chose post."""
    form = LettersForm()
    ring = _ring()
    people = letters.members_by_post(db.session, ring.id)
    if form.validate_on_submit():
        try:
            run = atomic(lambda session: letters.send_run(
                session, session.get(Ring, ring.id), kind=form.kind.data, year=form.year.data,
                text=form.text.data or "", email_others=bool(form.email_others.data)))
        except DomainError as error:
            show_error(form, error)
        else:
            pdf = run.letters_pdf
            if run.mails:
                flash(ngettext("%(num)d e-mail with its PDF is on its way.",
                               "%(num)d e-mails with their PDF are on their way.", run.mails))
            if pdf is None:
                flash(_("Nobody in the ring gets letters by post."), "error")
                return redirect(url_for("office.print_letters"))
            return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                             download_name=f"briefe-{form.kind.data}-{_today().isoformat()}.pdf")
    return render_template("office/letters_page.html", form=form, people=people), \
        422 if form.errors else 200


@bp.route("/acting-for/<int:member_id>/talents/new", methods=["GET", "POST"])
@login_required
def post_talent_for(member_id):
    """Post an offer or request for the member."""
    proxies.acting_for(db.session, current_actor(), member_id)
    member = db.session.get(Member, member_id)
    form = TalentForm()
    form.category.choices = [SelectChoice("", _("Please choose"))] + [
        SelectChoice(str(c.id), c.name(str(get_locale())))
        for c in market.categories(db.session, member.ring_id)]
    status = 200
    if form.validate_on_submit():
        outcome = act(form, proxies.act_for, current_actor(), member_id, "talent.create",
                      field_map={"category_id": "category"}, **form.fields())
        if outcome:
            flash(_("The offer or request is in the market, for %(name)s.", name=member.name))
            return redirect(url_for("office.acting_for", member_id=member_id))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("office/acting_for_talent.html", form=form, member=member), status


@bp.route("/acting-for/<int:member_id>/exchanges/new", methods=["GET", "POST"])
@login_required
def propose_for(member_id):
    """Propose an exchange for the member."""
    proxies.acting_for(db.session, current_actor(), member_id)
    member = db.session.get(Member, member_id)
    form = ProposeForm()
    form.partner.choices = [SelectChoice(m.id, m.name) for m in db.session.scalars(
        select(Member).where(Member.ring_id == member.ring_id, Member.status == "active",
                             Member.account_id != member.account_id).order_by(Member.name))]
    if request.method == "GET":
        form.performed_on.data = _today()
    status = 200
    if form.validate_on_submit():
        other = form.partner.data
        provider, recipient = (member_id, other) if form.direction.data == "provided" \
            else (other, member_id)
        outcome = act(form, proxies.act_for, current_actor(), member_id, "exchange.propose",
                      provider_id=provider, recipient_id=recipient, minutes=form.minutes.data,
                      description=form.description.data, performed_on=form.performed_on.data,
                      field_map={"provider_id": "partner", "recipient_id": "partner"})
        if outcome:
            flash(_("Proposed for %(name)s. The other member is asked to confirm.",
                    name=member.name))
            return redirect(url_for("office.acting_for", member_id=member_id))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("office/acting_for_exchange.html", form=form,
                           member=member), status


@bp.route("/coordination/batches")
@coordinator_required
def receipts():
    """Every stack and every booking to or from many, newest first, with its receipt."""
    page = page_of(db.session, batches.batches_of_ring(current_actor()),
                   page=page_number(request.args.get("page")), per_page=50, scalars=False)
    return render_template("office/receipts.html", page=page)
