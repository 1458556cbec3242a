"""Event rules with no request in sight."""

import re
import unicodedata
from datetime import date, timedelta

from sqlalchemy import select

from app import signals
from app.extensions import db

from .models import Event


def slugify(text: str) -> str:
    text = text.replace("å", "a").replace("ä", "a").replace("ö", "o")
    text = text.replace("Å", "a").replace("Ä", "a").replace("Ö", "o")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "event"


def unique_slug(name: str, starts_on: date) -> str:
    """The name with the year, unless the name says the year already."""
    base = slugify(name)
    if str(starts_on.year) not in base.split("-"):
        base = f"{base}-{starts_on.year}"
    slug, n = base, 2
    while db.session.scalar(select(Event.id).where(Event.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def get_by_slug(slug: str, published_only: bool = False) -> Event | None:
    query = select(Event).where(Event.slug == slug)
    if published_only:
        query = query.where(Event.published.is_(True))
    return db.session.scalar(query)


def shift(event: Event, days: int) -> None:
    """Move the whole event `days` days (a postponement): its dates and last refund day here,
    and every time other areas keep of it through the event_shifted signal, each at the same
    wall-clock time. The one function that moves an event; flushes."""
    event.starts_on += timedelta(days=days)
    event.ends_on += timedelta(days=days)
    if event.refund_until is not None:
        event.refund_until += timedelta(days=days)
    db.session.flush()
    signals.event_shifted.send(event, days=days)
    db.session.flush()
