"""the venue's street address and how to get there, in Swedish and English

Emails, the speaker's page and calendars name where to go; until now only the venue's name and
city were known. Existing events get empty texts.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_address', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('arrival_info', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('arrival_info_en', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('arrival_info_en')
        batch_op.drop_column('arrival_info')
        batch_op.drop_column('venue_address')
