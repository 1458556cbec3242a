"""The unit of work, and the details SQLite needs to behave like PostgreSQL under concurrent
requests.

One unit of work per request: services add and flush, and never commit; the request commits
once, after the view answered a request that may change something (POST and the like), and
rolls back after a read (GET, HEAD, OPTIONS) or a failure (500). A refusal stores nothing:
the service that refuses raises before it writes, or undoes its savepoint; what a refusal
does on purpose (sending someone their link again, with a 409) is committed like any other
answer. Mail written to the outbox in that transaction is sent after the commit. Outside a
request (CLI commands, Celery tasks) the caller commits, with `unit_of_work()`.

The few services that must close a transaction themselves, because what follows must not run
with one open or must not be undone:
- payments.services: checkout_url, handle_event, refund_for_cancellation, refund_by_hand,
  sweep_holds, expire_stale_sessions and retry_pending_refunds commit before and after they
  call Stripe (on SQLite an open transaction holds the write lock while Stripe answers, and a
  refund row must exist before the money moves);
- registration.services: cancel and cancel_order commit the cancellation before payments
  refund it through Stripe (the registrations_cancelled signal);
- mail.outbox: deliver claims a message and records the outcome around the SMTP call;
- orders.services.release_lapsed commits the seats of lapsed holds and offers it hands back,
  so that a page that only reads can still release them (GET requests roll back)."""

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy's "begin" hook below open transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL never corrupts the database; a power cut may lose the last commits.
        # FULL (the default) waits for the disk at every commit: 0.5 ms instead of 0.015 ms.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


_lock_on_begin: ContextVar[bool] = ContextVar("samla_sqlite_lock_on_begin", default=True)


@contextmanager
def sqlite_lock_on_begin(enabled: bool):
    """Switch BEGIN IMMEDIATE off for code that only reads while others write (a test body
    watching the app, a read-only report) so that its idle transaction blocks nobody."""
    token = _lock_on_begin.set(enabled)
    try:
        yield
    finally:
        _lock_on_begin.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection):
    # A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT)
    # if another writer committed in between; taking the write lock up front makes writers
    # queue (up to busy_timeout) instead. The embedded set-up trades write concurrency for
    # correctness; production runs PostgreSQL.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _lock_on_begin.get() else "BEGIN")


READS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def unit_of_work():
    """For work outside a request: commit what the block did, or roll it all back."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def init_app(app: Flask) -> None:
    """Importing this module installs the connection hooks; the request's unit of work ends
    in an after_request hook, which also runs after an error page was rendered."""

    @app.after_request
    def end_unit_of_work(response):
        if request.method in READS or response.status_code >= 500:
            db.session.rollback()
        else:
            db.session.commit()
        return response
