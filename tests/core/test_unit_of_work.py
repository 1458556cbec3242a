"""One unit of work per request: what a request that may change something did is committed
once, at the end; a read, a refusal and a failure store nothing."""

import pytest
from flask import Blueprint
from sqlalchemy import select

from app import create_app
from app.errors import Refusal
from app.events.models import Room
from app.extensions import db
from config import TestConfig


@pytest.fixture
def uow_app(app_settings, conference):
    """A second app on the same database, with one route that adds a room and then ends the
    way it is told to."""
    application = create_app(TestConfig, WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False,
                             **app_settings)
    probe = Blueprint("probe", __name__)
    event_id = conference["event"].id

    @probe.route("/_probe/<ending>", methods=["GET", "POST"])
    def add_a_room(ending):
        db.session.add(Room(event_id=event_id, name=f"Sal {ending}", position=9))
        db.session.flush()
        if ending == "refused":
            raise Refusal("Nej.", 409)
        if ending == "crash":
            raise RuntimeError("a bug")
        return "ok"

    application.register_blueprint(probe)
    yield application
    with application.app_context():
        db.engine.dispose()


def rooms_named(name):
    db.session.rollback()
    return db.session.scalars(select(Room.name).where(Room.name == name)).all()


def test_a_post_commits_what_it_did(uow_app):
    assert uow_app.test_client().post("/_probe/saved").status_code == 200
    assert rooms_named("Sal saved") == ["Sal saved"]


@pytest.mark.parametrize("method, ending, status", [
    ("get", "read", 200),
    ("post", "refused", 409),
    ("post", "crash", 500),
])
def test_a_read_a_refusal_and_a_failure_store_nothing(uow_app, method, ending, status):
    response = getattr(uow_app.test_client(), method)(f"/_probe/{ending}")
    assert response.status_code == status
    assert rooms_named(f"Sal {ending}") == []
