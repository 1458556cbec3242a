"""installation: calendar UIDs and schedule GUIDs no longer follow BASE_URL

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 11:00:00.000000

"""
import uuid
from datetime import datetime, timezone
from urllib.parse import urlsplit

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    installation = op.create_table(
        'installation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid_domain', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_installation')),
    )
    # An installation with events has published UIDs made from its address's host: keep that,
    # so subscribed calendars do not get every entry twice. A new one gets a random name.
    has_events = op.get_bind().execute(sa.text("SELECT 1 FROM event LIMIT 1")).first()
    host = urlsplit(current_app.config.get("BASE_URL", "")).netloc
    domain = host if has_events and host else str(uuid.uuid4())
    op.bulk_insert(installation, [{
        'id': 1, 'uid_domain': domain,
        'created_at': datetime.now(timezone.utc).replace(tzinfo=None),
    }])


def downgrade():
    op.drop_table('installation')
