"""The events page's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from tauschring.events.service import DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    starts_at = DateTimeLocalField(_l("Begins"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends (optional)"), format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=PLACE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Length(max=DESCRIPTION_MAX)])


class RenewFeedForm(FlaskForm):
    """The button for a new calendar link (the field says the button was pressed)."""

    renew = HiddenField(default="1", validators=[AnyOf(["1"])])
