"""Nothing anyone could open disappears when teams arrive: migration 0018 turns door
assignments into door members and every global organiser into an owner of every event."""

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db as extension
from config import BASE_DIR, TestConfig

MIGRATIONS = str(BASE_DIR / "migrations")


def test_the_upgrade_to_teams_keeps_everyones_events(app_settings, tmp_path):
    settings = {**app_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    old = create_app(TestConfig, **settings)
    with old.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0015")
        with extension.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO event (id, slug, name, description, organiser_name, contact_email,"
                " venue, city, timezone, starts_on, ends_on, published, registration_open,"
                " created_at) VALUES"
                " (1, 'a', 'A', '', '', '', '', '', 'Europe/Stockholm', '2027-03-18',"
                " '2027-03-18', 1, 1, '2026-01-01 00:00:00'),"
                " (2, 'b', 'B', '', '', '', '', '', 'Europe/Stockholm', '2027-04-18',"
                " '2027-04-18', 0, 0, '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO user (id, email, name, password_hash, role, active, created_at)"
                " VALUES (1, 'olga@x.org', 'Olga', 'h', 'organiser', 1, '2026-01-01 00:00:00'),"
                " (2, 'dora@x.org', 'Dora', 'h', 'door', 1, '2026-01-01 00:00:00'),"
                " (3, 'adam@x.org', 'Adam', 'h', 'admin', 1, '2026-01-01 00:00:00'),"
                " (4, 'otto@x.org', 'Otto', 'h', 'organiser', 1, '2026-01-01 00:00:00')"))
            # Dora works the door of B; Olga was also listed at A's door.
            connection.execute(text("INSERT INTO door_assignment (user_id, event_id)"
                                    " VALUES (2, 2), (1, 1)"))
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0018")
        with extension.engine.connect() as connection:
            members = connection.execute(text(
                "SELECT event_id, user_id, role FROM team_member ORDER BY event_id, user_id"
            )).all()
            assert [tuple(row) for row in members] == [
                (1, 1, "owner"), (1, 4, "owner"), (2, 1, "owner"), (2, 2, "door"),
                (2, 4, "owner")]
            tables = {row[0] for row in connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))}
            assert "door_assignment" not in tables
        # And back: the door staff keep their events before teams.
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0015")
        with extension.engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(text(
                "SELECT user_id, event_id FROM door_assignment"))] == [(2, 2)]
        extension.engine.dispose()
