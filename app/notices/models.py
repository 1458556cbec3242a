"""A rescheduling notice: the record of one change to a programme item that people were told of."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

NOTICE_KINDS = ("moved", "cancelled")


class Notice(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    item_id = db.Column(db.ForeignKey("programme_item.id", ondelete="SET NULL"), index=True)
    kind = db.Column(db.String(20), nullable=False)
    item_title = db.Column(db.String(300), nullable=False)
    old_starts_at = db.Column(UTCDateTime, nullable=False)
    old_ends_at = db.Column(UTCDateTime, nullable=False)
    old_room = db.Column(db.String(120), nullable=False, default="")
    new_starts_at = db.Column(UTCDateTime)
    new_ends_at = db.Column(UTCDateTime)
    new_room = db.Column(db.String(120), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    event = db.relationship("Event")
    emails = db.relationship("OutgoingEmail", lazy="dynamic")
