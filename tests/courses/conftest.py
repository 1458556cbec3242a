"""A course of eight weekly sessions, seven behind us and the last one tomorrow, so progress,
risk and the certificate after the last session can be seen with the real clock."""

from datetime import timedelta

import pytest

from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db as _db
from app.tickets.models import TicketType

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
