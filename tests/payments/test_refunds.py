"""Money back: a card-paid seat cancelled on or before the event's last refund day is refunded
in full through Stripe, none after (and none when the organiser set no day); a refund Stripe
refuses never undoes the cancellation and shows up for the organiser; the organiser can refund
by hand, never more than was paid."""

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.db_types import utcnow
from app.orders.models import Order
from app.payments.models import Refund
from app.registration import services as registration
from tests.conftest import free_port, login
from tests.payments.test_card_payment import SLUG, count, paid_order


def event_today():
    return utcnow().astimezone(ZoneInfo("Europe/Stockholm")).date()


def refunds_until(db, conference, day):
    conference["event"].refund_until = day
    db.session.commit()


def cancel_whole_order(client, order):
    return client.post(f"/o/{order.manage_token}/cancel", data={"confirm": "y"})


# --- on cancellation ---------------------------------------------------------------------------

def test_cancelling_by_the_last_refund_day_refunds_in_full(client, conference, db,
                                                           stripe_standin):
    refunds_until(db, conference, event_today())  # today still counts
    order = paid_order(client, conference, db, stripe_standin)
    assert cancel_whole_order(client, order).status_code == 303

    [refund] = stripe_standin.refunds
    assert refund["amount"] == 95000
    assert refund["payment_intent"] == order.stripe_payment_intent
    db.session.refresh(order)
    assert order.status == "cancelled"
    assert order.refunded_ore == 95000 and order.payment_status == "refunded"
    stored = db.session.scalar(select(Refund))
    assert stored.status == "succeeded" and stored.reason == "attendee_cancelled"
    assert stored.amount_ore == 95000 and stored.stripe_refund_id == refund["id"]


def test_cancelling_after_the_last_refund_day_refunds_nothing(client, conference, db,
                                                              stripe_standin):
    refunds_until(db, conference, event_today() - timedelta(days=1))
    order = paid_order(client, conference, db, stripe_standin)
    assert cancel_whole_order(client, order).status_code == 303
    db.session.refresh(order)
    assert order.status == "cancelled" and order.payment_status == "paid"
    assert stripe_standin.refunds == [] and count(Refund) == 0


def test_without_a_last_refund_day_there_is_no_refund(client, conference, db, stripe_standin):
    assert conference["event"].refund_until is None
    order = paid_order(client, conference, db, stripe_standin)
    cancel_whole_order(client, order)
    db.session.refresh(order)
    assert order.status == "cancelled" and order.refunded_ore == 0
    assert stripe_standin.calls("POST", "/v1/refunds") == []


def test_one_colleague_cancelling_refunds_only_their_seat(client, conference, db,
                                                          stripe_standin):
    refunds_until(db, conference, event_today() + timedelta(days=30))
    order = paid_order(client, conference, db, stripe_standin, count=2)
    assert order.total_ore == 190000
    leaving = order.registrations[1]
    response = client.post(f"/r/{leaving.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code in (302, 303)

    [refund] = stripe_standin.refunds
    assert refund["amount"] == 95000
    db.session.refresh(order)
    assert order.status == "confirmed"
    assert order.refunded_ore == 95000 and order.payment_status == "partially_refunded"
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    stored = db.session.scalar(select(Refund))
    # The key and the metadata come from the Refund row, so asking again sends the same call.
    assert call.idempotency_key == f"samla-refund-{stored.id}"
    assert call.params["metadata"] == {"order_id": str(order.id), "order_code": order.code,
                                       "reason": "attendee_cancelled",
                                       "samla_refund_id": str(stored.id)}


def test_a_double_submit_of_cancel_refunds_once(client, conference, db, stripe_standin):
    refunds_until(db, conference, event_today() + timedelta(days=30))
    order = paid_order(client, conference, db, stripe_standin)
    assert cancel_whole_order(client, order).status_code == 303
    assert cancel_whole_order(client, order).status_code == 303
    registration_link = order.registrations[0].manage_token
    client.post(f"/r/{registration_link}/cancel", data={"confirm": "y"})
    assert len(stripe_standin.refunds) == 1 and count(Refund) == 1
    db.session.refresh(order)
    assert order.refunded_ore == 95000


def test_a_refund_stripe_refuses_keeps_the_cancellation_and_shows_the_organiser(
        client, conference, db, stripe_standin, organiser):
    refunds_until(db, conference, event_today() + timedelta(days=30))
    order = paid_order(client, conference, db, stripe_standin)
    stripe_standin.fail_refunds = "Charge ch_1 has already been refunded."
    response = cancel_whole_order(client, order)
    assert response.status_code == 303

    db.session.refresh(order)
    assert order.status == "cancelled"
    assert order.registrations[0].status == "cancelled"
    db.session.refresh(conference["paid"])
    assert conference["paid"].seats_taken == 0
    assert order.refunded_ore == 0 and order.payment_status == "paid"
    stored = db.session.scalar(select(Refund))
    assert stored.status == "failed"
    assert "already been refunded" in stored.error

    page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "already been refunded" in page

    # The organiser refunds by hand once Stripe takes it again.
    stripe_standin.fail_refunds = None
    response = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/refund",
                              data={"amount": "950", "seen_refunded_ore": "0"})
    assert response.status_code == 303
    db.session.refresh(order)
    assert order.payment_status == "refunded" and order.refunded_ore == 95000


