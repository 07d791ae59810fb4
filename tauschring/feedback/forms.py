"""The feedback page's form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from tauschring.feedback.service import COMMENT_MAX


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("How was it?"), choices=[
        SelectChoice("positive", _l("Positive")), SelectChoice("neutral", _l("Neutral")),
        SelectChoice("negative", _l("Negative"))], validators=[InputRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=COMMENT_MAX)])
