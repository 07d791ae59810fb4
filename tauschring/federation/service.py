"""Transfers between two instances: peers, the two-phase commit, retries,
reconciling. The protocol is described in docs/federation.md.

The side whose member pays coordinates ("sender"); the side whose member is
paid keeps a promise ("hold") between prepare and commit ("receiver"):

    sender                                   receiver
    record 'preparing' (checks payer, line)
    -- prepare ------------------------------> check payee, line (with holds);
                                               record 'prepared' (the hold)
    <----------------------------- prepared --
    ONE transaction: book payer -> clearing,
    mark 'committed' (the decision)
    -- commit -------------------------------> book clearing -> payee once,
                                               mark 'committed'
    <---------------------------- committed --

Every step's state is in the database before the next message leaves, so
`retry` can go on from any point after either side was stopped: a
'preparing' transfer (outcome unknown) is aborted (presumed abort), a
decided one is sent again until the peer acknowledges, and a hold whose
decision never came asks the sender for it ('status').
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.config import checked_base_url
from tauschring.db import atomic, db, utcnow
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.federation.models import FederatedTransfer, Peer, ReceivedMessage
from tauschring.federation.signing import (
    checked_public_key,
    digest,
    key_path,
    load_key,
    public_text,
    sign,
    verify,
)
from tauschring.i18n import Hours, _l
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account
from tauschring.office.numbers import member_by_number, number_of
from tauschring.partners.clearing import open_clearing_account
from tauschring.rings.models import Ring

VERSION = 1
MESSAGE_PATH = "/federation/v1/messages"
WINDOW = timedelta(minutes=5)
KINDS = ("prepare", "commit", "abort", "status", "balance")
TIMEOUT_SECONDS = 15
MEMO_MAX = 200
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ProtocolError(Exception):
    """A message refused before anything happened: status, code, detail."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class Unreachable(Exception):
    """No valid signed answer came from the peer (network, HTTP error, bad answer)."""


@dataclass(frozen=True)
class Identity:
    """This instance as its peers know it: the signing key and its address."""

    key: Ed25519PrivateKey
    url: str = ""

    @property
    def public_key(self) -> str:
        return public_text(self.key)


def identity_of(settings) -> Identity:
    return Identity(load_key(key_path(settings)), settings.base_url or "")


Transport = Callable[[str, dict], dict]
# The kinds that change something: their answers are kept, so a repeat gets the same.
CHANGING = ("prepare", "commit", "abort")
log = logging.getLogger("tauschring.federation")


ANSWER_MAX = 256 * 1024  # bytes: an answer is a small JSON object


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A peer's answer comes from its own address; a redirect is not followed
    (it could point the instance at hosts of its own network)."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def http_post(url: str, payload: dict) -> dict:
    """POST the signed message as JSON; the peer's JSON answer (any 2xx).
    Anything else is Unreachable, naming the HTTP status at most: the peer's
    error text is not passed on (members read the reason)."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(ANSWER_MAX + 1)
            if len(raw) > ANSWER_MAX:
                raise Unreachable(f"{url}: the answer is too long")
            return json.loads(raw.decode("utf-8"))
    except urllib.error.HTTPError as error:
        raise Unreachable(f"HTTP {error.code} from {url}") from None
    except Unreachable:
        raise
    except Exception as error:  # noqa: BLE001 - any failure on the way is "no answer"
        log.info("federation: %s: %r", url, error)
        raise Unreachable(f"{url}: no answer ({type(error).__name__})") from None


# --- time -----------------------------------------------------------------

def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text) -> datetime:
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text):
        raise ValueError("not a time stamp")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# --- peers ----------------------------------------------------------------

def _peer_url(url: str) -> str:
    """The other instance's address, as `peer add` and `peer set-url` take it."""
    try:
        url = checked_base_url(url)
    except ValueError as error:
        raise Invalid(f"--url {error}", code="url_invalid", field="url") from None
    if not url:
        raise Invalid("--url must be an address like \"https://tausch.example.org\"",
                      code="url_invalid", field="url")
    return url


