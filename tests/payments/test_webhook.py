"""Stripe's webhook: only events Stripe signed over this very body in the last five minutes are
acted on, each exactly once; everything else is refused (400) or acknowledged and ignored
(200) without changing anything."""

import json
import time

import stripe
from sqlalchemy import select

from app.orders.models import Order
from app.payments.models import StripeEvent
from app.registration import services as registration
from tests.payments.test_card_payment import count, go_to_stripe, order_by_card


def signed(payload: str, secret: str, timestamp: int | None = None) -> dict:
    return {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp), "Content-Type": "application/json"}


def paid_event(stripe_standin, url, type_="checkout.session.completed", **changes):
    """The event Stripe sends when the buyer has paid the session behind `url`."""
    session = stripe_standin.session_for(url)
    stripe_standin.complete(session["id"])
    return stripe_standin.event(type_, {**session, **changes})


def post(client, event, secret, timestamp=None, body=None):
    payload = body if body is not None else json.dumps(event)
    return client.post("/stripe/webhook", data=payload,
                       headers=signed(payload, secret, timestamp))


def pending_order(client, conference, db, stripe_standin):
    order = order_by_card(client, conference, db)
    return order, go_to_stripe(client, order)


def test_a_signed_payment_event_confirms_the_order(client, conference, db, mailbox,
                                                   stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    event = paid_event(stripe_standin, url)
    response = post(client, event, stripe_standin.webhook_secret)
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "confirmed"}
    db.session.refresh(order)
    assert order.status == "confirmed" and order.payment_status == "paid"
    recorded = db.session.scalar(select(StripeEvent))
    assert recorded.stripe_id == event["id"] and recorded.order_id == order.id
    assert recorded.type == "checkout.session.completed" and recorded.outcome == "confirmed"


