"""API door to the ring's news."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.db import db
from tauschring.news import service as news
from tauschring.paging import page_of

blp = Blueprint("news", __name__, url_prefix="/api/v1", description="The ring's news")


class NewsIn(ma.Schema):
    title = ma.fields.String(required=True,
                             validate=ma.validate.Length(min=1, max=news.TITLE_MAX))
    body = ma.fields.String(load_default="", validate=ma.validate.Length(max=news.BODY_MAX))
    mail = ma.fields.Boolean(load_default=False, metadata={
        "description": "also mail it to the members who want news by mail"})


class NewsOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    body = ma.fields.String()
    author_id = ma.fields.Integer(allow_none=True)
    mailed = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


@blp.route("/news", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(NewsOut, "NewsPage"))
def list_news(args):
    """The ring's news, newest first."""
    return page_of(db.session, news.news_of_ring(current_actor().ring_id),
                   page=args["page"], per_page=args["per_page"])


@blp.route("/news", methods=["POST"])
@write
@coordinator_only
@blp.arguments(NewsIn)
@blp.response(201, NewsOut)
def post_news(data):
    return news.post(db.session, current_actor(), title=data["title"], body=data["body"],
                     mail_it=data["mail"])
