"""Shared fixtures: the app on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
a real SMTP server the app delivers to, signed-in clients, and a live server for Chromium."""

import email
import email.policy
import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from app import create_app
from app.checkin.services import forget_expected_counts
from app.database import sqlite_lock_on_begin
from app.extensions import db as _db
from config import BASE_DIR, TestConfig

PASSWORD = "correct horse battery"


# --- a real SMTP server -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What arrived at the SMTP server, parsed as the recipient's mail program would."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address: str):
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def link(message, pattern: str) -> str:
        """The path of the first link in the body that matches pattern."""
        paths = re.findall(r"https?://[^/\s]+(/\S*)", Mailbox.body(message))
        matching = [path for path in paths if pattern in path]
        assert matching, f"no link matching {pattern!r} in:\n{Mailbox.body(message)}"
        return matching[0]


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The SMTP server's inbox, empty at the start of a test (restarted if a test stopped it)."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


# --- the application and its database ---------------------------------------------------------

def database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'samla-test.sqlite3'}"


def _end_test_unit_of_work():
    """What the test body did through services is committed before the next request, as a
    request or a CLI command commits its own unit of work (services only flush)."""
    try:
        _db.session.commit()
    except Exception:
        _db.session.rollback()
        raise


class Client(FlaskClient):
    """Each request runs in its own app context, as in production, so a request never shares
    a database session or flask.g (the logged-in user) with the test or another client. After
    it, the test's own session starts afresh so it sees what the request committed."""

    def open(self, *args, **kwargs):
        _end_test_unit_of_work()
        with sqlite_lock_on_begin(True), self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.rollback()
        return response


