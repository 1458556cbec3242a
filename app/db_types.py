"""Column types shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and hands back aware UTC, so SQLite and PostgreSQL agree on instants."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Text the application made comparable itself (sort keys, app/registration/search.py), ordered
# by code point on every database: SQLite does so anyway, PostgreSQL's database default might
# follow a locale that skips punctuation.
SortKey = Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
