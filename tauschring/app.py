"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from markupsafe import escape
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from tauschring.config import (
    ConfigError,
    Settings,
    base_url_host,
    ensure_secret_key,
    load_settings,
)
from tauschring.db import db, engine_options, tune_engine
from tauschring.i18n import _l

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent


def _shipped_folder(name: str, marker: str) -> Path:
    """The folder `name`: inside the installed package (a wheel carries it as
    tauschring/<name>), else the repository's top-level folder (source tree,
    editable install, tests)."""
    inside = PACKAGE / name
    return inside if (inside / marker).is_file() else ROOT / name


MIGRATIONS = _shipped_folder("migrations", "env.py")
TEMPLATES = _shipped_folder("templates", "base.html")

csrf = CSRFProtect()
migrate = Migrate()
babel = Babel()

# Where links in mails point when no base_url is configured and `serve` does not
# run (another WSGI server, the tests): never the address a request names.
DEFAULT_BASE_URL = "http://localhost:5000"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")
UNTRUSTED_HOST = _l("This address is not served here. Please use the address of this "
                    "Tauschring.")


def create_app(settings: Settings | None = None, **config) -> Flask:
    """Build the app from `settings` (default: the TOML file and environment)."""
    settings = settings or load_settings()
    app = Flask("tauschring", root_path=str(PACKAGE),
                template_folder=str(TEMPLATES),
                static_folder=str(PACKAGE / "static"),
                instance_path=str(Path(settings.instance_path).resolve()))
    database_url = _absolute_sqlite_url(settings.database_url)
    app.config.update(
        TAUSCHRING=settings,
        SECRET_KEY=ensure_secret_key(settings),
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(database_url),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="de",
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE / "translations"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        BASE_URL=settings.base_url or DEFAULT_BASE_URL,
        TRUSTED_HOSTS=trusted_hosts(settings),
    )
    app.config.update(config)
    _refuse_untrusted_hosts(app)  # first, before any other hook reads the request
    if settings.proxies:
        # Only as many hops as there are proxies: a client's own X-Forwarded-For
        # entries stay untrusted, so log-in throttling sees the real address.
        n = settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    from tauschring.web.i18n import RequestDomain, install_template_gettext, select_locale
    babel.init_app(app, locale_selector=select_locale, default_timezone="Europe/Berlin")
    if not isinstance(babel.__dict__.get("domain_instance"), RequestDomain):
        babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
    install_template_gettext(app)

    from tauschring import models  # noqa: F401  (registers every table)
    from tauschring.api import init_api
    from tauschring.health import bp as health_bp
    from tauschring.security import init_security
    from tauschring.web import init_web

    init_security(app)
    init_api(app)
    init_web(app)
    app.register_blueprint(health_bp)
    from tauschring.logs import init_access_log
    init_access_log(app)  # one line per request: tauschring.access
    return app


def trusted_hosts(settings: Settings) -> list[str] | None:
    """The configured host names, else the base URL's; None: any host (no base URL,
    and not `serve`, which narrows it in serve_at)."""
    if settings.trusted_hosts:
        return list(settings.trusted_hosts)
    return _host_names(base_url_host(settings.base_url))


def _host_names(host: str | None) -> list[str] | None:
    if not host:
        return None
    if host in LOOPBACK:
        return ["localhost", "127.0.0.1"]
    if ":" in host:
        return None  # Werkzeug cannot match IPv6 literals against a list
    return [host.lower()]


def serve_at(app: Flask, host: str, port: int) -> str:
    """`tauschring serve` on host:port: without a configured base URL, links point
    there and only its names are served. Returns where links point."""
    settings = app.config["TAUSCHRING"]
    if settings.base_url:
        return app.config["BASE_URL"]
    if host in WILDCARD:
        raise ConfigError(f"serving on every address ({host or 'no host'}) needs [server] "
                          "base_url, the address people reach Tauschring at, e.g. "
                          '"https://tausch.example.org"')
    shown = f"[{host}]" if ":" in host else host
    app.config["BASE_URL"] = f"http://{shown}:{port}"
    if not settings.trusted_hosts:
        app.config["TRUSTED_HOSTS"] = _host_names(host)
    return app.config["BASE_URL"]


def freeze_startup_objects() -> None:
    """Before serving: what the start built (modules, the app, the tables, the
    catalogs) leaves the garbage collector's sight, so its full collections,
    which come every few thousand requests, scan the requests' objects only
    (measured: a pause of ~75 ms becomes ~12 ms). Only for `serve`: the
    frozen objects are never freed."""
    import gc

    gc.collect()
    gc.freeze()


def _refuse_untrusted_hosts(app: Flask) -> None:
    """A Host outside TRUSTED_HOSTS gets 400 before any other hook runs.

    Flask notes the untrusted host while routing and raises it only when the
    view would run; raising it first keeps the other hooks (CSRF, log-in, the
    database) out of it, and the answer is built without url_for, which has
    no address to build from.
    """
    @app.before_request
    def refuse():
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception

    @app.errorhandler(SecurityError)
    def untrusted_host(_error):
        message = str(UNTRUSTED_HOST)
        if request.path.startswith("/api/"):
            from tauschring.api.problems import problem
            return problem(400, "Bad Request", message, "untrusted_host")
        page = ("<!doctype html><meta charset=utf-8><title>400</title>"
                f"<h1>400</h1><p>{escape(message)}</p>")
        return Response(page, 400, mimetype="text/html")


def _absolute_sqlite_url(url: str) -> str:
    """Relative SQLite paths count from the working directory (as the contract
    says), not from Flask's instance folder; the folder is created if missing."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + ":memory:"):
        return url
    path = Path(url[len(prefix):]).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return prefix + str(path)
