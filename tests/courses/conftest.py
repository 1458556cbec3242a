"""A course of eight weekly sessions, seven behind us and the last one tomorrow, so progress,
risk and the certificate after the last session can be seen with the real clock."""

from datetime import time, timedelta

import pytest

from app.checkin.models import CheckIn
from app.courses import services
from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db as _db
from app.tickets.models import TicketType
from tests.factories import register

SLUG = "stodkurs-goteborg"
SESSIONS = 8


def session_days(today):
    """Seven weekly sessions that have happened and the last one tomorrow."""
    return [today - timedelta(days=7 * (7 - n)) - timedelta(days=1) for n in range(7)] + [
        today + timedelta(days=1)]


@pytest.fixture
def course(db):
    today = utcnow().date()
    days = session_days(today)
    event = Event(slug=SLUG, name="Kamratstödjarutbildning Göteborg", organiser_name="NSPH",
                  venue="Folkets hus", city="Göteborg", starts_on=days[0], ends_on=days[-1],
                  published=True, registration_open=True, seller_org_number="802426-1556",
                  seller_vat_number="SE802426155601", seller_address="Box 3040\n169 03 Solna",
                  seller_bankgiro="5555-1234")
    free = TicketType(event=event, name="Kursplats", price_ore=0, capacity=2, seats_taken=0)
    paid = TicketType(event=event, name="Kursplats via arbetsgivaren", price_ore=250000,
                      capacity=10, seats_taken=0, position=1)
    _db.session.add_all([event, free, paid])
    _db.session.commit()
    return {"event": event, "free": free, "paid": paid, "days": days}


@pytest.fixture
def running_course(course, mailbox, db):
    """The course with its eight sessions (services), three people enrolled and attendance:
    Alva six sessions, Nils three, Eva none."""
    event = course["event"]
    for number, day in enumerate(course["days"], start=1):
        services.add_session(event, services.SessionDetails(
            title=f"Träff {number}", title_en=f"Meeting {number}", day=day, start=time(9),
            end=time(12), place="Folkets hus, sal 3", online_url="",
            leader_name="Karin Kursledare"))
    course["free"].capacity = 10
    _db.session.commit()
    people = [register(event, course["free"], name="Alva Persson", email="alva@example.org"),
              register(event, course["free"], name="Nils Karlsson", email="nils@example.org"),
              register(event, course["free"], name="Eva Ek", email="eva@region.example")]
    sessions = services.sessions_of(event)
    for person, count in zip(people, (6, 3, 0), strict=True):
        for session in sessions[:count]:
            _db.session.add(CheckIn(registration_id=person.id, event_id=event.id,
                                    list_key=f"session:{session.id}"))
    _db.session.commit()
    mailbox.clear()
    return {**course, "sessions": sessions, "alva": people[0], "nils": people[1],
            "eva": people[2]}
