"""API door to the regions: public rings, directory and offers; the contact
point's directory upkeep and the region's figures."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask import request as flask_request
from flask_babel import get_locale
from flask_smorest import Blueprint

from tauschring.api.access import may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.db import atomic, db
from tauschring.regions import report as figures
from tauschring.regions import service as regions
from tauschring.regions.models import COSTS, SERVICE_KINDS

blp = Blueprint("regions", __name__, url_prefix="/api/v1",
                description="Regions: rings near you, the directory of family-support "
                            "services, offers published to the region, the region's figures")

Text = ma.fields.String


class RegionRingsArgs(ma.Schema):
    postcode = Text(validate=ma.validate.Length(max=10))
    place = Text(validate=ma.validate.Length(max=120))


class RegionServicesArgs(ma.Schema):
    postcode = Text(validate=ma.validate.Length(max=10))
    kind = Text(validate=ma.validate.OneOf(SERVICE_KINDS))
    q = Text(validate=ma.validate.Length(max=200))


class RegionTalentsArgs(ma.Schema):
    kind = Text(validate=ma.validate.OneOf(("offer", "request")))
    q = Text(validate=ma.validate.Length(max=200))


class RegionServiceIn(ma.Schema):
    name = Text(required=True, validate=ma.validate.Length(min=1, max=160))
    kind = Text(required=True, validate=ma.validate.OneOf(SERVICE_KINDS))
    description = Text(validate=ma.validate.Length(max=regions.TEXT_MAX))
    places = ma.fields.List(Text(validate=ma.validate.Length(max=120)),
                            validate=ma.validate.Length(max=100))
    postcodes = ma.fields.List(Text(validate=ma.validate.Length(max=10)),
                               validate=ma.validate.Length(max=200))
    contact = Text(validate=ma.validate.Length(max=300))
    hours = Text(validate=ma.validate.Length(max=300))
    cost = Text(validate=ma.validate.OneOf(COSTS))
    price_note = Text(validate=ma.validate.Length(max=300))
    accessibility = Text(validate=ma.validate.Length(max=300))
    meets_quality = ma.fields.Boolean()


class RegionServicePatch(RegionServiceIn):
    name = Text(validate=ma.validate.Length(min=1, max=160))
    kind = Text(validate=ma.validate.OneOf(SERVICE_KINDS))


class RegionContactOut(ma.Schema):
    email = Text()
    phone = Text()
    address = Text()
    hours = Text()


class RegionRingOut(ma.Schema):
    name = Text()
    slug = Text()
    description = Text()
    postcodes = ma.fields.List(Text())
    places = ma.fields.List(Text())
    meeting_place = Text()
    meeting_time = Text()
    how_to_join = Text()
    contact_email = Text()
    contact_phone = Text()


class RegionOut(ma.Schema):
    name = Text()
    slug = Text()
    description = Text()
    contact_point = ma.fields.Nested(RegionContactOut)
    rings = ma.fields.List(ma.fields.Nested(RegionRingOut))


class RegionRingsOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegionRingOut))


class RegionServiceOut(ma.Schema):
    id = ma.fields.Integer()
    name = Text()
    kind = Text()
    kind_name = Text()
    description = Text()
    places = ma.fields.List(Text())
    postcodes = ma.fields.List(Text())
    contact = Text()
    hours = Text()
    cost = Text(metadata={"description": "free, tauschring or paid"})
    price_note = Text()
    accessibility = Text()
    meets_quality = ma.fields.Boolean(
        metadata={"description": "meets the region's stated minimum quality requirements"})


class RegionServicesOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegionServiceOut))


class RegionTalentRingOut(ma.Schema):
    name = Text()
    slug = Text()
    contact_email = Text()
    contact_phone = Text()


class RegionTalentOut(ma.Schema):
    id = ma.fields.Integer()
    kind = Text()
    title = Text()
    description = Text()
    category = Text()
    category_name = ma.fields.Dict(keys=Text(), values=Text())
    ring = ma.fields.Nested(RegionTalentRingOut,
                            metadata={"description": "the ring's contact, never the member's"})


class RegionTalentsOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegionTalentOut))


def _service_fields(data: dict) -> dict:
    for name in ("places", "postcodes"):
        if name in data:
            data[name] = (";" if name == "places" else ",").join(data[name])
    return data


def _check_desk(session, actor, slug, **_ids) -> None:
    regions.desk_region(session, actor, slug)


desk_only = may(_check_desk)


@blp.route("/regions/<slug>", methods=["GET"])
@blp.response(200, RegionOut)
def get_region(slug):
    """A region with its rings and how to reach its contact point (public)"""
    return regions.region_public(db.session, regions.region_by_slug(db.session, slug))


@blp.route("/regions/<slug>/rings", methods=["GET"])
@blp.arguments(RegionRingsArgs, location="query")
@blp.response(200, RegionRingsOut)
def list_rings(args, slug):
    """The rings serving a postcode or place; without either, every ring (public)"""
    region = regions.region_by_slug(db.session, slug)
    if args.get("postcode") or args.get("place"):
        found = regions.rings_near(db.session, region, postcode=args.get("postcode"),
                                   place=args.get("place"))
    else:
        found = regions.rings_of(db.session, region)
    return {"items": [regions.ring_public(c) for c in found]}


@blp.route("/regions/<slug>/services", methods=["GET"])
@blp.arguments(RegionServicesArgs, location="query")
@blp.response(200, RegionServicesOut)
def list_services(args, slug):
    """The directory of family-support services (public)"""
    region = regions.region_by_slug(db.session, slug)
    return {"items": [regions.service_public(s) for s in regions.find_services(
        db.session, region, postcode=args.get("postcode"), kind=args.get("kind"),
        q=args.get("q"))]}


@blp.route("/regions/<slug>/talents", methods=["GET"])
@blp.arguments(RegionTalentsArgs, location="query")
@blp.response(200, RegionTalentsOut)
def list_talents(args, slug):
    """Offers and requests their owners published to the region, with the ring's
    contact (public; never a member's name or contact)"""
    region = regions.region_by_slug(db.session, slug)
    return {"items": regions.region_talents(db.session, region, q=args.get("q"),
                                            kind=args.get("kind"))}


@blp.route("/regions/<slug>/services", methods=["POST"])
@write
@desk_only
@blp.arguments(RegionServiceIn)
@blp.response(201, RegionServiceOut)
def create_service(data, slug):
    """A new entry of the directory (the contact point, admins)"""
    return regions.service_public(regions.create_service(
        db.session, current_actor(), slug, **_service_fields(data)))


@blp.route("/regions/<slug>/services/<int:service_id>", methods=["PATCH"])
@write
@desk_only
@blp.arguments(RegionServicePatch)
@blp.response(200, RegionServiceOut)
def update_service(data, slug, service_id):
    """Change an entry of the directory (the contact point, admins)"""
    return regions.service_public(regions.update_service(
        db.session, current_actor(), slug, service_id, **_service_fields(data)))


@blp.route("/regions/<slug>/services/<int:service_id>", methods=["DELETE"])
@desk_only
@blp.response(204)
def delete_service(slug, service_id):
    """Take an entry out of the directory (the contact point, admins)"""
    atomic(regions.delete_service, current_actor(), slug, service_id)


def _report(slug: str, year: int, fmt: str) -> Response:
    report = figures.region_report(db.session, current_actor(), slug, year,
                                   str(get_locale()))
    if fmt == "json":
        return report
    body = figures.report_csv(report) if fmt == "csv" else figures.report_pdf(report)
    response = Response(body, mimetype="text/csv; charset=utf-8" if fmt == "csv"
                        else "application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=region-{report['region']['slug']}-{report['year']}.{fmt}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/regions/<slug>/report/<int:year>", methods=["GET"])
@desk_only
@blp.alt_response(200, success=True, content_type="application/json",
                  description="{rings: [{slug, members_active, members_joined, exchanges, "
                              "minutes_exchanged, requests_received, requests_answered, "
                              "median_answer_hours}], totals: {...}}")
def report_json(slug, year):
    """The region's figures per ring for a year (the contact point, admins)"""
    return _report(slug, year, "json")


@blp.route("/regions/<slug>/report/<int:year>.csv", methods=["GET"])
@desk_only
@blp.alt_response(200, success=True, content_type="text/csv", description="The figures")
def report_csv(slug, year):
    """The region's figures as CSV (the contact point, admins)"""
    return _report(slug, year, "csv")


@blp.route("/regions/<slug>/report/<int:year>.pdf", methods=["GET"])
@desk_only
@blp.alt_response(200, success=True, content_type="application/pdf",
                  description="The figures")
def report_pdf(slug, year):
    """The region's figures as PDF (the contact point, admins)"""
    return _report(slug, year, "pdf")


# --- asking for help -----------------------------------------------------------------------

class HelpRequestIn(ma.Schema):
    need = Text(required=True, validate=ma.validate.Length(min=1, max=regions.TEXT_MAX))
    postcode = Text(validate=ma.validate.Length(max=10))
    place = Text(validate=ma.validate.Length(max=120))
    name = Text(validate=ma.validate.Length(max=120))
    email = Text(validate=ma.validate.Length(max=254))
    phone = Text(validate=ma.validate.Length(max=40))
    language = Text(validate=ma.validate.OneOf(("de", "en")))
    consent = ma.fields.Boolean(required=True, metadata={
        "description": "that the contact point keeps the contact details until "
                       "retain_until to answer, and passes the request on"})


class HelpRequestReceipt(ma.Schema):
    id = ma.fields.Integer()
    state = Text()
    retain_until = ma.fields.Date()


class HelpRequestOut(ma.Schema):
    id = ma.fields.Integer()
    need = Text()
    postcode = Text()
    place = Text()
    name = Text()
    email = Text()
    phone = Text()
    state = Text(metadata={"description": "new, forwarded or closed"})
    ring = Text(allow_none=True, metadata={"description": "the slug of the ring it went to"})
    service_id = ma.fields.Integer(allow_none=True)
    forward_note = Text()
    outcome = Text()
    talent_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    forwarded_at = ma.fields.AwareDateTime(allow_none=True)
    answered_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    retain_until = ma.fields.Date()
    contact_deleted = ma.fields.Boolean()


class HelpRequestsOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HelpRequestOut))


