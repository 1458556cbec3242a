"""door devices without personal passwords, the device of each check-in, and the API's nonces

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('door_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.DateTime(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_door_device_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_door_device_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_device')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_door_device_token_hash'))
    )
    with op.batch_alter_table('door_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_device_event_id'), ['event_id'], unique=False)

    op.create_table('scan_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=200), nullable=False),
    sa.Column('device_time', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['door_device.id'], name=op.f('fk_scan_record_device_id_door_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_record')),
    sa.UniqueConstraint('device_id', 'nonce', name=op.f('uq_scan_record_device_id'))
    )

    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_check_in_device_id'), ['device_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_check_in_device_id_door_device'),
                                    'door_device', ['device_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_check_in_device_id_door_device'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_check_in_device_id'))
        batch_op.drop_column('device_id')
    op.drop_table('scan_record')
    with op.batch_alter_table('door_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_door_device_event_id'))
    op.drop_table('door_device')