def test_invoice_and_free_orders_have_nothing_to_refund_through_stripe(
        client, conference, db, stripe_standin):
    """(An unpaid invoice cancelled in time is credited instead: see test_invoices.py.)"""
    refunds_until(db, conference, event_today() + timedelta(days=30))
    event = conference["event"]
    invoice = registration.place_order(
        event, "Faktura", "faktura@example.org", "sv",
        [(conference["paid"], registration.Attendee(name="F", email="faktura@example.org"))],
        payment_method="invoice", billing=registration.Billing(name="Region", address="Gata 1"))
    free = registration.place_order(
        event, "Fri", "fri@example.org", "sv",
        [(conference["ticket"], registration.Attendee(name="Fri", email="fri@example.org"))])
    cancel_whole_order(client, invoice)
    cancel_whole_order(client, free)
    assert count(Order, Order.status == "cancelled") == 2
    assert count(Refund, Refund.reason != "credit_note") == 0 and stripe_standin.requests == []


# --- by hand -----------------------------------------------------------------------------------

def refund_url(order):
    return f"/manage/e/{SLUG}/orders/{order.id}/refund"


def test_the_organiser_refunds_part_of_an_order_by_hand(client, conference, db, organiser,
                                                        stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    page = organiser.get(refund_url(order))
    assert page.status_code == 200
    assert 'name="seen_refunded_ore" type="hidden" value="0"' in page.get_data(as_text=True)

    response = organiser.post(refund_url(order), data={
        "amount": "100,50", "note": "Lunch was cancelled", "seen_refunded_ore": "0"})
    assert response.status_code == 303
    assert response.location.endswith(f"/manage/e/{SLUG}/orders/{order.id}")
    [refund] = stripe_standin.refunds
    assert refund["amount"] == 10050
    stored = db.session.scalar(select(Refund))
    assert stored.reason == "organiser" and stored.note == "Lunch was cancelled"
    assert stored.created_by_id is not None and stored.status == "succeeded"
    db.session.refresh(order)
    assert order.refunded_ore == 10050 and order.payment_status == "partially_refunded"

    detail = organiser.get(response.location).get_data(as_text=True)
    assert "Lunch was cancelled" in detail


def test_never_more_than_was_paid_less_what_was_refunded(client, conference, db, organiser,
                                                          stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    too_much = organiser.post(refund_url(order), data={"amount": "950,01",
                                                       "seen_refunded_ore": "0"})
    assert too_much.status_code == 400
    assert "Högst" in too_much.get_data(as_text=True)
    for nonsense in ("", "abc", "-5", "0", "12,345"):
        response = organiser.post(refund_url(order), data={"amount": nonsense,
                                                           "seen_refunded_ore": "0"})
        assert response.status_code == 400, nonsense
    assert count(Refund) == 0 and stripe_standin.refunds == []

    assert organiser.post(refund_url(order), data={"amount": "900 kr",
                                                   "seen_refunded_ore": "0"}).status_code == 303
    rest = organiser.post(refund_url(order), data={"amount": "51",
                                                   "seen_refunded_ore": "90000"})
    assert rest.status_code == 400
    assert organiser.post(refund_url(order), data={"amount": "50",
                                                   "seen_refunded_ore": "90000"}).status_code \
        == 303
    db.session.refresh(order)
    assert order.refunded_ore == 95000 and order.payment_status == "refunded"
    page = organiser.get(refund_url(order)).get_data(as_text=True)
    assert "inget kvar att betala tillbaka" in page


def test_a_double_submit_of_the_refund_form_refunds_once(client, conference, db, organiser,
                                                         stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    data = {"amount": "200", "seen_refunded_ore": "0"}
    assert organiser.post(refund_url(order), data=data).status_code == 303
    again = organiser.post(refund_url(order), data=data)
    assert again.status_code == 409
    assert "ändrades medan du tittade" in again.get_data(as_text=True)
    assert len(stripe_standin.refunds) == 1
    db.session.refresh(order)
    assert order.refunded_ore == 20000


def test_an_unpaid_order_cannot_be_refunded(client, conference, db, organiser, stripe_standin):
    from tests.payments.test_card_payment import order_by_card

    order = order_by_card(client, conference, db)
    response = organiser.post(refund_url(order), data={"amount": "10", "seen_refunded_ore": "0"})
    assert response.status_code == 400
    assert "Inget har betalats" in response.get_data(as_text=True)
    assert count(Refund) == 0


def test_only_organisers_refund(app, client, conference, db, make_user, stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    data = {"amount": "950", "seen_refunded_ore": "0"}
    anonymous = app.test_client().post(refund_url(order), data=data)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    assert door.post(refund_url(order), data=data).status_code == 403
    assert door.get(refund_url(order)).status_code == 403
    assert stripe_standin.refunds == [] and count(Refund) == 0


def test_an_order_of_another_event_or_none_is_not_found(client, conference, db, organiser,
                                                        stripe_standin):
    from tests.factories import build_conference

    order = paid_order(client, conference, db, stripe_standin)
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    wrong = organiser.post(f"/manage/e/{other['event'].slug}/orders/{order.id}/refund",
                           data={"amount": "1", "seen_refunded_ore": "0"})
    assert wrong.status_code == 404
    assert organiser.post(f"/manage/e/{SLUG}/orders/999999/refund",
                          data={"amount": "1"}).status_code == 404
    assert count(Refund) == 0


def test_a_paid_invoice_refunded_by_hand_is_recorded_without_stripe(conference, db, organiser,
                                                                    stripe_standin):
    order = registration.place_order(
        conference["event"], "Faktura", "faktura@example.org", "sv",
        [(conference["paid"], registration.Attendee(name="F", email="faktura@example.org"))],
        payment_method="invoice", billing=registration.Billing(name="Region", address="Gata 1"))
    order.payment_status = "paid"
    db.session.commit()
    response = organiser.post(refund_url(order), data={"amount": "950", "note": "Bankgiro",
                                                       "seen_refunded_ore": "0"})
    assert response.status_code == 303
    stored = db.session.scalar(select(Refund))
    assert stored.status == "succeeded" and stored.stripe_refund_id is None
    assert stripe_standin.requests == []
    db.session.refresh(order)
    assert order.payment_status == "refunded"


# --- when Stripe's answer never comes ----------------------------------------------------------

def stripe_does_not_answer(monkeypatch, app, stripe_standin):
    """Stripe makes the refund, but its answer comes too late: the call times out."""
    make = stripe_standin._refund

    def slow(params):
        made = make(params)
        time.sleep(0.5)
        return made

    monkeypatch.setattr(stripe_standin, "_refund", slow)
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT", 0.2)


def wait_for_refunds(stripe_standin, number):
    deadline = time.monotonic() + 10
    while len(stripe_standin.refunds) < number and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)  # and for the stand-in to have answered (and stored the answer)
    assert len(stripe_standin.refunds) == number


def asked_minutes_ago(db, refund, minutes=3):
    db.session.execute(update(Refund).where(Refund.id == refund.id)
                       .values(created_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def send(client, stripe_standin, type_, obj):
    from tests.payments.test_webhook import post

    event = stripe_standin.event(type_, obj)
    return post(client, event, stripe_standin.webhook_secret).get_json()["outcome"]


def test_a_refund_stripe_did_not_answer_stays_reserved_and_is_asked_again_once(
        app, client, conference, db, organiser, stripe_standin, monkeypatch):
    refunds_until(db, conference, event_today() + timedelta(days=30))
    order = paid_order(client, conference, db, stripe_standin)
    stripe_does_not_answer(monkeypatch, app, stripe_standin)
    assert cancel_whole_order(client, order).status_code == 303
    wait_for_refunds(stripe_standin, 1)
    monkeypatch.undo()

    stored = db.session.scalar(select(Refund))
    assert stored.status == "pending" and stored.stripe_refund_id is None and stored.error
    db.session.refresh(order)
    assert order.status == "cancelled" and order.refunded_ore == 95000  # still reserved
    [made] = stripe_standin.refunds  # Stripe did make it
    assert made["metadata"]["samla_refund_id"] == str(stored.id)

    page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "Stripe svarade inte, så vi vet inte än om beloppet betalades tillbaka" in page
    # Meanwhile nothing is left to refund, so it cannot be paid back a second time by hand.
    by_hand = organiser.post(refund_url(order), data={"amount": "950",
                                                      "seen_refunded_ore": "95000"})
    assert by_hand.status_code == 400 and count(Refund) == 1

    runner = app.test_cli_runner()
    # Not while the first call may still be under way...
    assert "refunds settled: 0" in runner.invoke(args=["payments", "retry-refunds"]).output
    asked_minutes_ago(db, stored)
    # ...then with the same idempotency key and parameters: Stripe answers with its refund.
    result = runner.invoke(args=["payments", "retry-refunds"])
    assert result.exit_code == 0 and "refunds settled: 1" in result.output, result.output
    first, second = stripe_standin.calls("POST", "/v1/refunds")
    assert first.idempotency_key == second.idempotency_key == f"samla-refund-{stored.id}"
    assert first.params == second.params
    assert len(stripe_standin.refunds) == 1
    db.session.expire_all()
    stored = db.session.get(Refund, stored.id)
    assert stored.status == "succeeded" and stored.stripe_refund_id == made["id"]
    assert stored.error == ""
    order = db.session.get(Order, order.id)
    assert order.refunded_ore == 95000 and order.payment_status == "refunded"
    assert "refunds settled: 0" in runner.invoke(args=["payments", "retry-refunds"]).output
    assert len(stripe_standin.calls("POST", "/v1/refunds")) == 2


def test_a_refund_that_never_reached_stripe_is_made_when_asked_again(
        app, client, conference, db, organiser, stripe_standin, monkeypatch):
    order = paid_order(client, conference, db, stripe_standin)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
    response = organiser.post(refund_url(order), data={"amount": "950",
                                                       "seen_refunded_ore": "0"},
                              follow_redirects=True)
    monkeypatch.undo()
    assert "Stripe svarade inte, så vi vet inte än om" in response.get_data(as_text=True)
    assert stripe_standin.refunds == []
    stored = db.session.scalar(select(Refund))
    assert stored.status == "pending" and stored.error
    db.session.refresh(order)
    assert order.refunded_ore == 95000

    from app.payments import services

    # Past the 24 hours Stripe keeps a key, asking again could refund twice: left alone.
    assert services.retry_pending_refunds(now=utcnow() + timedelta(hours=24)) == 0
    assert stripe_standin.calls("POST", "/v1/refunds") == []
    assert services.retry_pending_refunds(now=utcnow() + timedelta(minutes=3)) == 1
    [made] = stripe_standin.refunds
    assert made["amount"] == 95000
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"samla-refund-{stored.id}"
    db.session.expire_all()
    assert db.session.get(Refund, stored.id).status == "succeeded"
    assert db.session.get(Order, order.id).payment_status == "refunded"


def test_stripes_refund_events_settle_refunds_whose_answer_never_came(
        app, client, conference, db, stripe_standin, monkeypatch):
    refunds_until(db, conference, event_today() + timedelta(days=30))
    order = paid_order(client, conference, db, stripe_standin, count=3)
    stripe_does_not_answer(monkeypatch, app, stripe_standin)
    for leaving in order.registrations:
        client.post(f"/r/{leaving.manage_token}/cancel", data={"confirm": "y"})
    wait_for_refunds(stripe_standin, 3)
    monkeypatch.undo()
    rows = db.session.scalars(select(Refund).order_by(Refund.id)).all()
    assert [r.status for r in rows] == ["pending"] * 3
    assert all(r.stripe_refund_id is None for r in rows)
    made = {r["metadata"]["samla_refund_id"]: r for r in stripe_standin.refunds}
    first, second, third = (made[str(r.id)] for r in rows)

    # Matched by the Samla refund id in the metadata.
    assert send(client, stripe_standin, "refund.updated", first) == "refund_succeeded"
    # charge.refunded carries the charge's refunds.
    charge = {"id": "ch_test_1", "object": "charge", "payment_intent": first["payment_intent"],
              "refunds": {"object": "list", "data": [first, second]}}
    assert send(client, stripe_standin, "charge.refunded", charge) == "refund_succeeded"
    assert send(client, stripe_standin, "refund.failed", {
        **third, "status": "failed", "failure_reason": "expired_or_canceled_card"}) == \
        "refund_failed"
    db.session.expire_all()
    rows = db.session.scalars(select(Refund).order_by(Refund.id)).all()
    assert [r.status for r in rows] == ["succeeded", "succeeded", "failed"]
    assert [r.stripe_refund_id for r in rows] == [first["id"], second["id"], third["id"]]
    assert rows[2].error == "expired_or_canceled_card"
    order = db.session.get(Order, order.id)
    assert order.refunded_ore == 190000 and order.payment_status == "partially_refunded"

    # Later events change nothing; a refund of someone else's order is not ours.
    assert send(client, stripe_standin, "refund.updated", first) == "ignored"
    assert send(client, stripe_standin, "refund.updated", {**second, "status": "pending"}) == \
        "ignored"
    stranger = {**first, "id": "re_other", "metadata": {**first["metadata"], "order_id": "0"}}
    assert send(client, stripe_standin, "refund.updated", stranger) == "unknown_refund"
    # Nothing is asked again of Stripe: every refund is settled.
    asked_minutes_ago(db, rows[0])
    from app.payments import services

    assert services.retry_pending_refunds() == 0
    assert len(stripe_standin.calls("POST", "/v1/refunds")) == 3

