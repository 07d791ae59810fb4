"""API door to the office: bookings in one batch, all or nothing; authorisations."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.db import db
from tauschring.i18n import _l
from tauschring.ledger.api import TransferOut, strict_id, strict_int, transfer_views
from tauschring.office import batch as batches
from tauschring.office.batch import BatchRefused, Row

blp = Blueprint("office", __name__, url_prefix="/api/v1",
                description="The office: bookings in one batch, acting for someone")

Int = ma.fields.Integer


class BatchRowIn(ma.Schema):
    debit_account_id = strict_id(required=True)
    credit_account_id = strict_id(required=True)
    minutes = strict_int(required=True)
    memo = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    slip = strict_int(allow_none=True, validate=ma.validate.Range(min=1, max=batches.SLIP_MAX),
                      metadata={"description": "the paper slip's serial number; once per "
                                               "ring, ever"})
    slip_date = ma.fields.Date(allow_none=True, metadata={"description": "the slip's date"})


class BatchIn(ma.Schema):
    transfers = ma.fields.List(ma.fields.Nested(BatchRowIn), required=True,
                               validate=ma.validate.Length(min=1, max=batches.MAX_ROWS))

    def handle_error(self, error: ma.ValidationError, data, **kwargs):
        """Refusals named by row and field, `transfers.<index>.<field>`, as the
        service names them."""
        raise BatchRefused(_flatten(error.messages)) from None


def _flatten(messages, prefix: str = "") -> dict[str, list]:
    flat: dict[str, list] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema" and prefix:
                name = prefix
            flat.update(_flatten(value, name))
    else:
        values = messages if isinstance(messages, list) else [messages]
        flat[prefix or "_body"] = [str(v) for v in values if not isinstance(v, dict | list)]
        for value in values:
            if isinstance(value, dict | list):
                flat.update(_flatten(value, prefix))
    if not flat:
        flat["_body"] = [str(_l("The request is not valid; see errors for each field."))]
    return flat


class BatchTransferOut(TransferOut):
    slip = Int(allow_none=True)
    slip_date = ma.fields.Date(allow_none=True)


class BatchOut(ma.Schema):
    batch_id = Int()
    items = ma.fields.List(ma.fields.Nested(BatchTransferOut))


def batch_view(session, batch) -> dict:
    rows = batches.batch_transfers(session, batch.id)
    items = transfer_views([row.Transfer for row in rows])
    for item, row in zip(items, rows, strict=True):
        item.update(slip=row.slip, slip_date=row.slip_date)
    return {"batch_id": batch.id, "items": items}


@blp.route("/transfers/batch", methods=["POST"])
@write
@coordinator_only
@blp.arguments(BatchIn)
@blp.response(201, BatchOut)
def book_batch(data):
    """Book every transfer or none: any invalid row -> 422, a slip booked before -> 409."""
    rows = [Row(**row) for row in data["transfers"]]
    batch = batches.book_rows(db.session, current_actor(), rows, kind="api")
    return batch_view(db.session, batch)
