"""Database details that SQLite needs to behave like PostgreSQL under concurrent requests."""

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy's "begin" hook below open transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
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


def init_app(app: Flask) -> None:
    """Nothing to bind; importing this module installs the connection hooks."""