def add_peer(session: Session, *, ring_slug: str, url: str, remote_ring: str,
             public_key: str, credit_line: int) -> Peer:
    """A ring of another instance that the local ring trades with, with its
    clearing account (limits -credit_line .. +credit_line)."""
    ring = session.scalars(select(Ring).where(Ring.slug == ring_slug)).first()
    if ring is None:
        raise NotFound(_l("Ring %(id)s does not exist.", id=ring_slug), code="ring_not_found")
    url = _peer_url(url)
    try:
        public_key = checked_public_key(public_key)
    except ValueError as error:
        raise Invalid(f"--public-key {error}", code="key_invalid", field="public_key") from None
    remote_ring = (remote_ring or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", remote_ring):
        raise Invalid("--remote-ring must be a ring's slug (lower-case letters, digits, -)",
                      code="ring_invalid", field="remote_ring")
    if isinstance(credit_line, bool) or not isinstance(credit_line, int) or credit_line <= 0:
        raise Invalid(_l("The credit line must be a whole number of minutes above zero."),
                      code="credit_line_invalid", field="credit_line")
    if session.scalars(select(Peer).where(Peer.ring_id == ring.id,
                                          Peer.remote_ring == remote_ring,
                                          Peer.public_key == public_key)).first():
        raise Invalid(f"ring {ring_slug!r} has this peer already (a new address: "
                      "tauschring federation peer set-url)", code="peer_exists", field="url")
    account = open_clearing_account(session, ring.id, credit_line)
    peer = Peer(ring_id=ring.id, url=url, remote_ring=remote_ring, public_key=public_key,
                credit_line=credit_line, account_id=account.id)
    session.add(peer)
    session.flush()
    return peer


def set_peer_url(session: Session, *, ring_slug: str, remote_ring: str, url: str) -> Peer:
    """The peer's instance moved: its new address (the same peer, key and balance)."""
    ring = session.scalars(select(Ring).where(Ring.slug == ring_slug)).first()
    found = ring and session.scalars(select(Peer).where(
        Peer.ring_id == ring.id, Peer.remote_ring == (remote_ring or "").strip())
        .with_for_update().execution_options(populate_existing=True)).all()
    if not found:
        raise NotFound(f"ring {ring_slug!r} has no peer {remote_ring!r}", code="peer_not_found")
    url = _peer_url(url)
    for peer in found:
        peer.url = url
    session.flush()
    return found[0]


def peers_of(session: Session, ring_id: int | None = None) -> list[Peer]:
    statement = select(Peer).order_by(Peer.id)
    if ring_id is not None:
        statement = statement.where(Peer.ring_id == ring_id)
    return list(session.scalars(statement))


def peer_summary(session: Session, peer: Peer) -> dict:
    ring = session.get(Ring, peer.ring_id)
    account = session.get(Account, peer.account_id)
    return {"id": peer.id, "ring": ring.slug, "url": peer.url, "remote_ring": peer.remote_ring,
            "public_key": peer.public_key, "credit_line": peer.credit_line,
            "clearing_account_id": peer.account_id, "clearing_balance": account.balance}


# --- messages -------------------------------------------------------------

def envelope(me: Identity, *, kind: str, from_ring: str, to_url: str, to_ring: str,
             to_key: str, body: dict, now: datetime | None = None,
             in_reply_to: str | None = None) -> dict:
    message = {"v": VERSION, "id": str(uuid.uuid4()), "kind": kind,
               "from": {"url": me.url, "ring": from_ring, "key": me.public_key},
               # The recipient's key: a message is good at that instance only.
               "to": {"url": to_url, "ring": to_ring, "key": to_key},
               "at": stamp(now or utcnow()), "body": body}
    if in_reply_to is not None:
        message["in_reply_to"] = in_reply_to
    return {"message": message, "signature": sign(me.key, message)}


def send(me: Identity, peer: Peer, from_ring: str, kind: str, body: dict,
         transport: Transport = http_post) -> dict:
    """Send one signed message to the peer; the body of its signed answer."""
    payload = envelope(me, kind=kind, from_ring=from_ring, to_url=peer.url,
                       to_ring=peer.remote_ring, to_key=peer.public_key, body=body)
    answer = transport(peer.url + MESSAGE_PATH, payload)
    message = answer.get("message") if isinstance(answer, dict) else None
    if not isinstance(message, dict) or not verify(peer.public_key, message,
                                                   answer.get("signature")):
        raise Unreachable("the answer is not signed with the peer's key")
    if message.get("kind") != "answer" or message.get("in_reply_to") != payload["message"]["id"] \
            or (message.get("to") or {}).get("key") != me.public_key \
            or not isinstance(message.get("body"), dict):
        raise Unreachable("the answer does not answer the message")
    return message["body"]


def _refuse(status: int, code: str, detail: str):
    raise ProtocolError(status, code, detail)


def _checked_message(payload) -> tuple[dict, str]:
    if not isinstance(payload, dict):
        _refuse(401, "unsigned", "the body is no signed message: JSON {message, signature}")
    message, signature = payload.get("message"), payload.get("signature")
    if not isinstance(signature, str) or not signature:
        _refuse(401, "unsigned", "the message carries no signature")
    if not isinstance(message, dict):
        _refuse(400, "malformed", "message must be a JSON object")
    sender, recipient = message.get("from"), message.get("to")
    if message.get("v") != VERSION or message.get("kind") not in KINDS \
            or not isinstance(message.get("id"), str) or not UUID.fullmatch(message["id"]) \
            or not isinstance(sender, dict) or not isinstance(recipient, dict) \
            or not all(isinstance(sender.get(k), str) for k in ("ring", "key")) \
            or not all(isinstance(recipient.get(k), str) for k in ("ring", "key")) \
            or not isinstance(message.get("body"), dict):
        _refuse(400, "malformed", "the message lacks a field or has one of the wrong kind "
                                  "(v, id, kind, from, to, at, body)")
    return message, signature


def receive(me: Identity, payload, *, now: datetime | None = None) -> dict:
    """Answer one signed message of a peer (the signed answer), or ProtocolError.

    Refused, changing nothing: no or a bad signature, an unknown peer (401),
    a malformed message or a time stamp more than 5 minutes off (400), a
    message id seen before with other content (409). The same message again
    gets the answer it got the first time and changes nothing.
    """
    now = now or utcnow()
    message, signature = _checked_message(payload)
    session = db.session
    ring = session.scalars(select(Ring).where(Ring.slug == message["to"]["ring"])).first()
    peer = ring and session.scalars(select(Peer).where(
        Peer.ring_id == ring.id, Peer.remote_ring == message["from"]["ring"],
        Peer.public_key == message["from"]["key"])).first()
    session.commit()  # ends the read: the answer is written in its own transaction
    if not peer:
        _refuse(401, "unknown_peer", "no ring here trades with this ring and key")
    if not verify(peer.public_key, message, signature):
        _refuse(401, "bad_signature", "the signature does not match the message")
    if message["to"]["key"] != me.public_key:
        _refuse(400, "wrong_recipient", "the message is meant for another instance's key")
    try:
        at = parse_stamp(message.get("at"))
    except ValueError:
        _refuse(400, "malformed", "at must be a time in UTC like 2026-12-05T03:30:00Z")
    if abs(now - at) > WINDOW:
        _refuse(400, "stale", "the time stamp is more than 5 minutes from this instance's clock")
    fingerprint = digest(message)

    def unit(session: Session) -> dict:
        seen = session.scalars(select(ReceivedMessage).where(
            ReceivedMessage.peer_id == peer.id,
            ReceivedMessage.message_id == message["id"])).first()
        if seen is not None:
            if seen.digest != fingerprint:
                _refuse(409, "message_id_reused", "this message id came before with other "
                                                  "content")
            return json.loads(seen.answer)
        body = HANDLERS[message["kind"]](session, peer, message["body"])
        answer = envelope(me, kind="answer", from_ring=ring.slug,
                          to_url=str(message["from"].get("url") or ""),
                          to_ring=message["from"]["ring"], to_key=message["from"]["key"],
                          body=body, now=now,
                          in_reply_to=message["id"])
        if message["kind"] in CHANGING:  # questions (status, balance) change nothing
            session.add(ReceivedMessage(peer_id=peer.id, message_id=message["id"],
                                        kind=message["kind"], digest=fingerprint,
                                        answer=json.dumps(answer)))
        return answer

    try:
        return atomic(unit)
    except IntegrityError:  # the same message at the same moment: answered once
        return atomic(unit)


def _transfer_id(body: dict) -> str:
    value = body.get("transfer")
    if not isinstance(value, str) or not UUID.fullmatch(value):
        _refuse(400, "malformed", "body.transfer must be a UUID (lower case)")
    return value


def _transfer(session: Session, peer: Peer, direction: str, transfer_uuid: str,
              *, lock: bool = False) -> FederatedTransfer | None:
    statement = select(FederatedTransfer).where(
        FederatedTransfer.peer_id == peer.id, FederatedTransfer.direction == direction,
        FederatedTransfer.uuid == transfer_uuid)
    if lock:
        # populate_existing: the session keeps objects across commits
        # (expire_on_commit=False); a locked row must be read as it is now.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).first()


def _held(session: Session, state: str, direction: str, **where) -> int:
    statement = select(func.coalesce(func.sum(FederatedTransfer.minutes), 0)).where(
        FederatedTransfer.state == state, FederatedTransfer.direction == direction)
    for column, value in where.items():
        statement = statement.where(getattr(FederatedTransfer, column) == value)
    return int(session.scalar(statement))


def _lock(session: Session, *account_ids: int) -> dict[int, Account]:
    accounts = session.scalars(select(Account).where(Account.id.in_(account_ids))
                               .order_by(Account.id).with_for_update()
                               .execution_options(populate_existing=True)).all()
    return {account.id: account for account in accounts}


def _refused(transfer_uuid: str, code: str, reason: str) -> dict:
    return {"transfer": transfer_uuid, "outcome": "refused", "code": code, "reason": reason}


def _on_prepare(session: Session, peer: Peer, body: dict) -> dict:
    transfer_uuid = _transfer_id(body)
    payee_number, payer, minutes, memo = (body.get("payee"), body.get("payer"),
                                          body.get("minutes"), body.get("memo", ""))
    number = re.compile(r"[1-9][0-9]{0,8}")
    if not isinstance(payee_number, str) or not number.fullmatch(payee_number) \
            or not isinstance(payer, str) or not (payer == "" or number.fullmatch(payer)) \
            or not isinstance(memo, str):
        _refuse(400, "malformed", "body needs payee, payer (member numbers as text), "
                                  "minutes and memo")
    payee = member_by_number(session, peer.ring_id, int(payee_number))
    existing = _transfer(session, peer, "in", transfer_uuid)
    if existing is not None:
        if (existing.remote_member, existing.minutes, existing.memo) != (payer, minutes, memo) \
                or payee is None or existing.account_id != payee.account_id:
            return _refused(transfer_uuid, "terms_differ",
                            "this transfer was prepared with other terms")
        return {"transfer": transfer_uuid, "outcome": existing.state}
    if payee is None or payee.status != "active" or payee.account_id is None:
        return _refused(transfer_uuid, "payee_unknown",
                        f"this ring has no active member number {payee_number}")
    try:
        ledger.checked_request(debit_account_id=peer.account_id,
                               credit_account_id=payee.account_id, minutes=minutes, memo=memo)
    except Invalid as refusal:
        return _refused(transfer_uuid, refusal.code, str(refusal))
    if len(memo) > MEMO_MAX:
        return _refused(transfer_uuid, "memo_too_long", f"memo: at most {MEMO_MAX} characters")
    accounts = _lock(session, peer.account_id, payee.account_id)
    clearing, account = accounts[peer.account_id], accounts[payee.account_id]
    if account.status != "open":
        return _refused(transfer_uuid, "account_closed", "the payee's account is not open")
    _, high = ledger.effective_limits(account, session.get(Ring, peer.ring_id))
    if high is not None and account.balance + _held(
            session, "prepared", "in", account_id=account.id) + minutes > high:
        return _refused(transfer_uuid, "exceeds_max_balance",
                        "the payee's balance would rise above its highest allowed balance")
    if clearing.balance - _held(session, "prepared", "in", peer_id=peer.id) - minutes \
            < clearing.min_balance:
        return _refused(transfer_uuid, "credit_line_exceeded",
                        f"this would exceed the credit line of {peer.credit_line} minutes")
    session.add(FederatedTransfer(
        uuid=transfer_uuid, peer_id=peer.id, direction="in", state="prepared",
        account_id=account.id, member_id=payee.id, remote_member=payer, minutes=minutes,
        memo=memo))
    session.flush()
    return {"transfer": transfer_uuid, "outcome": "prepared"}


def _commit_in(session: Session, peer: Peer, transfer: FederatedTransfer) -> None:
    """Book the held transfer: the clearing account -> the payee, once.

    The hold was a promise: a limit that moved since prepare does not refuse
    it; the booking then records why it went beyond (the transfer's id)."""
    arguments = dict(ring_id=peer.ring_id, debit_account_id=peer.account_id,
                     credit_account_id=transfer.account_id, minutes=transfer.minutes,
                     memo=transfer.memo, clearing=True)
    try:
        booked = ledger.book(session, **arguments)
    except Invalid as refusal:
        if refusal.code not in ("exceeds_min_balance", "exceeds_max_balance"):
            raise
        booked = ledger.book(session, **arguments, override_reason=(
            f"federation transfer {transfer.uuid} from {peer.remote_ring} at {peer.url}: "
            "promised when it was prepared"))
    transfer.state, transfer.transfer_id, transfer.updated_at = "committed", booked.id, utcnow()


def _on_commit(session: Session, peer: Peer, body: dict) -> dict:
    transfer_uuid = _transfer_id(body)
    transfer = _transfer(session, peer, "in", transfer_uuid, lock=True)
    if transfer is None:
        return {"transfer": transfer_uuid, "outcome": "unknown"}
    if transfer.state == "prepared":
        _commit_in(session, peer, transfer)
    return {"transfer": transfer_uuid, "outcome": transfer.state}


def _on_abort(session: Session, peer: Peer, body: dict) -> dict:
    transfer_uuid = _transfer_id(body)
    transfer = _transfer(session, peer, "in", transfer_uuid, lock=True)
    if transfer is None:
        return {"transfer": transfer_uuid, "outcome": "aborted"}
    if transfer.state == "prepared":
        transfer.state, transfer.updated_at = "aborted", utcnow()
        transfer.reason = "aborted by the sender"
    return {"transfer": transfer_uuid, "outcome": transfer.state}


def _on_status(session: Session, peer: Peer, body: dict) -> dict:
    transfer_uuid = _transfer_id(body)
    transfer = _transfer(session, peer, "out", transfer_uuid)
    return {"transfer": transfer_uuid,
            "outcome": "unknown" if transfer is None else transfer.state}


def _on_balance(session: Session, peer: Peer, body: dict) -> dict:
    return {"balance": session.get(Account, peer.account_id).balance,
            "committed": committed_ids(session, peer)}


HANDLERS = {"prepare": _on_prepare, "commit": _on_commit, "abort": _on_abort,
            "status": _on_status, "balance": _on_balance}


def committed_ids(session: Session, peer: Peer) -> list[str]:
    return sorted(session.scalars(select(FederatedTransfer.uuid).where(
        FederatedTransfer.peer_id == peer.id, FederatedTransfer.state == "committed")))


# --- the sender -----------------------------------------------------------

def _record_outgoing(session: Session, actor: Actor, peer_id: int, to_member,
                     minutes, memo, transfer_uuid: str | None = None) -> FederatedTransfer:
    if not actor.is_active or actor.account_id is None:
        raise Forbidden(_l("Only an active member may pay another ring's member."),
                        code="not_active")
    peer = session.get(Peer, peer_id)
    if peer is None or peer.ring_id != actor.ring_id:
        raise NotFound(_l("This ring has no partner ring %(id)s on another instance.",
                          id=peer_id), code="peer_not_found")
    number = str(to_member).strip() if isinstance(to_member, (str, int)) \
        and not isinstance(to_member, bool) else ""
    if not re.fullmatch(r"[1-9][0-9]{0,8}", number):
        raise Invalid(_l("Give the member number the member has in the other ring."),
                      code="to_member_invalid", field="to_member")
    memo = (memo or "").strip()
    ledger.checked_request(debit_account_id=actor.account_id, credit_account_id=peer.account_id,
                           minutes=minutes, memo=memo)
    if len(memo) > MEMO_MAX:
        raise Invalid(_l("The memo may have at most %(count)s characters.", count=MEMO_MAX),
                      code="memo_too_long", field="memo")
    accounts = _lock(session, actor.account_id, peer.account_id)
    payer, clearing = accounts[actor.account_id], accounts[peer.account_id]
    if transfer_uuid is not None:
        # Under the payer's lock, so two retries of one key meet here: the first
        # records the payment, the second finds it.
        found = session.scalars(select(FederatedTransfer).where(
            FederatedTransfer.uuid == transfer_uuid, FederatedTransfer.direction == "out",
            FederatedTransfer.member_id == actor.member_id)).first()
        if found is not None:
            if (found.peer_id, found.remote_member, found.minutes, found.memo) != (
                    peer.id, number, minutes, memo):
                raise Conflict(_l("This Idempotency-Key was used before for another "
                                  "payment."), code="idempotency_key_reused")
            return found
    if payer.status != "open":
        raise Invalid(_l("Your account is not open."), code="account_closed", field="minutes")
    ring = session.get(Ring, peer.ring_id)
    low, _ = ledger.effective_limits(payer, ring)
    after = payer.balance - _held(session, "preparing", "out", account_id=payer.id) - minutes
    if low is not None and after < low:
        raise Invalid(_l("Your balance would fall to %(balance)s, below the lowest allowed "
                         "balance of %(limit)s.", balance=Hours(after), limit=Hours(low)),
                      code="exceeds_min_balance", field="minutes")
    if clearing.balance + _held(session, "preparing", "out", peer_id=peer.id) + minutes \
            > clearing.max_balance:
        raise Invalid(_l("This would exceed the credit line of %(limit)s with the other "
                         "ring.", limit=Hours(peer.credit_line)),
                      code="credit_line_exceeded", field="minutes",
                      credit_line=peer.credit_line)
    transfer = FederatedTransfer(
        uuid=transfer_uuid or str(uuid.uuid4()), peer_id=peer.id, direction="out",
        state="preparing", account_id=payer.id, member_id=actor.member_id, remote_member=number,
        minutes=minutes, memo=memo)
    session.add(transfer)
    session.flush()
    return transfer


def _decide(session: Session, transfer_id: int, commit: bool, reason: str = "",
            delivered: bool = False) -> FederatedTransfer:
    """The decision point: in one transaction the payer's half is booked and
    the transfer marked 'committed' — or it is marked 'aborted'. Only a
    'preparing' transfer is decided; whoever decides first wins."""
    transfer = session.scalars(select(FederatedTransfer).where(
        FederatedTransfer.id == transfer_id).with_for_update()
        .execution_options(populate_existing=True)).one()
    if transfer.state != "preparing":
        return transfer
    if commit:
        peer = session.get(Peer, transfer.peer_id)
        try:
            booked = ledger.book(session, ring_id=peer.ring_id,
                                 debit_account_id=transfer.account_id,
                                 credit_account_id=peer.account_id, minutes=transfer.minutes,
                                 memo=transfer.memo, booked_by_id=transfer.member_id,
                                 clearing=True)
        except Invalid as refusal:
            reason, commit = f"refused here: {refusal.code}", False
        else:
            transfer.state, transfer.transfer_id = "committed", booked.id
    if not commit:
        transfer.state, transfer.reason, transfer.delivered = "aborted", reason, delivered
    transfer.updated_at = utcnow()
    return transfer


def _ring_slug(peer: Peer) -> str:
    return db.session.get(Ring, peer.ring_id).slug


def _loaded(transfer_id: int) -> tuple[FederatedTransfer, Peer, str, str]:
    """The transfer, its peer, the local ring's slug and the local member's number."""
    session = db.session
    transfer = session.get(FederatedTransfer, transfer_id, populate_existing=True)
    peer = session.get(Peer, transfer.peer_id)
    slug = _ring_slug(peer)
    number = number_of(session, transfer.member_id) if transfer.member_id else None
    session.commit()  # no read transaction stays open while the peer is asked
    return transfer, peer, slug, str(number or "")


def pay(me: Identity, actor: Actor, *, peer_id: int, to_member, minutes, memo: str = "",
        key: str | None = None, transport: Transport = http_post) -> FederatedTransfer:
    """A local member pays a member of a peer ring: the whole two-phase commit.

    Refused at once (nothing recorded) when the payer's limits or the credit
    line do not allow it. Else the transfer ends 'committed' (booked here; the
    peer books when the commit reaches it) or 'aborted' (booked nowhere).
    `key` (the API's Idempotency-Key): the same key again is the same payment,
    taken on from where it stands, never a second one; with other details, 409."""
    transfer_uuid = None if key is None else str(uuid.uuid5(
        uuid.NAMESPACE_URL, f"tauschring-federation:{me.public_key}:{actor.member_id}:{key}"))
    transfer = atomic(_record_outgoing, actor, peer_id, to_member, minutes, memo,
                      transfer_uuid)
    return advance(me, transfer.id, transport)


def advance(me: Identity, transfer_id: int, transport: Transport = http_post,
            *, reprepare: bool = True) -> FederatedTransfer:
    """Take an outgoing transfer one step on from its stored state."""
    transfer, peer, slug, number = _loaded(transfer_id)
    if transfer.state == "preparing":
        answer, reason = None, ""
        if reprepare:
            try:
                answer = send(me, peer, slug, "prepare", {
                    "transfer": transfer.uuid, "payee": transfer.remote_member,
                    "payer": number, "minutes": transfer.minutes,
                    "memo": transfer.memo}, transport)
            except Unreachable as error:
                reason = f"no answer to prepare: {error}"
        if answer is not None and answer.get("outcome") == "prepared":
            transfer = atomic(_decide, transfer.id, True)
        elif answer is not None and answer.get("outcome") in ("refused", "aborted"):
            transfer = atomic(_decide, transfer.id, False,
                              f"refused by the peer: {_code(answer.get('code'))}", True)
        else:  # outcome unknown: presumed abort, told to the peer until it answers
            if answer is not None:
                reason = f"unexpected answer to prepare: {answer.get('outcome')}"
            elif not reprepare:
                reason = "no outcome known: presumed abort"
            transfer = atomic(_decide, transfer.id, False, reason)
    if transfer.state in ("committed", "aborted") and not transfer.delivered:
        deliver(me, transfer, peer, slug, transport)
    return transfer


def _code(value) -> str:
    """A peer's refusal code as this instance records it (letters and _ only)."""
    return value if isinstance(value, str) and re.fullmatch(r"[a-z_]{1,40}", value) \
        else "aborted"


def deliver(me: Identity, transfer: FederatedTransfer, peer: Peer, slug: str,
            transport: Transport = http_post) -> bool:
    """Tell the peer the decision; true once it answered in agreement."""
    kind = "commit" if transfer.state == "committed" else "abort"
    try:
        answer = send(me, peer, slug, kind, {"transfer": transfer.uuid}, transport)
    except Unreachable:
        return False
    expected = ("committed",) if kind == "commit" else ("aborted", "unknown")
    if answer.get("outcome") not in expected:
        return False

    def mark(session: Session) -> None:
        row = session.get(FederatedTransfer, transfer.id, with_for_update=True,
                          populate_existing=True)
        row.delivered, row.updated_at = True, utcnow()

    atomic(mark)
    transfer.delivered = True
    return True


# --- recovery -------------------------------------------------------------

def retry(me: Identity, *, older_than: timedelta = timedelta(minutes=2),
          transport: Transport = http_post, now: datetime | None = None) -> dict:
    """Resume every unfinished transfer from its stored state.

    Outgoing: 'preparing' ones older than `older_than` are aborted (presumed
    abort: a request still under way may decide first, and then wins);
    decided ones not yet acknowledged are sent again. Incoming holds older
    than `older_than` ask the sender for its decision and follow it.
    Returns counts: {"resent", "aborted", "committed_here", "aborted_here",
    "waiting", "unreachable"}."""
    before = (now or utcnow()) - older_than
    session = db.session
    outgoing = session.scalars(select(FederatedTransfer.id).where(
        FederatedTransfer.direction == "out",
        ((FederatedTransfer.state == "preparing") & (FederatedTransfer.created_at <= before))
        | (FederatedTransfer.state.in_(("committed", "aborted"))
           & (FederatedTransfer.delivered.is_(False)))).order_by(FederatedTransfer.id)).all()
    holds = session.scalars(select(FederatedTransfer.id).where(
        FederatedTransfer.direction == "in", FederatedTransfer.state == "prepared",
        FederatedTransfer.created_at <= before).order_by(FederatedTransfer.id)).all()
    session.commit()
    counts = dict.fromkeys(("resent", "aborted", "committed_here", "aborted_here",
                            "waiting", "unreachable"), 0)
    counts["stuck"] = 0
    for transfer_id in outgoing:
        try:
            transfer = advance(me, transfer_id, transport, reprepare=False)
        except Exception:  # noqa: BLE001 - one transfer must not stop the others
            db.session.rollback()
            log.exception("federation retry: outgoing transfer %s", transfer_id)
            counts["stuck"] += 1
            continue
        if transfer.state == "aborted" and transfer.reason.startswith(
                "no outcome known"):
            counts["aborted"] += 1
        counts["resent" if transfer.delivered else "unreachable"] += 1
    for transfer_id in holds:
        try:
            counts[_resolve_hold(me, transfer_id, transport)] += 1
        except Exception:  # noqa: BLE001 - e.g. the payee's account closed meanwhile
            db.session.rollback()
            log.exception("federation retry: held transfer %s", transfer_id)
            counts["stuck"] += 1
    return counts


def _resolve_hold(me: Identity, transfer_id: int, transport: Transport) -> str:
    transfer, peer, slug, _ = _loaded(transfer_id)
    try:
        answer = send(me, peer, slug, "status", {"transfer": transfer.uuid}, transport)
    except Unreachable:
        return "unreachable"
    outcome = answer.get("outcome")
    if outcome not in ("committed", "aborted", "unknown"):
        return "waiting"

    def follow(session: Session) -> str:
        row = _transfer(session, peer, "in", transfer.uuid, lock=True)
        if row.state != "prepared":
            return "waiting"
        if outcome == "committed":
            _commit_in(session, session.get(Peer, peer.id), row)
            return "committed_here"
        row.state, row.reason, row.updated_at = "aborted", f"sender said {outcome}", utcnow()
        return "aborted_here"

    return atomic(follow)


# --- reconcile ------------------------------------------------------------

def reconcile(me: Identity, *, ring_slug: str | None = None,
              transport: Transport = http_post) -> list[str]:
    """Ask every peer (of one ring) for its clearing balance for us and the
    transfers it booked; one line per difference (none: the two sides agree)."""
    session = db.session
    ring = None
    if ring_slug is not None:
        ring = session.scalars(select(Ring).where(Ring.slug == ring_slug)).first()
        if ring is None:
            raise NotFound(_l("Ring %(id)s does not exist.", id=ring_slug),
                           code="ring_not_found")
    peers = peers_of(session, ring.id if ring else None)
    local = {peer.id: (session.get(Account, peer.account_id).balance,
                       set(committed_ids(session, peer)), _ring_slug(peer)) for peer in peers}
    session.commit()
    differences = []
    for peer in peers:
        balance, booked, slug = local[peer.id]
        name = f"{slug} <-> {peer.remote_ring} at {peer.url}"
        try:
            answer = send(me, peer, slug, "balance", {}, transport)
        except Unreachable as error:
            differences.append(f"{name}: no answer: {error}")
            continue
        theirs = answer.get("balance")
        if not isinstance(theirs, int) or balance != -theirs:
            differences.append(f"{name}: clearing balance here {balance}, there {theirs} "
                               f"(should be {-balance})")
        remote = set(answer.get("committed") or [])
        for transfer_uuid in sorted(booked - remote):
            differences.append(f"{name}: transfer {transfer_uuid} booked here, not there")
        for transfer_uuid in sorted(remote - booked):
            differences.append(f"{name}: transfer {transfer_uuid} booked there, not here")
    return differences
