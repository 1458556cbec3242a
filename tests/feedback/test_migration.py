"""Migration 0026 moves the one-question answers into a survey per event, in random order with
random keys, and keeps only the day someone answered."""

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db as extension
from config import BASE_DIR, TestConfig


def test_old_answers_move_into_a_survey(app_settings, tmp_path):
    settings = {**app_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    old = create_app(TestConfig, **settings)
    with old.app_context():
        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"), revision="0021")
        with extension.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO event (id, slug, name, description, organiser_name, contact_email,"
                " venue, city, timezone, starts_on, ends_on, published, registration_open,"
                " created_at) VALUES (1, 'e', 'E', '', '', '', '', '', 'Europe/Stockholm',"
                " '2027-03-18', '2027-03-18', 1, 1, '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO ticket_type (id, event_id, name, description, price_ore, currency,"
                " capacity, seats_taken, position) VALUES (1, 1, 'Fri', '', 0, 'SEK', 10, 1, 0)"))
            connection.execute(text(
                "INSERT INTO registration (id, event_id, ticket_type_id, name, email,"
                " organisation, dietary_needs, accessibility_needs, sensitive_consent, language,"
                " status, manage_token, badge_token, created_at, feedback_given_at) VALUES"
                " (1, 1, 1, 'Alva', 'alva@example.org', '', '', '', 0, 'sv', 'confirmed', 'm',"
                " 'B', '2026-01-01 00:00:00', '2027-03-19 14:31:07')"))
            connection.execute(text(
                "INSERT INTO feedback_response (id, event_id, rating, comment, submitted_on)"
                " VALUES (1, 1, 4, 'Bra', '2027-03-19'), (2, 1, 2, '', '2027-03-20')"))
        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"), revision="0026")
        with extension.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT feedback_answered_on FROM registration")).scalar() == "2027-03-19"
            kinds = connection.execute(text(
                "SELECT kind FROM survey_question ORDER BY position")).scalars().all()
            assert kinds == ["rating", "text"]
            values = connection.execute(text(
                "SELECT a.value, a.text, r.answered_on FROM survey_answer a JOIN survey_response"
                " r ON r.id = a.response_id ORDER BY a.value, a.text")).all()
            assert [tuple(v) for v in values] == [
                (None, "Bra", "2027-03-19"), (2, None, "2027-03-20"), (4, None, "2027-03-19")]
            assert all(len(key) == 32 for key in connection.execute(text(
                "SELECT id FROM survey_response")).scalars())
        extension.engine.dispose()
