"""Programme changes and published versions.

Each change to a programme item (moved, cancelled, new, speakers changed) is a Notice row. It is
pending (no version) until the organiser publishes; publishing creates the next
ProgrammeVersion with the whole programme as published (its snapshot, which the public pages
read), attaches every pending change to it and tells the people affected."""

from sqlalchemy.orm import deferred

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

NOTICE_KINDS = ("moved", "cancelled", "new", "speakers")


class ProgrammeVersion(db.Model):
    __table_args__ = (db.UniqueConstraint("event_id", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    message = db.Column(db.Text, nullable=False, default="")
    published_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    published_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    # The whole programme as published in this version (app.programme.published writes and
    # reads it); the public pages read the newest one. Kept for every version; loaded only
    # when asked for. NULL only for versions published before snapshots existed.
    snapshot = deferred(db.Column(db.JSON))

    event = db.relationship("Event")
    notices = db.relationship("Notice", back_populates="version", order_by="Notice.id")


class Notice(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    item_id = db.Column(db.ForeignKey("programme_item.id", ondelete="SET NULL"), index=True)
    version_id = db.Column(
        db.ForeignKey("programme_version.id", ondelete="CASCADE"), index=True
    )
    kind = db.Column(db.String(20), nullable=False)
    item_title = db.Column(db.String(300), nullable=False)
    # For "new" and "speakers" changes old and new times are the same (the item's place).
    old_starts_at = db.Column(UTCDateTime, nullable=False)
    old_ends_at = db.Column(UTCDateTime, nullable=False)
    old_room = db.Column(db.String(120), nullable=False, default="")
    new_starts_at = db.Column(UTCDateTime)
    new_ends_at = db.Column(UTCDateTime)
    new_room = db.Column(db.String(120), nullable=False, default="")
    old_speakers = db.Column(db.Text, nullable=False, default="")
    new_speakers = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    event = db.relationship("Event")
    item = db.relationship("ProgrammeItem")
    version = db.relationship("ProgrammeVersion", back_populates="notices")
