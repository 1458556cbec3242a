"""refunds of a cancelled event, one per order, paid back by a worker

Cancelling an event writes what it owes each order (the price of the seats it cancelled); a
worker pays them back after the cancellation is committed, and the organiser sees how many are
done, pending and failed.

Revision ID: 0030
Revises: 0026
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cancellation_refund',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('seats_ore', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('refund_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'],
                                name=op.f('fk_cancellation_refund_event_id_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'],
                                name=op.f('fk_cancellation_refund_order_id_ticket_order'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['refund_id'], ['refund.id'],
                                name=op.f('fk_cancellation_refund_refund_id_refund'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cancellation_refund')),
        sa.UniqueConstraint('order_id', name=op.f('uq_cancellation_refund_order_id')),
    )
    with op.batch_alter_table('cancellation_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cancellation_refund_event_id'), ['event_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('cancellation_refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cancellation_refund_event_id'))
    op.drop_table('cancellation_refund')
