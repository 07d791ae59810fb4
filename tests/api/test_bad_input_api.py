"""Bad input to the ledger's writing endpoints: refused as the contract says.

Every case is sent over real HTTP to POST /transfers, PATCH /accounts/{id}
or POST /transfers/{id}/reverse (plus a few reads with impossible ids), and
must come back with the contract's status as application/problem+json (type,
title, status, detail; a 422 with `errors` naming the field), never a 500.
Afterwards the ledger is exactly as it was: the audit, every account's
balance and limits, the transfers, and the rows behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

import pytest

MAX_MINUTES = 1_000_000  # the configured default: [ledger] max_transfer_minutes
DROP = object()  # leave this key out of the body


@dataclass(frozen=True)
class Ref:
    """An id known only once the scene exists."""

    name: str


@dataclass(frozen=True)
class Raw:
    """A body sent as these bytes with this Content-Type."""

    data: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str  # "{name}" placeholders are filled with the scene's ids
    body: object = DROP  # JSON (with Ref placeholders), Raw, or DROP for none
    status: int = 422
    field: str | tuple | None = None  # 422: errors must name it (or one of them)
    who: str | None = "karin"  # whose bearer token; None: no Authorization
    headers: dict = dataclass_field(default_factory=dict)


def ids(scene) -> dict[str, int]:
    t = scene.transfers
    return {
        "assoc": scene.ring_a.association_account_id,
        "assoc_b": scene.ring_b.association_account_id,
        "anna": scene.account("anna"), "bert": scene.account("bert"),
        "closed": scene.closed_account_id, "olga": scene.account("olga"),
        "open": t["open"]["id"], "reversed": t["reversed"]["id"],
        "reversal": t["reversal"]["id"], "ring_b_transfer": t["ring_b"]["id"],
    }


def resolve(value, known: dict):
    if isinstance(value, Ref):
        return known[value.name]
    if isinstance(value, dict):
        return {k: resolve(v, known) for k, v in value.items() if v is not DROP}
    if isinstance(value, list):
        return [resolve(v, known) for v in value]
    return value


def send(scene, case: Case):
    known = ids(scene)
    headers = dict(case.headers)
    if case.who == "basic":
        headers["Authorization"] = "Basic a2FyaW46c2VjcmV0"
    elif case.who == "empty_bearer":
        headers["Authorization"] = "Bearer "
    elif case.who == "nonsense":
        headers["Authorization"] = "Bearer not-a-token-anyone-issued"
    token = scene.tokens[case.who] if case.who in scene.tokens else None
    kwargs = {}
    if isinstance(case.body, Raw):
        headers["Content-Type"] = case.body.content_type
        kwargs["data"] = case.body.data
    elif case.body is not DROP:
        kwargs["json"] = resolve(case.body, known)
    return scene.http.request(case.method, case.path.format(**known), token=token,
                              headers=headers, **kwargs)


def transfer(**changes) -> dict:
    body = {"debit_account_id": Ref("assoc"), "credit_account_id": Ref("anna"),
            "minutes": 30, "memo": "Korrektur"}
    body.update(changes)
    return body


def post_transfer(case_id, body=None, status=422, field=None, **kwargs) -> Case:
    return Case(f"transfer-{case_id}", "POST", "/api/v1/transfers",
                transfer() if body is None else body, status, field, **kwargs)


def patch_limits(case_id, body, status=422, field=None, path="/api/v1/accounts/{anna}",
                 **kwargs) -> Case:
    return Case(f"limits-{case_id}", "PATCH", path, body, status, field, **kwargs)


def reverse(case_id, body=None, status=422, field=None, transfer="{open}", **kwargs) -> Case:
    return Case(f"reverse-{case_id}", "POST", f"/api/v1/transfers/{transfer}/reverse",
                {"reason": "Irrtum"} if body is None else body, status, field, **kwargs)


TRANSFER_CASES = [
    # minutes: whole numbers above zero, at most the configured maximum
    *[post_transfer(f"minutes-{name}", transfer(minutes=value), field="minutes")
      for name, value in [
          ("negative", -5), ("zero", 0), ("fraction", 1.5), ("float-whole", 30.0),
          ("huge", 10**30), ("just-above-max", MAX_MINUTES + 1), ("string-number", "90"),
          ("string", "abc"), ("true", True), ("null", None), ("list", [30]),
          ("object", {"minutes": 30}), ("missing", DROP)]],
    # accounts: known, open, of the caller's ring, two different ones
    post_transfer("debit-unknown", transfer(debit_account_id=999_999),
                  field="debit_account_id"),
    post_transfer("credit-unknown", transfer(credit_account_id=999_999),
                  field="credit_account_id"),
    post_transfer("credit-beyond-int32", transfer(credit_account_id=2**31),
                  field="credit_account_id"),
    post_transfer("credit-huge", transfer(credit_account_id=10**30),
                  field="credit_account_id"),
    post_transfer("credit-zero", transfer(credit_account_id=0), field="credit_account_id"),
    post_transfer("credit-negative", transfer(credit_account_id=-1),
                  field="credit_account_id"),
    post_transfer("credit-string", transfer(credit_account_id="5"),
                  field="credit_account_id"),
    post_transfer("credit-null", transfer(credit_account_id=None), field="credit_account_id"),
    post_transfer("credit-missing", transfer(credit_account_id=DROP),
                  field="credit_account_id"),
    post_transfer("credit-closed", transfer(credit_account_id=Ref("closed")),
                  field="credit_account_id"),
    post_transfer("debit-closed", transfer(debit_account_id=Ref("closed")),
                  field="debit_account_id"),
    post_transfer("credit-other-ring", transfer(credit_account_id=Ref("olga")),
                  field="credit_account_id"),
    post_transfer("debit-other-ring", transfer(debit_account_id=Ref("assoc_b")),
                  field="debit_account_id"),
    post_transfer("same-account", transfer(debit_account_id=Ref("anna")),
                  field=("debit_account_id", "credit_account_id")),
    # limits of the ring: Anna holds 120 of at most 1200; Bert 0 of at least -600
    post_transfer("above-max-balance", transfer(minutes=1200), field="minutes"),
    post_transfer("below-min-balance",
                  transfer(debit_account_id=Ref("bert"), minutes=601), field="minutes"),
    post_transfer("override-without-reason", transfer(minutes=1200, override_limits=True),
                  field="reason"),
    post_transfer("override-blank-reason",
                  transfer(minutes=1200, override_limits=True, reason="   "), field="reason"),
    post_transfer("override-not-boolean", transfer(override_limits="maybe"),
                  field="override_limits"),
    # memo
    *[post_transfer(f"memo-{name}", transfer(memo=value), field="memo")
      for name, value in [("missing", DROP), ("empty", ""), ("blank", "   "),
                          ("null", None), ("number", 5), ("too-long", "x" * 2001),
                          ("nul-character", "Kaffee\x00kochen")]],
    # fields the client may not send
    post_transfer("unknown-field", transfer(colour="blue"), field="colour"),
    post_transfer("sets-booked-by", transfer(booked_by=1), field="booked_by"),
    # bodies that are not a JSON object
    post_transfer("malformed-json", Raw(b'{"minutes": 30,'), status=400),
    post_transfer("truncated-json", Raw(b'{"debit_account_id": 1, "memo": "x'), status=400),
    post_transfer("not-utf8", Raw(b'{"memo": "\xff\xfe"}'), status=400),
    post_transfer("nested-too-deep", Raw(b"[" * 100_000 + b"]" * 100_000), status=400),
    post_transfer("memo-nested-deep", Raw(b'{"minutes": 5, "memo": ' + b"[" * 500 + b"]" * 500
                                          + b"}"), status=422, field="memo"),
    post_transfer("json-array", [], status=422),
    post_transfer("json-string", "transfer", status=422),
    post_transfer("json-number", 42, status=422),
    post_transfer("json-null", Raw(b"null"), status=422),
    post_transfer("empty-body", Raw(b""), status=422),
    post_transfer("form-encoded", Raw(b"minutes=30&memo=x",
                                      "application/x-www-form-urlencoded"), status=422),
    post_transfer("too-large", transfer(memo="x" * (3 * 1024 * 1024)), status=413),
    # who is asking
    post_transfer("no-token", who=None, status=401),
    post_transfer("unknown-token", who="nonsense", status=401),
    post_transfer("empty-bearer", who="empty_bearer", status=401),
    post_transfer("basic-auth", who="basic", status=401),
    post_transfer("expired-token", who="karin_expired", status=401),
    post_transfer("revoked-token", who="karin_revoked", status=401),
    post_transfer("member", who="anna", status=403),
    post_transfer("member-with-closed-account", who="carl", status=403),
    post_transfer("member-of-other-ring", who="olga", status=403),
    post_transfer("coordinator-of-other-ring", who="otto",
                  field=("debit_account_id", "credit_account_id")),
    post_transfer("idempotency-key-too-long", headers={"Idempotency-Key": "k" * 256},
                  field="Idempotency-Key"),
]

LIMIT_CASES = [
    *[patch_limits(f"{name}", {key: value}, field=key) for key, name, value in [
        ("min_balance", "min-fraction", -1.5), ("min_balance", "min-string-number", "-90"),
        ("min_balance", "min-string", "abc"), ("min_balance", "min-true", True),
        ("min_balance", "min-huge", -10**30), ("min_balance", "min-beyond-bigint", -2**63 - 1),
        ("min_balance", "min-beyond-json-safe", -2**53), ("max_balance", "max-huge", 10**30),
        ("max_balance", "max-list", [100])]],
    # Anna holds 120 minutes: limits that exclude the balance need an override
    patch_limits("min-above-balance", {"min_balance": 200}, field="min_balance"),
    patch_limits("max-below-balance", {"max_balance": 100},
                 field=("min_balance", "max_balance")),
    patch_limits("crossed", {"min_balance": 500, "max_balance": 100},
                 field=("min_balance", "max_balance")),
    patch_limits("override-without-reason", {"min_balance": 200, "override_limits": True},
                 field="reason"),
    patch_limits("sets-balance", {"balance": 0}, field="balance"),
    patch_limits("unknown-field", {"colour": "blue"}, field="colour"),
    patch_limits("malformed-json", Raw(b'{"min_balance": '), status=400),
    patch_limits("json-array", [], status=422),
    # accounts the caller cannot see
    patch_limits("unknown-account", {"min_balance": -100}, status=404,
                 path="/api/v1/accounts/999999"),
    patch_limits("account-beyond-int32", {"min_balance": -100}, status=404,
                 path=f"/api/v1/accounts/{2**31}"),
    patch_limits("account-huge", {"min_balance": -100}, status=404,
                 path=f"/api/v1/accounts/{10**30}"),
    patch_limits("account-of-other-ring", {"min_balance": -100}, status=404,
                 path="/api/v1/accounts/{olga}"),
    patch_limits("association-of-other-ring", {"min_balance": -100}, status=404,
                 path="/api/v1/accounts/{assoc_b}"),
    patch_limits("other-ring-coordinator", {"min_balance": -100}, status=404, who="otto"),
    # who is asking
    patch_limits("no-token", {"min_balance": -100}, status=401, who=None),
    patch_limits("expired-token", {"min_balance": -100}, status=401, who="karin_expired"),
    patch_limits("member-own-account", {"min_balance": -6000}, status=403, who="anna"),
    patch_limits("member-other-account", {"min_balance": -6000}, status=403, who="bert"),
]

REVERSE_CASES = [
    reverse("unknown-transfer", status=404, transfer="999999"),
    reverse("transfer-beyond-int32", status=404, transfer=str(2**31)),
    reverse("transfer-huge", status=404, transfer=str(10**30)),
    reverse("transfer-of-other-ring", status=404, transfer="{ring_b_transfer}"),
    reverse("other-ring-coordinator", status=404, who="otto"),
    reverse("already-reversed", status=409, transfer="{reversed}"),
    reverse("a-reversal", status=409, transfer="{reversal}"),
    *[reverse(f"reason-{name}", {"reason": value} if value is not DROP else {},
              field="reason")
      for name, value in [("missing", DROP), ("empty", ""), ("blank", "  "), ("null", None),
                          ("number", 5), ("too-long", "x" * 2001),
                          ("nul-character", "Irr\x00tum")]],
    reverse("sets-minutes", {"reason": "Irrtum", "minutes": 10}, field="minutes"),
    reverse("unknown-field", {"reason": "Irrtum", "colour": "blue"}, field="colour"),
    reverse("malformed-json", Raw(b'{"reason": "Irrtum"'), status=400),
    reverse("json-array", ["Irrtum"], status=422),
    reverse("no-token", status=401, who=None),
    reverse("revoked-token", status=401, who="karin_revoked"),
    reverse("member", status=403, who="anna"),
]

READ_CASES = [
    Case("read-account-huge", "GET", f"/api/v1/accounts/{10**30}", status=404),
    Case("read-account-beyond-int32", "GET", f"/api/v1/accounts/{2**31}", status=404),
    Case("read-entries-huge", "GET", f"/api/v1/accounts/{10**30}/entries", status=404),
    Case("read-transfer-huge", "GET", f"/api/v1/transfers/{10**30}", status=404),
    Case("read-transfer-beyond-int32", "GET", f"/api/v1/transfers/{2**31}", status=404),
    Case("read-transfers-account-huge", "GET", f"/api/v1/transfers?account_id={10**30}",
         field="account_id"),
    Case("read-transfers-nul-in-query", "GET", "/api/v1/transfers?kind=%00",
         field="kind"),
]

CASES = TRANSFER_CASES + LIMIT_CASES + REVERSE_CASES + READ_CASES


def test_case_ids_are_unique():
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refused_with_a_problem_and_nothing_changes(scene, problem, case):
    before = scene.ledger_state(fresh=False)

    response = send(scene, case)

    names = case.field if isinstance(case.field, tuple) else (case.field,)
    body = problem(response, case.status, field=None)
    if case.field is not None:
        assert set(names) & set(body["errors"]), (
            f"errors should name one of {names}: {body['errors']}")
    assert scene.ledger_state() == before


def test_the_scene_still_books_after_all_refusals(scene):
    """The refusals above are refusals, not a broken ledger: a good booking works."""
    before = scene.ledger_state()
    response = scene.http.post("/api/v1/transfers", token=scene.tokens["karin"], json={
        "debit_account_id": scene.ring_a.association_account_id,
        "credit_account_id": scene.account("karin"), "minutes": 15, "memo": "Korrektur"})
    assert response.status_code == 201, response.text
    after = scene.ledger_state()
    assert after["transfer_total"] == before["transfer_total"] + 1
    assert after["audit"]["transfers"] == before["audit"]["transfers"] + 1
    ring_b = scene.ring_b.id
    assert [r for r in after["rings"] if r[0] == ring_b] == [
        r for r in before["rings"] if r[0] == ring_b]
