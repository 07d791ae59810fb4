"""Imports every model so that the metadata (and Alembic) sees all tables."""

from tauschring.api.models import IdempotentResponse
from tauschring.auditlog import LoggedAction
from tauschring.auth.models import ApiToken, LoginFailure
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.mail.models import OutgoingMail
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.rings.models import Ring

__all__ = [
    "Account", "ApiToken", "Category", "Entry", "IdempotentResponse", "LoggedAction",
    "LoginFailure", "Member", "OutgoingMail", "Ring", "Talent", "Transfer",
]
