"""API door to the market: talents and categories."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import get_locale
from flask_smorest import Blueprint
from sqlalchemy import select

from tauschring.api.access import may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.i18n import _l
from tauschring.limits import ID_MAX
from tauschring.market import service as market
from tauschring.market.models import KINDS, VISIBILITIES, Category
from tauschring.office.numbers import numbers_of
from tauschring.paging import page_of
from tauschring.rings.models import Ring

blp = Blueprint("talents", __name__, url_prefix="/api/v1",
                description="The market: offers, requests and their categories")

Text = ma.fields.String


class CategoryRef(ma.fields.Field):
    """A category by id (1) or by slug ("kinderbetreuung")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX:
            return value
        if isinstance(value, str) and 0 < len(value) <= 60:
            return value
        raise ma.ValidationError("A category id or slug.")


class TalentIn(ma.Schema):
    kind = Text(required=True, validate=ma.validate.OneOf(KINDS))
    title = Text(required=True, validate=ma.validate.Length(min=1, max=market.TITLE_MAX))
    description = Text(load_default="",
                       validate=ma.validate.Length(max=market.DESCRIPTION_MAX))
    category = CategoryRef(required=True)
    expires_on = ma.fields.Date(allow_none=True)
    visibility = Text(validate=ma.validate.OneOf(VISIBILITIES), metadata={
        "description": "ring (default); partners: also the members of the active partner "
                       "rings; region: also the partner rings and the region's public pages"})


class TalentPatch(ma.Schema):
    kind = Text(validate=ma.validate.OneOf(KINDS))
    title = Text(validate=ma.validate.Length(min=1, max=market.TITLE_MAX))
    description = Text(validate=ma.validate.Length(max=market.DESCRIPTION_MAX))
    category = CategoryRef()
    expires_on = ma.fields.Date(allow_none=True)
    visibility = Text(validate=ma.validate.OneOf(VISIBILITIES))


class TalentRingOut(ma.Schema):
    id = ma.fields.Integer()
    slug = Text()
    name = Text()


class TalentOut(ma.Schema):
    id = ma.fields.Integer()
    ring = ma.fields.Nested(TalentRingOut, metadata={
        "description": "the talent's ring (a partner ring's with scope=partners)"})
    kind = Text()
    title = Text()
    description = Text()
    category = Text(metadata={"description": "the category's slug"})
    category_id = ma.fields.Integer()
    category_name = Text()
    member_id = ma.fields.Integer()
    member_name = Text()
    member_number = ma.fields.Integer(allow_none=True, metadata={
        "description": "with scope=partners: the member's number in their ring"})
    district = Text(metadata={"description": "own ring only; not shown for partner rings"})
    status = Text()
    visibility = Text()
    current = ma.fields.Boolean()
    expires_on = ma.fields.Date(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


SCOPES = ("ring", "partners")


class TalentsArgs(PageArgs):
    scope = Text(load_default="ring", validate=ma.validate.OneOf(SCOPES), metadata={
        "description": "ring (default): the own ring's talents; partners: the active "
                       "partner rings' talents published to partners or the region"})
    ring = ma.fields.Integer(validate=ma.validate.Range(min=1, max=ID_MAX), metadata={
        "description": "with scope=partners: one partner ring's id"})
    kind = Text(validate=ma.validate.OneOf(KINDS))
    category = CategoryRef()
    q = Text(validate=ma.validate.Length(max=200))
    district = Text(validate=ma.validate.Length(max=80))
    member_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=ID_MAX))


class CategoryOut(ma.Schema):
    id = ma.fields.Integer()
    slug = Text()
    name = Text()
    name_de = Text()
    name_en = Text()
    position = ma.fields.Integer()


def _category_id(ring_id: int, ref) -> int:
    """The id of the ring's active category named by id or slug (422 if none)."""
    column = Category.id if isinstance(ref, int) else Category.slug
    found = db.session.scalar(select(Category.id).where(
        Category.ring_id == ring_id, Category.active.is_(True), column == ref))
    if found is None:
        raise Invalid("Unknown category.", code="category_unknown", field="category")
    return found


def _fields(data: dict, ring_id: int) -> dict:
    if "category" in data:
        data["category_id"] = _category_id(ring_id, data.pop("category"))
    return data


def _ring(ring) -> dict:
    return {"id": ring.id, "slug": ring.slug, "name": ring.name}


