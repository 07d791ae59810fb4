"""The JSON API under /api/v1, documented at /api/v1/openapi.json."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import Flask, request
from flask_smorest import Api as SmorestApi
from werkzeug.exceptions import BadRequest, NotFound

from tauschring.api.auth import check_caller, identify_caller
from tauschring.api.limits import MESSAGES, NUL_CHARACTER, first_unfit_value
from tauschring.api.problems import init_problems
from tauschring.errors import Invalid
from tauschring.limits import ID_MAX


class Problem(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "the refusal's precise name"})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


class Api(SmorestApi):
    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        """Errors are mapped in tauschring.api.problems, for pages and API alike."""


def init_api(app: Flask) -> None:
    @app.url_value_preprocessor
    def _ids_in_range(endpoint, values):
        """A number in the path beyond the database's INTEGER range names no
        object: 404 (API and pages alike), not a crash in the database."""
        if values and any(type(v) is int and v > ID_MAX for v in values.values()):
            raise NotFound()

    app.config.update(
        API_TITLE="Tauschring API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}]})
    from tauschring.auth.api import blp as tokens
    from tauschring.exchanges.api import blp as exchanges
    from tauschring.imports.api import blp as imports
    from tauschring.ledger.api import blp as ledger
    from tauschring.market.api import blp as talents
    from tauschring.members.api import blp as members
    from tauschring.office.api import blp as office
    from tauschring.regions.api import blp as regions
    from tauschring.reports.api import blp as reports
    from tauschring.rings.api import blp as rings
    from tauschring.statements.api import blp as statements

    for blueprint in (tokens, rings, members, talents, ledger, exchanges, statements, reports,
                      imports, office, regions):
        # Registered as "Members", "Ledger", ...: the OpenAPI tags, and free of
        # clashes with the web pages' blueprints ("members", ...).
        api.register_blueprint(blueprint, name=blueprint.name.capitalize())
        # Cookie callers are checked for CSRF in identify_caller; bearer callers need none.
        app.extensions["csrf"].exempt(blueprint)
    from tauschring.away.api import blp as away  # ring life, one area each
    from tauschring.digest.api import blp as digest
    from tauschring.documents.api import blp as documents
    from tauschring.events.api import blp as events
    from tauschring.feedback.api import blp as feedback
    from tauschring.news.api import blp as news

    for blueprint in (feedback, news, events, digest, away, documents):
        api.register_blueprint(blueprint, name=blueprint.name.capitalize())
        app.extensions["csrf"].exempt(blueprint)
    from tauschring.federation.api import blp as federation  # other instances
    api.register_blueprint(federation, name="Federation")
    app.extensions["csrf"].exempt(federation)
    from tauschring.partners.api import blp as partners  # partner rings
    api.register_blueprint(partners, name="Partners")
    app.extensions["csrf"].exempt(partners)
    init_problems(app)

    @app.before_request
    def _identify_api_caller():
        if request.path.startswith("/api/") and request.endpoint != "api-docs.openapi_json":
            identify_caller()
            check_caller(request.endpoint, request.view_args)
            refuse_unfit_input()


def refuse_unfit_input() -> None:
    """Input no endpoint can take, refused before any view sees it: text with
    NUL (PostgreSQL refuses it), numbers beyond what JSON clients read exactly,
    and JSON nested too deeply to read."""
    for name, values in request.args.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            raise Invalid(MESSAGES[NUL_CHARACTER], code=NUL_CHARACTER,
                          field=name.replace("\x00", ""))
    if request.is_json:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            # Not JSON, or nested beyond what can be read: malformed (400).
            raise BadRequest() from None
        unfit = first_unfit_value(body)
        if unfit:
            field, code = unfit
            raise Invalid(MESSAGES[code], code=code, field=field.replace("\x00", ""))
