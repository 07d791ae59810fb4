"""Lists in the contract's shape: {items, page, per_page, total}."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 200


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10**9))
    per_page = ma.fields.Integer(load_default=50,
                                 validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


def page_of(session: Session, statement: Select, *, page: int, per_page: int,
            scalars: bool = True) -> dict:
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    window = statement.limit(per_page).offset((page - 1) * per_page)
    rows = session.scalars(window).all() if scalars else session.execute(window).all()
    return {"items": rows, "page": page, "per_page": per_page, "total": total}


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "page": ma.fields.Integer(),
        "per_page": ma.fields.Integer(),
        "total": ma.fields.Integer(),
    }, name=name)
