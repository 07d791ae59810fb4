"""The door between instances: POST /federation/v1/messages.

No log-in: every message is signed by a peer's key (docs/federation.md).
Refusals are application/problem+json; everything else a signed answer.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from tauschring.federation.service import MESSAGE_PATH, ProtocolError, identity_of, receive
from tauschring.federation.signing import KeyMissing

bp = Blueprint("federation_machine", __name__)


def _problem(status: int, code: str, detail: str) -> Response:
    body = {"type": "about:blank", "status": status, "code": code, "detail": detail,
            "title": {400: "Bad Request", 401: "Unauthorized", 409: "Conflict",
                      503: "Service Unavailable"}.get(status, "Error")}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


@bp.route(MESSAGE_PATH, methods=["POST"])
def messages():
    try:
        payload = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        return _problem(401, "unsigned", "the body is no signed message: JSON "
                                         "{message, signature}")
    try:
        me = identity_of(current_app.config["TAUSCHRING"])
    except KeyMissing:
        return _problem(503, "no_key", "this instance has no federation key yet")
    try:
        answer = receive(me, payload)
    except ProtocolError as refusal:
        return _problem(refusal.status, refusal.code, refusal.detail)
    return Response(json.dumps(answer), status=200, mimetype="application/json")
