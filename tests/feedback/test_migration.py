"""Migration 0026 moves the one-question answers into a survey per event, in random order with
random keys, and keeps only the day someone answered."""

from tests.old_schema import database_at, old_event


def test_old_answers_move_into_a_survey(app_settings, tmp_path):
    with database_at(app_settings, tmp_path, "0021") as old:
        old.run(
            old_event(),
            "INSERT INTO ticket_type (id, event_id, name, description, price_ore, currency,"
            " capacity, seats_taken, position) VALUES (1, 1, 'Fri', '', 0, 'SEK', 10, 1, 0)",
            "INSERT INTO registration (id, event_id, ticket_type_id, name, email,"
            " organisation, dietary_needs, accessibility_needs, sensitive_consent, language,"
            " status, manage_token, badge_token, created_at, feedback_given_at) VALUES"
            " (1, 1, 1, 'Alva', 'alva@example.org', '', '', '', 0, 'sv', 'confirmed', 'm',"
            " 'B', '2026-01-01 00:00:00', '2027-03-19 14:31:07')",
            "INSERT INTO feedback_response (id, event_id, rating, comment, submitted_on)"
            " VALUES (1, 1, 4, 'Bra', '2027-03-19'), (2, 1, 2, '', '2027-03-20')")
        old.upgrade("0026")
        assert old.read("SELECT feedback_answered_on FROM registration") == [("2027-03-19",)]
        kinds = [row[0] for row in old.read("SELECT kind FROM survey_question ORDER BY position")]
        assert kinds == ["rating", "text"]
        values = old.read(
            "SELECT a.value, a.text, r.answered_on FROM survey_answer a JOIN survey_response"
            " r ON r.id = a.response_id ORDER BY a.value, a.text")
        assert [tuple(v) for v in values] == [
            (None, "Bra", "2027-03-19"), (2, None, "2027-03-20"), (4, None, "2027-03-19")]
        assert all(len(key) == 32 for (key,) in old.read("SELECT id FROM survey_response"))
