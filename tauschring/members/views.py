"""Pages for members: log in and out, register, passwords, profiles, the directory
and the household.

Every page only reads the form, calls a service function (writes through
`atomic`) and shows the service's refusals with `show_error`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError

from tauschring.auth import service as auth
from tauschring.auth.sessions import end_session
from tauschring.db import atomic, db
from tauschring.errors import DomainError
from tauschring.market.service import current_talents
from tauschring.members import service
from tauschring.members.forms import (
    CoordinatorProfileForm,
    DirectorySearch,
    HouseholdMemberForm,
    LoginForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
    ProfileForm,
    RegisterForm,
)
from tauschring.members.models import STATUSES, Member
from tauschring.paging import page_number, page_of
from tauschring.rings.service import SLUG, all_rings, ring_by_slug
from tauschring.web.access import current_actor
from tauschring.web.forms import act
from tauschring.web.i18n import COOKIE, LANGUAGES

bp = Blueprint("members", __name__)

DIRECTORY_PAGE_SIZE = 20


# --- logging in and out ----------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        outcome = act(form, auth.log_in, email=form.email.data,
                      password=form.password.data, remote_addr=request.remote_addr or "")
        if outcome:
            logged_in = outcome.result
            if logged_in is None:
                form.form_errors.append(_("Wrong e-mail address or password."))
            else:
                member, key = logged_in
                _adopt_language_choice(member)
                _start(member, key)
                return redirect(_local_target(request.args.get("next"))
                                or url_for("web.dashboard"))
    return render_template("members/login.html", form=form)


def _start(member: Member, key: str) -> None:
    """Log the browser in with a server-side session key. A CSRF token from
    before the log-in is dropped, so one planted in a visitor's session is useless."""
    session.pop("csrf_token", None)
    member.session_key = key
    login_user(member)


def _local_target(target: str | None) -> str | None:
    """Where Flask-Login wanted to go before the log-in, if it is a page of this site."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or any(char == "\\" or char.isspace() or not char.isprintable() for char in target)):
        return None  # browsers drop tabs and read a backslash as "/": off-site again
    return target


def _adopt_language_choice(member) -> None:
    """A language picked with the switch before logging in is the latest choice:
    it becomes the member's own, so it sticks after the log-in too."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES and chosen != member.language:
        def save(session):
            session.get(Member, member.id).language = chosen
        atomic(save)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated and current_user.session_key:
        atomic(end_session, current_user.session_key)
    logout_user()
    flash(_("You have logged out."))
    return redirect(url_for("members.login"))


