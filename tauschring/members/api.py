"""API door to members: registration, the directory, profiles, admission, leaving."""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint
from sqlalchemy import select

from tauschring.actors import Actor
from tauschring.api.access import may
from tauschring.api.auth import current_actor, current_member
from tauschring.api.idempotency import write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.db import db
from tauschring.errors import Invalid
from tauschring.i18n import _l
from tauschring.ledger import service as ledger
from tauschring.limits import ID_MAX, MINUTES_MAX
from tauschring.members import service as members
from tauschring.members.models import STATUSES, VISIBILITIES
from tauschring.office.numbers import number_of, numbers_of
from tauschring.paging import page_of
from tauschring.rings.models import Ring

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="Members")

Text = ma.fields.String


def _text(limit: int, **kwargs):
    return Text(validate=ma.validate.Length(max=limit), **kwargs)


class MemberOut(ma.Schema):
    """A member as the caller may see it: contact fields only where visible."""

    id = ma.fields.Integer()
    ring_id = ma.fields.Integer()
    name = Text()
    email = Text()
    phone = Text()
    address = Text()
    postcode = Text()
    district = Text()
    about = Text()
    skills = Text()
    availability = Text()
    status = Text()
    role = Text()
    account_id = ma.fields.Integer()
    language = Text()
    joined_on = ma.fields.Date(allow_none=True)
    left_on = ma.fields.Date(allow_none=True)
    email_visibility = Text()
    phone_visibility = Text()
    address_visibility = Text()
    number = ma.fields.Function(lambda data: data["number"] if "number" in data
                                else number_of(db.session, data["id"]) if data.get("id")
                                else None,
                                metadata={"description": "the member number (slips, letters)"})


class ProfileIn(ma.Schema):
    name = _text(120)
    email = _text(254)
    phone = _text(40)
    address = _text(200)
    postcode = _text(10)
    district = _text(80)
    about = _text(5000)
    skills = _text(5000)
    availability = _text(2000)
    language = Text(validate=ma.validate.OneOf(members.LANGUAGES))
    email_visibility = Text(validate=ma.validate.OneOf(VISIBILITIES))
    phone_visibility = Text(validate=ma.validate.OneOf(VISIBILITIES))
    address_visibility = Text(validate=ma.validate.OneOf(VISIBILITIES))


class RegistrationIn(ProfileIn):
    name = _text(120, required=True)
    email = _text(254, required=True)
    password = _text(1024, required=True)
    # A coordinator entering someone in person may also give these:
    role = Text(validate=ma.validate.OneOf(["member", "coordinator", "admin"]))
    household_of = ma.fields.Integer(strict=True,
                                     validate=ma.validate.Range(min=1, max=ID_MAX))


class RingArgs(ma.Schema):
    ring = Text(validate=ma.validate.Length(max=60))


class MemberPatch(ProfileIn):
    role = Text(validate=ma.validate.OneOf(["member", "coordinator", "admin"]))
    min_balance = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(
        min=-MINUTES_MAX, max=MINUTES_MAX))
    max_balance = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(
        min=-MINUTES_MAX, max=MINUTES_MAX))


class DirectoryArgs(PageArgs):
    q = _text(200)
    status = Text(validate=ma.validate.OneOf(STATUSES))


class MemberReasonIn(ma.Schema):
    reason = _text(5000, load_default="")


def view(member) -> dict:
    return members.visible_profile(member, current_actor())


@blp.route("/members", methods=["POST"])
@write
@blp.arguments(RingArgs, location="query")
@blp.arguments(RegistrationIn)
@blp.response(201, MemberOut)
def register(args, data):
    """Self-registration (pending until admitted); a coordinator's call enters an
    active member of the coordinator's ring at once."""
    caller = getattr(g, "api_member", None)
    if caller is not None and caller.is_coordinator:
        member = members.create_by_coordinator(db.session, current_actor(), **data)
        return view(member)
    if "role" in data or "household_of" in data:
        raise Invalid(_l("Only a coordinator may set a role or a household."),
                      code="coordinator_only", field="role")
    slug = args.get("ring") or _only_ring_slug()
    members.register(db.session, ring_slug=slug, **data)
    # The same answer whether or not the address was taken (the service tells
    # its owner by mail): no id, only what the caller sent.
    ring = db.session.scalars(select(Ring).where(Ring.slug == slug)).one()
    return {"ring_id": ring.id, "status": "pending", "role": "member",
            "name": data["name"].strip(), "email": members.normalise_email(data["email"]),
            **{k: v for k, v in data.items() if k not in ("name", "email", "password")}}


def _only_ring_slug() -> str:
    slugs = db.session.scalars(select(Ring.slug).limit(2)).all()
    if len(slugs) != 1:
        raise Invalid(_l("Name the ring to join with ?ring=<slug>."), code="ring_required",
                      field="ring")
    return slugs[0]


@blp.route("/me", methods=["GET"])
@blp.response(200, MemberOut)
def me():
    member = current_member()
    return members.visible_profile(member, Actor.of(member))


@blp.route("/members", methods=["GET"])
@blp.arguments(DirectoryArgs, location="query")
@blp.response(200, page_schema(MemberOut, "MemberPage"))
def directory(args):
    actor = current_actor()
    statement = members.directory(actor, q=args.get("q"), status=args.get("status"))
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"])
    numbers = numbers_of(db.session, [m.id for m in page["items"]])  # one query a page
    page["items"] = [members.visible_profile(m, actor) | {"number": numbers.get(m.id)}
                     for m in page["items"]]
    return page


@blp.route("/members/<int:member_id>", methods=["GET"])
@blp.response(200, MemberOut)
def get_member(member_id):
    return view(members.get_member(db.session, current_actor().ring_id, member_id))


@blp.route("/members/<int:member_id>", methods=["PATCH"])
@write
@may(members.editable_member)
@blp.arguments(MemberPatch)
@blp.response(200, MemberOut)
def update_member(data, member_id):
    """Own profile; a coordinator also role and the account's limits."""
    actor = current_actor()
    limits = {name: data.pop(name) for name in ("min_balance", "max_balance") if name in data}
    member = members.update_profile(db.session, actor, member_id, **data)
    if limits:
        ledger.set_limits(db.session, actor, account_id=member.account_id, **limits)
    return view(member)


@blp.route("/members/<int:member_id>/admit", methods=["POST"])
@write
@blp.response(200, MemberOut)
def admit(member_id):
    return view(members.admit(db.session, current_actor(), member_id))


@blp.route("/members/<int:member_id>/leave", methods=["POST"])
@write
@may(members.check_may_manage_member)
@blp.arguments(MemberReasonIn)
@blp.response(200, MemberOut)
def leave(data, member_id):
    return view(members.leave(db.session, current_actor(), member_id, data["reason"]))


@blp.route("/members/<int:member_id>/suspend", methods=["POST"])
@write
@may(members.check_may_manage_member)
@blp.arguments(MemberReasonIn)
@blp.response(200, MemberOut)
def suspend(data, member_id):
    return view(members.suspend(db.session, current_actor(), member_id, data["reason"]))


@blp.route("/members/<int:member_id>/reactivate", methods=["POST"])
@write
@blp.response(200, MemberOut)
def reactivate(member_id):
    return view(members.reactivate(db.session, current_actor(), member_id))