@pytest.fixture(scope="session")
def app_settings(smtp_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("samla")
    return dict(
        SQLALCHEMY_DATABASE_URI=database_url(tmp),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_server.port,
        SMTP_TIMEOUT=5,
        MAIL_FOLDER=str(tmp / "mail"),
        DEMO_CREDENTIALS_FILE=str(tmp / "demo-credentials.txt"),
    )


@pytest.fixture(scope="session")
def app(app_settings):
    """The app for HTTP tests. CSRF is off here (the test client posts bare forms); the live
    server that Chromium uses has it on, and a test turns it on to check the expired-form page."""
    _make_postgresql_database(app_settings["SQLALCHEMY_DATABASE_URI"])
    application = create_app(TestConfig, WTF_CSRF_ENABLED=False, **app_settings)
    application.test_client_class = Client
    APPS.append(application)
    with application.app_context():
        _reset_schema()
        import flask_migrate

        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
    yield application
    with application.app_context():
        _db.engine.dispose()


def _make_postgresql_database(url: str) -> None:
    """The test database, made on the server if it is not there (`make test` gives its second
    PostgreSQL run a database of its own, named after the first)."""
    url = make_url(url)
    if url.get_backend_name() != "postgresql":
        return
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": url.database}):
            quoted = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()


def _reset_schema():
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            # A test's data need not survive a crash: the test database answers a commit
            # without waiting for its WAL to reach the disk (0.1 ms instead of 0.6 ms, for
            # thousands of commits a run), for every connection made from now on.
            database = connection.dialect.identifier_preparer.quote(
                connection.scalar(text("SELECT current_database()")))
            connection.execute(text(f"ALTER DATABASE {database} SET synchronous_commit = off"))
        _db.engine.dispose()
    else:
        path = _db.engine.url.database
        _db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


# Made by the migrations and kept like the schema: the installation's name in calendar UIDs.
KEPT_TABLES = {"installation"}


def _empty_tables():
    with _db.engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        tables = [quote(t.name) for t in reversed(_db.metadata.sorted_tables)
                  if t.name not in KEPT_TABLES]
        # DELETE, children first: for a test's few rows it is 5 ms where PostgreSQL's TRUNCATE
        # of every table took 75 ms, a minute and a half of the suite.
        if connection.dialect.name != "postgresql":
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            return
        # On PostgreSQL all in one round trip (a statement each was 45 ms a test), and ids
        # start at 1 again, as on SQLite.
        global _RESET_SEQUENCES
        if _RESET_SEQUENCES is None:
            sequences = connection.scalars(text(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"
            )).all()
            _RESET_SEQUENCES = "SELECT " + ", ".join(
                f"setval('{sequence}', 1, false)" for sequence in sequences)
        # psycopg takes several statements in one call only without parameters.
        connection.connection.driver_connection.execute(
            "; ".join([*(f"DELETE FROM {table}" for table in tables), _RESET_SEQUENCES]))


_RESET_SEQUENCES = None  # the statement that resets every sequence, made once per run


# The test apps (the live server's too, once a browser test made it).
APPS = []
# A test that reads mail asks for one of these; the others leave their mail in the outbox,
# written and committed as always, but not drawn and sent (a badge PDF and an SMTP exchange
# for every registration were a fifth of the suite's time).
MAIL_READERS = {"mailbox", "smtp_server"}


@contextmanager
def mail_held(app):
    """Build a test's people without drawing and sending their confirmations: they stay in
    the outbox, pending (a badge PDF and an SMTP exchange each, which the test does not read)."""
    held = app.config.get("OUTBOX_HOLD", False)
    app.config["OUTBOX_HOLD"] = True
    try:
        yield
    finally:
        app.config["OUTBOX_HOLD"] = held


@pytest.fixture(autouse=True)
def app_context(request, app):
    """Tests call services directly, so each runs inside an app context; tables empty after.
    The test body reads without taking SQLite's write lock (see app.database)."""
    for application in APPS:
        application.config["OUTBOX_HOLD"] = not MAIL_READERS & set(request.fixturenames)
    with sqlite_lock_on_begin(False), app.app_context():
        yield
        _db.session.remove()
    with app.app_context():
        _empty_tables()
    forget_expected_counts()  # the next test's event may have this one's id


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


# --- people and data --------------------------------------------------------------------------

@pytest.fixture
def make_user(db):
    from app.accounts.services import create_user

    def make(email="arrangor@example.org", role="organiser", events=(), name=None,
             team_role=None):
        """An account; `events` puts it in their teams as `team_role` (door staff for a door
        account, organiser otherwise)."""
        user = create_user(email, name or email.split("@")[0].title(), PASSWORD, role, events,
                           team_role)
        db.session.commit()
        return user

    return make


def login(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def organiser(app, make_user):
    """A client signed in as an organiser (an administrator, so every organiser page opens)."""
    make_user("arrangor@example.org", role="admin", name="Olga Organiser")
    return login(app.test_client(), "arrangor@example.org")


@pytest.fixture
def conference(db):
    """A small published conference with a room, two items, a speaker and a free ticket."""
    from tests.factories import build_conference

    return build_conference()


# --- a live server and Chromium ---------------------------------------------------------------

@pytest.fixture(scope="session")
def live_app(app, app_settings):
    """The app the live server runs: the same database, with CSRF protection on."""
    application = create_app(TestConfig, WTF_CSRF_ENABLED=True, **app_settings)
    APPS.append(application)
    return application


@pytest.fixture(scope="session")
def live_server(live_app):
    """A real HTTP server for Chromium."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "sv-SE", "timezone_id": "Europe/Stockholm"}


# --- a local Stripe (tests/stripe_standin.py) -------------------------------------------------

STRIPE_WEBHOOK_TEST_SECRET = "whsec_samla_test_webhook_secret"


@pytest.fixture(scope="session")
def stripe_server(app):
    """The Stripe stand-in's HTTP server, started once; its events reach Samla's webhook
    through the test client."""
    from tests.stripe_standin import StripeStandIn

    def deliver(body, headers):
        with app.app_context():
            response = app.test_client().post("/stripe/webhook", data=body, headers=headers)
            return response.status_code, response.get_json(silent=True)

    server = StripeStandIn(api_key="sk_test_samla_standin",
                           webhook_secret=STRIPE_WEBHOOK_TEST_SECRET, deliver=deliver,
                           after_pay=_db.session.rollback).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_standin(app, stripe_server):
    """Card payment switched on for this test, against the local stand-in (forgetting what it
    saw before); the app's Stripe settings are put back afterwards."""
    settings = {"STRIPE_SECRET_KEY": stripe_server.api_key,
                "STRIPE_WEBHOOK_SECRET": stripe_server.webhook_secret,
                "STRIPE_API_BASE": stripe_server.base_url, "STRIPE_MAX_NETWORK_RETRIES": 0,
                "STRIPE_CHECKOUT_ORIGIN": stripe_server.base_url}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    stripe_server.reset()
    yield stripe_server
    app.config.update(saved)


# --- which tests this run takes ------------------------------------------------------------------
# `make test` runs the suite on SQLite and on PostgreSQL, in four runs side by side (a run waits
# on Chromium, the network or a database much of its time; two cores serve several runs better
# than two). Every test that reads or writes data runs on both databases; each browser test
# (what a page does in Chromium, which the database does not change) runs once: those marked
# doors_at_once (several doors scanning at the same moment) on PostgreSQL, the others on SQLite,
# the embedded default a newcomer's `make run` starts. PostgreSQL's data tests are split in two
# halves by TEST_SHARD (see _shard). Run alone, pytest takes everything. BROWSER_TESTS:
#   all         every test (the default)
#   none        no browser test (the SQLite data run, the second PostgreSQL half)
#   only-pages  only the browser tests not marked doors_at_once (the SQLite browser run)
#   doors       every test but those (the first PostgreSQL half)
BROWSER_SHARES = {
    # which kinds of test the run takes ("data": not a browser test)
    "all": {"data", "doors", "pages"},
    "none": {"data"},
    "only-pages": {"pages"},
    "doors": {"data", "doors"},
}


def _kind(item) -> str:
    if item.path.parent.name != "browser":
        return "data"
    return "doors" if item.get_closest_marker("doors_at_once") else "pages"


def _shard() -> tuple[int, int]:
    """TEST_SHARD "k/n": this run takes the k-th of n shares of the data tests' files."""
    spec = os.environ.get("TEST_SHARD", "1/1")
    k, _, n = spec.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise pytest.UsageError(f"TEST_SHARD={spec!r}: write k/n, as 2/2")
    return int(k), int(n)


def pytest_collection_modifyitems(config, items):
    share = os.environ.get("BROWSER_TESTS", "all")
    if share not in BROWSER_SHARES:
        raise pytest.UsageError(f"BROWSER_TESTS={share!r}: use one of {sorted(BROWSER_SHARES)}")
    k, n = _shard()
    # The data tests' files dealt out in turn, largest first, so each share gets about as many
    # tests (PostgreSQL's run is split in two: it takes twice as long as SQLite's).
    sizes = {}
    for item in items:
        if _kind(item) == "data":
            sizes[item.path] = sizes.get(item.path, 0) + 1
    dealt = sorted(sizes, key=lambda path: (-sizes[path], str(path)))
    mine = {path for turn, path in enumerate(dealt) if turn % n == k - 1}
    kept, left = [], []
    for item in items:
        taken = _kind(item) in BROWSER_SHARES[share] and (_kind(item) != "data"
                                                          or item.path in mine)
        (kept if taken else left).append(item)
    if left:
        items[:] = kept
        config.hook.pytest_deselected(items=left)
        config.stash[_LEFT_TO_THE_OTHER_RUNS] = len(left)


_LEFT_TO_THE_OTHER_RUNS = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config):
    left = config.stash.get(_LEFT_TO_THE_OTHER_RUNS, 0)
    if left:
        terminalreporter.write_line(
            f"BROWSER_TESTS={os.environ.get('BROWSER_TESTS', 'all')} "
            f"TEST_SHARD={os.environ.get('TEST_SHARD', '1/1')}: {left} tests were left to the "
            "other runs of make test (see tests/conftest.py)", yellow=True)
