"""Pages of the regions: public (rings near you, the directory of services,
offers published to the region, asking for help, the brochure), the contact
point's desk, and the requests for help a ring's coordinators receive."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from tauschring.db import atomic, db, utcnow
from tauschring.errors import DomainError
from tauschring.market import service as market
from tauschring.market.forms import choice
from tauschring.regions import report as figures
from tauschring.regions import service as regions
from tauschring.regions.access import contact_gate
from tauschring.regions.brochure import SIZES, brochure_pdf
from tauschring.regions.forms import (
    AddRingForm,
    ContactPointForm,
    CoverageForm,
    ForwardForm,
    HelpForm,
    NearForm,
    NewRegionForm,
    OffersFilter,
    OutcomeForm,
    PostRequestForm,
    RegionForm,
    ServiceFilter,
    ServiceForm,
)
from tauschring.regions.models import FamilyService, Region
from tauschring.rings.service import all_rings
from tauschring.web.access import admin_required, coordinator_required, current_actor
from tauschring.web.forms import act

bp = Blueprint("regions", __name__)
bp.before_app_request(contact_gate)


@bp.context_processor
def _helpers():
    return {"kind_names": regions.KIND_NAMES, "cost_names": regions.COST_NAMES,
            "state_names": regions.STATE_NAMES, "desk_year": utcnow().year}


def _language() -> str:
    return str(get_locale() or "de")


# --- public ---------------------------------------------------------------------------

@bp.route("/regions")
def index():
    return render_template("regions/index.html", regions=regions.all_regions(db.session))


@bp.route("/regions/<slug>")
def region(slug):
    found = regions.region_by_slug(db.session, slug)
    return render_template("regions/region.html", region=found,
                           public=regions.region_public(db.session, found), near=NearForm())


@bp.route("/regions/<slug>/rings")
def near(slug):
    """Which ring is near me? by postcode or place."""
    found = regions.region_by_slug(db.session, slug)
    form = NearForm(request.args)
    asked = bool(form.postcode.data or form.place.data)
    rings = []
    if asked and form.validate():
        rings = [regions.ring_public(c) for c in regions.rings_near(
            db.session, found, postcode=form.postcode.data, place=form.place.data)]
    return render_template("regions/near.html", region=found, form=form, asked=asked,
                           rings=rings)


@bp.route("/regions/<slug>/services")
def services(slug):
    found = regions.region_by_slug(db.session, slug)
    form = ServiceFilter(request.args)
    if not form.validate():
        items = []
    else:
        items = regions.find_services(db.session, found, postcode=form.postcode.data,
                                      kind=form.kind.data or None, q=form.q.data)
    return render_template("regions/services.html", region=found, form=form, items=items,
                           filtered=bool(form.postcode.data or form.kind.data or form.q.data))


@bp.route("/regions/<slug>/offers")
def offers(slug):
    found = regions.region_by_slug(db.session, slug)
    form = OffersFilter(request.args)
    items = regions.region_talents(db.session, found, q=form.q.data,
                                   kind=form.kind.data or None) if form.validate() else []
    return render_template("regions/offers.html", region=found, form=form, items=items,
                           language=_language())


@bp.route("/regions/<slug>/help", methods=["GET", "POST"])
def ask_for_help(slug):
    found = regions.region_by_slug(db.session, slug)
    form = HelpForm()
    status = 200
    if form.validate_on_submit():
        outcome = act(form, regions.ask_for_help, slug, language=_language(),
                      sender=regions.client_key(request.remote_addr, current_app.secret_key),
                      **form.fields())
        if outcome:
            return redirect(url_for("regions.help_sent", slug=slug))
        status = outcome.status  # 422, or 429 after a few requests a day
    elif form.errors:
        status = 422
    return render_template("regions/help.html", region=found, form=form), status


@bp.route("/regions/<slug>/help/sent")
def help_sent(slug):
    return render_template("regions/help_sent.html",
                           region=regions.region_by_slug(db.session, slug))


@bp.route("/regions/<slug>/brochure.pdf")
def brochure(slug):
    size = request.args.get("size", "a4")
    if size not in SIZES:
        abort(404)
    pdf = brochure_pdf(db.session, slug, size=size, language=_language())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=region-{slug}-{size}.pdf"
    return response


# --- the contact point's desk ----------------------------------------------------------

def _desk(slug):
    return regions.desk_region(db.session, current_actor(), slug)


@bp.route("/desk")
@login_required
def desk_home():
    """Where a contact point lands after logging in: its region's desk."""
    found = regions.contact_region(db.session, current_user.id)
    if found is not None:
        return redirect(url_for("regions.desk", slug=found.slug))
    if current_user.is_admin:
        return redirect(url_for("regions.index"))
    abort(403)


@bp.route("/regions/<slug>/desk")
@login_required
def desk(slug):
    found = _desk(slug)
    items = regions.help_requests(db.session, current_actor(), slug)
    return render_template("regions/desk.html", region=found, items=items)


