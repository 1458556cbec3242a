"""check-ins can be annulled: one live check-in per registration instead of one for ever

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

LIVE = sa.text("annulled_at IS NULL")


def upgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('annulled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('annulled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('annul_reason', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_check_in_annulled_by_id_user'), 'user',
                                    ['annulled_by_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint('uq_check_in_registration_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_check_in_registration_id'), ['registration_id'],
                              unique=False)
        batch_op.create_index('uq_check_in_registration_live', ['registration_id'], unique=True,
                              postgresql_where=LIVE, sqlite_where=LIVE)
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.alter_column('annul_reason', server_default=None)


def downgrade():
    op.execute("DELETE FROM check_in WHERE annulled_at IS NOT NULL")
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index('uq_check_in_registration_live', postgresql_where=LIVE,
                            sqlite_where=LIVE)
        batch_op.drop_index(batch_op.f('ix_check_in_registration_id'))
        batch_op.create_unique_constraint('uq_check_in_registration_id', ['registration_id'])
        batch_op.drop_constraint(batch_op.f('fk_check_in_annulled_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_column('annul_reason')
        batch_op.drop_column('annulled_by_id')
        batch_op.drop_column('annulled_at')
