"""The API's lists in the contract's shape, {items, page, per_page, total}:
what the query may ask for (PageArgs) and how a page is documented
(page_schema). The page itself is cut by tauschring.paging.page_of."""

from __future__ import annotations

import marshmallow as ma

MAX_PER_PAGE = 200


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10**9))
    per_page = ma.fields.Integer(load_default=50,
                                 validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "page": ma.fields.Integer(),
        "per_page": ma.fields.Integer(),
        "total": ma.fields.Integer(),
    }, name=name)
