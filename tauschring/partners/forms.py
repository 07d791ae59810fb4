"""The partner pages' forms: a proposal, and the answers to one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from tauschring.coordination.forms import Form
from tauschring.partners.service import REASON_MAX
from tauschring.web.minutes import HoursField


class ProposalForm(Form):
    ring = SelectField(_l("Partner ring"), validators=[DataRequired()])
    credit_line = HoursField(_l("Credit line between the rings (hours)"))


class AnswerForm(Form):
    """Accepting needs nothing but the CSRF token; the other answers may give a reason."""

    reason = StringField(_l("Reason (optional)"), validators=[Length(max=REASON_MAX)])
