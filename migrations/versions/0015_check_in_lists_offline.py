"""check-in lists (the entrance, a workshop), every scan recorded, offline conflicts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 03:30:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

LIVE = sa.text("annulled_at IS NULL")


def upgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_key', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('offline', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('manual', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('annulled_by_device_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_check_in_annulled_by_device_id_door_device'),
                                    'door_device', ['annulled_by_device_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_index('uq_check_in_registration_live')
        batch_op.create_index('uq_check_in_registration_list_live',
                              ['registration_id', 'list_key'], unique=True,
                              postgresql_where=LIVE, sqlite_where=LIVE)

    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('list_key', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('offline_outcome', sa.String(length=20), nullable=True))
    # The device's scans so far were all made at the device's event.
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE scan_record SET event_id = "
        "(SELECT event_id FROM door_device WHERE door_device.id = scan_record.device_id)"))
    for scan_id, answer in bind.execute(sa.text("SELECT id, answer FROM scan_record")).all():
        if isinstance(answer, str):
            answer = json.loads(answer)
        bind.execute(sa.text("UPDATE scan_record SET outcome = :outcome WHERE id = :id"),
                     {"outcome": (answer or {}).get("outcome", "")[:20], "id": scan_id})
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.alter_column('event_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('outcome', server_default=None)
        batch_op.alter_column('device_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('nonce', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('answer', existing_type=sa.JSON(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_scan_record_event_id_event'), 'event',
                                    ['event_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_scan_record_user_id_user'), 'user',
                                    ['user_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_scan_record_registration_id_registration'),
                                    'registration', ['registration_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_unique_constraint(batch_op.f('uq_scan_record_user_id'),
                                          ['user_id', 'nonce'])
        batch_op.create_index('ix_scan_record_event_received', ['event_id', 'received_at'],
                              unique=False)

    op.create_table('check_in_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('check_in_id', sa.Integer(), nullable=True),
    sa.Column('scan_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['check_in_id'], ['check_in.id'], name=op.f('fk_check_in_conflict_check_in_id_check_in'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_check_in_conflict_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_check_in_conflict_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_check_in_conflict_resolved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scan_id'], ['scan_record.id'], name=op.f('fk_check_in_conflict_scan_id_scan_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_conflict')),
    sa.UniqueConstraint('scan_id', name=op.f('uq_check_in_conflict_scan_id'))
    )
    with op.batch_alter_table('check_in_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_conflict_event_id'), ['event_id'],
                              unique=False)


def downgrade():
    op.drop_table('check_in_conflict')
    op.execute("DELETE FROM scan_record WHERE device_id IS NULL OR nonce IS NULL")
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_record_event_received')
        batch_op.drop_constraint(batch_op.f('uq_scan_record_user_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_scan_record_registration_id_registration'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_scan_record_user_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_scan_record_event_id_event'), type_='foreignkey')
        batch_op.drop_column('offline_outcome')
        batch_op.drop_column('outcome')
        batch_op.drop_column('registration_id')
        batch_op.drop_column('list_key')
        batch_op.drop_column('user_id')
        batch_op.drop_column('event_id')
    op.execute("UPDATE scan_record SET answer = '{}' WHERE answer IS NULL")
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('nonce', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('device_id', existing_type=sa.Integer(), nullable=False)
    # Only the entrance's check-ins fit the older one-per-registration rule.
    op.execute("DELETE FROM check_in WHERE list_key <> ''")
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index('uq_check_in_registration_list_live')
        batch_op.create_index('uq_check_in_registration_live', ['registration_id'], unique=True,
                              postgresql_where=LIVE, sqlite_where=LIVE)
        batch_op.drop_constraint(batch_op.f('fk_check_in_annulled_by_device_id_door_device'),
                                 type_='foreignkey')
        batch_op.drop_column('annulled_by_device_id')
        batch_op.drop_column('manual')
        batch_op.drop_column('offline')
        batch_op.drop_column('list_key')
