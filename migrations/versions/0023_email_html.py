"""an HTML version of every email, next to its plain text

Emails are sent as HTML with the plain text as its alternative (buttons for the personal links,
the date and venue laid out). Messages queued before keep an empty HTML part and go out as plain
text, as they always did.

Revision ID: 0023
Revises: 0028
Create Date: 2026-12-02 06:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_column('body_html')
