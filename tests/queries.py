"""Counting the SQL a piece of work sends, to prove lists cost a fixed number of queries."""

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def recorded_queries():
    """Yields the list of statements sent while the block runs, from any session or thread."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count_queries(action) -> int:
    with recorded_queries() as statements:
        action()
    return len(statements)


def queries_for(client, path) -> int:
    """Queries one GET of path costs; the page must answer 200."""
    with recorded_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)
