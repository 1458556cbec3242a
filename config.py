"""Configuration classes. Everything that differs between a laptop and production comes from
environment variables; with none set Samla runs embedded (SQLite in instance/, mail to a folder)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str | None, default: str) -> str:
    if not url:
        return default
    # Heroku-style URLs name the old driver; Samla speaks psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL"), f"sqlite:///{INSTANCE_DIR / 'samla.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Background work: with REDIS_URL, mail is delivered by Celery workers; without, in process.
    REDIS_URL = os.environ.get("REDIS_URL", "")

    # Outgoing mail. Without SMTP_HOST, mail is written as .eml files to MAIL_FOLDER.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
    SMTP_SSL = _bool("SMTP_SSL", False)
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Samla <noreply@samla.localhost>")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER", str(INSTANCE_DIR / "mail"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
    # Leave committed mail in the outbox for a worker or `flask outbox deliver` (bulk loads).
    OUTBOX_HOLD = False

    # Links in emails must be absolute; behind a proxy set this to the public address.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    PROXY_FIX = _bool("PROXY_FIX", False)

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    # Where Checkout's hosted page lives; the CSP lets forms lead there (and nowhere else).
    STRIPE_CHECKOUT_ORIGIN = os.environ.get("STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com")
    # Seconds to wait for Stripe's API, and retries of a call that failed on the network
    # (safe: every call Samla makes carries an idempotency key).
    STRIPE_TIMEOUT = float(os.environ.get("STRIPE_TIMEOUT", "20"))
    STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
    # A card order's seats are held this long while the attendee pays on Stripe's page.
    SEAT_HOLD_MINUTES = int(os.environ.get("SEAT_HOLD_MINUTES", "15"))
    # A waiting-list offer is open this long before it passes to the next person.
    WAITING_LIST_OFFER_HOURS = int(os.environ.get("WAITING_LIST_OFFER_HOURS", "48"))
    MAX_TICKETS_PER_ORDER = int(os.environ.get("MAX_TICKETS_PER_ORDER", "10"))

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Requests larger than this get 413; the programme CSV import takes files up to 2 MB.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_REGISTRATION = os.environ.get("RATELIMIT_REGISTRATION", "20 per minute")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
    # The attendee's own pages (/r/<token>...) and the order page (/o/<token>...), per address.
    RATELIMIT_MANAGE = os.environ.get("RATELIMIT_MANAGE", "60 per minute")
    # The speaker's own pages (/s/<token>...), per address.
    RATELIMIT_SPEAKER = os.environ.get("RATELIMIT_SPEAKER", "60 per minute")
    # Door scans, per door-staff account: the staff of a venue share its network address.
    RATELIMIT_DOOR = os.environ.get("RATELIMIT_DOOR", "120 per minute")
    RATELIMIT_HEADERS_ENABLED = True

    # argon2id cost; production keeps the library defaults.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "65536"))

    # /dev/mail lists written mail; on by default only when no SMTP server is configured.
    DEV_MAIL_VIEW = _bool("DEV_MAIL_VIEW", not os.environ.get("SMTP_HOST"))

    # Speakers who leave an invitation unanswered this many days get one reminder.
    SPEAKER_REMINDER_DAYS = int(os.environ.get("SPEAKER_REMINDER_DAYS", "5"))
    # An overdue invoice is reminded of the day after its due date, then every this many days.
    INVOICE_REMINDER_DAYS = int(os.environ.get("INVOICE_REMINDER_DAYS", "7"))
    # E-invoices (UBL) are handed over by writing them to this folder, where the
    # organisation's Peppol access point or bookkeeping system picks them up. Unset: no
    # transmission (the documents can still be downloaded).
    EINVOICE_FOLDER = os.environ.get("EINVOICE_FOLDER", "")


class TestConfig(Config):
    TESTING = True
    # The test database never goes away under the suite: no ping before each checkout.
    SQLALCHEMY_ENGINE_OPTIONS = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "pool_pre_ping": False}
    SECRET_KEY = "samla-test-secret-key-32-bytes-or-more"
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("TEST_DATABASE_URL"), f"sqlite:///{INSTANCE_DIR / 'test.sqlite3'}"
    )
    REDIS_URL = ""
    # On, with limits no test reaches; the rate-limit test lowers one for itself.
    RATELIMIT_REGISTRATION = "100000 per minute"
    RATELIMIT_LOGIN = "100000 per minute"
    RATELIMIT_MANAGE = "100000 per minute"
    RATELIMIT_SPEAKER = "100000 per minute"
    RATELIMIT_DOOR = "100000 per minute"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 256
    BASE_URL = "http://localhost"
    DEV_MAIL_VIEW = True
    SMTP_STARTTLS = False
