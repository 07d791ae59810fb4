"""Who may call comes first, then what they sent.

flask-smorest reads and validates a request's body and query in
`@blp.arguments`, before the view runs, and the services check the caller
only inside the view. A caller without the right would so learn what the
endpoint expects (422) before it is refused (403), or learn that an object
exists (403 or 422) where it must not (404). The decorators here run the
services' own checks first; they go ABOVE `@blp.arguments` (below `@write`,
so that they run in the write's transaction and a replayed Idempotency-Key
still answers what it answered the first time):

    @blp.route("/exchanges/<int:exchange_id>/resolve", methods=["POST"])
    @write
    @may(exchanges.check_may_resolve)
    @blp.arguments(ResolveIn)
    def resolve(data, exchange_id): ...

A check is called as check(session, actor, **path_ids) and raises a domain
error: NotFound (404) for what the caller may not see, before Forbidden
(403) for what it may see but not do. The services check again inside
their unit of work; the check here only puts the answers in order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.api.auth import current_actor
from tauschring.db import db

Check = Callable[..., object]


def may(check: Check):
    """Run check(session, actor, **path_ids) before the view and its arguments.

    functools.wraps keeps what flask-smorest's decorators below stored on the
    view (`_apidoc`, `_params`, ...), so the OpenAPI document stays as it was.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            check(db.session, current_actor(), **kwargs)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _coordinator(session: Session, actor: Actor, **_path_ids) -> None:
    actor.require_coordinator()


coordinator_only = may(_coordinator)
"""For endpoints of the ring's coordinators (and admins), active ones only."""
