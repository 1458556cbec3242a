"""After registering, each person lands where they can act: alone, on their own page; a buyer
for colleagues, on the order page, where they can give a colleague's seat to someone else.
A buyer types once what everyone shares ("I am attending too", "same organisation"), without
JavaScript. Someone who lost their confirmation gets their link again."""

import re

import pytest
from sqlalchemy import select

from app.orders.models import Order
from app.registration.models import Registration
from app.registration.personal import starred_ids
from tests.factories import add_workshop, publish_programme, register

SLUG = "varkonferensen-2027"
BUYER = "eva.chef@region.example"


def register_url(ticket, count=1):
    return f"/e/{SLUG}/register?t{ticket.id}={count}"


def text(response) -> str:
    """What a person reads: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def newest_order(db) -> Order:
    db.session.rollback()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def test_who_registers_only_themselves_lands_on_their_own_page(client, conference, db,
                                                                mailbox):
    response = client.post(register_url(conference["ticket"]), data={
        "a0-name": "Alva Persson", "a0-email": "alva@example.org"})
    assert response.status_code == 303
    registration = db.session.scalar(select(Registration))
    assert response.headers["Location"].endswith(f"/r/{registration.manage_token}")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Tack, nu är du anmäld!" in html
    for action in ("Ladda ner din namnbricka (PDF)", "Mitt program",
                   "Lägg till programmet i din kalender", "Ändra dina uppgifter och svar",
                   "Avanmäl mig"):
        assert action in html, action


def test_a_buyer_for_colleagues_lands_on_the_order_page_with_each_listed(client, conference,
                                                                         db, mailbox):
    response = client.post(register_url(conference["ticket"], 2), data={
        "buyer_name": "Eva Chef", "buyer_email": BUYER,
        "a0-name": "Kim Ek", "a0-email": "kim@region.example",
        "a1-name": "Lo Berg", "a1-email": "lo@region.example"})
    order = newest_order(db)
    assert response.headers["Location"].endswith(f"/o/{order.manage_token}")
    page = text(client.get(f"/o/{order.manage_token}"))
    for name in ("Kim Ek", "Lo Berg"):
        assert f"Ge platsen för {name} till någon annan" in page
        assert f"Avanmäl {name}" in page


def test_i_am_attending_too_makes_the_buyer_the_first_attendee(client, conference, db,
                                                               mailbox):
    """Without JavaScript: the first attendee's fields are left empty and the box ticked."""
    response = client.post(register_url(conference["ticket"], 2), data={
        "buyer_name": "Eva Chef", "buyer_email": BUYER, "attending_too": "y",
        "a0-name": "", "a0-email": "",
        "a1-name": "Lo Berg", "a1-email": "lo@region.example"})
    assert response.status_code == 303, text(response)
    order = newest_order(db)
    assert response.headers["Location"].endswith(f"/o/{order.manage_token}")
    eva, lo = order.registrations
    assert (eva.name, eva.email) == ("Eva Chef", BUYER)
    assert (lo.name, lo.email) == ("Lo Berg", "lo@region.example")
    assert f"/r/{eva.manage_token}" in client.get(f"/o/{order.manage_token}").get_data(
        as_text=True)


def test_same_organisation_is_typed_once_for_everyone(client, conference, db, mailbox):
    conference["event"].field_organisation = "required"
    db.session.commit()
    form = client.get(register_url(conference["ticket"], 3)).get_data(as_text=True)
    assert "Samma organisation för alla" in form and "Jag ska också delta" in form
    assert "js/register.js" in form
    response = client.post(register_url(conference["ticket"], 3), data={
        "buyer_name": "Eva Chef", "buyer_email": BUYER, "same_organisation": "y",
        "a0-name": "Kim Ek", "a0-email": "kim@region.example", "a0-organisation": "Region Väst",
        "a1-name": "Lo Berg", "a1-email": "lo@region.example",
        "a2-name": "Ida Ås", "a2-email": "ida@region.example", "a2-organisation": "Annat"})
    assert response.status_code == 303, text(response)
    order = newest_order(db)
    assert [r.organisation for r in order.registrations] == ["Region Väst"] * 3


