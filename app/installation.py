"""This installation's own name in what it publishes. Calendar UIDs (item-<id>@<uid_domain>)
and schedule.json GUIDs are made from it rather than from BASE_URL, so moving Samla to another
address leaves them as they are and subscribed calendars update their entries instead of
adding a second copy of each.

It is stored in the database, so every instance serving one database agrees. Migration 0012
makes it: a random UUID for a new installation, the host of BASE_URL at the upgrade for an
installation that already had events (their calendars hold UIDs made from that host)."""

import uuid

from flask import current_app
from sqlalchemy import select

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

_CACHE = "samla.uid_domain"


class Installation(db.Model):
    """One row; it never changes."""

    id = db.Column(db.Integer, primary_key=True)
    uid_domain = db.Column(db.String(255), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


def uid_domain() -> str:
    """Read once per process (calendars ask for it per item)."""
    cached = current_app.extensions.get(_CACHE)
    if cached:
        return cached
    installation = db.session.scalar(select(Installation).order_by(Installation.id).limit(1))
    if installation is None:
        # Only a database not made by the migrations lacks the row: it is stored with the
        # caller's transaction, and read back (and kept) once that has committed.
        installation = Installation(uid_domain=str(uuid.uuid4()))
        db.session.add(installation)
        db.session.flush()
        return installation.uid_domain
    current_app.extensions[_CACHE] = installation.uid_domain
    return installation.uid_domain
