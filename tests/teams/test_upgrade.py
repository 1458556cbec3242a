"""Nothing anyone could open disappears when teams arrive: migration 0018 turns door
assignments into door members and every global organiser into an owner of every event."""

from tests.old_schema import database_at, old_event


def test_the_upgrade_to_teams_keeps_everyones_events(app_settings, tmp_path):
    with database_at(app_settings, tmp_path, "0015") as old:
        old.run(
            old_event(1, "a", "A"), old_event(2, "b", "B", "2027-04-18", published=0),
            "INSERT INTO user (id, email, name, password_hash, role, active, created_at)"
            " VALUES (1, 'olga@x.org', 'Olga', 'h', 'organiser', 1, '2026-01-01 00:00:00'),"
            " (2, 'dora@x.org', 'Dora', 'h', 'door', 1, '2026-01-01 00:00:00'),"
            " (3, 'adam@x.org', 'Adam', 'h', 'admin', 1, '2026-01-01 00:00:00'),"
            " (4, 'otto@x.org', 'Otto', 'h', 'organiser', 1, '2026-01-01 00:00:00')",
            # Dora works the door of B; Olga was also listed at A's door.
            "INSERT INTO door_assignment (user_id, event_id) VALUES (2, 2), (1, 1)")
        old.upgrade("0018")
        members = old.read(
            "SELECT event_id, user_id, role FROM team_member ORDER BY event_id, user_id")
        assert [tuple(row) for row in members] == [
            (1, 1, "owner"), (1, 4, "owner"), (2, 1, "owner"), (2, 2, "door"),
            (2, 4, "owner")]
        tables = {row[0] for row in old.read(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "door_assignment" not in tables
        # And back: the door staff keep their events before teams.
        old.downgrade("0015")
        assert [tuple(row) for row in old.read(
            "SELECT user_id, event_id FROM door_assignment")] == [(2, 2)]
