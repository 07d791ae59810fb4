"""Hours typed into forms become whole minutes, and back."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict
from wtforms import Form

from tauschring.web.minutes import MAX_HOURS, HoursField, format_hours, parse_hours


@pytest.mark.parametrize("text, minutes", [
    ("1:30", 90), ("-20", -1200), ("-20:00", -1200), ("20", 1200), ("0", 0),
    ("0:45", 45), ("-0:30", -30), ("+2:05", 125), (" 3 ", 180), ("1:30 h", 90),
    ("-20:00 Std.", -1200), ("\u22121:30", -90), ("- 1:30", -90), ("007", 420),
])
def test_hours_become_minutes(text, minutes):
    assert parse_hours(text) == minutes


@pytest.mark.parametrize("text", [
    "", " ", "1:5", "1:60", "1:300", "1.5", "1,5", "abc", "1:30:00", "--1", ":30", "1:",
    "h", "1e3", str(MAX_HOURS + 1), "99999999999999999999", "1 30",
])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_hours(text)


def test_not_text_is_refused():
    with pytest.raises(ValueError):
        parse_hours(90)


@pytest.mark.parametrize("minutes", [0, 1, 59, 60, 90, -90, -1200, 60 * MAX_HOURS])
def test_formatted_minutes_parse_back(minutes):
    assert parse_hours(format_hours(minutes)) == minutes


def test_nothing_formats_as_empty():
    assert format_hours(None) == ""
    assert format_hours(-90) == "-1:30"


class LimitForm(Form):
    limit = HoursField("Limit", optional=True)
    credit = HoursField("Credit")


@pytest.fixture
def babel_app():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield app


def submit(**data) -> LimitForm:
    form = LimitForm(MultiDict(data))
    form.validate()
    return form


def test_the_field_holds_minutes(babel_app):
    form = submit(limit="-20", credit="1:30")
    assert form.errors == {}
    assert (form.limit.data, form.credit.data) == (-1200, 90)


def test_an_optional_field_may_stay_empty(babel_app):
    form = submit(limit="  ", credit="0")
    assert form.errors == {}
    assert form.limit.data is None


def test_a_required_field_may_not(babel_app):
    form = submit(limit="", credit="")
    assert list(form.errors) == ["credit"]


def test_bad_input_is_an_error_and_shown_again_as_typed(babel_app):
    form = submit(limit="1.5", credit="2")
    assert list(form.errors) == ["limit"]
    assert form.limit.data is None
    assert 'value="1.5"' in form.limit()


def test_stored_minutes_show_as_hours(babel_app):
    form = LimitForm(data={"limit": -1200, "credit": 90})
    assert 'value="-20:00"' in form.limit()
    assert 'value="1:30"' in form.credit()
