"""The exchanges pages' forms: propose, give a reason, write, resolve a dispute."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from tauschring.web.minutes import HoursField


class ProposeForm(FlaskForm):
    direction = RadioField(_l("What happened?"), choices=[
        SelectChoice("provided", _l("I did something for …")),
        SelectChoice("received", _l("… did something for me"))],
        default="received", validators=[InputRequired()])
    partner = SelectField(_l("Other member"), coerce=int, validators=[InputRequired()])
    minutes = HoursField(_l("Time (hours:minutes)"))
    description = TextAreaField(_l("What was done?"),
                                validators=[DataRequired(), Length(max=2000)])
    performed_on = DateField(_l("Date"), validators=[InputRequired()])
    talent_id = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class MessageForm(FlaskForm):
    message = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])


class ResolveForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("book", _l("Book the proposed time")),
        SelectChoice("cancel", _l("Cancel (reverse a booking)")),
        SelectChoice("adjust", _l("Book a different time"))], validators=[InputRequired()])
    minutes = HoursField(_l("Time for 'different time'"), optional=True)
    note = TextAreaField(_l("Note to both parties"),
                         validators=[DataRequired(), Length(max=5000)])
    override_limits = BooleanField(_l("Book even if a limit is exceeded"))


class EmptyForm(FlaskForm):
    """Buttons without fields still carry the CSRF token."""