@bp.route("/regions/<slug>/desk/requests/<int:request_id>", methods=["GET"])
@login_required
def desk_request(slug, request_id):
    found = _desk(slug)
    item = regions.get_help_request(db.session, current_actor(), slug, request_id)
    return _request_page(found, item, ForwardForm(), OutcomeForm())


def _request_page(found, item, forward, outcome, status=200):
    forward.target.choices = _targets(found)
    return render_template("regions/desk_request.html", region=found, item=item,
                           forward=forward, outcome=outcome), status


def _targets(found) -> list:
    rings = [choice(f"ring:{c.ring.slug}", _("Ring: %(name)s", name=c.ring.name))
             for c in regions.rings_of(db.session, found)]
    services = [choice(f"service:{s.id}", _("Service: %(name)s", name=s.name))
                for s in regions.find_services(db.session, found)]
    return [choice("", "—"), *rings, *services]


@bp.route("/regions/<slug>/desk/requests/<int:request_id>/forward", methods=["POST"])
@login_required
def desk_forward(slug, request_id):
    found = _desk(slug)
    item = regions.get_help_request(db.session, current_actor(), slug, request_id)
    form = ForwardForm()
    form.target.choices = _targets(found)
    if form.validate_on_submit() and act(form, regions.forward_help_request, current_actor(),
                                         slug, request_id, field_map={"target": "target"},
                                         **form.fields()):
        flash(_("The request has been passed on; the person who asked gets a mail."))
        return redirect(url_for("regions.desk_request", slug=slug, request_id=request_id))
    db.session.refresh(item)
    return _request_page(found, item, form, OutcomeForm(), 422)


@bp.route("/regions/<slug>/desk/requests/<int:request_id>/outcome", methods=["POST"])
@login_required
def desk_outcome(slug, request_id):
    found = _desk(slug)
    item = regions.get_help_request(db.session, current_actor(), slug, request_id)
    form = OutcomeForm()
    if form.validate_on_submit() and act(form, regions.record_outcome, current_actor(), slug,
                                         request_id, outcome=form.outcome.data):
        flash(_("The outcome is recorded and the request closed."))
        return redirect(url_for("regions.desk_request", slug=slug, request_id=request_id))
    db.session.refresh(item)
    return _request_page(found, item, ForwardForm(), form, 422)


@bp.route("/regions/<slug>/desk/services")
@login_required
def desk_services(slug):
    found = _desk(slug)
    return render_template("regions/desk_services.html", region=found,
                           items=regions.find_services(db.session, found))


