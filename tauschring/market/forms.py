"""The market's forms: its filters, a talent (offer or request), a category."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tauschring.market import service

try:  # WTForms 3.3 wants choices as SelectChoice; older ones know tuples only.
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # pragma: no cover
    def choice(value, label):
        return (value, label)


def no_nul(text):
    # PostgreSQL cannot store or compare NUL characters; nobody types them.
    return text.replace("\x00", "") if isinstance(text, str) else text


def _strip(text):
    return no_nul(text).strip() if isinstance(text, str) else text


class MarketFilter(FlaskForm):
    """The market's filters: a GET form, so every view of the market is a link.

    Each filter is read on its own; one that makes no sense is left out, not refused.
    """

    class Meta:
        csrf = False

    q = SearchField(_l("Search words"))
    kind = SelectField(_l("Offers or requests"),
                       choices=[choice("", _l("Offers and requests")),
                                choice("offer", _l("Offers only")),
                                choice("request", _l("Requests only"))])
    category = SelectField(_l("Category"))
    district = StringField(_l("District or postcode"))


class PartnerMarketFilter(MarketFilter):
    """The partner market's filters: the market's words and kind, and the
    partner ring instead of category and district."""

    category = None
    district = None
    ring = SelectField(_l("Partner ring"))


class TalentForm(FlaskForm):
    kind = RadioField(_l("What is it?"), default="offer",
                      choices=[choice("offer", _l("An offer: I can do this for others")),
                               choice("request", _l("A request: I am looking for help"))])
    title = StringField(_l("Title"), filters=[_strip],
                        validators=[DataRequired(), Length(max=service.TITLE_MAX)])
    description = TextAreaField(_l("Description"), filters=[_strip],
                                validators=[Length(max=service.DESCRIPTION_MAX)])
    # No category is preselected: people choose one rather than skip past it.
    category = SelectField(_l("Category"), validators=[
        DataRequired(message=_l("Please choose one of the categories."))])
    # Browsers without a date picker show a text box; people there type 31.12.2025.
    expires_on = DateField(_l("Current until (optional)"), validators=[Optional()],
                           format=["%Y-%m-%d", "%d.%m.%Y"])
    # Published to partners: the members of the partner rings see it in their partner
    # market; to the region: they too, and its public pages, with the ring's contact
    # (tauschring/regions).
    visibility = RadioField(_l("Who may see it?"), default="ring", choices=[
        choice("ring", _l("The members of my ring")),
        choice("partners", _l("Also the members of our partner rings")),
        choice("region", _l("Also the partner rings and the public pages of the region, "
                            "with the ring's contact instead of mine"))])

    def fields(self) -> dict:
        return {"kind": self.kind.data, "title": self.title.data,
                "description": self.description.data,
                "category_id": int(self.category.data), "expires_on": self.expires_on.data,
                "visibility": self.visibility.data or "ring"}


class CategoryForm(FlaskForm):
    name_de = StringField(_l("Name in German"), filters=[_strip],
                          validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name in English (optional)"), filters=[_strip],
                          validators=[Length(max=80)])