def view(talent) -> dict:
    return {
        "id": talent.id, "ring": _ring(db.session.get(Ring, talent.ring_id)),
        "kind": talent.kind,
        "title": talent.title,
        "description": talent.description, "category": talent.category.slug,
        "category_id": talent.category_id,
        "category_name": talent.category.name(get_locale()),
        "member_id": talent.member_id, "member_name": talent.member.name,
        "district": talent.member.district, "status": talent.status,
        "visibility": talent.visibility,
        "current": market.is_current(talent), "expires_on": talent.expires_on,
        "created_at": talent.created_at, "updated_at": talent.updated_at,
    }


@blp.route("/talents", methods=["POST"])
@write
@may(market.check_may_post)
@blp.arguments(TalentIn)
@blp.response(201, TalentOut)
def create_talent(data):
    actor = current_actor()
    return view(market.create_talent(db.session, actor, **_fields(data, actor.ring_id)))


def partner_view(talent, numbers: dict) -> dict:
    """A partner ring's talent: its ring, the member's name and number; no district
    or contact details."""
    return {**view(talent), "member_number": numbers.get(talent.member_id),
            "district": None}


def _partner_page(actor, args) -> dict:
    if args.get("district"):
        raise Invalid(_l("The district filters the own ring only."), code="district_own_ring",
                      field="district")
    # Each ring has its own categories: across rings a category is named by its slug.
    category = args.get("category")
    statement = market.partner_talents(
        db.session, actor, kind=args.get("kind"), q=args.get("q"), ring_id=args.get("ring"),
        category=str(category) if category is not None else None, member_id=args.get("member_id"))
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"])
    numbers = numbers_of(db.session, [t.member_id for t in page["items"]])
    page["items"] = [partner_view(t, numbers) for t in page["items"]]
    return page


@blp.route("/talents", methods=["GET"])
@blp.arguments(TalentsArgs, location="query")
@blp.response(200, page_schema(TalentOut, "TalentPage"))
def list_talents(args):
    """Current talents (active, unexpired, of active members, not away), newest first:
    the own ring's, or with `scope=partners` the active partner rings' talents their
    owners published to partners or the region (`ring` narrows to one of them)."""
    actor = current_actor()
    if args["scope"] == "partners":
        return _partner_page(actor, args)
    if args.get("ring") is not None and args["ring"] != actor.ring_id:
        raise Invalid(_l("The ring filter needs scope=partners."), code="ring_needs_scope",
                      field="ring")
    category = args.get("category")
    statement = market.current_talents(
        db.session, actor.ring_id, kind=args.get("kind"), q=args.get("q"),
        district=args.get("district"), member_id=args.get("member_id"),
        category_id=_category_id(actor.ring_id, category) if category is not None else None)
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"])
    page["items"] = [view(t) for t in page["items"]]
    return page


@blp.route("/talents/<int:talent_id>", methods=["GET"])
@blp.response(200, TalentOut)
def get_talent(talent_id):
    """A talent of the own ring, or (to read) a partner ring's talent the caller may
    see in the partner market."""
    actor = current_actor()
    talent = market.visible_talent(db.session, actor, talent_id)
    if talent.ring_id != actor.ring_id:
        return partner_view(talent, numbers_of(db.session, [talent.member_id]))
    return view(talent)


@blp.route("/talents/<int:talent_id>", methods=["PATCH"])
@write
@may(market.editable_talent)
@blp.arguments(TalentPatch)
@blp.response(200, TalentOut)
def update_talent(data, talent_id):
    actor = current_actor()
    return view(market.update_talent(db.session, actor, talent_id,
                                     **_fields(data, actor.ring_id)))


@blp.route("/talents/<int:talent_id>", methods=["DELETE"])
@blp.response(204)
def withdraw_talent(talent_id):
    """Withdraw the talent (it stays on record; the owner can post it again)."""
    atomic(market.withdraw_talent, current_actor(), talent_id)


@blp.route("/talents/<int:talent_id>/renew", methods=["POST"])
@write
@blp.response(200, TalentOut)
def renew_talent(talent_id):
    """'Still current?' — yes: it runs for the ring's talent lifetime again."""
    return view(market.renew_talent(db.session, current_actor(), talent_id))


@blp.route("/categories", methods=["GET"])
@blp.response(200, CategoryOut(many=True))
def list_categories():
    language = get_locale()
    return [{"id": c.id, "slug": c.slug, "name": c.name(language), "name_de": c.name_de,
             "name_en": c.name_en, "position": c.position}
            for c in market.categories(db.session, current_actor().ring_id)]
