"""An employer who registered colleagues gets their badges and can resend or cancel them from
the order page, but never holds a colleague's personal link: that page shows (and lets its
holder change) what the colleague told the organisers, their needs, transfer and cancel."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db_types import utcnow
from app.orders.models import Order
from app.registration import services
from app.registration.models import Registration
from tests.readback import pdf_text

SLUG = "varkonferensen-2027"
BUYER = "eva.chef@region.example"


def group_form(count, buyer_attends=False, **extra):
    data = {"buyer_name": "Eva Chef", "buyer_email": BUYER}
    for i in range(count):
        data.update({f"a{i}-name": f"Kollega {i}", f"a{i}-email": f"kollega{i}@region.example"})
    if buyer_attends:
        data.update({"a0-name": "Eva Chef", "a0-email": BUYER})
    data.update(extra)
    return data


def group_order(client, conference, db, count=3, **extra) -> Order:
    ticket = extra.pop("ticket", conference["ticket"])
    response = client.post(f"/e/{SLUG}/register?t{ticket.id}={count}",
                           data=group_form(count, **extra))
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def order_page(client, order) -> str:
    response = client.get(f"/o/{order.manage_token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def reload(db, row):
    db.session.rollback()
    return db.session.get(type(row), row.id)


def test_the_order_page_never_shows_a_colleagues_personal_link(client, conference, db,
                                                               mailbox):
    order = group_order(client, conference, db)
    html = order_page(client, order)
    for colleague in order.registrations:
        assert colleague.name in html
        assert colleague.manage_token not in html
        assert f"/o/{order.manage_token}/badges/{colleague.id}.pdf" in html
    assert "/r/" not in html

    # Nor does the order email to the buyer; each colleague's link goes to the colleague only.
    mailbox.wait_for(4)
    [to_buyer] = mailbox.to(BUYER)
    body = mailbox.body(to_buyer)
    assert "/r/" not in body
    for colleague in order.registrations:
        assert colleague.manage_token not in body
        [own] = mailbox.to(colleague.email)
        assert colleague.manage_token in mailbox.body(own)


def test_a_buyer_who_also_attends_reaches_their_own_page(client, conference, db):
    order = group_order(client, conference, db, buyer_attends=True)
    own, *colleagues = order.registrations
    assert own.email == BUYER
    html = order_page(client, order)
    assert f'/r/{own.manage_token}"' in html
    assert all(colleague.manage_token not in html for colleague in colleagues)


def test_the_buyer_downloads_each_colleagues_badge_from_the_order(client, conference, db):
    order = group_order(client, conference, db, count=2)
    first, second = order.registrations
    response = client.get(f"/o/{order.manage_token}/badges/{first.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Kollega 0" in pdf_text(response.data)[0]

    other = group_order(client, conference, db, count=1, buyer_email="annan@region.example",
                        **{"a0-email": "annan.kollega@region.example"})
    [stranger] = other.registrations
    assert client.get(f"/o/{order.manage_token}/badges/{stranger.id}.pdf").status_code == 404
    assert client.get(f"/o/{order.manage_token}/badges/999999.pdf").status_code == 404
    assert client.get(f"/o/wrong-token/badges/{first.id}.pdf").status_code == 404

    services.cancel(second)
    assert client.get(f"/o/{order.manage_token}/badges/{second.id}.pdf").status_code == 404
    assert f"/badges/{second.id}.pdf" not in order_page(client, order)


def test_the_buyer_resends_a_colleagues_confirmation(client, conference, db, mailbox):
    order = group_order(client, conference, db, count=2)
    first, second = order.registrations
    mailbox.wait_for(3)
    mailbox.clear()

    url = f"/o/{order.manage_token}/attendees/{first.id}/resend"
    assert f'action="{url}"' in order_page(client, order)
    response = client.post(url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/o/{order.manage_token}")
    [again] = mailbox.wait_for(1)
    assert again["To"] == first.email and first.manage_token in mailbox.body(again)
    assert "kollega0@region.example" in order_page(client, order)

    assert client.post(url).status_code == 303  # a double click sends it again, nothing more
    mailbox.wait_for(2)
    for _ in range(3):
        client.post(url)
    assert client.post(url).status_code == 429  # five an hour, not a way to flood an inbox
    mailbox.wait_for(5)

    services.cancel(second)
    mailbox.clear()
    cancelled = client.post(f"/o/{order.manage_token}/attendees/{second.id}/resend")
    assert cancelled.status_code == 303
    assert mailbox.messages == []


def test_the_buyer_cancels_one_colleague_and_the_seat_is_freed(client, conference, db,
                                                               mailbox):
    order = group_order(client, conference, db, count=2)
    first, second = order.registrations
    mailbox.wait_for(3)
    mailbox.clear()
    url = f"/o/{order.manage_token}/attendees/{first.id}/cancel"
    assert f'action="{url}"' in order_page(client, order)

    refused = client.post(url, data={})
    assert refused.status_code == 400
    assert reload(db, first).status == "confirmed"

    assert client.post(url, data={"confirm": "y"}).status_code == 303
    assert reload(db, first).status == "cancelled"
    assert reload(db, second).status == "confirmed"
    assert reload(db, conference["ticket"]).seats_taken == 1
    assert reload(db, order).status == "confirmed"
    # The colleague hears of it, since their link and badge stopped working; the buyer gets
    # a confirmation of what they did.
    mails = {m["To"]: m for m in mailbox.wait_for(2)}
    told, confirmed = mails[first.email], mails[order.buyer_email]
    assert "Eva Chef" in mailbox.body(told)
    assert first.name in mailbox.body(confirmed)

    again = client.post(url, data={"confirm": "y"})  # a double submit
    assert again.status_code == 303
    assert reload(db, conference["ticket"]).seats_taken == 1
    assert len(mailbox.messages) == 2

    html = order_page(client, order)
    assert f'action="{url}"' not in html

    client.post(f"/o/{order.manage_token}/attendees/{second.id}/cancel", data={"confirm": "y"})
    assert reload(db, order).status == "cancelled"


def test_cancelling_a_colleague_credits_the_invoice_as_the_colleague_would(client, conference,
                                                                           db):
    today = utcnow().astimezone(ZoneInfo("Europe/Stockholm")).date()
    conference["event"].refund_until = today + timedelta(days=5)
    db.session.commit()
    order = group_order(client, conference, db, count=2, ticket=conference["paid"],
                        payment_method="invoice", billing_name="Region Örebro län",
                        billing_address="Box 1613\n701 16 Örebro")
    first, _second = order.registrations
    response = client.post(f"/o/{order.manage_token}/attendees/{first.id}/cancel",
                           data={"confirm": "y"})
    assert response.status_code == 303
    order = reload(db, order)
    assert order.refunded_ore == 95000 and order.payment_status == "to_invoice"


def test_an_attendee_of_another_order_is_not_found(client, conference, db):
    order = group_order(client, conference, db, count=1)
    other = group_order(client, conference, db, count=1, buyer_email="annan@region.example",
                        **{"a0-email": "annan.kollega@region.example"})
    [stranger] = other.registrations
    for action in ("resend", "cancel"):
        response = client.post(f"/o/{order.manage_token}/attendees/{stranger.id}/{action}",
                               data={"confirm": "y"})
        assert response.status_code == 404
        assert client.post(f"/o/{order.manage_token}/attendees/999999/{action}",
                           data={"confirm": "y"}).status_code == 404
        assert client.post(f"/o/wrong/attendees/{stranger.id}/{action}",
                           data={"confirm": "y"}).status_code == 404
    assert db.session.get(Registration, stranger.id).status == "confirmed"
