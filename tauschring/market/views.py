"""Pages for the market: browse and search talents, post and keep one's own,
the coordinators' categories and the printable market newsletter."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from tauschring.db import atomic, db, utcnow
from tauschring.errors import Forbidden, Invalid, NotFound
from tauschring.limits import ID_MAX
from tauschring.market import service
from tauschring.market.forms import (
    CategoryForm,
    MarketFilter,
    PartnerMarketFilter,
    TalentForm,
    choice,
    no_nul,
)
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.members.service import visible_profile
from tauschring.office.numbers import number_of, numbers_of
from tauschring.paging import page_number, page_of
from tauschring.rings.models import Ring
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import show_error

bp = Blueprint("market", __name__)

PER_PAGE = 20
MAX_PAGE = 100_000

KIND_LABELS = {"offer": _l("Offer"), "request": _l("Request")}


@bp.context_processor
def _helpers():
    return {"category_name": category_name, "kind_label": kind_label,
            "member_url": member_url, "has_page": lambda endpoint: endpoint in
            current_app.view_functions}


def category_name(category: Category) -> str:
    # get_locale() is a babel Locale; Category.name() compares with the code "en".
    return category.name(str(get_locale()))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def member_url(member_id: int) -> str | None:
    """The member's profile page, once the members area has one."""
    if "members.profile" not in current_app.view_functions:
        return None
    for name in ("member_id", "id"):
        try:
            return url_for("members.profile", **{name: member_id})
        except BuildError:
            continue
    return None


def _int_arg(name: str, default: int | None = None, maximum: int = ID_MAX) -> int | None:
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and 0 < int(value) <= maximum:
        return int(value)
    return default


# --- browsing --------------------------------------------------------------------

def _text_arg(name: str, max_length: int) -> str:
    return no_nul(request.args.get(name, "")).strip()[:max_length]


@bp.route("/market")
@login_required
def index():
    actor = current_actor()
    all_categories = service.categories(db.session, actor.ring_id, include_inactive=True)
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    selected = next((c for c in all_categories if c.id == _int_arg("category")), None)
    owner_id = _int_arg("member")
    owner = db.session.get(Member, owner_id) if owner_id else None
    if owner is not None and owner.ring_id != actor.ring_id:
        owner = None
    filters = {"kind": kind, "q": _text_arg("q", 200), "district": _text_arg("district", 80),
               "member_id": owner.id if owner else None}

    form = MarketFilter(data={**filters, "category": str(selected.id) if selected else ""},
                        formdata=None)
    form.category.choices = [choice("", _("All categories"))] + [
        choice(str(c.id), category_name(c)) for c in all_categories]
    # The search is built once: the page and the categories' counts both come from
    # it, and the counts give the page's total (no count of its own).
    listed = service.current_talents(db.session, actor.ring_id, **filters)
    counts = _counts_by_category(listed)
    page = page_of(db.session, listed if selected is None else
                   listed.where(Talent.category_id == selected.id),
                   page=page_number(request.args.get("page"), MAX_PAGE), per_page=PER_PAGE,
                   total=counts.get(selected.id, 0) if selected else sum(counts.values()))
    return render_template(
        "market/index.html", form=form, page=page, counts=counts, total=sum(counts.values()),
        has_partners=service.has_partners(db.session, actor),
        categories=[c for c in all_categories if counts.get(c.id) or c == selected
                    or (c.active and not any(filters.values()))],
        selected=selected, owner=owner, districts=_districts(actor.ring_id),
        browse_args={name: value for name, value in request.args.items()
                     if name not in ("page", "category") and value},
        filtered=any(filters.values()) or selected is not None)


def _counts_by_category(listed) -> dict[int, int]:
    """How many of the talents listed each category holds (None: no category)."""
    listed = listed.order_by(None).subquery()
    rows = db.session.execute(select(listed.c.category_id, func.count())
                              .group_by(listed.c.category_id))
    return {category_id: count for category_id, count in rows}


def _districts(ring_id: int) -> list[str]:
    """The districts the ring's active members live in: suggestions for the filter."""
    return list(db.session.scalars(
        select(Member.district).distinct().where(Member.ring_id == ring_id,
                                                Member.status == "active",
                                                Member.district != "")
        .order_by(Member.district)))


@bp.route("/talents/mine")
@login_required
def mine():
    """Every talent of the member's own, current or not: to renew or post again."""
    today = utcnow().date()
    talents = [(t, service.is_current(t, today))
               for t in db.session.scalars(service.talents_of_member(current_user.id))]
    return render_template("market/mine.html", talents=talents, today=today)


