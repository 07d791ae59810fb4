"""API door to feedback after an exchange."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.db import db
from tauschring.feedback import service as feedback
from tauschring.feedback.models import RATINGS

blp = Blueprint("feedback", __name__, url_prefix="/api/v1",
                description="Feedback after an exchange")


class FeedbackIn(ma.Schema):
    rating = ma.fields.String(required=True, validate=ma.validate.OneOf(RATINGS))
    comment = ma.fields.String(load_default="",
                               validate=ma.validate.Length(max=feedback.COMMENT_MAX))


class FeedbackOut(ma.Schema):
    id = ma.fields.Integer()
    exchange_id = ma.fields.Integer()
    rating = ma.fields.String()
    comment = ma.fields.String()
    by = ma.fields.Integer(attribute="author_id", metadata={"description": "the author's id"})
    by_name = ma.fields.Function(lambda f: f.author.name)
    about = ma.fields.Integer(attribute="subject_id")
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    editable_until = ma.fields.Function(lambda f: feedback.editable_until(f).isoformat())


class SummaryOut(ma.Schema):
    positive = ma.fields.Integer()
    neutral = ma.fields.Integer()
    negative = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(FeedbackOut))


class SummaryArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


@blp.route("/exchanges/<int:exchange_id>/feedback", methods=["POST"])
@write
@may(feedback.check_may_give)
@blp.arguments(FeedbackIn)
@blp.response(201, FeedbackOut)
def give(data, exchange_id):
    """Each party of a booked exchange once; again: 409."""
    return feedback.give(db.session, current_actor(), exchange_id, **data)


@blp.route("/exchanges/<int:exchange_id>/feedback", methods=["PUT"])
@write
@may(feedback.check_may_give)
@blp.arguments(FeedbackIn)
@blp.response(200, FeedbackOut)
def change(data, exchange_id):
    """Change one's feedback, within 14 days of giving it."""
    return feedback.change(db.session, current_actor(), exchange_id, **data)


@blp.route("/members/<int:member_id>/feedback", methods=["GET"])
@blp.arguments(SummaryArgs, location="query")
@blp.response(200, SummaryOut)
def about_member(args, member_id):
    """Counts of ratings and the most recent feedback on a member of the ring."""
    return feedback.about_member(db.session, current_actor(), member_id, recent=args["limit"])
