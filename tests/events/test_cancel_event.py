"""The organiser cancels the whole event: every seat goes back at once, and every paid or
invoiced order is paid back by a worker after the cancellation is committed, each exactly once
(a replayed task, a double submit, the periodic sweep), while the organiser's page counts how
many refunds are done, pending and failed. A card payment that completes after the cancellation
is refunded, never confirmed."""

from types import SimpleNamespace

from sqlalchemy import func, select

from app.events.models import Event
from app.orders.models import Order
from app.payments.models import Refund
from app.postponement import refunds
from app.programme import signups
from app.programme.models import ProgrammeItem
from app.registration import services as registration
from app.tickets.models import TicketType
from app.waitlist import services as waitlist
from app.waitlist.models import WaitingListEntry
from tests.factories import add_workshop, card_order, publish_programme, register
from tests.payments.test_card_payment import _lapse, go_to_stripe, paid_order
from tests.payments.test_invoices import invoice_order

SLUG = "varkonferensen-2027"
BASE = f"/manage/e/{SLUG}"


def cancel(organiser):
    return organiser.post(f"{BASE}/cancel", data={"confirm": "y"})


def counted(page: str, name: str) -> int:
    return int(page.split(f'<dd id="refunds-{name}">')[1].split("</dd>")[0])


def seats_taken(db, conference) -> dict[str, int]:
    db.session.expire_all()
    event = db.session.get(Event, conference["event"].id)
    return {"event": event.seats_taken,
            **{t.name: t.seats_taken for t in db.session.scalars(
                select(TicketType).where(TicketType.event_id == event.id))}}


def test_every_order_is_paid_back_once_and_the_organiser_sees_how_far_it_has_come(
        organiser, client, conference, db, mailbox, stripe_standin):
    card = paid_order(client, conference, db, stripe_standin)
    invoice = invoice_order(conference)
    db.session.commit()
    register(conference["event"], conference["ticket"])  # free: nothing to pay back

    assert cancel(organiser).status_code == 303
    # Paid back once the cancellation was committed (in process: no Redis here).
    [paid_back] = stripe_standin.refunds
    assert paid_back["amount"] == 95000
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    refund = db.session.scalar(select(Refund).where(Refund.order_id == card.id))
    assert call.idempotency_key == f"samla-refund-{refund.id}"
    assert refund.reason == "event_cancelled" and refund.status == "succeeded"
    assert db.session.get(Order, card.id).payment_status == "refunded"
    credited = db.session.get(Order, invoice.id)
    assert credited.payment_status == "credited" and credited.refunded_ore == 95000

    page = organiser.get(f"{BASE}/cancel").get_data(as_text=True)
    assert counted(page, "done") == 2
    assert counted(page, "pending") == 0 and counted(page, "failed") == 0

    # A replayed task, the sweep and a second submit of the form refund nothing more.
    assert refunds.pay_back(conference["event"].id).refunded == 0
    assert refunds.pay_back().refunded == 0
    assert cancel(organiser).status_code == 303
    assert len(stripe_standin.calls("POST", "/v1/refunds")) == 1
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 2


def test_a_refund_stripe_refuses_is_counted_as_failed_with_its_order(
        organiser, client, conference, db, mailbox, stripe_standin):
    card = paid_order(client, conference, db, stripe_standin)
    stripe_standin.fail_refunds = "The card was closed."

    assert cancel(organiser).status_code == 303
    page = organiser.get(f"{BASE}/cancel").get_data(as_text=True)
    assert counted(page, "failed") == 1 and counted(page, "done") == 0
    assert card.code in page and "The card was closed." in page
    # The amount is free to refund by hand; nothing is tried again by itself.
    assert db.session.get(Order, card.id).refunded_ore == 0
    assert refunds.pay_back().refunded == 0


