"""The organiser opens an event and sees its state at a glance: confirmed registrations per
ticket type against the seats, the money (paid, card payments under way, invoices unpaid and
overdue), the waiting list, who is checked in now, sign-ups per session, how many answered the
feedback and the registrations over time; the events list shows each event's key figures. The
figures are counted by the database: the page costs the same queries for 10 registrations as
for 200, and the events list the same for one event as for several."""

import re
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import pytest
from sqlalchemy import select, update

from app.checkin.models import CheckIn
from app.checkin.services import Door, annul, scan
from app.dashboard.services import overdue_condition
from app.db_types import utcnow
from app.feedback.services import create_survey, request_feedback
from app.orders.models import Order
from app.payments import invoicing
from app.payments.services import refund_by_hand
from app.programme import signups
from app.programme.services import ItemPlacement, cancel_item, create_item
from app.registration import services as registration
from app.registration.models import Registration
from app.waitlist import services as waitlist
from tests.conftest import login
from tests.factories import (
    DAY,
    build_conference,
    bulk_registrations,
    card_order,
    publish_programme,
    register,
)
from tests.payments.test_card_payment import paid_order
from tests.queries import queries_for

SLUG = "varkonferensen-2027"
HOME = f"/manage/e/{SLUG}/"


def words(html: str) -> str:
    """The page's text as one line: tags gone, every run of spaces (no-break ones too) one."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def in_english(client):
    assert client.get("/language/en").status_code == 302
    return client


def invoice(conference, name, now=None):
    email = f"{name.split()[0].lower()}@region.example"
    return registration.place_order(
        conference["event"], name, email, "sv",
        [(conference["paid"], registration.Attendee(name, email))], payment_method="invoice",
        billing=registration.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro"),
        now=now)


@pytest.fixture
def busy_event(app, db, client, conference, make_user, organiser, stripe_standin):
    """Vårkonferensen while registration is open. Free tickets (4 seats): Alva, Nils and Åsa are
    registered, Bo cancelled and his seat went to Kim, first on the waiting list, as an offer;
    Lo still waits. Ordinarie (950 kr, 100 seats): a card order of two paid (by the Stripe
    stand-in), one card payment under way and one whose hold ran out; invoices for Eva (paid,
    200 kr paid back), Ola (not paid, not due) and Per (not paid, due ten days ago). Alva and
    Nils are checked in; Åsa was too, but that was undone. Alva and Nils signed up for the
    workshop (10 seats), Alva for the open circle (no limit); a cancelled session is left out.
    Alva and Nils were asked for feedback and Alva answered."""
    event, free = conference["event"], conference["ticket"]
    workshop = create_item(event, title="Workshop om återhämtning", kind="workshop",
                           description="", signup=(True, 10),
                           placement=ItemPlacement(DAY, clock(14, 0), clock(15, 30),
                                                   conference["side"]))
    circle = create_item(event, title="Öppen samtalscirkel", kind="workshop", description="",
                         signup=(True, None),
                         placement=ItemPlacement(DAY, clock(16, 0), clock(17, 0), None))
    gone = create_item(event, title="Inställd workshop", kind="workshop", description="",
                       signup=(True, 5),
                       placement=ItemPlacement(DAY, clock(9, 0), clock(9, 45), None))
    free.capacity = 4
    db.session.commit()
    cancel_item(gone)
    db.session.commit()
    publish_programme(event)

    alva = register(event, free)
    nils = register(event, free, name="Nils Karlsson", email="nils@example.org")
    asa = register(event, free, name="Åsa Öström", email="asa@example.org")
    bo = register(event, free, name="Bo Ek", email="bo@example.org")
    waitlist.join(event, free, "Kim Berg", "kim@example.org", "sv")
    waitlist.join(event, free, "Lo Ström", "lo@example.org", "sv")
    db.session.commit()
    assert registration.cancel(bo)  # his seat is offered to Kim

    paid_order(client, conference, db, stripe_standin, count=2)
    card_order(conference, email="pagaende@example.org")
    eva, _ola = invoice(conference, "Eva Chef"), invoice(conference, "Ola Ek")
    invoice(conference, "Per Ek", now=utcnow() - timedelta(days=40))  # due 30 days later
    db.session.commit()
    # Its hold ran out, and nothing has handed its seat back yet (the next order would).
    card_order(conference, email="sen@example.org", minutes_ago=30)
    invoicing.mark_paid(db.session.get(Order, eva.id))
    db.session.commit()
    olga = make_user("olga@example.org", role="organiser")
    refund_by_hand(db.session.get(Order, eva.id), 20000, olga, note="Bankgiro")

    door = make_user("dorr@example.org", role="door", events=[event])
    for person in (alva, nils, asa):
        scan(Door(event, user=door), person.badge_token)
    db.session.commit()
    wrong = db.session.scalar(select(CheckIn).where(CheckIn.registration_id == asa.id))
    annul(Door(event, user=door), wrong.id, "Fel bricka")
    signups.sign_up(alva, workshop)
    signups.sign_up(nils, workshop)
    signups.sign_up(alva, circle)
    db.session.commit()
    create_survey(event, "conference")
    assert request_feedback(event, confirm_early=True) == 2
    db.session.commit()
    db.session.get(Registration, alva.id).feedback_answered_on = event.today()
    db.session.commit()
    return {**conference, "workshop": workshop, "circle": circle}


def test_the_event_home_shows_the_event_at_a_glance(organiser, busy_event):
    page = in_english(organiser).get(HOME)
    assert page.status_code == 200
    text = words(page.get_data(as_text=True))

    # The key figures: 3 free and 5 paid seats are confirmed, of 4 + 100.
    assert "Registrations 8 of 104 seats" in text
    assert "Checked in now 2 of 8 registered" in text
    assert "Received SEK 2,650" in text
    assert "Waiting list 1 waiting for a seat" in text
    assert "Feedback 50% answered, 1 of 2 asked" in text

    # Per ticket type: confirmed of its seats, left, waiting; then the whole event.
    assert "Fri entré 3 of 4 0 1" in text
    assert "Ordinarie 5 of 100 93 0" in text
    assert "Whole event 8 of 104 93 1" in text
    # Kim's offer and the two card holds keep seats that are neither confirmed nor for sale.
    assert "open waiting-list offers: 3." in text
    assert "Cancelled registrations: 1." in text

    # The money: Eva's 950 less 200 paid back and the card order of two; the hold that ran
    # out is not under way any more; Per's invoice is past its due day.
    assert "Received SEK 2,650 (2 orders)" in text
    assert "Paid back SEK 200" in text
    assert "Card payments not completed SEK 950 (1 order)" in text
    assert "Invoices not paid SEK 1,900 (2 invoices)" in text
    assert "of which overdue SEK 950 (1 invoice)" in text

    # Sign-ups per session, not the cancelled one.
    assert "Workshop om återhämtning" in text and "2 of 10 8" in text
    assert "Öppen samtalscirkel" in text and "1 no limit" in text
    assert "Inställd workshop" not in text

    # And the way on to every page about the event.
    html = page.get_data(as_text=True)
    for path in ("programme", "tickets", "attendees", "orders", "invoices", "waiting-list",
                 "feedback", f"items/{busy_event['workshop'].id}/signups"):
        assert f'href="/manage/e/{SLUG}/{path}"' in html, path


def test_the_event_home_speaks_swedish_first(organiser, busy_event):
    text = words(organiser.get(HOME).get_data(as_text=True))
    assert "Anmälningar 8 av 104 platser" in text
    assert "Inbetalt 2 650 kr" in text
    assert "Utvärdering 50 % svarade, 1 av 2 tillfrågade" in text


def test_an_event_nobody_registered_for_says_so(organiser, conference):
    html = in_english(organiser).get(HOME).get_data(as_text=True)
    text = words(html)
    assert "Nobody has registered yet." in text
    assert "No orders with a price yet." in text
    assert "Registrations 0 no overall limit" in text
    assert "Feedback – nobody asked yet" in text
    assert "<svg" not in html and "<details" not in html


def test_registrations_are_counted_on_the_days_of_the_events_own_clock(organiser, conference,
                                                                       db):
    """22:30 UTC on 1 March is half past eleven in Stockholm, 23:30 UTC already 2 March; a
    registration cancelled since is not counted."""
    event = conference["event"]
    event.starts_on = event.ends_on = date(2027, 3, 4)
    event.capacity = 40
    made = {
        "alva@example.org": datetime(2027, 3, 1, 22, 30, tzinfo=UTC),
        "nils@example.org": datetime(2027, 3, 1, 23, 30, tzinfo=UTC),
        "bo@example.org": datetime(2027, 3, 3, 9, 0, tzinfo=UTC),
        "asa@example.org": datetime(2027, 3, 4, 10, 0, tzinfo=UTC),
    }
    for email, at in made.items():
        person = register(event, conference["ticket"], name=email.split("@")[0].title(),
                          email=email)
        db.session.execute(update(Registration).where(Registration.id == person.id)
                           .values(created_at=at))
        if email.startswith("bo"):
            db.session.commit()
            registration.cancel(person)
    db.session.commit()

    html = in_english(organiser).get(HOME).get_data(as_text=True)
    table = words(html[html.index("<details"):html.index("</details>")])
    assert "March 1, 2027 1 1 March 2, 2027 1 2 March 4, 2027 1 3" in table
    assert "March 3" not in table  # nothing new that day: left out of the table
    assert "Days without new registrations are left out." in table

    [svg] = re.findall(r"<svg.*?</svg>", html, re.S)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title"' in svg
    assert '<title id="chart-title">Confirmed registrations over time</title>' in svg
    assert ("1 on March 1, 2027, 3 on March 4, 2027. The event has 40 seats.</desc>"
            in svg)
    # Four days, each a point of the running total, and the 40 seats as a dashed line.
    points = re.search(r'<polyline class="chart-line" points="([^"]+)"', svg).group(1).split()
    assert len(points) == 4
    heights = [float(point.split(",")[1]) for point in points]
    assert heights[1] == heights[2] < heights[0] and heights[3] < heights[2]
    assert 'class="chart-limit"' in svg and ">40 seats<" in svg
    assert "style=" not in svg and "<script" not in svg


def test_the_events_list_shows_each_events_key_figures(organiser, busy_event, db):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027", publish=False)
    register(other["event"], other["ticket"], name="Ida Holm", email="ida@example.org")

    text = words(in_english(organiser).get("/manage/").get_data(as_text=True))
    assert "Vårkonferensen" in text and "Höstkursen" in text
    assert "Registrations 8 of 104 seats Received SEK 2,650 Checked in now 2" in text
    # Höstkursen's free ticket has no limit, so the event has none either.
    assert "Registrations 1 no overall limit Received 0 Checked in now 0" in text


def test_the_overdue_rule_in_sql_agrees_with_the_invoice_pages(conference, db):
    """Unpaid invoices due yesterday, today and tomorrow at the event's place, with and
    without a stored due day; the database picks the same ones as invoicing.is_overdue."""
    event = conference["event"]
    today = event.today()
    cases = []
    for days_ago in (29, 30, 31):
        for stored_due in (True, False):
            made = invoice(conference, f"Kund{days_ago}{stored_due} Ek",
                           now=utcnow() - timedelta(days=days_ago))
            if not stored_due:  # an invoice from before the due day was stored
                made.invoice_due_on = None
            cases.append(made)
    # Issued a minute after and a minute before the event's midnight 30 days ago: due today
    # (not overdue yet) and yesterday (overdue), though both are the same day in UTC.
    for minutes in (1, -1):
        made = invoice(conference, f"Midnatt{minutes} Ek")
        made.invoice_due_on = None
        made.invoiced_at = (event.to_utc(today - timedelta(days=30), clock(0))
                            + timedelta(minutes=minutes))
        cases.append(made)
    db.session.commit()
    expected = {order.id for order in cases if invoicing.is_overdue(order, today)}
    found = set(db.session.scalars(
        select(Order.id).where(Order.id.in_([o.id for o in cases]),
                               overdue_condition(event, today))))
    assert found == expected
    assert 0 < len(expected) < len(cases)


def test_the_event_home_costs_the_same_queries_for_10_and_200_registrations(
        app, organiser, conference, db):
    event, paid = conference["event"], conference["paid"]
    paid.capacity = None
    db.session.commit()
    until = utcnow()
    bulk_registrations(event, paid, 10, until=until)
    small = queries_for(organiser, HOME)
    small_list = queries_for(organiser, "/manage/")
    bulk_registrations(event, paid, 190, until=until, start=10)
    for n in range(4):
        build_conference(name=f"Kurs {n}", slug=f"kurs-{n}-2027", publish=False)
    text = words(in_english(organiser).get(HOME).get_data(as_text=True))
    assert "Registrations 190 no overall limit" in text  # 200 less every 20th, cancelled
    assert queries_for(organiser, HOME) == small
    assert queries_for(organiser, "/manage/") == small_list
    assert small <= 10 and small_list <= 7, (small, small_list)


def test_only_organisers_see_the_figures(app, client, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    assert door.get(HOME).status_code == 403
    assert door.get("/manage/").status_code == 403
    assert client.get(HOME).status_code == 302  # to the login page


def test_the_programme_has_a_page_of_its_own(organiser, conference):
    html = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert "Peer support i vården" in html and "Stora salen" in html
    assert f'<a href="/manage/e/{SLUG}/">Vårkonferensen</a>' in html