@bp.route("/talents/<int:talent_id>")
@login_required
def talent(talent_id: int):
    actor = current_actor()
    try:
        found = service.get_talent(db.session, actor, talent_id)
    except NotFound:
        # A partner ring's talent the member may see (else 404 as before).
        service.get_partner_talent(db.session, actor, talent_id)
        return redirect(url_for("market.partner_talent", talent_id=talent_id))
    ring = db.session.get(Ring, actor.ring_id)
    return render_template(
        "market/talent.html", talent=found, contact=visible_profile(found.member, actor),
        may_edit=service.may_edit(actor, found), current=service.is_current(found),
        expired=found.expires_on is not None and found.expires_on < utcnow().date(),
        renewed_until=service.default_expiry(ring))


# --- the partner market: the partner rings' talents published to partners ----------

@bp.route("/market/partners")
@login_required
def partners():
    """Offers and requests of the partner rings, with each one's ring and member."""
    actor = current_actor()
    rings = service.partner_rings(db.session, actor)
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    ring = next((r for r in rings if r.id == _int_arg("ring")), None)
    q = _text_arg("q", 200)
    form = PartnerMarketFilter(data={"q": q, "kind": kind or "",
                                     "ring": str(ring.id) if ring else ""}, formdata=None)
    form.ring.choices = [choice("", _("All partner rings"))] + [
        choice(str(r.id), r.name) for r in rings]
    page = page_of(db.session, service.partner_talents(
        db.session, actor, kind=kind, q=q, ring_id=ring.id if ring else None),
        page=page_number(request.args.get("page"), MAX_PAGE), per_page=PER_PAGE)
    return render_template(
        "market/partners.html", form=form, page=page, rings=rings,
        ring_names={r.id: r.name for r in rings},
        numbers=numbers_of(db.session, [t.member_id for t in page["items"]]),
        filtered=bool(q or kind or ring))


@bp.route("/market/partners/<int:talent_id>")
@login_required
def partner_talent(talent_id: int):
    """A partner ring's talent: its ring, its member's name and number (no contact
    details: the exchange is arranged through a proposal, /exchanges/new)."""
    actor = current_actor()
    found = service.get_partner_talent(db.session, actor, talent_id)
    return render_template(
        "market/partner_talent.html", talent=found, ring=db.session.get(Ring, found.ring_id),
        number=number_of(db.session, found.member_id),
        may_trade=current_user.status == "active")


# --- posting and keeping one's own talents ---------------------------------------

FIELD_NAMES = {"category_id": "category"}


def _category_choices(form: TalentForm, ring_id: int, keep: Category | None = None) -> None:
    choices = service.categories(db.session, ring_id)
    if keep is not None and keep not in choices:
        choices.append(keep)  # a talent stays in its category after it is deactivated
    form.category.choices = [choice("", _("Please choose"))] + [
        choice(str(c.id), category_name(c)) for c in choices]


def _lifetime_hint() -> str:
    days = current_user.ring.talent_lifetime_days
    if not days:
        return _("Leave empty if it stays current until you withdraw it.")
    return _("Leave empty to keep it current for %(days)d days; you can renew it then.",
             days=days)


@bp.route("/talents/new", methods=["GET", "POST"])
@login_required
def new_talent():
    actor = current_actor()
    form = TalentForm()
    _category_choices(form, actor.ring_id)
    if form.is_submitted():
        try:
            # Who may post comes before what was posted: a member who cannot
            # trade now is refused (403) whatever the form holds.
            service.check_may_post(db.session, actor)
            if form.validate():
                created = atomic(lambda session: service.create_talent(
                    session, actor, **form.fields()).id)
                flash(_("Your offer or request is now in the market."))
                return redirect(url_for("market.talent", talent_id=created))
        except (Invalid, Forbidden) as error:
            if isinstance(error, Forbidden) and error.code != "member_not_active":
                raise
            show_error(form, error, FIELD_NAMES)
            return render_template("market/talent_form.html", form=form, talent=None,
                                   hint=_lifetime_hint()), error.status
    return render_template("market/talent_form.html", form=form, talent=None,
                           hint=_lifetime_hint())


