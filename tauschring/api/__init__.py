"""The JSON API under /api/v1, documented at /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma
from flask import Flask, request
from flask_smorest import Api as SmorestApi

from tauschring.api.auth import identify_caller
from tauschring.api.problems import init_problems


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
    from tauschring.ledger.api import blp as ledger
    from tauschring.members.api import blp as members
    from tauschring.rings.api import blp as rings

    for blueprint in (tokens, rings, members, ledger):
        # Registered as "Members", "Ledger", ...: the OpenAPI tags, and free of
        # clashes with the web pages' blueprints ("members", ...).
        api.register_blueprint(blueprint, name=blueprint.name.capitalize())
        # Cookie callers are checked for CSRF in identify_caller; bearer callers need none.
        app.extensions["csrf"].exempt(blueprint)
    init_problems(app)

    @app.before_request
    def _identify_api_caller():
        if request.path.startswith("/api/") and request.endpoint != "api-docs.openapi_json":
            identify_caller()
