"""Small, explicit builders for test data, written through the same services the app uses."""

from datetime import date, time

from app.events.models import Event, Room
from app.extensions import db
from app.programme.services import ItemPlacement, create_item
from app.registration import services as registration
from app.speakers.services import add_speaker, answer, assign
from app.tickets.models import TicketType

DAY = date(2027, 3, 18)


def build_conference(name="Vårkonferensen", slug="varkonferensen-2027", capacity=None,
                     publish=True):
    """A published event whose programme is published as version 1 (so the public pages show
    it), with a talk by Sara Nilsson, who has accepted; publish=False leaves the programme a
    draft that nobody outside sees yet."""
    event = Event(
        slug=slug, name=name, description="Om peer support.", organiser_name="NSPH",
        venue="Folkets hus", city="Göteborg", starts_on=DAY, ends_on=DAY,
        published=True, registration_open=True,
        # What an invoice must say about the seller (invoice payment is offered only then).
        seller_org_number="802426-1557", seller_vat_number="SE802426155701",
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
    [slot] = assign(talk, [speaker], invite=False)
    answer(slot, accept=True)  # Sara has said yes, so the public programme names her
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


def bulk_registrations(event, ticket, count, *, until, days=60, start=0):
    """`count` registrations for `ticket`, written straight into the tables as a busy event has
    them after weeks of sales (no emails; the seats taken through app/seats.py), made evenly
    over the `days` days before `until`, each in an order of its own. By number n: every 20th
    cancelled; on a priced ticket paid by card (n % 4 == 0 or 3), an invoice paid (1) or unpaid
    (2, and overdue when n % 8 == 2); every third confirmed one checked in, and every fifth of
    the others checked in and annulled; every fourth asked for feedback and every eighth
    answered; and one in 50 more people on the waiting list. `start` keeps the addresses of a
    second batch apart."""
    from datetime import timedelta

    from sqlalchemy import insert

    from app import seats
    from app.checkin.models import CheckIn
    from app.orders.models import Order
    from app.orders.services import new_order_code
    from app.registration.models import Registration
    from app.registration.search import searchable
    from app.tokens import badge_token, link_token
    from app.waitlist.models import WaitingListEntry

    price = ticket.price_ore
    orders, registrations = [], []
    for i in range(start, start + count):
        at = until - timedelta(days=days) + timedelta(days=days) * (i - start) / count
        cancelled = i % 20 == 19
        method = "free" if not price else ("card", "invoice", "invoice", "card")[i % 4]
        paid = {0: "paid", 1: "paid", 2: "to_invoice", 3: "paid"}[i % 4] if price else "none"
        invoiced = method == "invoice"
        orders.append(dict(
            event_id=event.id, code=new_order_code(), buyer_name=f"Deltagare {i}",
            buyer_email=f"b{i}@bulk.example", status="cancelled" if cancelled else "confirmed",
            payment_method=method, payment_status=paid, total_ore=price,
            manage_token=link_token(), created_at=at, confirmed_at=at,
            paid_at=at if paid == "paid" else None,
            invoice_number=100_000 + i if invoiced else None,
            invoiced_at=at if invoiced else None,
            invoice_due_on=(event.today(at) - timedelta(days=1) if i % 8 == 2 else until.date()
                            + timedelta(days=365)) if invoiced else None))
        registrations.append(dict(
            event_id=event.id, ticket_type_id=ticket.id, name=f"Deltagare {i}",
            email=f"b{i}@bulk.example", organisation="NSPH", price_ore=price,
            status="cancelled" if cancelled else "confirmed", manage_token=link_token(),
            badge_token=badge_token(), created_at=at, cancelled_at=at if cancelled else None,
            feedback_requested_at=at if i % 4 == 0 else None,
            feedback_answered_on=at.date() if i % 8 == 0 else None))
    order_ids = db.session.scalars(
        insert(Order).returning(Order.id, sort_by_parameter_order=True), orders).all()
    for n, (row, order_id) in enumerate(zip(registrations, order_ids, strict=True)):
        # A bulk INSERT runs no mapper events: the search columns are filled in here.
        registrations[n] = searchable({**row, "order_id": order_id}, orders[n]["code"])
    ids = db.session.scalars(
        insert(Registration).returning(Registration.id, sort_by_parameter_order=True),
        registrations).all()
    check_ins = []
    for i, (row, registration_id) in enumerate(zip(registrations, ids, strict=True),
                                               start=start):
        if row["status"] != "confirmed":
            continue
        if i % 3 == 0 or i % 5 == 0:
            check_ins.append(dict(registration_id=registration_id, event_id=event.id,
                                  checked_in_at=until,
                                  annulled_at=None if i % 3 == 0 else until))
    if check_ins:
        db.session.execute(insert(CheckIn), check_ins)
    waiting = [dict(event_id=event.id, ticket_type_id=ticket.id, name=f"Väntande {i}",
                    email=f"w{i}@bulk.example", token=link_token())
               for i in range(start, start + count // 50)]
    if waiting:
        db.session.execute(insert(WaitingListEntry), waiting)
    taken = sum(1 for row in registrations if row["status"] == "confirmed")
    assert seats.take_ticket(ticket.id, taken) and seats.take_event(event.id, taken)
    db.session.commit()
    return ids


# The conference's texts in English, as give_english() writes them; the Swedish ones they stand
# for are in build_conference() and below.
ENGLISH = {
    "event": "Spring Conference", "description": "About peer support, in English.",
    "hall": "Main hall", "talk": "Peer support in care",
    "talk_description": "How peer supporters work in health care.", "audience": "Managers",
    "role": "Coordinator", "bio": "Works with peer support in Örebro.",
    "ticket": "Free admission", "ticket_description": "For everyone who wants to come.",
    "question": "How did you hear about us?", "help": "Choose one.",
    "option": "Through work",
}
SWEDISH_GIVEN_IN_ENGLISH = (
    "Vårkonferensen", "Om peer support.", "Stora salen", "Peer support i vården",
    "Hur peer supportrar arbetar i vården.", "Chefer", "Samordnare",
    "Arbetar med peer support i Örebro.", "Fri entré", "För alla som vill komma.",
    "Hur hörde du talas om oss?", "Välj ett svar.", "Via jobbet",
)


def give_english(conference):
    """Swedish and English texts for the conference's event, hall, talk, speaker, free ticket
    and a question (the side room, the paid ticket, a second question and the lunch stay
    Swedish only), published as the next programme version."""
    from app.registration.models import Question

    event, talk, speaker = conference["event"], conference["talk"], conference["speaker"]
    event.name_en, event.description_en = ENGLISH["event"], ENGLISH["description"]
    conference["hall"].name_en = ENGLISH["hall"]
    talk.description, talk.audience = "Hur peer supportrar arbetar i vården.", "Chefer"
    talk.title_en, talk.description_en = ENGLISH["talk"], ENGLISH["talk_description"]
    talk.audience_en = ENGLISH["audience"]
    speaker.role_title, speaker.role_title_en = "Samordnare", ENGLISH["role"]
    speaker.bio, speaker.bio_en = "Arbetar med peer support i Örebro.", ENGLISH["bio"]
    ticket = conference["ticket"]
    ticket.name_en = ENGLISH["ticket"]
    ticket.description, ticket.description_en = "För alla som vill komma.", \
        ENGLISH["ticket_description"]
    asked = Question(event_id=event.id, label="Hur hörde du talas om oss?",
                     label_en=ENGLISH["question"], help_text="Välj ett svar.",
                     help_text_en=ENGLISH["help"], kind="choice", position=0,
                     options=[{"sv": "Via jobbet", "en": ENGLISH["option"]},
                              {"sv": "Via en vän", "en": ""}])
    swedish_only = Question(event_id=event.id, label="Vad vill du lära dig?", kind="text",
                            position=1)
    db.session.add_all([asked, swedish_only])
    db.session.commit()
    publish_programme(event)
    conference.update(question=asked, swedish_question=swedish_only)
    return conference


def event_form(event, **changes) -> dict:
    """The organiser's event form as the edit page fills it in, with `changes`."""
    data = {"name": event.name, "description": event.description,
            "organiser_name": event.organiser_name, "contact_email": "", "venue": event.venue,
            "city": event.city, "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(), "timezone": event.timezone,
            "time_step_minutes": "5", "published": "y", "registration_open": "y"}
    data.update(changes)
    return data
