"""Forms: what a member receives by mail; the ring's inactivity reminder."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from tauschring.digest.service import MAX_MONTHS


class MailSettingsForm(FlaskForm):
    weekly_digest = BooleanField(_l("The weekly digest: new offers and requests, news, "
                                    "coming events"))
    news_by_mail = BooleanField(_l("The ring's news, as soon as they are posted"))
    # Unticked boxes send nothing: this field says the form was sent at all.
    chosen = HiddenField(default="1", validators=[AnyOf(["1"])])


class ReminderForm(FlaskForm):
    months = IntegerField(_l("Remind members after this many months without an exchange "
                             "(0: never)"),
                          validators=[InputRequired(), NumberRange(min=0, max=MAX_MONTHS)])
