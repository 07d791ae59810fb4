"""The office pages' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tauschring.office.slips import MAX_SLIPS

ROWS_SHOWN = 10
MAX_ROWS = 200


class SlipsForm(FlaskForm):
    count = IntegerField(_l("Number of slips"), default=20,
                         validators=[InputRequired(), NumberRange(min=1, max=MAX_SLIPS)])


class SlipRow(Form):
    """One typed slip; every field is text, read by the service."""

    slip = StringField(_l("Slip no."), validators=[Length(max=20)])
    payer = StringField(_l("Payer no."), validators=[Length(max=20)])
    payee = StringField(_l("Payee no."), validators=[Length(max=20)])
    hours = StringField(_l("Hours"), validators=[Length(max=20)])
    memo = StringField(_l("What"), validators=[Length(max=2000)])
    date = StringField(_l("Date"), validators=[Length(max=20)])


class TypeSlipsForm(FlaskForm):
    rows = FieldList(FormField(SlipRow), min_entries=ROWS_SHOWN, max_entries=MAX_ROWS)


class SplitRow(Form):
    number = StringField(_l("Member no."), validators=[Length(max=20)])
    hours = StringField(_l("Hours"), validators=[Length(max=20)])


class SplitForm(FlaskForm):
    direction = SelectField(_l("Direction"), choices=[
        SelectChoice("to_many", _l("From one account to many (e.g. hours for the helpers)")),
        SelectChoice("from_many", _l("From many to one account (e.g. a shared cost)"))],
        default="to_many")
    one = StringField(_l("The one account: member no. (0: the association)"), default="0",
                      validators=[Length(max=20)])
    hours = StringField(_l("Hours for each (unless given in the row)"),
                        validators=[Length(max=20)])
    memo = StringField(_l("What"), validators=[InputRequired(), Length(max=2000)])
    rows = FieldList(FormField(SplitRow), min_entries=12, max_entries=MAX_ROWS)


class ActionForm(FlaskForm):
    """A button that needs nothing but the CSRF token."""


class GrantForm(FlaskForm):
    helper = StringField(_l("Member number of the helper"), validators=[Length(max=20)])
    office = BooleanField(_l("The office (the ring's coordinators)"))


class PostalForm(FlaskForm):
    by_post = BooleanField(_l("Statements, the newsletter and notices by post"))
    address = TextAreaField(_l("Postal address (as on the envelope)"),
                            validators=[Length(max=400)])


class LettersForm(FlaskForm):
    kind = SelectField(_l("Letters with"), choices=[
        SelectChoice("statements", _l("The statements of account")),
        SelectChoice("newsletter", _l("The market newsletter")),
        SelectChoice("notice", _l("A notice"))], default="statements")
    year = IntegerField(_l("Year of the statements"),
                        validators=[Optional(), NumberRange(min=1970, max=9999)])
    text = TextAreaField(_l("The notice's text"), validators=[Length(max=5000)])
    email_others = BooleanField(_l("E-mail the other members, each with their PDF attached"))