class HelpRequestsArgs(ma.Schema):
    state = Text(validate=ma.validate.OneOf(("new", "forwarded", "closed")))


class ForwardIn(ma.Schema):
    ring = Text(validate=ma.validate.Length(max=60), metadata={"description": "a ring's slug"})
    service_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    note = Text(validate=ma.validate.Length(max=regions.TEXT_MAX))


class OutcomeIn(ma.Schema):
    outcome = Text(required=True, validate=ma.validate.Length(min=1, max=regions.TEXT_MAX))


def help_view(request) -> dict:
    return {"id": request.id, "need": request.need, "postcode": request.postcode,
            "place": request.place, "name": request.name, "email": request.email,
            "phone": request.phone, "state": request.state,
            "ring": request.ring.slug if request.ring else None,
            "service_id": request.service_id, "forward_note": request.forward_note,
            "outcome": request.outcome, "talent_id": request.talent_id,
            "created_at": request.created_at, "forwarded_at": request.forwarded_at,
            "answered_at": request.answered_at, "closed_at": request.closed_at,
            "retain_until": request.retain_until,
            "contact_deleted": request.contact_deleted_at is not None}


@blp.route("/regions/<slug>/help-requests", methods=["POST"])
@write
@blp.arguments(HelpRequestIn)
@blp.response(201, HelpRequestReceipt)
def ask_for_help(data, slug):
    """Ask the region's contact point for help (public; needs consent and an e-mail
    address or a phone number). The asker gets a mail at each step."""
    data.setdefault("language", str(get_locale() or "de"))
    request = regions.ask_for_help(
        db.session, slug, sender=regions.client_key(flask_request.remote_addr,
                                                    current_app.secret_key), **data)
    return {"id": request.id, "state": request.state, "retain_until": request.retain_until}


