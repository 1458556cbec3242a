"""the speakers' ticket, and the registration made for a speaker who accepts

A speaker who accepts gets the event's free speakers' ticket (one ticket type per event may be
marked for them): the registration made for them is linked from the speaker. Existing ticket
types are not for speakers; existing speakers have no registration linked.

Revision ID: 0024
Revises: 0027
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('for_speakers', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('uq_ticket_type_event_for_speakers', ['event_id'], unique=True, postgresql_where=sa.text('for_speakers'), sqlite_where=sa.text('for_speakers = 1'))

    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_speaker_registration_id'), ['registration_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_speaker_registration_id_registration'), 'registration', ['registration_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_speaker_registration_id_registration'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_speaker_registration_id'))
        batch_op.drop_column('registration_id')

    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.drop_index('uq_ticket_type_event_for_speakers', postgresql_where=sa.text('for_speakers'), sqlite_where=sa.text('for_speakers = 1'))
        batch_op.drop_column('for_speakers')
