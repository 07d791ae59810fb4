"""The coordination pages' forms: members, settings, and the desk's transfers and fees."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tauschring.emails import EmailAddress
from tauschring.web.minutes import HoursField

ROLE_LABELS = {"member": _l("Member"), "coordinator": _l("Coordinator"), "admin": _l("Admin")}


class Form(FlaskForm):
    """A coordination form. Text with NUL characters, which PostgreSQL cannot
    store, is refused beside its field instead of failing in the database."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and "\x00" in field.data:
                field.errors = [*field.errors, _("Text must not contain NUL characters.")]
                valid = False
        return valid


# --- members and settings ---------------------------------------------------------

class ActionForm(Form):
    """A button that needs nothing but the CSRF token."""


class SuspendForm(Form):
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=1000)])


class LeaveForm(Form):
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=1000)])


class RoleForm(Form):
    role = SelectField(_l("Role"))


class LimitsForm(Form):
    min_balance = HoursField(_l("Lowest allowed balance"), optional=True)
    max_balance = HoursField(_l("Highest allowed balance"), optional=True)
    override_limits = BooleanField(_l("Allow the current balance to lie outside these limits"))
    reason = TextAreaField(_l("Reason for allowing it"), validators=[Length(max=1000)])


class NewMemberForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), EmailAddress(),
                                                          Length(max=254)])
    phone = StringField(_l("Phone (optional)"), validators=[Length(max=40)])
    district = StringField(_l("District (optional)"), validators=[Length(max=80)])
    language = SelectField(_l("Language"), choices=[SelectChoice("de", "Deutsch"),
                                                         SelectChoice("en", "English")])
    password = PasswordField(_l("Password (optional)"), validators=[Length(max=1024)])
    household_of = SelectField(_l("Household"), coerce=int)
    role = SelectField(_l("Role"))


class SettingsForm(Form):
    name = StringField(_l("Name of the ring"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    contact_email = EmailField(_l("Contact e-mail address"),
                               validators=[Optional(), EmailAddress(), Length(max=254)])
    unit_name = StringField(_l("Name of the unit"), validators=[DataRequired(),
                                                                Length(max=40)])
    default_min_balance = HoursField(_l("Lowest allowed balance"), optional=True)
    default_max_balance = HoursField(_l("Highest allowed balance"), optional=True)
    starting_credit = HoursField(_l("Starting credit"))
    registration_open = BooleanField(_l("Newcomers may register themselves"))
    household_size = IntegerField(_l("People per household account"),
                                  validators=[InputRequired(), NumberRange(min=1, max=100)])
    talent_lifetime_days = IntegerField(_l("Days until offers and requests expire"),
                                        validators=[InputRequired(),
                                                    NumberRange(min=0, max=36500)])
    dispute_window_days = IntegerField(_l("Days in which a booking may be disputed"),
                                       validators=[InputRequired(),
                                                   NumberRange(min=0, max=3650)])
    auto_confirm_days = IntegerField(_l("Confirm proposals automatically after days"),
                                     validators=[InputRequired(),
                                                 NumberRange(min=0, max=365)])
    fee_minutes = HoursField(_l("Account fee"))
    fee_period = SelectField(_l("Fee charged per"), choices=[
        SelectChoice("month", _l("month")), SelectChoice("year", _l("year"))])


def setting_labels() -> dict:
    """The settings' names as the settings page labels them."""
    labels = {}
    for name in dir(SettingsForm):
        unbound = getattr(SettingsForm, name)
        if hasattr(unbound, "field_class") and unbound.args:
            labels[name] = unbound.args[0]
    return labels


# --- the desk: transfers and fees ---------------------------------------------------

def _account_id(value):
    """A choice of account: its id, or None for the empty choice."""
    if value in (None, ""):
        return None
    return int(value)


class TransferFilter(FlaskForm):
    """The transfer list's filters: a GET form, so every view of the list is a link."""

    class Meta:
        csrf = False

    account = SelectField(_l("Account"), coerce=_account_id, validators=[Optional()])
    date_from = DateField(_l("From (day)"), validators=[Optional()])
    date_to = DateField(_l("To (day)"), validators=[Optional()])
    reversals = BooleanField(_l("Only reversals"))
    overrides = BooleanField(_l("Only bookings past a limit"))


class BookingForm(Form):
    debit_account_id = SelectField(
        _l("From account (debit)"), coerce=_account_id,
        validators=[DataRequired(message=_l("Please choose an account."))])
    credit_account_id = SelectField(
        _l("To account (credit)"), coerce=_account_id,
        validators=[DataRequired(message=_l("Please choose an account."))])
    minutes = HoursField(_l("Time"))
    memo = StringField(_l("Memo"), validators=[DataRequired(), Length(max=500)])
    override_limits = BooleanField(_l("Book even if a limit is exceeded"))
    reason = TextAreaField(_l("Reason for exceeding the limit"), validators=[Length(max=1000)])


class ReverseForm(Form):
    reason = TextAreaField(_l("Reason for the reversal"),
                           validators=[DataRequired(), Length(max=1000)])
    override_limits = BooleanField(_l("Reverse even if a limit is exceeded"))


class FeeForm(Form):
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=7)])
