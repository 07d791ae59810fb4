"""The news page's form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tauschring.news.service import BODY_MAX, TITLE_MAX


class NewsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Text"), validators=[Length(max=BODY_MAX)])
    mail_it = BooleanField(_l("Also send it by mail to the members who want news by mail"))
