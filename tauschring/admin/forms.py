"""The admin's forms: a new ring, appointing a coordinator, entering one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from tauschring.emails import EmailAddress
from tauschring.web.minutes import HoursField


class RingForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Short name for addresses (slug)"),
                       validators=[DataRequired(), Length(max=60)])
    unit_name = StringField(_l("Name of the unit"), default="Talente",
                            validators=[DataRequired(), Length(max=40)])
    default_min_balance = HoursField(_l("Lowest allowed balance"), optional=True)
    default_max_balance = HoursField(_l("Highest allowed balance"), optional=True)


class AppointForm(FlaskForm):
    # Any id is accepted: the service checks that it is an active member of the ring.
    member_id = SelectField(_l("Member"), coerce=int, validate_choice=False)


class NewCoordinatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), EmailAddress(),
                                                          Length(max=254)])
    password = PasswordField(_l("Password (optional)"), validators=[Length(max=1024)])
