"""The door between instances: POST /federation/v1/messages; and the
members' page /federation for paying a member of a peer ring.

No log-in at the door: every message is signed by a peer's key
(docs/federation.md). Refusals are application/problem+json; everything else
a signed answer.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _lazy
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tauschring.db import db
from tauschring.errors import DomainError, Invalid
from tauschring.federation import service
from tauschring.federation.models import FederatedTransfer
from tauschring.federation.service import MESSAGE_PATH, ProtocolError, identity_of, receive
from tauschring.federation.signing import KeyMissing
from tauschring.i18n import _l
from tauschring.web.access import current_actor
from tauschring.web.forms import show_error
from tauschring.web.minutes import HoursField

bp = Blueprint("federation_machine", __name__)


def _problem(status: int, code: str, detail: str) -> Response:
    body = {"type": "about:blank", "status": status, "code": code, "detail": detail,
            "title": {400: "Bad Request", 401: "Unauthorized", 409: "Conflict",
                      422: "Unprocessable Content",
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
    except DomainError as refusal:  # e.g. text the ledger refuses: the peer hears why
        return _problem(422, refusal.code, str(refusal))
    return Response(json.dumps(answer), status=200, mimetype="application/json")


class PayForm(FlaskForm):
    peer = SelectField(_lazy("Partner ring"), coerce=int, validate_choice=False)
    to_member = StringField(_lazy("Member number in the partner ring"),
                            validators=[DataRequired(), Length(max=12)])
    minutes = HoursField(_lazy("Time (hours, e.g. 1:30)"))
    memo = StringField(_lazy("What for"), validators=[Optional(), Length(max=200)])


@bp.route("/federation", methods=["GET", "POST"])
@login_required
def pay():
    actor = current_actor()
    peers = service.peers_of(db.session, actor.ring_id)
    form = PayForm()
    form.peer.choices = [(peer.id, f"{peer.remote_ring} ({peer.url})") for peer in peers]
    status = 200
    if request.method == "POST" and not actor.is_active:
        abort(403)  # who may pay comes before what was sent
    if form.validate_on_submit():
        try:
            try:
                me = identity_of(current_app.config["TAUSCHRING"])
            except KeyMissing:
                raise Invalid(_l("This instance trades with no other instance yet."),
                              code="no_federation_key") from None
            done = service.pay(me, actor, peer_id=form.peer.data,
                               to_member=form.to_member.data, minutes=form.minutes.data,
                               memo=form.memo.data or "")
        except DomainError as error:
            show_error(form, error)
            status = error.status
        else:
            if done.state == "committed":
                flash(_("Paid: the time is booked on your account; the partner ring "
                        "books it for the member."))
            else:
                flash(_("The partner ring did not take the payment; nothing was booked."))
            return redirect(url_for("federation_machine.pay"))
    elif request.method == "POST":
        status = 422
    transfers = db.session.scalars(select(FederatedTransfer).where(
        FederatedTransfer.account_id == actor.account_id)
        .order_by(FederatedTransfer.id.desc()).limit(20)).all() if actor.account_id else []
    names = {peer.id: peer.remote_ring for peer in peers}
    return render_template("federation/pay.html", form=form, peers=peers,
                           transfers=transfers, names=names), status