@bp.route("/regions/<slug>/desk/services/new", methods=["GET", "POST"])
@login_required
def desk_service_new(slug):
    found = _desk(slug)
    form = ServiceForm()
    if form.validate_on_submit() and act(form, regions.create_service, current_actor(), slug,
                                         **form.fields()):
        flash(_("The service is in the directory."))
        return redirect(url_for("regions.desk_services", slug=slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("regions/desk_service.html", region=found, form=form,
                           service=None), status


@bp.route("/regions/<slug>/desk/services/<int:service_id>", methods=["GET", "POST"])
@login_required
def desk_service_edit(slug, service_id):
    found = _desk(slug)
    service: FamilyService = regions.get_service(db.session, found, service_id)
    form = ServiceForm(obj=None if request.method == "POST" else service)
    if request.method == "GET":
        form.places.data = "; ".join(service.place_list)
        form.postcodes.data = ", ".join(service.postcode_list)
    if form.validate_on_submit() and act(form, regions.update_service, current_actor(), slug,
                                         service_id, **form.fields()):
        flash(_("The entry is saved."))
        return redirect(url_for("regions.desk_services", slug=slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("regions/desk_service.html", region=found, form=form,
                           service=service), status


@bp.route("/regions/<slug>/desk/services/<int:service_id>/delete", methods=["POST"])
@login_required
def desk_service_delete(slug, service_id):
    found = _desk(slug)
    regions.get_service(db.session, found, service_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        atomic(regions.delete_service, current_actor(), slug, service_id)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The entry is no longer in the directory."))
    return redirect(url_for("regions.desk_services", slug=slug))


@bp.route("/regions/<slug>/desk/settings", methods=["GET", "POST"])
@login_required
def desk_settings(slug):
    """How people reach the contact point (public, and in the brochure)."""
    found = _desk(slug)
    form = RegionForm(obj=None if request.method == "POST" else found)
    if form.validate_on_submit() and act(form, regions.update_region, current_actor(), slug,
                                         **form.fields()):
        flash(_("The entry is saved."))
        return redirect(url_for("regions.desk_settings", slug=slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("regions/desk_settings.html", region=found, form=form), status


@bp.route("/regions/<slug>/desk/report/<int:year>")
@login_required
def desk_report(slug, year):
    found = _desk(slug)
    report = figures.region_report(db.session, current_actor(), slug, year, _language())
    return render_template("regions/desk_report.html", region=found, report=report,
                           names=figures.labels(), figures=figures.FIGURES, cell=figures.cell)


# --- a ring's coordinators: requests passed on to their ring ---------------------------

@bp.route("/help-requests")
@coordinator_required
def ring_requests():
    return render_template("regions/ring_requests.html",
                           items=regions.ring_help_requests(db.session, current_actor()))


@bp.route("/ring/coverage", methods=["GET", "POST"])
@coordinator_required
def ring_coverage():
    """What the ring covers, where and when it meets: shown on its region's pages."""
    coverage = regions.own_coverage(db.session, current_actor())
    region = db.session.get(Region, coverage.region_id) if coverage and coverage.region_id \
        else None
    form = CoverageForm(obj=None if request.method == "POST" else coverage)
    if request.method == "GET" and coverage is not None:
        form.postcodes.data = ", ".join(coverage.postcode_list)
        form.places.data = "; ".join(coverage.place_list)
    if form.validate_on_submit() and act(form, regions.update_own_coverage, current_actor(),
                                         **form.fields()):
        flash(_("The entry is saved."))
        return redirect(url_for("regions.ring_coverage"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("regions/ring_coverage.html", form=form, region=region), status


@bp.route("/help-requests/<int:request_id>")
@coordinator_required
def ring_request(request_id):
    item = regions.ring_help_request(db.session, current_actor(), request_id)
    form = PostRequestForm(title=item.need[:120].splitlines()[0])
    _category_choices(form)
    return render_template("regions/ring_request.html", item=item, form=form)


def _category_choices(form) -> None:
    language = _language()
    form.category.choices = [choice("", "—")] + [
        choice(str(c.id), c.name(language))
        for c in market.categories(db.session, current_user.ring_id)]


@bp.route("/help-requests/<int:request_id>/post", methods=["POST"])
@coordinator_required
def ring_post_request(request_id):
    item = regions.ring_help_request(db.session, current_actor(), request_id)
    form = PostRequestForm()
    _category_choices(form)
    if form.validate_on_submit():
        outcome = act(form, regions.post_as_request, current_actor(), request_id,
                      category_id=int(form.category.data), title=form.title.data,
                      field_map={"category_id": "category"})
        if outcome:
            flash(_("The request is in the market now."))
            return redirect(url_for("market.talent", talent_id=outcome.result.id))
    db.session.refresh(item)
    return render_template("regions/ring_request.html", item=item, form=form), 422


# --- the admin: regions, their rings and contact points ----------------------------------

@bp.route("/admin/regions", methods=["GET", "POST"])
@admin_required
def admin_regions():
    form = NewRegionForm()
    if form.validate_on_submit() and act(form, regions.create_region_by_admin, current_actor(),
                                         name=form.name.data, slug=form.slug.data):
        flash(_("The region is created. Now add its rings and appoint its contact point."))
        return redirect(url_for("regions.admin_region", slug=form.slug.data))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("regions/admin_regions.html", form=form,
                           regions=regions.all_regions(db.session)), status


def _admin_region_page(slug, ring_form=None, contact_form=None, status=200):
    found = regions.region_by_slug(db.session, slug)
    ring_form = ring_form or AddRingForm()
    ring_form.ring.choices = [choice("", "—")] + [
        choice(ring.slug, ring.name) for ring in all_rings(db.session)]
    return render_template("regions/admin_region.html", region=found,
                           rings=regions.rings_of(db.session, found),
                           contacts=regions.contacts_of(db.session, found),
                           ring_form=ring_form,
                           contact_form=contact_form or ContactPointForm()), status


@bp.route("/admin/regions/<slug>")
@admin_required
def admin_region(slug):
    return _admin_region_page(slug)


@bp.route("/admin/regions/<slug>/rings", methods=["POST"])
@admin_required
def admin_add_ring(slug):
    regions.region_by_slug(db.session, slug)
    form = AddRingForm()
    form.ring.choices = [choice(ring.slug, ring.name) for ring in all_rings(db.session)]
    if form.validate_on_submit() and act(form, regions.add_ring_by_admin, current_actor(),
                                         region_slug=slug, ring_slug=form.ring.data):
        flash(_("The ring is in the region now."))
        return redirect(url_for("regions.admin_region", slug=slug))
    return _admin_region_page(slug, ring_form=form, status=422)


@bp.route("/admin/regions/<slug>/contact", methods=["POST"])
@admin_required
def admin_appoint_contact(slug):
    regions.region_by_slug(db.session, slug)
    form = ContactPointForm()
    if form.validate_on_submit() and act(form, regions.appoint_contact_by_admin,
                                         current_actor(), region_slug=slug,
                                         name=form.name.data, email=form.email.data,
                                         password=form.password.data):
        flash(_("The contact point can log in now."))
        return redirect(url_for("regions.admin_region", slug=slug))
    return _admin_region_page(slug, contact_form=form, status=422)
