"""Language: German by default, English on request; the choice sticks.

The language is the logged-in member's own (saved with the profile), else
the `lang` cookie set by the switch, else German. Outside a request (the
command line) messages are English.
"""

from __future__ import annotations

from flask import Blueprint, g, has_request_context, redirect, request, url_for
from flask_babel import format_date, gettext
from flask_login import current_user

from tauschring.db import atomic
from tauschring.members.models import Member

LANGUAGES = ("de", "en")
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    if not has_request_context():
        return "en"
    chosen = getattr(g, "language", None)
    if chosen:
        return chosen
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LANGUAGES else "de"


@bp.route("/language", methods=["POST"])
def switch_language():
    language = request.form.get("language")
    if language not in LANGUAGES:
        language = "de"
    if current_user.is_authenticated and current_user.language != language:
        member_id = current_user.id

        def save(session):
            session.get(Member, member_id).language = language

        atomic(save)
    target = request.form.get("next") or url_for("web.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("web.index")  # only local redirects
    response = redirect(target)
    response.set_cookie(COOKIE, language, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


def hours(minutes: int | None, signed: bool = False) -> str:
    """90 -> '1:30 Std.' (German) or '1:30 h' (English)."""
    if minutes is None:
        return "–"
    sign = "−" if minutes < 0 else ("+" if signed and minutes > 0 else "")
    whole, rest = divmod(abs(minutes), 60)
    return sign + gettext("%(hours)d:%(minutes)02d h", hours=whole, minutes=rest)


def short_date(value) -> str:
    return format_date(value, "medium") if value else ""
