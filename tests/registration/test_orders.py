"""An employer registers several staff in one order; tickets have capacities, an overall event
capacity, access codes and sales windows; an unpaid card order holds its seats for a while."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db_types import utcnow
from app.orders import services as orders
from app.orders.models import Order
from app.registration import services
from app.registration.models import Registration
from app.tickets.models import TicketType
from tests.factories import card_order

SLUG = "varkonferensen-2027"


def attendee(i, **extra):
    return {f"a{i}-name": f"Kollega {i}", f"a{i}-email": f"kollega{i}@region.example",
            f"a{i}-organisation": "Region Örebro län", **extra}


def group_form(count, **extra):
    data = {"buyer_name": "Eva Chef", "buyer_email": "eva.chef@region.example"}
    for i in range(count):
        data.update(attendee(i))
    data.update(extra)
    return data


def count(model, *where):
    return services.db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_employer_registers_three_colleagues_in_one_order(client, conference, mailbox, db):
    free = conference["ticket"]
    page = client.get(f"/e/{SLUG}/register?t{free.id}=3")
    html = page.get_data(as_text=True)
    assert 'name="a2-email"' in html and 'name="buyer_email"' in html
    # Needs are asked of each colleague with their own consent, not of the buyer.
    assert "dietary_needs" not in html
    single = client.get(f"/e/{SLUG}/register?t{free.id}=1").get_data(as_text=True)
    assert 'name="a0-dietary_needs"' in single

    response = client.post(f"/e/{SLUG}/register?t{free.id}=3", data=group_form(3))
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert order.buyer_email == "eva.chef@region.example" and order.status == "confirmed"
    assert [r.email for r in order.registrations] == [
        "kollega0@region.example", "kollega1@region.example", "kollega2@region.example"]
    assert len({r.badge_token for r in order.registrations}) == 3
    assert len({r.manage_token for r in order.registrations}) == 3

    messages = mailbox.wait_for(4)
    assert sorted(m["To"] for m in messages) == sorted(
        ["eva.chef@region.example", "kollega0@region.example", "kollega1@region.example",
         "kollega2@region.example"])
    [to_buyer] = mailbox.to("eva.chef@region.example")
    assert order.code in to_buyer["Subject"]
    assert mailbox.link(to_buyer, "/o/") == f"/o/{order.manage_token}"

    order_page = client.get(f"/o/{order.manage_token}").get_data(as_text=True)
    for registration in order.registrations:
        assert registration.name in order_page
        assert f"/o/{order.manage_token}/badges/{registration.id}.pdf" in order_page
        # Each attendee's own page (with what they told the organisers) is theirs alone.
        assert registration.manage_token not in order_page


def test_a_group_needs_the_buyer_and_distinct_addresses(client, conference, db):
    free = conference["ticket"]
    data = group_form(2)
    del data["buyer_email"]
    assert client.post(f"/e/{SLUG}/register?t{free.id}=2", data=data).status_code == 400
    same = group_form(2, **{"a1-email": "kollega0@region.example"})
    response = client.post(f"/e/{SLUG}/register?t{free.id}=2", data=same)
    assert response.status_code == 409
    assert "egen e-postadress" in response.get_data(as_text=True)
    assert count(Registration) == 0 and count(Order) == 0


def test_an_order_bigger_than_the_seats_left_is_refused_whole(client, conference, db):
    free = conference["ticket"]
    free.capacity = 2
    db.session.commit()
    response = client.post(f"/e/{SLUG}/register?t{free.id}=3", data=group_form(3))
    assert response.status_code == 409
    assert "slutsåld" in response.get_data(as_text=True)
    assert count(Registration) == 0 and count(Order) == 0
    db.session.refresh(free)
    assert free.seats_taken == 0


def test_event_capacity_limits_all_ticket_types_together(conference, db, app):
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]
    event.capacity = 2
    db.session.commit()
    services.place_order(event, "A", "a@example.org", "sv",
                         [(free, services.Attendee(name="A", email="a@example.org"))])
    services.place_order(event, "B", "b@example.org", "sv",
                         [(paid, services.Attendee(name="B", email="b@example.org"))],
                         payment_method="invoice",
                         billing=services.Billing(name="Region", address="Box 1, Örebro"))
    db.session.commit()
    with pytest.raises(services.SoldOut):
        services.place_order(event, "C", "c@example.org", "sv",
                             [(free, services.Attendee(name="C", email="c@example.org"))])
    db.session.refresh(event)
    db.session.refresh(free)
    assert event.seats_taken == 2 and free.seats_taken == 1
    assert count(Registration) == 2


def test_access_code_tickets_are_hidden_until_the_code_is_given(client, conference, db):
    speakers = TicketType(event=conference["event"], name="Talarbiljett", price_ore=0,
                          visibility="code", access_code="TALARE2027", position=2)
    db.session.add(speakers)
    db.session.commit()
    assert "Talarbiljett" not in client.get(f"/e/{SLUG}/register").get_data(as_text=True)
    with_code = client.get(f"/e/{SLUG}/register?code=talare2027").get_data(as_text=True)
    assert "Talarbiljett" in with_code

    # Without the code the ticket does not exist as far as the visitor can tell.
    assert client.get(f"/e/{SLUG}/register?t{speakers.id}=1").status_code == 404
    without = client.post(f"/e/{SLUG}/register?t{speakers.id}=1", data=attendee(0))
    assert without.status_code == 404 and count(Registration) == 0
    wrong = client.post(f"/e/{SLUG}/register?t{speakers.id}=1&code=GISSNING",
                        data=attendee(0))
    assert wrong.status_code == 404 and count(Registration) == 0
    with pytest.raises(services.RegistrationError):
        services.place_order(conference["event"], "A", "a@example.org", "sv",
                             [(speakers, services.Attendee(name="A", email="a@example.org"))])
    right = client.post(f"/e/{SLUG}/register?t{speakers.id}=1&code=TALARE2027",
                        data=attendee(0))
    assert right.status_code == 303 and count(Registration) == 1


def test_tickets_outside_their_sales_window_cannot_be_bought(client, conference, db):
    free = conference["ticket"]
    free.sales_start = utcnow() + timedelta(days=3)
    db.session.commit()
    page = client.get(f"/e/{SLUG}/register").get_data(as_text=True)
    assert "Till salu från" in page
    response = client.post(f"/e/{SLUG}/register?t{free.id}=1", data=attendee(0))
    assert response.status_code == 409 and "inte börjat" in response.get_data(as_text=True)
    free.sales_start, free.sales_end = None, utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/e/{SLUG}/register?t{free.id}=1", data=attendee(0))
    assert response.status_code == 409 and count(Registration) == 0


def test_more_tickets_than_one_order_may_hold_is_refused(client, conference, app, db):
    limit = app.config["MAX_TICKETS_PER_ORDER"]
    response = client.get(f"/e/{SLUG}/register?t{conference['ticket'].id}={limit + 1}")
    assert response.status_code == 400


def test_invoice_order_is_confirmed_at_once_to_be_invoiced(client, conference, mailbox, db):
    paid = conference["paid"]
    data = {**attendee(0), "payment_method": "invoice", "billing_name": "Region Örebro län",
            "billing_org_number": "232100-0164", "billing_address": "Box 1613\n701 16 Örebro",
            "invoice_reference": "Kst 4711", "peppol_id": "0007:2321000164"}
    response = client.post(f"/e/{SLUG}/register?t{paid.id}=1", data=data)
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert order.status == "confirmed" and order.payment_status == "to_invoice"
    assert order.invoice_number >= 1 and order.invoice_reference == "Kst 4711"
    assert order.total_ore == 95000 and order.registrations[0].vat_percent == 25
    assert order.registrations[0].status == "confirmed"
    # Alone: they land on their own page, which leads to the order with its invoice; 950 kr
    # including 25 % VAT holds 190 kr of VAT.
    own_page = response.headers["Location"]
    assert own_page.endswith(f"/r/{order.registrations[0].manage_token}")
    assert f"/o/{order.manage_token}" in client.get(own_page).get_data(as_text=True)
    page = client.get(f"/o/{order.manage_token}").get_data(as_text=True)
    assert "varav moms 25 %" in page and "190\u00a0kr" in page


def test_invoice_needs_a_name_and_an_address(client, conference, db):
    data = {**attendee(0), "payment_method": "invoice", "billing_name": ""}
    response = client.post(f"/e/{SLUG}/register?t{conference['paid'].id}=1", data=data)
    assert response.status_code == 400 and count(Order) == 0


def test_invoice_numbers_are_a_gap_free_series(conference, db):
    event, paid = conference["event"], conference["paid"]
    numbers = []
    for i in range(3):
        order = services.place_order(
            event, "K", f"k{i}@example.org", "sv",
            [(paid, services.Attendee(name="K", email=f"k{i}@example.org"))],
            payment_method="invoice", billing=services.Billing(name="R", address="Gata 1"))
        numbers.append(order.invoice_number)
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_card_order_holds_its_seat_until_the_hold_runs_out(conference, app, db, mailbox):
    paid = conference["paid"]
    order = card_order(conference)
    assert order.status == "pending" and order.registrations[0].status == "pending"
    assert order.hold_expires_at > utcnow() + timedelta(minutes=14)
    db.session.refresh(paid)
    assert paid.seats_taken == 1
    assert orders.expire_holds() == 0

    assert orders.expire_holds(now=utcnow() + timedelta(minutes=16)) == 1
    db.session.commit()
    db.session.refresh(order)
    db.session.refresh(paid)
    assert order.status == "expired" and order.registrations[0].status == "expired"
    assert paid.seats_taken == 0
    assert mailbox.messages == []


def test_the_same_address_can_try_again_after_its_hold_expired(conference, app, db):
    card_order(conference, minutes_ago=20)
    again = card_order(conference)
    assert again.status == "pending"
    assert count(Registration, Registration.status == "expired") == 1


def test_confirming_a_pending_order_twice_confirms_once(conference, app, db, mailbox):
    order = card_order(conference)
    assert orders.confirm_order(order) is True
    db.session.commit()
    assert orders.confirm_order(order) is False
    db.session.commit()
    assert order.registrations[0].status == "confirmed"
    mailbox.wait_for(1)
    assert len(mailbox.to("kort@example.org")) >= 1


def test_cancelling_an_order_gives_all_seats_back(client, conference, db):
    free = conference["ticket"]
    client.post(f"/e/{SLUG}/register?t{free.id}=2", data=group_form(2))
    order = db.session.scalar(select(Order))
    refused = client.post(f"/o/{order.manage_token}/cancel", data={})
    assert refused.status_code == 400
    response = client.post(f"/o/{order.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    again = client.post(f"/o/{order.manage_token}/cancel", data={"confirm": "y"})
    assert again.status_code == 303
    db.session.refresh(order)
    db.session.refresh(free)
    assert order.status == "cancelled" and free.seats_taken == 0
    assert {r.status for r in order.registrations} == {"cancelled"}


def test_a_wrong_order_link_is_not_found(client, conference):
    assert client.get("/o/nonexistent-token").status_code == 404
    assert client.get("/o/" + "x" * 300).status_code == 404
    assert client.post("/o/nonexistent-token/cancel", data={"confirm": "y"}).status_code == 404


def test_invoice_is_offered_only_when_the_seller_details_are_complete(client, conference, db):
    paid = conference["paid"]
    assert 'value="invoice"' in client.get(f"/e/{SLUG}/register?t{paid.id}=1").get_data(
        as_text=True)
    conference["event"].seller_vat_number = ""
    db.session.commit()
    page = client.get(f"/e/{SLUG}/register?t{paid.id}=1").get_data(as_text=True)
    assert 'value="invoice"' not in page
    with pytest.raises(services.RegistrationError):
        services.place_order(
            conference["event"], "K", "k@example.org", "sv",
            [(paid, services.Attendee(name="K", email="k@example.org"))],
            payment_method="invoice", billing=services.Billing(name="R", address="Gata 1"))
    assert count(Order) == 0


def test_two_attendees_of_one_order_cancelling_leave_the_order_cancelled(client, conference,
                                                                         db):
    client.post(f"/e/{SLUG}/register?t{conference['ticket'].id}=2", data=group_form(2))
    order = db.session.scalar(select(Order))
    first, second = order.registrations
    assert services.cancel(first) is True
    db.session.refresh(order)
    assert order.status == "confirmed"
    assert services.cancel(second) is True
    db.session.refresh(order)
    assert order.status == "cancelled"


def test_the_event_page_lists_public_tickets_only_in_the_visitors_language(client, conference,
                                                                          db):
    conference["paid"].name_en = "Standard"
    db.session.add(TicketType(event=conference["event"], name="Talarbiljett", price_ore=0,
                              visibility="code", access_code="TALARE", position=3))
    db.session.commit()
    page = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "Ordinarie" in page and "Talarbiljett" not in page
    client.get("/language/en")
    page = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "Standard" in page and "Talarbiljett" not in page
