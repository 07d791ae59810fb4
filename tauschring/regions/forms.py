"""The regions' forms: finding a ring and a service, asking for help, the
contact point's desk, and a ring coordinator's posting of a request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from tauschring.market.forms import choice, no_nul
from tauschring.regions import service as regions
from tauschring.regions.models import COSTS, SERVICE_KINDS


def _strip(text):
    return no_nul(text).strip() if isinstance(text, str) else text


def kind_choices(first_label=None) -> list:
    first = [choice("", first_label)] if first_label else []
    return first + [choice(kind, regions.KIND_NAMES[kind]) for kind in SERVICE_KINDS]


class NearForm(FlaskForm):
    """Which ring is near me? A GET form, so every answer is a link."""

    class Meta:
        csrf = False

    postcode = StringField(_l("Postcode"), filters=[_strip], validators=[Length(max=10)])
    place = StringField(_l("or place"), filters=[_strip], validators=[Length(max=120)])


class ServiceFilter(FlaskForm):
    class Meta:
        csrf = False

    postcode = StringField(_l("Postcode"), filters=[_strip], validators=[Length(max=10)])
    kind = SelectField(_l("Kind of help"), validators=[Optional()])
    q = SearchField(_l("Search words"), filters=[_strip], validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices(_l("Every kind"))


class OffersFilter(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search words"), filters=[_strip], validators=[Length(max=200)])
    kind = SelectField(_l("Offers or requests"),
                       choices=[choice("", _l("Offers and requests")),
                                choice("offer", _l("Offers only")),
                                choice("request", _l("Requests only"))])


class HelpForm(FlaskForm):
    need = TextAreaField(_l("What help do you need?"), filters=[_strip],
                         validators=[DataRequired(), Length(max=regions.TEXT_MAX)])
    postcode = StringField(_l("Postcode"), filters=[_strip], validators=[Length(max=10)])
    place = StringField(_l("Place"), filters=[_strip], validators=[Length(max=120)])
    name = StringField(_l("Your name (optional)"), filters=[_strip],
                       validators=[Length(max=120)])
    email = EmailField(_l("E-mail address"), filters=[_strip], validators=[Length(max=254)])
    phone = TelField(_l("Phone"), filters=[_strip], validators=[Length(max=40)])
    consent = BooleanField(_l("I agree that the contact point keeps my details to answer "
                              "me and passes my request on to a ring or a service."))

    def fields(self) -> dict:
        return {"need": self.need.data, "postcode": self.postcode.data,
                "place": self.place.data, "name": self.name.data, "email": self.email.data,
                "phone": self.phone.data, "consent": self.consent.data}


class ForwardForm(FlaskForm):
    target = SelectField(_l("Pass on to"), validators=[
        DataRequired(message=_l("Please choose a ring or a service."))])
    note = TextAreaField(_l("Note for the person who asked (optional)"), filters=[_strip],
                         validators=[Length(max=regions.TEXT_MAX)])

    def fields(self) -> dict:
        kind, _, value = (self.target.data or "").partition(":")
        return {"ring_slug": value if kind == "ring" else None,
                "service_id": int(value) if kind == "service" and value.isdigit() else None,
                "note": self.note.data}


class OutcomeForm(FlaskForm):
    outcome = TextAreaField(_l("What came of it"), filters=[_strip],
                            validators=[DataRequired(), Length(max=regions.TEXT_MAX)])


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind of help"), validators=[DataRequired()])
    description = TextAreaField(_l("Description"), filters=[_strip],
                                validators=[Length(max=regions.TEXT_MAX)])
    places = StringField(_l("Places served (separated by semicolons)"), filters=[_strip],
                         validators=[Length(max=2000)])
    postcodes = StringField(_l("Postcodes served (separated by commas; empty: the whole "
                               "region)"), filters=[_strip], validators=[Length(max=2000)])
    contact = StringField(_l("Contact"), filters=[_strip], validators=[Length(max=300)])
    hours = StringField(_l("Opening hours"), filters=[_strip], validators=[Length(max=300)])
    cost = SelectField(_l("Cost"), choices=[choice(c, regions.COST_NAMES[c]) for c in COSTS])
    price_note = StringField(_l("Price note"), filters=[_strip], validators=[Length(max=300)])
    accessibility = StringField(_l("Accessibility"), filters=[_strip],
                                validators=[Length(max=300)])
    meets_quality = BooleanField(_l("Meets the minimum quality requirements"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()

    def fields(self) -> dict:
        return {name: getattr(self, name).data for name in regions.SERVICE_FIELDS}


class PostRequestForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(),
                                                                   Length(max=120)])
    category = SelectField(_l("Category"), validators=[
        DataRequired(message=_l("Please choose one of the categories."))])


class CoverageForm(FlaskForm):
    """What a ring covers and how people find it, kept by its coordinators."""

    postcodes = StringField(_l("Postcodes the ring serves (separated by commas)"),
                            filters=[_strip], validators=[Length(max=2000)])
    places = StringField(_l("Places the ring serves (separated by semicolons)"),
                         filters=[_strip], validators=[Length(max=2000)])
    meeting_place = StringField(_l("Meeting place"), filters=[_strip],
                                validators=[Length(max=200)])
    meeting_time = StringField(_l("When the ring meets"), filters=[_strip],
                               validators=[Length(max=200)])
    how_to_join = TextAreaField(_l("How to join"), filters=[_strip],
                                validators=[Length(max=regions.TEXT_MAX)])
    contact_email = EmailField(_l("The ring's public e-mail address (not a member's own)"),
                               filters=[_strip], validators=[Length(max=254)])
    contact_phone = TelField(_l("The ring's public phone"), filters=[_strip],
                             validators=[Length(max=40)])

    def fields(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "postcodes", "places", "meeting_place", "meeting_time", "how_to_join",
            "contact_email", "contact_phone")}


class RegionForm(FlaskForm):
    """How people reach the contact point (public, and printed in the brochure)."""

    description = TextAreaField(_l("About the region"), filters=[_strip],
                                validators=[Length(max=regions.TEXT_MAX)])
    contact_address = StringField(_l("Address"), filters=[_strip], validators=[Length(max=200)])
    contact_hours = StringField(_l("Opening hours"), filters=[_strip], validators=[Length(max=200)])
    contact_phone = TelField(_l("Phone"), filters=[_strip], validators=[Length(max=40)])
    contact_email = EmailField(_l("E-mail address"), filters=[_strip],
                               validators=[Length(max=254)])

    def fields(self) -> dict:
        return {name: getattr(self, name).data for name in regions.REGION_FIELDS}


class NewRegionForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Short name for addresses"), filters=[_strip],
                       validators=[DataRequired(), Length(max=60)])


class AddRingForm(FlaskForm):
    ring = SelectField(_l("Ring"), validators=[
        DataRequired(message=_l("Please choose a ring."))])


class ContactPointForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), filters=[_strip],
                       validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
