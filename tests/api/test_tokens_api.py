"""Bearer tokens: issued for the right password, the same 401 for every wrong
guess, throttled after repeated failures, revoked at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def log_in(scene, email, password):
    return scene.http.post("/api/v1/tokens", json={"email": email, "password": password})


def test_a_token_is_issued_for_the_right_credentials(scene):
    person = scene.new_member("Tamara")
    response = log_in(scene, person.email, person.password)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"token", "member_id", "account_id"}
    assert (body["member_id"], body["account_id"]) == (person.id, person.account_id)
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    me = scene.http.get("/api/v1/me", token=body["token"])
    assert me.status_code == 200 and me.json()["email"] == person.email
    # the e-mail address is matched regardless of case and surrounding blanks
    again = log_in(scene, f"  {person.email.upper()} ", person.password)
    assert again.status_code == 201, again.text


def test_wrong_email_and_wrong_password_get_the_same_401(scene, problem):
    person = scene.new_member("Tobias")
    wrong_password = log_in(scene, person.email, "not the password")
    wrong_email = log_in(scene, "nobody.at.all@example.org", person.password)

    problem(wrong_password, 401)
    problem(wrong_email, 401)
    assert wrong_password.json() == wrong_email.json()
    assert "token" not in wrong_password.json()


@pytest.mark.parametrize("body", [{}, {"email": "a@example.org"}, {"password": "x"},
                                  {"email": 5, "password": "x"}, [],
                                  {"email": "a@example.org", "password": "x", "role": "admin"}])
def test_incomplete_credentials_are_422(scene, problem, body):
    problem(scene.http.post("/api/v1/tokens", json=body), 422)


def test_after_five_failures_further_attempts_are_throttled(scene, problem):
    person = scene.new_member("Theo")
    for attempt in range(5):
        problem(log_in(scene, person.email, f"guess number {attempt}"), 401)

    throttled = log_in(scene, person.email, "guess number 6")
    right_password_too = log_in(scene, person.email, person.password)

    for response in (throttled, right_password_too):
        problem(response, 429)
        assert int(response.headers["Retry-After"]) > 0
    # Only this e-mail address is throttled: another member still logs in.
    other = scene.new_member("Tilda")
    assert log_in(scene, other.email, other.password).status_code == 201


def test_a_revoked_token_stops_working_at_once(scene, problem):
    person = scene.new_member("Ruth")
    token, second = scene.token(person), scene.token(person)
    assert scene.http.get("/api/v1/me", token=token).status_code == 200

    revoked = scene.http.delete("/api/v1/tokens/current", token=token)

    assert revoked.status_code == 204
    assert revoked.content == b""
    problem(scene.http.get("/api/v1/me", token=token), 401)
    problem(scene.http.delete("/api/v1/tokens/current", token=token), 401)
    # the member's other token is untouched
    assert scene.http.get("/api/v1/me", token=second).status_code == 200


def test_revoking_needs_a_token(scene, problem):
    problem(scene.http.delete("/api/v1/tokens/current"), 401)


def test_an_expired_token_is_refused(scene, problem):
    person = scene.new_member("Erik")
    token = scene.token(person)
    assert scene.http.get("/api/v1/me", token=token).status_code == 200
    scene.expire(token)
    problem(scene.http.get("/api/v1/me", token=token), 401)


def test_a_member_who_left_loses_its_tokens(scene, problem):
    person = scene.new_member("Lena")
    token = scene.token(person)
    scene.sql("UPDATE members SET status = 'left' WHERE id = :id", id=person.id)
    problem(scene.http.get("/api/v1/me", token=token), 401)
    problem(log_in(scene, person.email, person.password), 401)


def test_the_member_a_token_names_is_loaded_whole_and_unchanged(scene):
    """The token's member is read through the driver (it runs before every request):
    it must be the member as stored, every field, with nothing marked as changed."""
    from sqlalchemy.orm import Session

    from tauschring.auth.service import member_for_token
    from tauschring.db import db
    from tauschring.members.models import Member

    person = scene.new_member("Greta")
    token = scene.token(person)
    fields = [prop.key for prop in Member.__mapper__.column_attrs]
    with scene.app.app_context():
        session = db.session()
        member = member_for_token(session, token)
        state = sa.inspect(member)
        assert member in session and state.persistent
        assert not state.modified and not session.dirty
        assert not state.unloaded & set(fields)  # no field left for a second query
        with Session(db.engine) as other:
            stored = other.get(Member, person.id)
            assert {f: getattr(member, f) for f in fields} == \
                {f: getattr(stored, f) for f in fields}
        assert member.ring.id == stored.ring_id  # relations still load on demand
        assert member_for_token(session, token) is member
        assert member_for_token(session, token + "x") is None
        db.session.remove()
