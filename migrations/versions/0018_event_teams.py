"""teams per event: a role per person and event, invitations; door_assignment folded in

Nothing anyone could open before the upgrade disappears: every door assignment becomes a door
member of that event's team, and every global organiser becomes an owner of every existing
event (administrators see every event without being in a team). door_assignment is dropped:
team_member is the one owner of the rule.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:20:08.247222

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('owner', 'organiser', 'finance', 'door', 'readonly')", name=op.f('ck_team_invitation_known_role')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_team_invitation_accepted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_team_invitation_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_team_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_invitation')),
    sa.UniqueConstraint('event_id', 'email', name='uq_team_invitation_event_email'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_team_invitation_token_hash'))
    )
    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'organiser', 'finance', 'door', 'readonly')", name=op.f('ck_team_member_known_role')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_team_member_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_team_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_member')),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_team_member_event_user')
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_user_id'), ['user_id'], unique=False)

    now = datetime.now(UTC).replace(tzinfo=None)  # UTCDateTime stores naive UTC
    connection = op.get_bind()
    connection.execute(sa.text(
        'INSERT INTO team_member (event_id, user_id, role, created_at)'
        ' SELECT event.id, "user".id, \'owner\', :now FROM event CROSS JOIN "user"'
        ' WHERE "user".role = \'organiser\''), {"now": now})
    connection.execute(sa.text(
        'INSERT INTO team_member (event_id, user_id, role, created_at)'
        ' SELECT door_assignment.event_id, door_assignment.user_id, \'door\', :now'
        ' FROM door_assignment WHERE NOT EXISTS (SELECT 1 FROM team_member'
        ' WHERE team_member.event_id = door_assignment.event_id'
        ' AND team_member.user_id = door_assignment.user_id)'), {"now": now})

    op.drop_table('door_assignment')


def downgrade():
    op.create_table('door_assignment',
    sa.Column('user_id', sa.INTEGER(), nullable=False),
    sa.Column('event_id', sa.INTEGER(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_door_assignment_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_door_assignment_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event_id', name=op.f('pk_door_assignment'))
    )
    # Door staff keep their events; the other roles have no place to go before teams.
    op.get_bind().execute(sa.text(
        "INSERT INTO door_assignment (user_id, event_id)"
        " SELECT user_id, event_id FROM team_member WHERE role = 'door'"))
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_user_id'))

    op.drop_table('team_member')
    op.drop_table('team_invitation')