# --- registering -------------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
def register():
    """Self-registration in one ring; with several rings and none given, a chooser."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    slug = request.args.get("ring", "").strip()
    if not slug:
        rings = all_rings(db.session)
        if len(rings) != 1:
            return render_template("members/choose_ring.html", rings=rings)
        slug = rings[0].slug
    if not SLUG.fullmatch(slug):
        abort(404)
    ring = ring_by_slug(db.session, slug)  # NotFound: a 404 page
    if not ring.registration_open:
        return render_template("members/register_closed.html", ring=ring)
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = str(get_locale() or "de")
    if form.validate_on_submit():
        if act(form, service.register, ring_slug=ring.slug, name=form.name.data,
               email=form.email.data, password=form.password.data,
               language=form.language.data, postcode=form.postcode.data,
               district=form.district.data):
            return redirect(url_for("members.registered", ring=ring.slug))
    return render_template("members/register.html", form=form, ring=ring)


@bp.route("/register/done")
def registered():
    slug = request.args.get("ring", "")
    if not SLUG.fullmatch(slug):
        abort(404)
    ring = ring_by_slug(db.session, slug)
    return render_template("members/registered.html", ring=ring)


# --- passwords ---------------------------------------------------------------------

@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        outcome = act(form, service.change_password, current_actor(),
                      current=form.current_password.data, new=form.new_password.data,
                      field_map={"password": "new_password"})
        if outcome:
            # Every other session and token has ended; this browser goes on.
            _start(db.session.get(Member, current_user.id), outcome.result)
            flash(_("Your password has been changed."))
            return redirect(url_for("web.dashboard"))
    return render_template("members/password_change.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Always the same answer, so nobody learns which addresses belong to members."""
    form = PasswordForgotForm()
    if form.validate_on_submit():
        atomic(service.request_password_reset, form.email.data)
        return render_template("members/password_forgot_sent.html", email=form.email.data)
    return render_template("members/password_forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = PasswordResetForm()
    try:
        service.member_for_reset_token(db.session, token)
    except DomainError as error:
        return render_template("members/password_reset_invalid.html",
                               message=str(error.message))
    if form.validate_on_submit():
        if act(form, service.reset_password, token=token, password=form.password.data):
            logout_user()
            flash(_("Your new password is set. Please log in with it."))
            return redirect(url_for("members.login"))
    return render_template("members/password_reset.html", form=form)


# --- the directory and profiles ------------------------------------------------------

@bp.route("/members")
@login_required
def directory():
    """Active members of the ring (coordinators may look at other states too)."""
    actor = current_actor()
    search = DirectorySearch(request.args)
    q = (search.q.data or "")[:200]
    status = search.status.data if actor.is_coordinator else "active"
    page = page_number(request.args.get("page"))
    statement = service.directory(actor, q=q, status=status if status in STATUSES else None)
    page = page_of(db.session, statement, page=page, per_page=DIRECTORY_PAGE_SIZE)
    return render_template("members/directory.html", search=search, page=page,
                           members=page["items"])


@bp.route("/members/<int:member_id>")
@login_required
def profile(member_id: int):
    actor = current_actor()
    member = service.get_member(db.session, actor.ring_id, member_id)  # NotFound: 404
    shown = service.visible_profile(member, actor)
    talents = db.session.scalars(
        current_talents(db.session, actor.ring_id, member_id=member.id)).all()
    may_edit = member.id == actor.member_id or actor.is_coordinator
    people = service.household(db.session, member) if may_edit else []
    return render_template(
        "members/profile.html", member=member, shown=shown, talents=talents,
        may_edit=may_edit, housemates=[p for p in people if p.id != member.id],
        talent_url=lambda talent: _url_if_served("market.talent", talent_id=talent.id),
        coordination_url=_url_if_served("coordination.member", member_id=member.id)
        if actor.is_coordinator else None)


def _url_if_served(endpoint: str, **values) -> str | None:
    """A link into another area's pages, where that area serves them."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit_own_profile():
    member = current_user._get_current_object()
    form = ProfileForm(obj=member)
    if form.validate_on_submit() and _save_profile(form, member.id):
        flash(_("Your profile has been saved."))
        return redirect(url_for("members.edit_own_profile"))
    return _own_profile_page(form, HouseholdMemberForm(prefix="household"))


@bp.route("/profile/household", methods=["POST"])
@login_required
def add_household_member():
    service.check_may_add_household_member(db.session, current_actor())  # before the form
    household_form = HouseholdMemberForm(prefix="household")
    if household_form.validate_on_submit():
        outcome = act(household_form, service.add_household_member, current_actor(),
                      name=household_form.name.data, email=household_form.email.data,
                      password=household_form.password.data,
                      language=current_user.language)
        if outcome:
            flash(_("%(name)s now shares your account and can log in with their own "
                    "e-mail address and password.", name=outcome.result.name))
            return redirect(url_for("members.edit_own_profile") + "#household")
    return _own_profile_page(ProfileForm(obj=current_user._get_current_object(), formdata=None),
                             household_form)


def _own_profile_page(form: ProfileForm, household_form: HouseholdMemberForm):
    member = current_user._get_current_object()
    return render_template(
        "members/profile_edit.html", form=form, member=member, own=True,
        household=service.household(db.session, member), household_form=household_form,
        may_add=service.may_add_household_member(db.session, member))


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_profile(member_id: int):
    """A coordinator edits a member of the ring; a member is sent to /profile."""
    actor = current_actor()
    if member_id == actor.member_id:
        return redirect(url_for("members.edit_own_profile"))
    member = service.editable_member(db.session, actor, member_id)  # 404 / 403
    form = CoordinatorProfileForm(obj=member)
    if form.validate_on_submit() and _save_profile(form, member.id):
        flash(_("The profile of %(name)s has been saved.", name=form.name.data))
        return redirect(url_for("members.profile", member_id=member.id))
    return render_template("members/profile_edit.html", form=form, member=member, own=False,
                           household=service.household(db.session, member))


def _save_profile(form: ProfileForm, member_id: int) -> bool:
    fields = form.profile_fields()
    outcome = act(form, service.update_profile, current_actor(), member_id, **fields)
    if not outcome:
        return False
    if "email" in fields and service.normalise_email(fields["email"]) != outcome.result.email:
        flash(_("The new e-mail address takes effect when its owner confirms it with the "
                "link we sent to it."))
    return True



# --- e-mail address changes --------------------------------------------------------

@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link mailed to a new log-in address. GET only shows a button, so that
    mail scanners opening links change nothing; the POST confirms."""
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            atomic(service.confirm_email_change, token)
        except DomainError as error:
            return render_template("members/email_confirm.html", form=None,
                                   message=str(error.message))
        flash(_("Your new e-mail address is confirmed. Log in with it from now on."))
        return redirect(url_for("members.login"))
    return render_template("members/email_confirm.html", form=form, message=None)