def test_with_a_worker_the_refunds_are_handed_over_after_commit(
        app, organiser, client, conference, db, mailbox, stripe_standin, monkeypatch):
    """Production: the job goes to Celery by name once the cancellation is committed, and the
    worker's task pays back what the request left pending."""
    paid_order(client, conference, db, stripe_standin)
    sent = []
    worker = SimpleNamespace(send_task=lambda name, args: sent.append((name, args)))
    monkeypatch.setitem(app.extensions, "celery", worker)

    assert cancel(organiser).status_code == 303
    assert (refunds.REFUND_JOB, [conference["event"].id]) in sent
    assert stripe_standin.refunds == []
    page = organiser.get(f"{BASE}/cancel").get_data(as_text=True)
    assert counted(page, "pending") == 1

    assert refunds.pay_back(conference["event"].id).refunded == 1  # what the task runs
    assert len(stripe_standin.refunds) == 1
    page = organiser.get(f"{BASE}/cancel").get_data(as_text=True)
    assert counted(page, "done") == 1 and counted(page, "pending") == 0


def test_the_seats_go_back_and_a_payment_after_the_cancellation_is_refunded(
        organiser, client, conference, db, mailbox, stripe_standin):
    event, free = conference["event"], conference["ticket"]
    free.capacity = 1
    db.session.commit()
    # A workshop seat, an open waiting-list offer and a card order still being paid for.
    workshop = add_workshop(event)
    publish_programme(event)
    alva = register(event, free)
    assert signups.sign_up(alva, workshop)
    waitlist.join(event, free, "Vera Väntar", "vera@example.org", "sv")
    registration.cancel(alva)  # Vera is offered Alva's seat
    [bo] = invoice_order(conference, email="bo@example.org").registrations
    assert signups.sign_up(bo, workshop)
    db.session.commit()
    paying = card_order(conference, email="sen@example.org", language="en")
    url = go_to_stripe(client, paying)
    # And one whose hold ran out while its buyer was still on Stripe's page.
    lapsed = card_order(conference, email="seg@example.org")
    lapsed_url = go_to_stripe(client, lapsed)
    _lapse(db, lapsed)
    assert seats_taken(db, conference) == {"event": 3, "Fri entré": 1, "Ordinarie": 2}

    assert cancel(organiser).status_code == 303
    assert seats_taken(db, conference) == {"event": 0, "Fri entré": 0, "Ordinarie": 0}
    assert db.session.get(ProgrammeItem, workshop.id).signups_taken == 0
    assert db.session.scalar(select(WaitingListEntry.status)) == "withdrawn"
    assert db.session.get(Order, paying.id).status == "cancelled"
    # Their Stripe pages were ended after the cancellation...
    db.session.refresh(paying)
    assert stripe_standin.calls(
        "POST", f"/v1/checkout/sessions/{paying.stripe_checkout_id}/expire")
    mailbox.wait_for(3)
    mailbox.clear()

    # ... but both buyers had pressed Pay just before: the payments go back, nothing is
    # confirmed (the lapsed order would have taken its seat again, had the event been on).
    for link in (url, lapsed_url):
        session = stripe_standin.complete(stripe_standin.session_for(link)["id"])
        delivery = stripe_standin.send(
            stripe_standin.event("checkout.session.completed", session))
        assert delivery.answer["outcome"] == "refunded_cancelled"
    db.session.rollback()  # the webhook ran in a session of its own
    for order in (paying, lapsed):
        order = db.session.get(Order, order.id)
        assert order.status in ("cancelled", "expired") and order.payment_status == "refunded"
        assert [r.status for r in order.registrations] in (["cancelled"], ["expired"])
    assert [refund["amount"] for refund in stripe_standin.refunds] == [95000, 95000]
    assert [call.idempotency_key for call in stripe_standin.calls("POST", "/v1/refunds")] == [
        f"samla-order-{paying.id}-late_payment", f"samla-order-{lapsed.id}-late_payment"]
    assert seats_taken(db, conference) == {"event": 0, "Fri entré": 0, "Ordinarie": 0}
    mailbox.wait_for(2)
    [message] = mailbox.to("sen@example.org")
    assert "after the event had been cancelled" in mailbox.body(message)
    assert "register again" not in mailbox.body(message)
    # The same event delivered again changes nothing.
    assert stripe_standin.send(delivery.event).answer["outcome"] == "duplicate"
    assert len(stripe_standin.refunds) == 2
