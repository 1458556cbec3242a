"""An attendee pays a ticket by card on Stripe's page (the local stand-in), the webhook confirms
the order, and a hold that runs out gives the seats back; a payment after that is taken if the
seats are still there and paid back if they are not."""

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.db_types import utcnow
from app.orders import services as orders
from app.orders.models import Order
from app.payments.models import Refund, StripeEvent
from app.registration import services as registration
from app.registration.models import Registration
from tests.factories import card_order

SLUG = "varkonferensen-2027"


# --- helpers the other payment tests use too ---------------------------------------------------

def attendee(i, **extra):
    return {f"a{i}-name": f"Kollega {i}", f"a{i}-email": f"kollega{i}@region.example",
            f"a{i}-organisation": "Region Örebro län", **extra}


def card_form(count=1, **extra):
    data = {"payment_method": "card"}
    if count > 1:
        data.update(buyer_name="Eva Chef", buyer_email="eva.chef@region.example")
    for i in range(count):
        data.update(attendee(i))
    data.update(extra)
    return data


def order_by_card(client, conference, db, count=1, **extra) -> Order:
    """Register `count` attendees on the paid ticket, choosing card: a pending order."""
    paid = conference["paid"]
    response = client.post(f"/e/{SLUG}/register?t{paid.id}={count}", data=card_form(count, **extra))
    assert response.status_code == 303, response.get_data(as_text=True)
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert urlsplit(response.location).path == f"/o/{order.manage_token}/pay"
    return order


def go_to_stripe(client, order) -> str:
    response = client.get(f"/o/{order.manage_token}/pay")
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location


def paid_order(client, conference, db, stripe_standin, count=1) -> Order:
    """A card order paid on the stand-in's page and confirmed by its webhook."""
    order = order_by_card(client, conference, db, count)
    stripe_standin.pay(go_to_stripe(client, order))
    db.session.refresh(order)
    assert order.status == "confirmed" and order.payment_status == "paid"
    return order


def count(model, *where):
    return registration.db.session.scalar(select(func.count()).select_from(model).where(*where))


def place_card_order(conference, email="sen@example.org", language="sv", minutes_ago=0):
    return card_order(conference, email, "Sen Betalare", language, minutes_ago)


# --- paying ------------------------------------------------------------------------------------

def test_attendee_pays_by_card_and_gets_the_confirmation_with_badge(
        client, conference, db, mailbox, stripe_standin):
    order = order_by_card(client, conference, db)
    assert order.status == "pending" and order.payment_status == "awaiting"
    assert mailbox.messages == []

    url = go_to_stripe(client, order)
    assert url.startswith(f"{stripe_standin.base_url}/pay/cs_test_")
    [created] = stripe_standin.session_created()
    assert created.idempotency_key == f"samla-order-{order.id}-checkout"
    params = created.params
    assert params["mode"] == "payment" and params["locale"] == "sv"
    assert params["customer_email"] == "kollega0@region.example"
    assert params["client_reference_id"] == order.code
    assert params["metadata"]["order_id"] == str(order.id)
    assert params["line_items"] == [{"quantity": "1", "price_data": {
        "currency": "sek", "unit_amount": "95000",
        "product_data": {"name": "Ordinarie – Vårkonferensen"}}}]
    assert params["success_url"] == f"http://localhost/o/{order.manage_token}?paid=1"
    assert params["cancel_url"] == f"http://localhost/o/{order.manage_token}"
    # The 15-minute hold is shorter than Stripe allows for expires_at: the sweep ends it.
    assert "expires_at" not in params

    paid = stripe_standin.pay(url)
    assert paid.status_code == 303
    assert paid.headers["Location"] == params["success_url"]
    [delivery] = stripe_standin.deliveries
    assert delivery.status == 200 and delivery.answer["outcome"] == "confirmed"

    db.session.refresh(order)
    assert order.status == "confirmed" and order.payment_status == "paid"
    assert order.paid_at is not None and order.hold_expires_at is None
    session = stripe_standin.session_for(url)
    assert order.stripe_checkout_id == session["id"]
    assert order.stripe_payment_intent == session["payment_intent"]
    assert order.registrations[0].status == "confirmed"

    mailbox.wait_for(1)
    [confirmation] = [m for m in mailbox.to("kollega0@region.example")
                      if "Vårkonferensen" in m["Subject"] and "namnbricka.pdf" in
                      [a.get_filename() for a in m.iter_attachments()]]
    assert "/r/" in mailbox.body(confirmation)

    page = client.get(urlsplit(paid.headers["Location"]).path + "?paid=1")
    assert page.status_code == 200


