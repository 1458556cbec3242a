"""surveys with question types, and anonymous answers that cannot be paired with people

The one-question feedback (feedback_response: an integer id per answer, in the order given)
becomes a survey per event. Old answers are moved: each event that had any gets a survey with
its two old questions (the rating and the comment), and each old answer becomes a response with a
random key, written in random order, so the move does not carry the old order along. The exact
time a registration answered becomes the day (feedback_answered_on).

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-02 06:20:00

"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0024'
branch_labels = None
depends_on = None

ANONYMOUS = {"sqlite_with_rowid": False}


def upgrade():
    op.create_table(
        'survey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('intro', sa.Text(), nullable=False),
        sa.Column('intro_en', sa.Text(), nullable=False),
        sa.Column('auto_send', sa.Boolean(), nullable=False),
        sa.Column('send_after_hours', sa.Integer(), nullable=False),
        sa.Column('send_from', sa.String(length=10), nullable=False),
        sa.Column('audience', sa.String(length=12), nullable=False),
        sa.Column('remind_after_days', sa.Integer(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=True),
        sa.Column('released_to_speakers', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_table(
        'survey_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('text_en', sa.String(length=500), nullable=False),
        sa.Column('low_label', sa.String(length=100), nullable=False),
        sa.Column('low_label_en', sa.String(length=100), nullable=False),
        sa.Column('high_label', sa.String(length=100), nullable=False),
        sa.Column('high_label_en', sa.String(length=100), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('per_session', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_survey_question_survey_id'), 'survey_question', ['survey_id'])
    op.create_table(
        'survey_response',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=False),
        sa.Column('ticket_type_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['programme_item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_type_id'], ['ticket_type.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        **ANONYMOUS,
    )
    op.create_index(op.f('ix_survey_response_item_id'), 'survey_response', ['item_id'])
    op.create_index('ix_survey_response_scope', 'survey_response',
                    ['survey_id', 'item_id', 'ticket_type_id'])
    op.create_table(
        'survey_answer',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('response_id', sa.String(length=32), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=True),
        sa.Column('value', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        **ANONYMOUS,
    )
    op.create_index('ix_survey_answer_values', 'survey_answer',
                    ['question_id', 'row', 'value', 'hidden', 'response_id'])
    op.create_index(op.f('ix_survey_answer_response_id'), 'survey_answer', ['response_id'])
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('feedback_answered_on', sa.Date(), nullable=True))

    _move_old_answers()

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('feedback_given_at')
    op.drop_index('ix_feedback_response_event_id', table_name='feedback_response')
    op.drop_table('feedback_response')


def _move_old_answers():
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE registration SET feedback_answered_on = DATE(feedback_given_at) "
        "WHERE feedback_given_at IS NOT NULL"))
    event_ids = connection.scalars(sa.text(
        "SELECT DISTINCT event_id FROM feedback_response")).all()
    for event_id in event_ids:
        survey_id = connection.execute(sa.text(
            "INSERT INTO survey (event_id, intro, intro_en, auto_send, send_after_hours, "
            "send_from, audience, remind_after_days, released_to_speakers, created_at) "
            "VALUES (:e, '', '', :f, 2, 'event', 'checked_in', 4, :f, CURRENT_TIMESTAMP) "
            "RETURNING id"), {"e": event_id, "f": False}).scalar_one()
        question_ids = []
        for position, (kind, text, text_en, low, low_en, high, high_en) in enumerate((
                ("rating", "Vad tyckte du om evenemanget som helhet?",
                 "Overall, how was the event?", "Mycket dåligt", "Very poor",
                 "Mycket bra", "Very good"),
                ("text", "Vad var bra, och vad kan bli bättre?",
                 "What was good, and what could be better?", "", "", "", ""))):
            question_ids.append(connection.execute(sa.text(
                "INSERT INTO survey_question (survey_id, position, kind, text, text_en, "
                "low_label, low_label_en, high_label, high_label_en, options, required, "
                "per_session) VALUES (:s, :p, :k, :t, :te, :l, :le, :h, :he, '[]', :r, :f) "
                "RETURNING id"),
                {"s": survey_id, "p": position, "k": kind, "t": text, "te": text_en, "l": low,
                 "le": low_en, "h": high, "he": high_en, "r": kind == "rating", "f": False},
            ).scalar_one())
        old = connection.execute(sa.text(
            "SELECT rating, comment, submitted_on FROM feedback_response WHERE event_id = :e "
            "ORDER BY RANDOM()"), {"e": event_id}).all()
        for rating, comment, submitted_on in old:
            response_id = uuid.uuid4().hex
            connection.execute(sa.text(
                "INSERT INTO survey_response (id, survey_id, answered_on) VALUES (:i, :s, :d)"),
                {"i": response_id, "s": survey_id, "d": submitted_on})
            connection.execute(sa.text(
                "INSERT INTO survey_answer (id, response_id, question_id, value, hidden) "
                "VALUES (:i, :r, :q, :v, :f)"),
                {"i": uuid.uuid4().hex, "r": response_id, "q": question_ids[0], "v": rating,
                 "f": False})
            if comment:
                connection.execute(sa.text(
                    "INSERT INTO survey_answer (id, response_id, question_id, text, hidden) "
                    "VALUES (:i, :r, :q, :t, :f)"),
                    {"i": uuid.uuid4().hex, "r": response_id, "q": question_ids[1],
                     "t": comment, "f": False})


def downgrade():
    """Back to the one-question feedback; the surveys' answers are not carried back."""
    op.create_table(
        'feedback_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.CheckConstraint('rating BETWEEN 1 AND 5', name='rating_range'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_feedback_response_event_id', 'feedback_response', ['event_id'])
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_given_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('feedback_answered_on')
        batch_op.drop_column('feedback_reminded_at')
    op.drop_table('survey_answer')
    op.drop_table('survey_response')
    op.drop_table('survey_question')
    op.drop_table('survey')