@bp.route("/talents/<int:talent_id>/edit", methods=["GET", "POST"])
@login_required
def edit_talent(talent_id: int):
    actor = current_actor()
    found = service.editable_talent(db.session, actor, talent_id)
    form = TalentForm(data={"kind": found.kind, "title": found.title,
                            "description": found.description,
                            "category": str(found.category_id),
                            "expires_on": found.expires_on,
                            "visibility": found.visibility})
    _category_choices(form, actor.ring_id, keep=found.category)
    if form.validate_on_submit():
        fields = form.fields()
        if fields["category_id"] == found.category_id:
            del fields["category_id"]  # unchanged, even if since deactivated
        if fields["expires_on"] is None:
            fields["expires_on"] = service.default_expiry(current_user.ring)
        try:
            atomic(lambda session: service.update_talent(session, actor, talent_id, **fields))
        except Invalid as error:
            show_error(form, error, FIELD_NAMES)
            return render_template("market/talent_form.html", form=form, talent=found,
                                   hint=_lifetime_hint()), error.status
        flash(_("Your changes are saved."))
        return redirect(url_for("market.talent", talent_id=talent_id))
    return render_template("market/talent_form.html", form=form, talent=found,
                           hint=_lifetime_hint())


@bp.route("/talents/<int:talent_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_talent(talent_id: int):
    """GET asks "really?", POST withdraws: one stray tap on a phone removes nothing."""
    actor = current_actor()
    if request.method == "GET":
        found = service.editable_talent(db.session, actor, talent_id)
        return render_template("market/withdraw.html", talent=found)
    atomic(service.withdraw_talent, actor, talent_id)
    flash(_("The offer or request is withdrawn. You can post it again at any time."))
    return redirect(url_for("market.talent", talent_id=talent_id))


@bp.route("/talents/<int:talent_id>/renew", methods=["POST"])
@login_required
def renew_talent(talent_id: int):
    """The answer to "still current?": yes."""
    renewed = atomic(lambda session: service.renew_talent(
        session, current_actor(), talent_id).expires_on)
    if renewed:
        flash(_("Thank you! It stays in the market until %(date)s.",
                date=_format_date(renewed)))
    else:
        flash(_("Thank you! It stays in the market."))
    return redirect(url_for("market.talent", talent_id=talent_id))


def _format_date(value) -> str:
    return format_date(value, "medium")


# --- categories (coordinators) ---------------------------------------------------

@bp.route("/coordination/categories", methods=["GET", "POST"])
@coordinator_required
def categories():
    actor = current_actor()
    form = CategoryForm()
    status = 200
    if form.validate_on_submit():
        try:
            atomic(lambda session: service.create_category(
                session, actor, name_de=form.name_de.data, name_en=form.name_en.data))
        except Invalid as error:
            show_error(form, error)
            status = error.status
        else:
            flash(_("The category is added at the end of the list."))
            return redirect(url_for("market.categories"))
    elif form.errors:
        status = 422
    listed = service.categories(db.session, actor.ring_id, include_inactive=True)
    counts = _counts_by_category(service.current_talents(db.session, actor.ring_id))
    return render_template("market/categories.html", form=form, categories=listed,
                           counts=counts), status


@bp.route("/coordination/categories/<int:category_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_category(category_id: int):
    actor = current_actor()
    category = service.get_category(db.session, actor.ring_id, category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            atomic(lambda session: service.update_category(
                session, actor, category_id, name_de=form.name_de.data,
                name_en=form.name_en.data))
        except Invalid as error:
            show_error(form, error)
            return render_template("market/category_form.html", form=form,
                                   category=category), error.status
        flash(_("The category is renamed."))
        return redirect(url_for("market.categories"))
    return render_template("market/category_form.html", form=form, category=category)


@bp.route("/coordination/categories/<int:category_id>/active", methods=["POST"])
@coordinator_required
def set_category_active(category_id: int):
    active = request.form.get("active") == "1"
    atomic(lambda session: service.update_category(session, current_actor(), category_id,
                                                   active=active))
    flash(_("The category is active again: members can choose it.") if active else
          _("The category is deactivated: no new talents can be posted in it."))
    return redirect(url_for("market.categories", _anchor=f"category-{category_id}"))


@bp.route("/coordination/categories/<int:category_id>/move", methods=["POST"])
@coordinator_required
def move_category(category_id: int):
    offset = -1 if request.form.get("direction") == "up" else 1
    atomic(service.move_category, current_actor(), category_id, offset)
    return redirect(url_for("market.categories", _anchor=f"category-{category_id}"))


# --- the printable market newsletter ---------------------------------------------

@bp.route("/coordination/newsletter.pdf")
@coordinator_required
def newsletter():
    from tauschring.market.newsletter import newsletter_filename, render_newsletter

    ring = db.session.get(Ring, current_user.ring_id)
    pdf, day = render_newsletter(db.session, ring, str(get_locale()))
    response = send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=newsletter_filename(ring, day))
    # Members' phone numbers and addresses: not for shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response