def test_a_double_submit_makes_one_checkout_session(client, conference, db, stripe_standin):
    order = order_by_card(client, conference, db)
    first = client.post(f"/o/{order.manage_token}/pay")
    second = client.post(f"/o/{order.manage_token}/pay")
    again = client.get(f"/o/{order.manage_token}/pay")
    assert first.status_code == second.status_code == again.status_code == 303
    assert first.location == second.location == again.location
    assert len(stripe_standin.session_created()) == 1
    assert len(stripe_standin.sessions) == 1


def test_two_checkouts_racing_for_one_order_get_the_same_session(conference, db, stripe_standin,
                                                                  app):
    """Both requests reached Stripe before either stored the session: the idempotency key
    makes Stripe answer the second with the first one's session."""
    from app.payments import gateway

    order = place_card_order(conference)
    params = gateway.checkout_params(order)
    first = gateway.create_checkout_session(order.id, params)
    second = gateway.create_checkout_session(order.id, params)
    assert first == second and len(stripe_standin.sessions) == 1


def test_the_payment_page_speaks_english_to_an_english_buyer(
        client, conference, db, stripe_standin):
    client.get("/language/en")
    order = order_by_card(client, conference, db, count=2)
    assert order.language == "en"
    go_to_stripe(client, order)
    [created] = stripe_standin.session_created()
    assert created.params["locale"] == "en"
    assert created.params["customer_email"] == "eva.chef@region.example"
    # Two seats of one ticket type: one line with quantity 2.
    assert created.params["line_items"][0]["quantity"] == "2"
    assert created.params["line_items"][0]["price_data"]["product_data"]["name"] == \
        "Ordinarie – Vårkonferensen"


def test_a_hold_long_enough_for_stripe_ends_the_session_with_it(
        client, conference, db, stripe_standin, monkeypatch, app):
    monkeypatch.setitem(app.config, "SEAT_HOLD_MINUTES", 45)
    order = order_by_card(client, conference, db)
    go_to_stripe(client, order)
    [created] = stripe_standin.session_created()
    assert int(created.params["expires_at"]) == int(order.hold_expires_at.timestamp())


def test_an_order_that_can_no_longer_be_paid_says_why(client, conference, db, stripe_standin):
    order = place_card_order(conference, minutes_ago=20)  # its 15-minute hold has run out
    response = client.get(f"/o/{order.manage_token}/pay")
    assert response.status_code == 303
    assert urlsplit(response.location).path == f"/o/{order.manage_token}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Tiden för att betala beställningen gick ut" in page
    assert stripe_standin.requests == []
    db.session.refresh(order)
    assert order.status == "expired"

    free = registration.place_order(
        conference["event"], "Fri", "fri@example.org", "sv",
        [(conference["ticket"], registration.Attendee(name="Fri", email="fri@example.org"))])
    response = client.post(f"/o/{free.manage_token}/pay", follow_redirects=True)
    assert response.status_code == 200
    assert "betalas inte med kort" in response.get_data(as_text=True)


