"""Imports every model so that the metadata (and Alembic) sees all tables."""

from tauschring.api.models import IdempotentResponse
from tauschring.auditlog import LoggedAction
from tauschring.auth.models import ApiToken, LoginFailure, LoginSession
from tauschring.away.models import Away  # noqa: F401  (ring life: away ... documents)
from tauschring.digest.models import DigestSent, InactivityRule, MailPreference, ReminderSent  # noqa: F401
from tauschring.documents.models import Document  # noqa: F401
from tauschring.events.models import CalendarFeed, Event, EventAttendance  # noqa: F401
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.federation.models import FederatedTransfer, Peer, ReceivedMessage  # noqa: F401
from tauschring.feedback.models import Feedback  # noqa: F401
from tauschring.fees.models import FeeCharge
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.mail.models import OutgoingMail
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.news.models import News  # noqa: F401
from tauschring.notifications.models import Notification
from tauschring.office.models import (  # noqa: F401
    Authorisation,
    Batch,
    BatchTransfer,
    MailAttachment,
    MemberNumber,
    OfficeCounter,
    PostalChoice,
    ProxyAction,
)
from tauschring.partners.models import Partnership  # noqa: F401
from tauschring.regions.models import (
    FamilyService,
    HelpRequest,
    Region,
    RegionContact,
    RingCoverage,
)
from tauschring.rings.models import Ring

__all__ = [
    "Account", "ApiToken", "Category", "Entry", "Exchange", "ExchangeEvent", "FeeCharge",
    "IdempotentResponse", "LoggedAction", "LoginFailure", "LoginSession", "Member", "Notification",
    "OutgoingMail", "Ring", "Talent", "Transfer",
    "Region", "RingCoverage", "RegionContact", "FamilyService", "HelpRequest",
]