def test_without_the_boxes_each_attendee_keeps_their_own(client, conference, db, mailbox):
    conference["event"].field_organisation = "required"
    db.session.commit()
    refused = client.post(register_url(conference["ticket"], 2), data={
        "buyer_name": "Eva Chef", "buyer_email": BUYER,
        "a0-name": "Kim Ek", "a0-email": "kim@region.example", "a0-organisation": "Region Väst",
        "a1-name": "Lo Berg", "a1-email": "lo@region.example"})
    assert refused.status_code == 400
    assert "Fältet är obligatoriskt" in text(refused) or "obligatoriskt" in text(refused)
    assert db.session.scalar(select(Order)) is None


def test_one_person_sees_no_group_boxes(client, conference):
    form = client.get(register_url(conference["ticket"])).get_data(as_text=True)
    assert "Jag ska också delta" not in form and "register.js" not in form


# --- replacing a colleague -----------------------------------------------------------------------

@pytest.fixture
def group(client, conference, db, mailbox):
    client.post(register_url(conference["ticket"], 2), data={
        "buyer_name": "Eva Chef", "buyer_email": BUYER,
        "a0-name": "Kim Ek", "a0-email": "kim@region.example",
        "a1-name": "Lo Berg", "a1-email": "lo@region.example"})
    order = newest_order(db)
    mailbox.wait_for(3)
    mailbox.clear()
    return order


