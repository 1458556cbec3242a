"""postponing and cancelling an event in one step

The event keeps a calendar sequence raised by each postponement and cancellation (added to the
SEQUENCE of every calendar entry of it), the dates it was moved from, the last day of the
decision window and when it was cancelled. Each postponement is recorded, and the calendar file
its notices carry is stored once per language.

Revision ID: 0028
Revises: 0022
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0028'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('calendar_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('postponed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('postponed_from_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('postponed_from_ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decision_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))

    op.create_table(
        'postponement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('old_starts_on', sa.Date(), nullable=False),
        sa.Column('old_ends_on', sa.Date(), nullable=False),
        sa.Column('new_starts_on', sa.Date(), nullable=False),
        sa.Column('new_ends_on', sa.Date(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('decision_until', sa.Date(), nullable=False),
        sa.Column('registrants', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('postponement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postponement_event_id'), ['event_id'], unique=False)

    op.create_table(
        'calendar_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('calendar_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_file_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_file_event_id'))
    op.drop_table('calendar_file')
    with op.batch_alter_table('postponement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postponement_event_id'))
    op.drop_table('postponement')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('decision_until')
        batch_op.drop_column('postponed_from_ends_on')
        batch_op.drop_column('postponed_from_starts_on')
        batch_op.drop_column('postponed_at')
        batch_op.drop_column('calendar_changed_at')
        batch_op.drop_column('calendar_sequence')