def test_the_same_event_twice_confirms_once_and_sends_one_email(
        client, conference, db, mailbox, stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    event = paid_event(stripe_standin, url)
    assert post(client, event, stripe_standin.webhook_secret).status_code == 200
    sent = len(mailbox.wait_for(1))
    again = post(client, event, stripe_standin.webhook_secret)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    # Stripe also sends async_payment_succeeded for some methods: the payment counts once.
    other = stripe_standin.event("checkout.session.async_payment_succeeded",
                                 stripe_standin.session_for(url))
    assert post(client, other, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "already_paid"
    time.sleep(0.3)
    assert len(mailbox.messages) == sent
    assert count(StripeEvent) == 2
    confirmations = [m for m in mailbox.to("kollega0@region.example")
                     if "namnbricka.pdf" in [a.get_filename() for a in m.iter_attachments()]]
    assert len(confirmations) == 1


def test_a_wrong_signature_is_refused_and_changes_nothing(client, conference, db,
                                                          stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    event = paid_event(stripe_standin, url)
    response = post(client, event, "whsec_someone_else")
    assert response.status_code == 400
    unsigned = client.post("/stripe/webhook", data=json.dumps(event),
                           content_type="application/json")
    assert unsigned.status_code == 400
    garbage = client.post("/stripe/webhook", data=json.dumps(event),
                          headers={"Stripe-Signature": "t=abc,v1=zzz"})
    assert garbage.status_code == 400
    db.session.refresh(order)
    assert order.status == "pending" and count(StripeEvent) == 0


def test_an_old_signature_is_refused_as_a_replay(client, conference, db, stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    event = paid_event(stripe_standin, url)
    response = post(client, event, stripe_standin.webhook_secret,
                    timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    db.session.refresh(order)
    assert order.status == "pending" and count(StripeEvent) == 0
    fresh = post(client, event, stripe_standin.webhook_secret,
                 timestamp=int(time.time()) - 240)
    assert fresh.status_code == 200


def test_a_re_serialised_body_no_longer_matches_its_signature(client, conference, db,
                                                              stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    event = paid_event(stripe_standin, url)
    payload = json.dumps(event, indent=2)
    headers = signed(payload, stripe_standin.webhook_secret)
    same_data = json.dumps(json.loads(payload))  # same event, different bytes
    assert same_data != payload
    response = client.post("/stripe/webhook", data=same_data, headers=headers)
    assert response.status_code == 400
    db.session.refresh(order)
    assert order.status == "pending"
    assert client.post("/stripe/webhook", data=payload, headers=headers).status_code == 200


def test_an_event_for_an_unknown_session_is_acknowledged_and_ignored(client, conference, db,
                                                                     stripe_standin):
    order, _url = pending_order(client, conference, db, stripe_standin)
    event = stripe_standin.event("checkout.session.completed", {
        "id": "cs_test_not_ours", "object": "checkout.session", "payment_status": "paid",
        "amount_total": 95000, "currency": "sek", "metadata": {}})
    response = post(client, event, stripe_standin.webhook_secret)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "unknown_session"
    recorded = db.session.scalar(select(StripeEvent))
    assert recorded.outcome == "unknown_session" and recorded.order_id is None
    db.session.refresh(order)
    assert order.status == "pending"


def test_events_samla_does_not_use_are_acknowledged(client, stripe_standin):
    event = stripe_standin.event("customer.created", {"id": "cus_1", "object": "customer"})
    response = post(client, event, stripe_standin.webhook_secret)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_a_payment_of_the_wrong_amount_does_not_confirm(client, conference, db, mailbox,
                                                        organiser, stripe_standin):
    """It is not kept either: the whole payment goes back to the card, the buyer is told why,
    the seats are released, and the organiser sees it on the order's page."""
    from app.payments.models import Refund
    from tests.payments.test_card_payment import SLUG

    order, url = pending_order(client, conference, db, stripe_standin)
    cheap = paid_event(stripe_standin, url, amount_total=100)
    intent = cheap["data"]["object"]["payment_intent"]
    assert post(client, cheap, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "refunded_mismatch"
    # Another event about the same payment refunds nothing more.
    euros = stripe_standin.event("checkout.session.async_payment_succeeded",
                                 {**stripe_standin.session_for(url), "currency": "eur"})
    assert post(client, euros, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "amount_mismatch"
    db.session.refresh(order)
    assert order.status == "expired" and order.payment_status == "awaiting"
    assert order.registrations[0].status == "expired" and order.refunded_ore == 0
    assert order.stripe_payment_intent == intent
    db.session.refresh(conference["paid"])
    assert conference["paid"].seats_taken == 0
    outcomes = db.session.scalars(select(StripeEvent.outcome).order_by(StripeEvent.id)).all()
    assert outcomes == ["refunded_mismatch", "amount_mismatch"]

    [made] = stripe_standin.refunds
    assert made["amount"] == 100 and made["payment_intent"] == intent
    refund = db.session.scalar(select(Refund))
    assert refund.reason == "amount_mismatch" and refund.status == "succeeded"
    assert refund.amount_ore == 100 and refund.currency == "SEK"
    assert refund.stripe_refund_id == made["id"]
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"samla-refund-{refund.id}"
    assert call.params["metadata"]["samla_refund_id"] == str(refund.id)

    [message] = mailbox.wait_for(1)
    assert message["To"] == "kollega0@region.example"
    assert message["Subject"] == "Din betalning för Vårkonferensen har betalats tillbaka"
    body = mailbox.body(message)
    assert "Därför kunde vi inte bekräfta beställningen" in body
    assert order.code in body and "1\u00a0kr" in body and "950\u00a0kr" in body

    page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "Betalning med fel belopp eller valuta" in page
    assert "Stripe tog emot en betalning som inte stämmer med beställningen" in page
    assert made["id"] in page and intent in page


def test_a_payment_in_another_currency_is_refunded_in_it_and_explained_in_english(
        client, conference, db, mailbox, stripe_standin):
    from app.payments.models import Refund
    from tests.payments.test_card_payment import place_card_order

    order = place_card_order(conference, email="euro@example.org", language="en")
    url = go_to_stripe(client, order)
    session = stripe_standin.complete(stripe_standin.session_for(url)["id"])
    euros = stripe_standin.event("checkout.session.completed", {**session, "currency": "eur"})
    assert post(client, euros, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "refunded_mismatch"
    refund = db.session.scalar(select(Refund))
    assert refund.currency == "EUR" and refund.amount_ore == 95000
    assert refund.status == "succeeded"
    db.session.refresh(order)
    assert order.status == "expired" and order.refunded_ore == 0

    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your payment for Vårkonferensen has been refunded"
    body = mailbox.body(message)
    assert "does not match the order" in body
    assert "EUR\u00a0950" in body and "SEK\u00a0950" in body


def test_a_delayed_payment_method_confirms_when_the_money_arrives(client, conference, db,
                                                                  stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    waiting = paid_event(stripe_standin, url, payment_status="unpaid")
    assert post(client, waiting, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "awaiting_payment"
    db.session.refresh(order)
    assert order.status == "pending"
    arrived = stripe_standin.event("checkout.session.async_payment_succeeded",
                                   stripe_standin.session_for(url))
    assert post(client, arrived, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "confirmed"
    db.session.refresh(order)
    assert order.status == "confirmed" and order.payment_status == "paid"


def test_a_failed_or_expired_session_gives_the_seats_back_now(client, conference, db,
                                                              stripe_standin):
    paid_ticket = conference["paid"]
    failed_order, failed_url = pending_order(client, conference, db, stripe_standin)
    other = order_by_card(client, conference, db, count=1,
                          **{"a0-email": "annan@example.org"})
    other_url = go_to_stripe(client, other)
    db.session.refresh(paid_ticket)
    assert paid_ticket.seats_taken == 2

    failed = stripe_standin.event("checkout.session.async_payment_failed",
                                  stripe_standin.session_for(failed_url))
    assert post(client, failed, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "expired"
    ended = stripe_standin.event("checkout.session.expired",
                                 {**stripe_standin.session_for(other_url), "status": "expired"})
    assert post(client, ended, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "expired"
    db.session.refresh(paid_ticket)
    assert paid_ticket.seats_taken == 0
    for order in (failed_order, other):
        db.session.refresh(order)
        assert order.status == "expired" and order.stripe_checkout_url is None
        assert order.registrations[0].status == "expired"


def test_the_webhook_is_closed_while_card_payment_is_not_configured(client, app):
    assert not app.config["STRIPE_WEBHOOK_SECRET"]
    response = client.post("/stripe/webhook", data="{}", headers=signed("{}", "whsec_x"))
    assert response.status_code == 404


def test_a_session_stripe_made_but_samla_never_stored_is_found_by_its_metadata(
        conference, db, stripe_standin, client):
    """The process stopped between Stripe's answer and our commit: the event still finds
    the order by the order id and code it carries."""
    from app.payments import gateway

    order = registration.place_order(
        conference["event"], "Kort", "kort@example.org", "sv",
        [(conference["paid"], registration.Attendee(name="Kort", email="kort@example.org"))],
        payment_method="card")
    session = gateway.create_checkout_session(order.id, gateway.checkout_params(order))
    event = paid_event(stripe_standin, session.url)
    assert post(client, event, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "confirmed"
    stored = db.session.scalar(select(Order).where(Order.id == order.id))
    assert stored.stripe_checkout_id == session.id and stored.status == "confirmed"


def test_a_refund_that_fails_later_at_stripe_is_counted_back(client, conference, db,
                                                             organiser, stripe_standin):
    from app.payments.models import Refund
    from tests.payments.test_card_payment import paid_order

    order = paid_order(client, conference, db, stripe_standin)
    organiser.post(f"/manage/e/{conference['event'].slug}/orders/{order.id}/refund",
                   data={"amount": "950", "seen_refunded_ore": "0"})
    db.session.refresh(order)
    assert order.payment_status == "refunded"
    [made] = stripe_standin.refunds

    failed = stripe_standin.event("refund.updated", {
        **made, "status": "failed", "failure_reason": "expired_or_canceled_card"})
    response = post(client, failed, stripe_standin.webhook_secret)
    assert response.get_json()["outcome"] == "refund_failed"
    db.session.refresh(order)
    assert order.refunded_ore == 0 and order.payment_status == "paid"
    refund = db.session.scalar(select(Refund))
    assert refund.status == "failed" and refund.error == "expired_or_canceled_card"
    # Stripe's refund.failed for the same refund changes nothing more.
    again = stripe_standin.event("refund.failed", {**made, "status": "failed"})
    assert post(client, again, stripe_standin.webhook_secret).get_json()["outcome"] == "ignored"
    stranger = stripe_standin.event("refund.updated", {"id": "re_unknown", "status": "failed"})
    assert post(client, stranger, stripe_standin.webhook_secret).get_json()["outcome"] == \
        "unknown_refund"
    db.session.refresh(order)
    assert order.refunded_ore == 0


def test_signed_events_of_a_strange_shape_are_refused_without_a_500(
        client, conference, db, stripe_standin):
    order, url = pending_order(client, conference, db, stripe_standin)
    good = paid_event(stripe_standin, url)
    strange = [
        {**good, "type": ["checkout.session.completed"]},
        {**good, "data": "nothing"},
        {**good, "data": {"object": ["a", "list"]}},
        {**good, "data": {"object": {**good["data"]["object"], "metadata": ["x"]}}},
        {**good, "id": {"not": "a string"}},
    ]
    for event in strange:
        response = post(client, event, stripe_standin.webhook_secret)
        assert response.status_code == 400, event
    # Metadata naming no order we know (odd digits, huge numbers) is ignored, not a 500.
    for order_id in ("²", "1" * 30):
        session = {**good["data"]["object"], "id": "cs_unknown",
                   "metadata": {"order_id": order_id}}
        event = {**good, "id": f"evt_{len(order_id)}", "data": {"object": session}}
        response = post(client, event, stripe_standin.webhook_secret)
        assert response.status_code == 200
        assert response.get_json()["outcome"] == "unknown_session"
    db.session.refresh(order)
    assert order.status == "pending"
    assert count(StripeEvent) == 2
