"""The members' forms: log-in, registration, passwords, profiles, households, the directory."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Form,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from tauschring.emails import EmailAddress

LANGUAGE_CHOICES = [SelectChoice("de", "Deutsch"), SelectChoice("en", "English")]
VISIBILITY_CHOICES = [SelectChoice("members", _l("All members of the ring")),
                      SelectChoice("coordinators", _l("Coordinators only"))]


def _without_nul(value):
    """NUL characters cannot be stored (PostgreSQL refuses them); nobody types them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _password(label, autocomplete="new-password"):
    return PasswordField(label, validators=[DataRequired(), Length(max=1024)],
                         render_kw={"autocomplete": autocomplete})


def _password_again(label, other):
    return PasswordField(label, validators=[
        DataRequired(), EqualTo(other, message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


def _email():
    return EmailField(_l("E-mail address"), filters=[_without_nul],
                      validators=[DataRequired(), EmailAddress(), Length(max=254)],
                      render_kw={"autocomplete": "email"})


def _name(label):
    return StringField(label, filters=[_without_nul],
                       validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})


def _text(label, limit, autocomplete=None, area=False):
    kind = TextAreaField if area else StringField
    return kind(label, filters=[_without_nul], validators=[Optional(), Length(max=limit)],
                render_kw={"autocomplete": autocomplete} if autocomplete else None)


class LoginForm(FlaskForm):
    email = _email()
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class RegisterForm(FlaskForm):
    name = _name(_l("Your name"))
    email = _email()
    password = _password(_l("Password"))
    password_again = _password_again(_l("Password again"), "password")
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    postcode = _text(_l("Postcode (optional)"), 10, "postal-code")
    district = _text(_l("District (optional)"), 80)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=1024)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = _password(_l("New password"))
    new_password_again = _password_again(_l("New password again"), "new_password")


class PasswordForgotForm(FlaskForm):
    email = _email()


class PasswordResetForm(FlaskForm):
    password = _password(_l("New password"))
    password_again = _password_again(_l("New password again"), "password")


class ProfileForm(FlaskForm):
    name = _name(_l("Name"))
    about = _text(_l("About me"), 5000, area=True)
    skills = _text(_l("What I can do well"), 5000, area=True)
    availability = _text(_l("When I have time"), 2000, area=True)
    email_visibility = SelectField(_l("Who may see my e-mail address?"),
                                   choices=VISIBILITY_CHOICES)
    phone = _text(_l("Phone"), 40, "tel")
    phone_visibility = SelectField(_l("Who may see my phone number?"),
                                   choices=VISIBILITY_CHOICES)
    address = _text(_l("Street and house number"), 200, "street-address")
    address_visibility = SelectField(_l("Who may see my address?"),
                                     choices=VISIBILITY_CHOICES)
    postcode = _text(_l("Postcode"), 10, "postal-code")
    district = _text(_l("District"), 80)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)

    def profile_fields(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token"}


class CoordinatorProfileForm(ProfileForm):
    """A coordinator may also correct the e-mail address (the log-in name)."""

    email = _email()


class HouseholdMemberForm(FlaskForm):
    name = _name(_l("Name"))
    email = _email()
    password = _password(_l("Password"))
    password_again = _password_again(_l("Password again"), "password")


class DirectorySearch(Form):
    """The directory's search: a GET form, so it needs no CSRF token."""

    q = StringField(_l("Search by name, district, postcode or skill"),
                    filters=[_without_nul], validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=[
        SelectChoice("active", _l("active")), SelectChoice("pending", _l("waiting for admission")),
        SelectChoice("suspended", _l("suspended")), SelectChoice("left", _l("has left")),
        SelectChoice("", _l("all"))], default="active")
