"""Language: German by default, English on request; the choice sticks.

Pages: the logged-in member's own language (saved with the profile), else
the `lang` cookie set by the switch, else (a first visit) the best match of
the browser's Accept-Language header, else German. The API (/api/): the
calling member's language (bearer token or session cookie), else the best
match of the Accept-Language header, else German. Outside a request (the
command line) messages are English.
"""

from __future__ import annotations

from flask import Blueprint, g, has_request_context, redirect, request, url_for
from flask.globals import _cv_app
from flask_babel import Domain, format_date, get_translations
from flask_login import current_user

from tauschring.db import atomic
from tauschring.i18n import hours
from tauschring.members.models import Member

__all__ = ["LANGUAGES", "RequestDomain", "bp", "hours", "install_template_gettext",
           "request_catalog", "select_locale", "short_date"]

LANGUAGES = ("de", "en")
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    if not has_request_context():
        return "en"
    if request.path.startswith("/api/"):
        return _api_language()
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return _browser_language()


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding the catalog once per request.

    A page looks up a hundred and more texts. Flask-Babel resolves the
    request's locale and the catalog for each of them; this keeps the catalog
    it found on the request's Babel context, next to the locale it was found
    for, and hands it out while that locale stays (`refresh()` and
    `force_locale()` put another locale object there, so the catalog is found
    anew).
    """

    def get_translations(self):
        app_context = _cv_app.get(None)
        context = app_context.g.__dict__.get("_flask_babel") if app_context else None
        found = getattr(context, "tauschring_catalog", None)
        if (found is not None and found[0] is self
                and found[1] is getattr(context, "babel_locale", None)):
            return found[2]
        translations = super().get_translations()
        context = app_context.g.__dict__.get("_flask_babel") if app_context else None
        locale = getattr(context, "babel_locale", None)
        if locale is not None:
            context.tauschring_catalog = (self, locale, translations)
        return translations


def request_catalog():
    """The catalog of this request's domain and language: the one RequestDomain
    kept, without asking Flask-Babel for the domain and locale again; else
    Flask-Babel's `get_translations()`."""
    app_context = _cv_app.get(None)
    context = app_context.g.__dict__.get("_flask_babel") if app_context else None
    found = getattr(context, "tauschring_catalog", None)
    if (found is not None and found[0] is getattr(context, "babel_domain", None)
            and found[1] is getattr(context, "babel_locale", None)):
        return found[2]
    return get_translations()


def install_template_gettext(app) -> None:
    """The templates' _(), gettext() and ngettext(): as Flask-Babel installs them
    (newstyle: escaped, placeholders filled), through request_catalog()."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_catalog().ugettext(s),
        ngettext=lambda s, p, n: request_catalog().ungettext(s, p, n),
        pgettext=lambda c, s: request_catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _browser_language() -> str:
    """What the browser asks for, if the ring speaks it; else German.

    The answer then depends on the header: caches are told so (Vary).
    """
    g.language_from_header = True
    return request.accept_languages.best_match(LANGUAGES) or "de"


@bp.after_app_request
def vary_by_language(response):
    if getattr(g, "language_from_header", False) or request.path.startswith("/api/"):
        response.vary.add("Accept-Language")
    return response


def _api_language() -> str:
    """The calling member's own language, else what the client asks for, else German.

    The caller is known once tauschring.api.auth.identify_caller has run: it
    keeps g.api_member's language as g.api_language and refreshes the choice.
    A refusal before that (an unknown token) speaks the header's language.
    """
    language = getattr(g, "api_language", None)
    if language in LANGUAGES:
        return language
    return _browser_language()


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


def short_date(value) -> str:
    return format_date(value, "medium") if value else ""