@blp.route("/regions/<slug>/help-requests", methods=["GET"])
@desk_only
@blp.arguments(HelpRequestsArgs, location="query")
@blp.response(200, HelpRequestsOut)
def list_help_requests(args, slug):
    """The region's requests for help, newest first (the contact point, admins)"""
    return {"items": [help_view(r) for r in regions.help_requests(
        db.session, current_actor(), slug, state=args.get("state"))]}


@blp.route("/regions/<slug>/help-requests/<int:request_id>/forward", methods=["POST"])
@write
@desk_only
@blp.arguments(ForwardIn)
@blp.response(200, HelpRequestOut)
def forward_help_request(data, slug, request_id):
    """Pass a request on to a ring of the region (`ring`) or a service (`service_id`)"""
    return help_view(regions.forward_help_request(
        db.session, current_actor(), slug, request_id, ring_slug=data.get("ring"),
        service_id=data.get("service_id"), note=data.get("note", "")))


@blp.route("/regions/<slug>/help-requests/<int:request_id>/outcome", methods=["POST"])
@write
@desk_only
@blp.arguments(OutcomeIn)
@blp.response(200, HelpRequestOut)
def record_outcome(data, slug, request_id):
    """Record what came of a request; it is closed"""
    return help_view(regions.record_outcome(db.session, current_actor(), slug, request_id,
                                            outcome=data["outcome"]))


def _coordinator(session, actor, **_ids) -> None:
    actor.require_coordinator()


@blp.route("/help-requests", methods=["GET"])
@may(_coordinator)
@blp.response(200, HelpRequestsOut)
def ring_help_requests():
    """Requests for help the region's contact point passed on to the caller's ring
    (its coordinators)"""
    return {"items": [help_view(r) for r in regions.ring_help_requests(
        db.session, current_actor())]}
