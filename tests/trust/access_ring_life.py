"""Access matrix rows for ring life: feedback, news, events, documents, the digest.

The words and columns are explained in access_matrix.py. {event} is an event
of ring A a week ahead; {exchange} (Anna's proposal to Bert) is not booked,
so even its parties' feedback is refused (409).
"""

from __future__ import annotations

from tests.trust.access_row import R

#             anon pend memb susp coor s.co othr cont admn
API = [
    # feedback after an exchange
    R("POST", "/api/v1/exchanges/<int:exchange_id>/feedback",
      "401  403  ok   404  403  404  404  403  403",
      path="/api/v1/exchanges/{exchange}/feedback", json={"rating": "x"},
      note="only its two members; a proposal has none yet: 409"),
    R("PUT", "/api/v1/exchanges/<int:exchange_id>/feedback",
      "401  403  ok   404  403  404  404  403  403",
      path="/api/v1/exchanges/{exchange}/feedback", json={"rating": "x"}),
    R("GET", "/api/v1/members/<int:member_id>/feedback",
      "401  403  ok   ok   ok   ok   404  403  ok", path="/api/v1/members/{partner}/feedback"),
    # news and events
    R("GET", "/api/v1/news",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/api/v1/news",
      "401  403  403  403  ok   403  ok   403  ok", json={}),
    R("GET", "/api/v1/events",
      "401  403  ok   ok   ok   ok   ok   403  ok", path="/api/v1/events?from=2026-01-01"),
    R("POST", "/api/v1/events",
      "401  403  403  403  ok   403  ok   403  ok", json={}),
    R("POST", "/api/v1/events/<int:event_id>/attendance",
      "401  403  ok   403  ok   403  404  403  ok",
      path="/api/v1/events/{event}/attendance", json={"coming": "x"}),
    R("GET", "/api/v1/events.ics",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    # mail, the digest, inactive members, away mode
    R("GET", "/api/v1/me/mail-preferences",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("PUT", "/api/v1/me/mail-preferences",
      "401  403  ok   ok   ok   ok   ok   403  ok", json={"weekly_digest": "x"}),
    R("GET", "/api/v1/members/inactive",
      "401  403  403  403  ok   403  ok   403  ok"),
    R("GET", "/api/v1/me/away",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("PUT", "/api/v1/me/away",
      "401  403  ok   ok   ok   ok   ok   403  ok", json={"until": "x"}),
    # documents
    R("GET", "/api/v1/documents",
      "401  403  ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/api/v1/documents",
      "401  403  403  403  ok   403  ok   403  ok", note="no file: 422"),
    R("GET", "/api/v1/documents/<int:document_id>",
      "401  403  ok   ok   ok   ok   404  403  ok", path="/api/v1/documents/{document}"),
]

#             anon pend memb susp coor s.co othr cont admn
PAGES = [
    R("GET", "/exchanges/<int:exchange_id>/feedback",
      "login 403 ok   404  403  404  404  403  403", path="/exchanges/{exchange}/feedback"),
    R("POST", "/exchanges/<int:exchange_id>/feedback",
      "login 403 ok   404  403  404  404  403  403", path="/exchanges/{exchange}/feedback",
      form={"rating": "x"}),
    R("GET", "/members/<int:member_id>/feedback",
      "login 403 ok   ok   ok   ok   404  403  ok", path="/members/{partner}/feedback"),
    R("GET", "/coordination/feedback",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("GET", "/news",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/news",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/events",
      "login 403 ok   ok   ok   ok   ok   403  ok", path="/events?from=2026-01-01"),
    R("POST", "/events",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("POST", "/events/<int:event_id>/attend",
      "login 403 ok   403  ok   403  404  403  ok", path="/events/{event}/attend", form={},
      note="without coming=1: 'not coming', as it was"),
    R("POST", "/events/feed/renew",
      "login 403 ok   ok   ok   ok   ok   403  ok", form={},
      note="without the button's field the link stays"),
    R("GET", "/calendar/<token>.ics",
      "404  403  404  404  404  404  404  403  404", path="/calendar/not-a-token.ics",
      note="the private link is the key; no log-in"),
    R("GET", "/mail-settings",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/mail-settings",
      "login 403 ok   ok   ok   ok   ok   403  ok", form={}),
    R("GET", "/coordination/inactive",
      "login 403 403  403  ok   403  ok   403  ok"),
    R("POST", "/coordination/inactive",
      "login 403 403  403  ok   403  ok   403  ok", form={"months": "x"}),
    R("GET", "/away",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/away",
      "login 403 ok   ok   ok   ok   ok   403  ok", form={"until": "gestern"}),
    R("GET", "/documents",
      "login 403 ok   ok   ok   ok   ok   403  ok"),
    R("POST", "/documents",
      "login 403 403  403  ok   403  ok   403  ok", form={}),
    R("GET", "/documents/<int:document_id>",
      "login 403 ok   ok   ok   ok   404  403  ok", path="/documents/{document}"),
    R("POST", "/documents/<int:document_id>/delete",
      "login 403 403  403  ok   403  404  403  ok", path="/documents/{document}/delete",
      form={}, note="without the confirmation nothing is removed"),
]

ROWS: list = API + PAGES
