"""retention per event, sensitive questions, the accessibility statement

Each event keeps its sensitive answers 30 days and its other personal data 365 days after its
last day unless the organiser changes it (app/registration/retention.py deletes them when the
time runs out). An event whose personal data was purged by hand before the upgrade has had its
sensitive answers deleted too, so that stage counts as done. Questions can be marked sensitive.
The accessibility statement is one row, made when an administrator first saves it (until then
the page shows Samla's own default text).

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-02 04:09:03.085358

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accessibility_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('service_name', sa.String(length=200), nullable=False),
    sa.Column('compliance', sa.String(length=10), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('shortcomings_sv', sa.Text(), nullable=False),
    sa.Column('shortcomings_en', sa.Text(), nullable=False),
    sa.Column('burden_sv', sa.Text(), nullable=False),
    sa.Column('burden_en', sa.Text(), nullable=False),
    sa.Column('out_of_scope_sv', sa.Text(), nullable=False),
    sa.Column('out_of_scope_en', sa.Text(), nullable=False),
    sa.Column('feedback_sv', sa.Text(), nullable=False),
    sa.Column('feedback_en', sa.Text(), nullable=False),
    sa.Column('method_sv', sa.Text(), nullable=False),
    sa.Column('method_en', sa.Text(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("compliance IN ('full', 'partial', 'none')", name=op.f('ck_accessibility_statement_known_compliance')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_accessibility_statement_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_statement'))
    )
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

    op.drop_table('accessibility_statement')

