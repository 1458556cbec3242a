"""Samla: conference and course management for organisations like NSPH."""

import os
import secrets
from importlib import import_module
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, Config

from . import cli, database, errors, i18n, models, security  # noqa: F401 (models: one metadata)
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .mail import outbox

# Anyone who can guess the key can sign a session cookie that logs them in as anybody.
MIN_SECRET_KEY_BYTES = 32

# One package per area. Its views module holds the area's blueprints, named after it: `bp` for
# the pages anyone may reach by address, and `organiser` for the organiser's pages of one event,
# nested in app.events.manage under /manage/e/<slug> (endpoints manage.<area>.<view>).
AREAS = (
    "accounts",
    "events",
    "teams",
    "programme",
    "speakers",
    "tickets",
    "registration",
    "waitlist",
    "payments",
    "badges",
    "checkin",
    "feedback",
    "notices",
    "mail",
    "audit",
    "exports",
    "messages",
    "statement",
    "postponement",
    "courses",
)
# Further view modules that add routes to their area's blueprints.
MORE_VIEWS = (
    "app.programme.export_views",
    "app.programme.grid_views",
    "app.programme.signup_views",
    "app.registration.question_views",
    "app.registration.person_views",
    "app.registration.attendee_list_views",
    "app.payments.organiser_views",
    "app.checkin.list_views",
    "app.checkin.device_views",
    "app.checkin.api",
)


def create_app(config: type | dict | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _ensure_secret_key(app)
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://"
    )

    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    cli.init_app(app)
    if app.config["REDIS_URL"]:
        register_celery(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.install_converters(app)  # before the blueprints, so their rules use them


def register_hooks(app: Flask) -> None:
    """The unit of work, error pages, security headers and mail dispatched after commit."""
    database.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    outbox.init_app(app)


def register_celery(app: Flask) -> None:
    """Celery and its Redis client are loaded only when REDIS_URL asks for workers: the
    embedded set-up never imports them (the one import inside a function, on the allow-list
    of tests/core/test_imports.py)."""
    from .tasks import celery_init_app

    celery_init_app(app)


def register_blueprints(app: Flask) -> None:
    """Each area's public blueprint, then manage with every area's organiser blueprint in it
    (they nest themselves when their views module is imported)."""
    for name in MORE_VIEWS:
        module = import_module(name)
        if hasattr(module, "toplevel_bp"):  # addresses outside the area's prefix
            app.register_blueprint(module.toplevel_bp)
    for area in AREAS:
        views = import_module(f"app.{area}.views")
        if hasattr(views, "bp"):
            app.register_blueprint(views.bp)
    app.register_blueprint(import_module("app.events.manage").bp)


def _ensure_secret_key(app: Flask) -> None:
    """Keep sessions valid across restarts of the embedded set-up without asking for a key;
    refuse a key short enough to guess wherever it was chosen by hand for production."""
    key = app.config.get("SECRET_KEY")
    server_database = not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if key:
        size = len(key.encode() if isinstance(key, str) else key)
        if (server_database or os.environ.get("SECRET_KEY")) and size < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes: it signs the "
                "session cookies. Make one with: python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'"
            )
        return
    if server_database:
        # Several instances behind a proxy must share one key, so production has to set it.
        raise RuntimeError("SECRET_KEY must be set when DATABASE_URL points at a server database")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()
