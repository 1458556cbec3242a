"""Upgrade tests: a database of its own, migrated only up to an earlier revision, holding the
rows an installation had then; the test migrates further and reads what became of them."""

from contextlib import contextmanager

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db as extension
from config import BASE_DIR, TestConfig

MIGRATIONS = str(BASE_DIR / "migrations")


def old_event(id_: int = 1, slug: str = "e", name: str = "E", day: str = "2027-03-18",
              published: int = 1) -> str:
    """An event row as every revision since the first has it (its original columns)."""
    return ("INSERT INTO event (id, slug, name, description, organiser_name, contact_email,"
            " venue, city, timezone, starts_on, ends_on, published, registration_open,"
            f" created_at) VALUES ({id_}, '{slug}', '{name}', '', '', '', '', '',"
            f" 'Europe/Stockholm', '{day}', '{day}', {published}, {published},"
            " '2026-01-01 00:00:00')")


class OldDatabase:
    def run(self, *statements: str) -> None:
        """Write rows in one transaction, as the old schema has them."""
        with extension.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))

    def read(self, statement: str):
        with extension.engine.connect() as connection:
            return connection.execute(text(statement)).all()

    def upgrade(self, revision: str = "head") -> None:
        flask_migrate.upgrade(directory=MIGRATIONS, revision=revision)

    def downgrade(self, revision: str) -> None:
        flask_migrate.downgrade(directory=MIGRATIONS, revision=revision)


@contextmanager
def database_at(app_settings, tmp_path, revision: str):
    """An app on a fresh SQLite file migrated up to `revision`, inside its app context."""
    settings = {**app_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    old = create_app(TestConfig, **settings)
    with old.app_context():
        database = OldDatabase()
        database.upgrade(revision)
        try:
            yield database
        finally:
            extension.engine.dispose()
