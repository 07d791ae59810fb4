"""The shape of an API error: an RFC 9457 problem (application/problem+json)."""

from __future__ import annotations

PROBLEM_FIELDS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int, *, field: str | None = None) -> dict:
    """An RFC 9457 problem with this status (and, for 422, errors naming `field`).

    `response` is a `requests` response (`.json()`); returns the problem's body.
    """
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:500]}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert content_type == "application/problem+json", content_type
    body = response.json()
    assert PROBLEM_FIELDS <= set(body), body
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if status == 422:
        errors = body.get("errors")
        assert isinstance(errors, dict) and errors, body
        for name, messages in errors.items():
            assert isinstance(messages, list) and messages, (name, messages)
            assert all(isinstance(m, str) and m for m in messages), (name, messages)
        if field is not None:
            assert field in errors, f"errors should name {field!r}: {errors}"
    return body
