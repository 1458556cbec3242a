"""Work a request asks for that runs after its transaction commits: by a Celery worker in
production (REDIS_URL), in this process without one (the embedded default).

A service calls `after_commit("samla.<job>", *args)` in its unit of work; nothing happens if
that transaction rolls back. Once it commits, the job is handed to a worker by name (app/tasks.py
defines a Celery task of the same name that calls the same function), or run here at once in
an application context of its own, so that it has a database session of its own: the request's
session has just committed and may not be used inside its own commit. Jobs must be idempotent:
a worker may run one twice (a replayed message, a retry), and a job whose hand-over failed is
found again by its periodic sweep. Mail is handed over the same way by app/mail/outbox.py."""

import logging
from collections.abc import Callable

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

from app.extensions import db

log = logging.getLogger(__name__)
_WANTED = "samla_background_wanted"
_COMMITTED = "samla_background_committed"
_JOBS: dict[str, Callable] = {}


def job(name: str):
    """Register the function a job name runs when there is no worker (the same name as its
    Celery task in app/tasks.py)."""
    def register(function):
        _JOBS[name] = function
        return function
    return register


def registered() -> set[str]:
    return set(_JOBS)


def after_commit(name: str, *args) -> None:
    """Run job `name` with `args` once the current transaction commits (never if it rolls
    back). The same job asked for twice in one transaction runs once."""
    if name not in _JOBS:
        raise KeyError(name)
    wanted = db.session.info.setdefault(_WANTED, [])
    if (name, args) not in wanted:
        wanted.append((name, args))


def dispatch(jobs: list[tuple[str, tuple]]) -> None:
    """Hand committed jobs to a worker, or run them now without one. A failure is logged,
    never raised: the transaction that asked has committed, and each job's sweep retries."""
    app = current_app._get_current_object()
    celery = app.extensions.get("celery")
    for name, args in jobs:
        try:
            if celery is not None:
                celery.send_task(name, args=list(args))
                continue
            with app.app_context():
                _JOBS[name](*args)
        except Exception:
            log.exception("Background job %s%r failed or could not be queued", name, args)


@event.listens_for(FlaskSession, "before_commit")
def _collect(session):
    if session.in_nested_transaction():  # a savepoint: its jobs wait for the real commit
        return
    session.info[_COMMITTED] = session.info.pop(_WANTED, [])


@event.listens_for(FlaskSession, "after_commit")
def _dispatch_after_commit(session):
    jobs = session.info.pop(_COMMITTED, [])
    if jobs and current_app:
        dispatch(jobs)


@event.listens_for(FlaskSession, "after_rollback")
def _forget(session):
    session.info.pop(_WANTED, None)
    session.info.pop(_COMMITTED, None)
