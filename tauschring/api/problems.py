"""The one place where errors become HTTP answers.

Under /api/ every error is application/problem+json (RFC 9457); elsewhere
an HTML page. Domain errors keep their precise code; validation errors add
`errors: {field: [messages]}`. Unexpected errors are logged and answered
with a plain 500 that reveals nothing.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from tauschring.errors import DomainError, Throttled
from tauschring.i18n import _l

PROBLEM_TYPE = "urn:tauschring:problem:"
MALFORMED_JSON = _l("The request body is not valid JSON.")
VALIDATION_FAILED = _l("The request is not valid; see errors for each field.")
# Werkzeug's own descriptions are English; these replace them where they were not
# given a message of their own.
DESCRIPTIONS = {
    400: _l("The request could not be understood. Please go back and try again."),
    401: _l("Please log in first."),
    403: _l("You are not allowed to do this."),
    404: _l("Nothing was found at this address."),
    405: _l("This address does not take this kind of request."),
    413: _l("What was sent is too large."),
    415: _l("What was sent is not in a format this address takes."),
    429: _l("Too many requests. Please wait a while."),
    500: _l("Something went wrong on our side. Please try again later."),
}
# The problems' titles, in the reader's language like their details (RFC 9457
# allows a localised title; clients tell problems apart by `type` and `code`).
TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    410: _l("Gone"),
    412: _l("Precondition Failed"),
    413: _l("Content Too Large"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Content"),
    428: _l("Precondition Required"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}
ERROR_TITLE = _l("Error")
# Titles passed in as English text (by callers outside this module) are translated too.
_ENGLISH_TITLES = {str(HTTPStatus(status).phrase): status for status in TITLES} | {
    "Unprocessable Entity": 422, "Payload Too Large": 413, "Request Entity Too Large": 413}
CSRF_FAILED = _l("The form has expired or was not sent from this site. Please go back, "
                 "reload the page and try again.")


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str, code: str, errors: dict | None = None,
            headers: dict | None = None, **extra):
    if isinstance(title, str) and title in _ENGLISH_TITLES:
        title = _status_title(_ENGLISH_TITLES[title])
    body = {"type": PROBLEM_TYPE + code, "title": str(title), "status": status,
            "detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _status_title(status: int) -> str:
    """The status's title in the reader's language."""
    if status in TITLES:
        return str(TITLES[status])
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(ERROR_TITLE)


def handle_domain_error(error: DomainError):
    headers = {}
    if isinstance(error, Throttled):
        headers["Retry-After"] = str(error.retry_after)
    message = str(error.message)  # translated now, in the reader's language
    if not is_api_request():
        return render_template("error.html", status=error.status, message=message), \
            error.status, headers
    errors = {error.field: [message]} if error.field else None
    if getattr(error, "field_errors", None):  # several fields at once (a batch's rows)
        errors = {name: [str(m) for m in messages]
                  for name, messages in error.field_errors.items()}
    if errors is None and error.status == 422:
        errors = {"_body": [message]}  # every 422 names what is wrong
    return problem(error.status, _status_title(error.status), message, error.code,
                   errors=errors, headers=headers, **error.details)


def _flatten(messages) -> dict:
    """webargs nests errors by location ({"json": {...}}); clients want fields."""
    if not isinstance(messages, dict):
        return {"_body": list(messages) if isinstance(messages, list) else [str(messages)]}
    flat: dict[str, list] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, problems in fields.items():
                flat[name] = problems if isinstance(problems, list) else [problems]
        else:
            flat["_body" if location in ("json", "_schema") else location] = (
                fields if isinstance(fields, list) else [fields])
    return flat


def _description(error: HTTPException, status: int) -> str:
    """The error's own description, or ours for the status in the reader's language."""
    own = error.description
    if isinstance(error, CSRFError):
        return str(CSRF_FAILED)
    if (own is None or own == type(error).description) and status in DESCRIPTIONS:
        return str(DESCRIPTIONS[status])
    return str(own or _status_title(status))


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        current_app.logger.error("HTTP %s on %s %s", status, request.method, request.path)
    if not is_api_request():
        return render_template("error.html", status=status,
                               message=_description(error, status)), status
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 400:
        return problem(400, _status_title(400), str(MALFORMED_JSON),
                       "malformed_json", errors=_flatten(messages) if messages else None)
    if messages is not None:
        return problem(status, _status_title(status), str(VALIDATION_FAILED),
                       "validation_failed", errors=_flatten(messages))
    code = {401: "not_authenticated", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
            429: "throttled"}.get(status, "http_error")
    detail = str(data.get("message") or _description(error, status))
    allowed = getattr(error, "valid_methods", None)
    return problem(status, _status_title(status), detail, code,
                   headers={"Allow": ", ".join(allowed)} if allowed else None)


def handle_unexpected(error: Exception):
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def init_problems(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