def test_the_buyer_gives_a_colleagues_seat_to_someone_else(client, group, db, mailbox):
    kim = group.registrations[0]
    old_link, url = kim.manage_token, f"/o/{group.manage_token}/attendees/{kim.id}/replace"
    page = client.get(url)
    assert page.status_code == 200 and "Ge platsen för Kim Ek till någon annan" in text(page)
    unconfirmed = client.post(url, data={"name": "Nora Ny", "email": "nora@region.example"})
    assert unconfirmed.status_code == 400
    response = client.post(url, data={"name": "Nora Ny", "email": "nora@region.example",
                                      "confirm": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/o/{group.manage_token}")
    db.session.rollback()
    nora = db.session.get(Registration, kim.id)
    assert (nora.name, nora.email, nora.order_id) == ("Nora Ny", "nora@region.example",
                                                      group.id)
    assert nora.manage_token != old_link
    assert client.get(f"/r/{old_link}").status_code == 404
    messages = mailbox.wait_for(2)
    to_kim = next(m for m in messages if m["To"] == "kim@region.example")
    assert "Eva Chef anmälde dig" in mailbox.body(to_kim) and "Nora Ny" in mailbox.body(to_kim)
    to_nora = next(m for m in messages if m["To"] == "nora@region.example")
    assert mailbox.link(to_nora, "/r/") == f"/r/{nora.manage_token}"
    assert "Nora Ny" in text(client.get(f"/o/{group.manage_token}"))


def test_a_seat_cannot_go_to_someone_already_registered(client, group, db, mailbox):
    kim, lo = group.registrations
    response = client.post(f"/o/{group.manage_token}/attendees/{kim.id}/replace",
                           data={"name": "Lo Berg", "email": lo.email, "confirm": "y"})
    assert response.status_code == 409
    assert "redan anmäld" in text(response)
    db.session.rollback()
    assert db.session.get(Registration, kim.id).email == "kim@region.example"


def test_a_cancelled_colleague_is_avanmald_and_cannot_be_replaced(client, group, db):
    kim = group.registrations[0]
    client.post(f"/o/{group.manage_token}/attendees/{kim.id}/cancel", data={"confirm": "y"})
    page = text(client.get(f"/o/{group.manage_token}"))
    assert "Avanmäld" in page and "Inställd" not in page
    refused = client.post(f"/o/{group.manage_token}/attendees/{kim.id}/replace",
                          data={"name": "Nora Ny", "email": "nora@region.example",
                                "confirm": "y"})
    assert refused.status_code == 409
    assert "Du kan inte längre ge platsen för Kim Ek" in text(refused)


def test_another_orders_attendee_cannot_be_replaced(client, group, conference, db):
    stranger = register(conference["event"], conference["ticket"], name="Ola Annan",
                        email="ola@example.org")
    assert client.get(f"/o/{group.manage_token}/attendees/{stranger.id}/replace"
                      ).status_code == 404
    assert client.get(f"/o/wrong/attendees/{stranger.id}/replace").status_code == 404


# --- the personal link again ---------------------------------------------------------------------

def test_a_lost_link_is_sent_again_and_the_answer_never_tells_who_is_registered(
        client, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    url = f"/e/{SLUG}/my-link"
    assert client.get(url).status_code == 200
    known = client.post(url, data={"email": "Alva@Example.org"}, follow_redirects=True)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "alva@example.org"
    assert mailbox.link(message, "/r/") == f"/r/{alva.manage_token}"
    unknown = client.post(url, data={"email": "nobody@example.org"}, follow_redirects=True)
    for page, address in ((known, "Alva@Example.org"), (unknown, "nobody@example.org")):
        assert page.status_code == 200
        assert f"Om {address} är anmäld har vi skickat den personliga länken dit." in text(page)
    assert len(mailbox.messages) == 1


def test_the_link_form_refuses_bad_input_and_too_many_asks(client, conference, mailbox):
    url = f"/e/{SLUG}/my-link"
    assert client.post(url, data={"email": "inte en adress"}).status_code == 400
    assert client.post(url, data={"email": "a@example.org", "website": "x"}).status_code == 400
    answers = [client.post(url, data={"email": "flood@example.org"}).status_code
               for _ in range(4)]
    assert answers == [303, 303, 303, 429]
    assert "Du har försökt många gånger" in text(
        client.post(url, data={"email": "flood@example.org"}))
    assert client.get("/e/okant-evenemang/my-link").status_code == 404


def test_the_programme_says_how_to_sign_up_and_where_the_link_is(client, conference):
    add_workshop(conference["event"])
    publish_programme(conference["event"])
    page = text(client.get(f"/e/{SLUG}/programme"))
    assert "Anmäl dig först till evenemanget" in page
    assert "Hittar du inte mejlet? Få din personliga länk igen" in page


# --- plain words --------------------------------------------------------------------------------

def test_times_are_told_in_words_and_downloads_for_people(client, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    for path in (f"/e/{SLUG}/programme", f"/r/{alva.manage_token}/programme",
                 f"/e/{SLUG}/speakers/{conference['speaker'].id}"):
        page = text(client.get(path))
        assert "Europe/Stockholm" not in page and "schedule.json" not in page, path
    assert "Alla tider är svensk tid." in text(client.get(f"/e/{SLUG}/programme"))
    assert "Programmet som fil för appar (JSON)" in text(client.get(f"/e/{SLUG}/programme"))
    conference["event"].timezone = "Europe/Helsinki"
    db.session.commit()
    assert "Alla tider är lokal tid i Helsingfors." in text(client.get(f"/e/{SLUG}/programme"))
    client.get("/language/en")
    assert "All times are local time in Helsinki." in text(client.get(f"/e/{SLUG}/programme"))


def test_lunch_cannot_be_put_in_my_programme(client, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    link = f"/r/{alva.manage_token}/programme"
    html = client.get(link).get_data(as_text=True)
    assert "Lägg till i mitt program<span class=\"visually-hidden\">: Lunch" not in html
    assert "Lägg till i mitt program<span class=\"visually-hidden\">: Peer support" in html
    refused = client.post(f"{link}/{conference['lunch'].id}/star", data={"action": "add"})
    assert refused.status_code == 400
    assert "Pauser och lunch är för alla" in text(refused)
    db.session.rollback()
    assert starred_ids(db.session.get(Registration, alva.id)) == set()
