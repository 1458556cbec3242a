"""retention per event, sensitive questions

Each event keeps its sensitive answers 30 days and its other personal data 365 days after its
last day unless the organiser changes it (app/registration/retention.py deletes them when the
time runs out). An event whose personal data was purged by hand before the upgrade has had its
sensitive answers deleted too, so that stage counts as done. Questions can be marked sensitive.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-02 04:09:03.085358

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive_retention_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('personal_retention_days', sa.Integer(), server_default='365', nullable=False))
        batch_op.add_column(sa.Column('sensitive_data_purged_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.execute("UPDATE event SET sensitive_data_purged_at = personal_data_purged_at "
               "WHERE personal_data_purged_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('sensitive')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('sensitive_data_purged_at')
        batch_op.drop_column('personal_retention_days')
        batch_op.drop_column('sensitive_retention_days')

