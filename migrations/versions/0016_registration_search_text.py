"""registrations found by a stored folded text (name, email, organisation, order code) and
ordered by stored sort keys of the name and surname, instead of folding every row in Python

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# The same rule the application keeps the columns with, so old and new rows compare alike.
from app.registration.search import name_key_of, search_text_of, surname_key_of


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0019'
branch_labels = None
depends_on = None

BATCH = 1000
# Compared by code point on PostgreSQL too, as SQLite does (app.db_types.SortKey).
SORT_KEY = sa.Text().with_variant(postgresql.TEXT(collation='C'), 'postgresql')

registration = sa.table(
    'registration',
    sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('email', sa.String),
    sa.column('organisation', sa.String), sa.column('order_id', sa.Integer),
    sa.column('search_text', sa.Text), sa.column('name_key', sa.Text),
    sa.column('surname_key', sa.Text),
)
ticket_order = sa.table('ticket_order', sa.column('id', sa.Integer), sa.column('code', sa.String))


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('name_key', SORT_KEY, nullable=False, server_default=''))
        batch_op.add_column(sa.Column('surname_key', SORT_KEY, nullable=False,
                                      server_default=''))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(registration.c.id, registration.c.name, registration.c.email,
                      registration.c.organisation, ticket_order.c.code)
            .select_from(registration.outerjoin(
                ticket_order, ticket_order.c.id == registration.c.order_id))
            .where(registration.c.id > last).order_by(registration.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            registration.update().where(registration.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('text'), name_key=sa.bindparam('name_key'),
                    surname_key=sa.bindparam('surname_key')),
            [{'row_id': id_, 'text': search_text_of(name, email, organisation or '', code or ''),
              'name_key': name_key_of(name), 'surname_key': surname_key_of(name)}
             for id_, name, email, organisation, code in rows],
        )
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('surname_key')
        batch_op.drop_column('name_key')
        batch_op.drop_column('search_text')