def test_a_paid_order_is_not_paid_twice(client, conference, db, stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    response = client.get(f"/o/{order.manage_token}/pay", follow_redirects=True)
    assert "redan betald" in response.get_data(as_text=True)
    assert len(stripe_standin.session_created()) == 1


def test_when_stripe_refuses_the_buyer_is_told_and_the_seat_stays_held(
        client, conference, db, stripe_standin, monkeypatch, app):
    order = order_by_card(client, conference, db)
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_revoked")
    response = client.get(f"/o/{order.manage_token}/pay")
    assert response.status_code == 503
    assert "gick inte att öppna just nu" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == "pending" and order.stripe_checkout_id is None

    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", stripe_standin.api_key)
    assert go_to_stripe(client, order).startswith(stripe_standin.base_url)


def test_an_unknown_order_link_is_not_found(client, stripe_standin):
    assert client.get("/o/no-such-order/pay").status_code == 404


def test_registering_again_while_the_order_waits_for_payment_sends_its_link(
        client, conference, db, mailbox, stripe_standin):
    order = order_by_card(client, conference, db, count=2)
    paid = conference["paid"]
    again = client.post(f"/e/{SLUG}/register?t{paid.id}=1",
                        data={"payment_method": "card", **attendee(0, **{
                            "a0-email": "Kollega1@Region.example"})})
    assert again.status_code == 409
    assert ("Om adressen är anmäld eller har en beställning som väntar på betalning har vi "
            "skickat länken till den igen.") in again.get_data(as_text=True)
    # The buyer of the waiting order gets its link, where they can pay.
    [message] = mailbox.wait_for(1)
    assert message["To"] == "eva.chef@region.example"
    assert message["Subject"] == f"Din beställning {order.code}: Vårkonferensen"
    assert mailbox.link(message, "/o/") == f"/o/{order.manage_token}"
    assert "väntar på betalning" in mailbox.body(message)
    assert count(Order) == 1


# --- holds that run out ------------------------------------------------------------------------

def test_the_sweep_releases_unpaid_seats_and_ends_the_stripe_session(
        client, conference, db, stripe_standin, app):
    paid_ticket = conference["paid"]
    order = order_by_card(client, conference, db)
    url = go_to_stripe(client, order)
    db.session.refresh(paid_ticket)
    assert paid_ticket.seats_taken == 1

    runner = app.test_cli_runner()
    result = runner.invoke(args=["payments", "expire-holds"])
    assert result.exit_code == 0 and "expired orders: 0" in result.output

    db.session.execute(
        Order.__table__.update().where(Order.id == order.id)
        .values(hold_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["payments", "expire-holds"])
    assert result.exit_code == 0, result.output
    assert "expired orders: 1, Stripe sessions ended: 1" in result.output
    db.session.rollback()
    db.session.refresh(order)
    db.session.refresh(paid_ticket)
    assert order.status == "expired" and order.registrations[0].status == "expired"
    assert paid_ticket.seats_taken == 0
    assert stripe_standin.session_for(url)["status"] == "expired"
    assert order.stripe_checkout_url is None  # done: the next sweep leaves it alone

    result = runner.invoke(args=["payments", "expire-holds"])
    assert "Stripe sessions ended: 0" in result.output
    assert len(stripe_standin.calls("POST", "/v1/checkout/sessions/")) == 1

    # Stripe's own "expired" event for the session arrives afterwards and changes nothing.
    [expired_event] = stripe_standin.undelivered
    assert stripe_standin.send(expired_event).answer["outcome"] == "ignored"
    response = client.get(f"/o/{order.manage_token}/pay", follow_redirects=True)
    assert "gick ut" in response.get_data(as_text=True)


def test_the_celery_beat_runs_the_sweep_every_minute(app):
    from celery import _state

    from app.tasks import celery_init_app

    previous = _state.default_app
    celery = celery_init_app(app)
    try:
        schedule = celery.conf.beat_schedule["expire-payment-holds"]
        assert schedule == {"task": "samla.expire_payment_holds", "schedule": 60.0}
        assert "samla.expire_payment_holds" in celery.tasks
        # Refunds whose answer from Stripe never came are asked about again.
        retry = celery.conf.beat_schedule["retry-pending-refunds"]
        assert retry == {"task": "samla.retry_pending_refunds", "schedule": 300.0}
        assert "samla.retry_pending_refunds" in celery.tasks
    finally:
        app.extensions.pop("celery", None)
        _state.set_default_app(previous)


def test_the_order_page_releases_a_lapsed_hold_by_itself(client, conference, db, stripe_standin):
    order = place_card_order(conference, minutes_ago=16)
    page = client.get(f"/o/{order.manage_token}")
    assert page.status_code == 200
    db.session.refresh(order)
    db.session.refresh(conference["paid"])
    assert order.status == "expired" and conference["paid"].seats_taken == 0


# --- paying late -------------------------------------------------------------------------------

def _lapse(db, order):
    """The hold runs out while the buyer is still on Stripe's page (the order page notices)."""
    db.session.execute(
        Order.__table__.update().where(Order.id == order.id)
        .values(hold_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert orders.expire_holds() == 1
    db.session.commit()
    db.session.refresh(order)
    assert order.status == "expired"


def test_a_late_payment_is_taken_when_the_seat_is_still_free(
        client, conference, db, mailbox, stripe_standin):
    order = order_by_card(client, conference, db)
    url = go_to_stripe(client, order)
    _lapse(db, order)

    stripe_standin.pay(url)
    assert stripe_standin.deliveries[0].answer["outcome"] == "confirmed_late"
    db.session.refresh(order)
    assert order.status == "confirmed" and order.payment_status == "paid"
    assert order.registrations[0].status == "confirmed"
    db.session.refresh(conference["paid"])
    assert conference["paid"].seats_taken == 1
    assert stripe_standin.refunds == []
    mailbox.wait_for(1)
    assert mailbox.to("kollega0@region.example")


def test_a_late_payment_for_a_seat_that_is_gone_is_refunded_and_explained(
        client, conference, db, mailbox, stripe_standin):
    paid_ticket = conference["paid"]
    paid_ticket.capacity = 1
    db.session.commit()
    order = order_by_card(client, conference, db)
    url = go_to_stripe(client, order)
    _lapse(db, order)
    # Someone else takes the only seat meanwhile (by invoice).
    registration.place_order(
        conference["event"], "Snabb", "snabb@example.org", "sv",
        [(paid_ticket, registration.Attendee(name="Snabb", email="snabb@example.org"))],
        payment_method="invoice", billing=registration.Billing(name="Region", address="Gata 1"))
    db.session.commit()
    mailbox.wait_for(1)
    mailbox.clear()

    stripe_standin.pay(url)
    assert stripe_standin.deliveries[0].answer["outcome"] == "refunded_late"
    db.session.refresh(order)
    assert order.status == "expired" and order.payment_status == "refunded"
    assert order.refunded_ore == 95000
    [refund] = stripe_standin.refunds
    assert refund["amount"] == 95000
    assert refund["payment_intent"] == stripe_standin.session_for(url)["payment_intent"]
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"samla-order-{order.id}-late_payment"
    stored = db.session.scalar(select(Refund))
    assert stored.reason == "late_payment" and stored.status == "succeeded"
    assert stored.stripe_refund_id == refund["id"]

    [message] = mailbox.wait_for(1)
    assert message["To"] == "kollega0@region.example"
    assert "Vårkonferensen" in message["Subject"]  # in Swedish, once translated
    body = mailbox.body(message)
    assert order.code in body and "950\u00a0kr" in body
    assert f"/e/{SLUG}/" in body
    assert count(Registration, Registration.status == "confirmed") == 1  # only the other buyer


def test_a_late_payment_in_english_is_explained_in_english(
        client, conference, db, mailbox, stripe_standin):
    conference["paid"].capacity = 1
    db.session.commit()
    order = place_card_order(conference, email="late@example.org", language="en")
    url = go_to_stripe(client, order)
    _lapse(db, order)
    conference["paid"].capacity = 0  # the organiser closed the ticket meanwhile
    db.session.commit()

    stripe_standin.pay(url)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your payment for Vårkonferensen has been refunded"
    assert "refunded the whole amount" in mailbox.body(message)
    assert db.session.scalar(select(StripeEvent.outcome)) == "refunded_late"
