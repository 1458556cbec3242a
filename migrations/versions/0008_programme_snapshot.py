"""programme snapshot per published version

The public pages now read the newest published version's snapshot instead of the live
programme. So that an upgrade takes nothing off a public site, each event's newest version
gets, as its snapshot, the programme the public saw until now (the live one), and a published
event with a programme but no version yet gets a version 1 holding it. Pending changes stay
pending. Downgrading drops the column (versions made here stay).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:10:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


event = sa.table('event', sa.column('id', sa.Integer), sa.column('published', sa.Boolean))
room = sa.table(
    'room', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
    sa.column('name', sa.String), sa.column('capacity', sa.Integer),
    sa.column('accessibility_notes', sa.Text), sa.column('position', sa.Integer),
)
item = sa.table(
    'programme_item', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
    sa.column('room_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('title', sa.String), sa.column('description', sa.Text),
    sa.column('starts_at', sa.DateTime), sa.column('ends_at', sa.DateTime),
    sa.column('cancelled', sa.Boolean), sa.column('created_at', sa.DateTime),
    sa.column('updated_at', sa.DateTime),
)
speaker = sa.table(
    'speaker', sa.column('id', sa.Integer), sa.column('name', sa.String),
    sa.column('role_title', sa.String), sa.column('organisation', sa.String),
    sa.column('bio', sa.Text),
)
slot = sa.table(
    'speaker_slot', sa.column('id', sa.Integer), sa.column('item_id', sa.Integer),
    sa.column('speaker_id', sa.Integer), sa.column('state', sa.String),
)
version = sa.table(
    'programme_version', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
    sa.column('number', sa.Integer), sa.column('message', sa.Text),
    sa.column('published_at', sa.DateTime), sa.column('snapshot', sa.JSON),
)


def _iso(value):
    """Stored as naive UTC; written as the app's snapshots write instants."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc).isoformat()


def _snapshot(connection, event_id):
    """The live programme in the shape app.programme.published writes (format 1)."""
    rooms = connection.execute(
        sa.select(room.c.id, room.c.name, room.c.capacity, room.c.accessibility_notes)
        .where(room.c.event_id == event_id).order_by(room.c.position, room.c.id)
    ).all()
    names = {row.id: row.name for row in rooms}
    speakers = {}
    for row in connection.execute(
        sa.select(slot.c.item_id, speaker.c.id, speaker.c.name, speaker.c.role_title,
                  speaker.c.organisation, speaker.c.bio)
        .join(speaker, speaker.c.id == slot.c.speaker_id)
        .join(item, item.c.id == slot.c.item_id)
        .where(item.c.event_id == event_id, slot.c.state != 'declined')
        .order_by(slot.c.id)
    ):
        speakers.setdefault(row.item_id, []).append({
            'id': row.id, 'name': row.name, 'role_title': row.role_title or '',
            'organisation': row.organisation or '', 'bio': row.bio or '',
        })
    items = []
    for row in connection.execute(
        sa.select(item).where(item.c.event_id == event_id)
        .order_by(item.c.starts_at, item.c.room_id, item.c.id)
    ):
        items.append({
            'id': row.id, 'kind': row.kind, 'title': row.title,
            'description': row.description or '',
            'starts_at': _iso(row.starts_at), 'ends_at': _iso(row.ends_at),
            'room': ({'id': row.room_id, 'name': names[row.room_id]}
                     if row.room_id in names else None),
            'cancelled': bool(row.cancelled), 'speakers': speakers.get(row.id, []),
            'audience': '',
            'created_at': _iso(row.created_at), 'updated_at': _iso(row.updated_at),
        })
    return {
        'format': 1,
        'rooms': [{'id': row.id, 'name': row.name, 'capacity': row.capacity,
                   'accessibility_notes': row.accessibility_notes or ''} for row in rooms],
        'items': items,
    }


def _publish_what_the_public_saw():
    connection = op.get_bind()
    newest = dict(connection.execute(
        sa.select(version.c.event_id, sa.func.max(version.c.number)).group_by(version.c.event_id)
    ).all())
    with_items = set(connection.execute(
        sa.select(item.c.event_id).distinct()
    ).scalars())
    published = set(connection.execute(
        sa.select(event.c.id).where(event.c.published == sa.true())
    ).scalars())
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for event_id in sorted(set(newest) | (with_items & published)):
        snapshot = _snapshot(connection, event_id)
        if event_id in newest:
            connection.execute(
                version.update()
                .where(version.c.event_id == event_id, version.c.number == newest[event_id])
                .values(snapshot=snapshot)
            )
        else:
            connection.execute(version.insert().values(
                event_id=event_id, number=1, message='', published_at=now, snapshot=snapshot,
            ))


def upgrade():
    with op.batch_alter_table('programme_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))

    _publish_what_the_public_saw()


def downgrade():
    with op.batch_alter_table('programme_version', schema=None) as batch_op:
        batch_op.drop_column('snapshot')
