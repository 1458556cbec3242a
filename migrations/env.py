"""Alembic environment for Samla: the app's own engine and metadata, SQLite-friendly batches."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.db_types import UTCDateTime

config = context.config
if config.config_file_name is not None:
    # Keep the loggers that are already set up (pytest's caplog, the app's own).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    # Migrations name the plain column type, so they do not import application code.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _options():
    options = dict(current_app.extensions["migrate"].configure_args)
    options.update(
        target_metadata=db.metadata, render_as_batch=True, compare_type=True,
        render_item=render_item,
    )
    return options


def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    options = _options()
    options.setdefault("process_revision_directives", process_revision_directives)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a SQLite table by dropping it; with foreign keys on,
            # dropping a parent table would cascade-delete every child row (rooms, tickets,
            # registrations). Off for the migration (outside any transaction, where SQLite
            # honours it), then checked and switched back on.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, **options)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                raw = connection.connection.driver_connection
                broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                raw.execute("PRAGMA foreign_keys=ON")
                # Never back to the pool: had the pragma met an open transaction it would be a
                # no-op, and a later user of this connection would lose its cascades.
                connection.invalidate()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
