"""Small, explicit builders for test data, written through the same services the app uses."""

from datetime import date, time

from app.events.models import Event, Room
from app.extensions import db
from app.programme.services import ItemPlacement, create_item
from app.registration import services as registration
from app.speakers.services import add_speaker, assign
from app.tickets.models import TicketType

DAY = date(2027, 3, 18)


def build_conference(name="Vårkonferensen", slug="varkonferensen-2027", capacity=None,
                     publish=True):
    """A published event whose programme is published as version 1 (so the public pages show
    it); publish=False leaves the programme a draft that nobody outside sees yet."""
    event = Event(
        slug=slug, name=name, description="Om peer support.", organiser_name="NSPH",
        venue="Folkets hus", city="Göteborg", starts_on=DAY, ends_on=DAY,
        published=True, registration_open=True,
        # What an invoice must say about the seller (invoice payment is offered only then).
        seller_org_number="802426-1556", seller_vat_number="SE802426155601",
        seller_address="Box 3040\n169 03 Solna", seller_bankgiro="5555-1234",
    )
    hall = Room(event=event, name="Stora salen", capacity=200, position=0)
    side = Room(event=event, name="Sal B", capacity=40, position=1)
    db.session.add_all([event, hall, side])
    db.session.flush()
    talk = create_item(event, title="Peer support i vården", kind="talk", description="",
                       placement=ItemPlacement(DAY, time(10, 0), time(10, 45), hall))
    lunch = create_item(event, title="Lunch", kind="lunch", description="",
                        placement=ItemPlacement(DAY, time(12, 0), time(13, 0), hall))
    speaker = add_speaker(event, name="Sara Nilsson", role_title="Peer supporter",
                          organisation="Region Örebro län", email="sara@talare.example")
    db.session.flush()
    assign(talk, [speaker], invite=False)
    ticket = TicketType(event=event, name="Fri entré", price_ore=0, capacity=capacity,
                        seats_taken=0)
    paid = TicketType(event=event, name="Ordinarie", price_ore=95000, capacity=100,
                      seats_taken=0, position=1)
    db.session.add_all([ticket, paid])
    db.session.commit()
    if publish:
        publish_programme(event)
    return {"event": event, "hall": hall, "side": side, "talk": talk, "lunch": lunch,
            "speaker": speaker, "ticket": ticket, "paid": paid}


def publish_programme(event, message=""):
    """Publish the draft as the next version, as the organiser's Publish button does."""
    from app.notices.services import publish

    version = publish(db.session.get(Event, event.id), None, message)
    db.session.commit()
    return version


def add_workshop(event, title="Workshop om återhämtning", start=time(14, 0), end=time(15, 30),
                 room=None, seats=2, kind="workshop"):
    """A programme item that takes sign-ups (publish the programme before anyone signs up)."""
    item = create_item(event, title=title, kind=kind, description="",
                       placement=ItemPlacement(DAY, start, end, room), signup=(True, seats))
    db.session.commit()
    return item


def register(event, ticket, name="Alva Persson", email="alva@example.org", language="sv",
             **extra):
    made = registration.register(
        event, ticket,
        registration.Attendee(name=name, email=email, language=language, **extra),
    )
    db.session.commit()
    return made


def edit_talk(organiser, conference, **changes):
    """Post the organiser's edit form for the conference's talk, changing only what is given."""
    talk = conference["talk"]
    data = {"title": talk.title, "kind": "talk", "description": "", "day": DAY.isoformat(),
            "start": "10:00", "end": "10:45", "room": conference["hall"].id,
            "speakers": [conference["speaker"].id]}
    data.update(changes)
    return organiser.post(f"/manage/e/{conference['event'].slug}/items/{talk.id}", data=data)


def card_order(conference, email="kort@example.org", name="Kim Kort", language="sv",
               minutes_ago=0):
    """A card order waiting for payment, placed `minutes_ago` (its hold runs out after 15).
    Card payment is switched on just for placing it unless the test already set Stripe up."""
    from datetime import timedelta

    from flask import current_app

    from app.db_types import utcnow

    config = current_app.config
    saved = {key: config.get(key) for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")}
    if not all(saved.values()):
        config.update(STRIPE_SECRET_KEY="sk_test_factory", STRIPE_WEBHOOK_SECRET="whsec_factory")
    try:
        order = registration.place_order(
            conference["event"], name, email, language,
            [(conference["paid"], registration.Attendee(name=name, email=email))],
            payment_method="card", now=utcnow() - timedelta(minutes=minutes_ago))
        db.session.commit()
        return order
    finally:
        config.update(saved)
