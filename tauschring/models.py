"""Imports every model so that the metadata (and Alembic) sees all tables."""

from tauschring.api.models import IdempotentResponse
from tauschring.auditlog import LoggedAction
from tauschring.auth.models import ApiToken, LoginFailure, LoginSession
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.fees.models import FeeCharge
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.mail.models import OutgoingMail
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.notifications.models import Notification
from tauschring.rings.models import Ring

__all__ = [
    "Account", "ApiToken", "Category", "Entry", "Exchange", "ExchangeEvent", "FeeCharge",
    "IdempotentResponse", "LoggedAction", "LoginFailure", "LoginSession", "Member", "Notification",
    "OutgoingMail", "Ring", "Talent", "Transfer",
]
