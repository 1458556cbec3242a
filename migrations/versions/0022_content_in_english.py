"""English texts beside the Swedish ones: event, rooms, programme items and speakers

English readers saw the event, the programme, the rooms and the speakers' roles in Swedish.
Each text the public reads gets an English sibling column (<field>_en); empty means "use the
Swedish text", so existing rows need nothing but the empty default.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

COLUMNS = {
    'event': [('name_en', sa.String(length=200)), ('description_en', sa.Text())],
    'room': [('name_en', sa.String(length=120)), ('accessibility_notes_en', sa.Text())],
    'programme_item': [('title_en', sa.String(length=300)), ('description_en', sa.Text()),
                       ('audience_en', sa.String(length=200))],
    'speaker': [('role_title_en', sa.String(length=200)), ('bio_en', sa.Text())],
}


def upgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in columns:
                batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))


def downgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type in reversed(columns):
                batch_op.drop_column(name)
