"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from tauschring.config import Settings, ensure_secret_key, load_settings
from tauschring.db import db, engine_options, tune_engine

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
TEMPLATES = ROOT / "templates"

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
babel = Babel()


def create_app(settings: Settings | None = None, **config) -> Flask:
    """Build the app from `settings` (default: the TOML file and environment)."""
    settings = settings or load_settings()
    app = Flask("tauschring", root_path=str(Path(__file__).parent),
                template_folder=str(TEMPLATES),
                static_folder=str(Path(__file__).parent / "static"),
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
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)

    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    from tauschring.web.i18n import select_locale
    babel.init_app(app, locale_selector=select_locale, default_timezone="Europe/Berlin")
    login_manager.init_app(app)

    from tauschring import models  # noqa: F401  (registers every table)
    from tauschring.api import init_api
    from tauschring.health import bp as health_bp
    from tauschring.security import init_security
    from tauschring.web import init_web

    init_security(app)
    init_api(app)
    init_web(app)
    app.register_blueprint(health_bp)
    return app


def _absolute_sqlite_url(url: str) -> str:
    """Relative SQLite paths count from the working directory (as the contract
    says), not from Flask's instance folder; the folder is created if missing."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + ":memory:"):
        return url
    path = Path(url[len(prefix):]).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return prefix + str(path)
