"""The attendee's own page (/r/<token>, the link in the confirmation): their details and answers,
changing them, passing the ticket to a colleague, the badge, the order, cancelling."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import limiter
from app.registration import services
from app.registration.models import Answer, Question, Registration
from tests.conftest import login
from tests.factories import card_order
from tests.readback import attachment, qr_codes


def register(client, ticket, name="Alva Persson", email="alva@example.org", **fields):
    data = {"a0-name": name, "a0-email": email}
    data.update({f"a0-{key}": value for key, value in fields.items()})
    response = client.post(f"/e/varkonferensen-2027/register?t{ticket.id}=1", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return services.find_active(ticket.event, email)


def add_questions(event, db):
    lunch = Question(event_id=event.id, label="Äter du lunch?", label_en="Lunch?",
                     kind="choice", required=True, position=1,
                     options=[{"sv": "Ja", "en": "Yes"}, {"sv": "Nej", "en": "No"}])
    work = Question(event_id=event.id, label="Arbete", label_en="Work", kind="text", position=2)
    db.session.add_all([lunch, work])
    db.session.commit()
    return lunch, work


def test_attendee_sees_their_details_and_answers(client, conference, db):
    lunch, work = add_questions(conference["event"], db)
    registration = register(client, conference["ticket"], organisation="RSMH",
                            dietary_needs="Vegetarisk", sensitive_consent="y",
                            **{f"q{lunch.id}": "Nej"})
    client.get("/language/en")
    page = client.get(f"/r/{registration.manage_token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Alva Persson", "alva@example.org", "RSMH", "Vegetarisk", "Lunch?", "No",
                 "Work", "Not answered", "Download your badge (PDF)",
                 f"/r/{registration.manage_token}/badge.pdf",
                 f"/r/{registration.manage_token}/edit",
                 f"/r/{registration.manage_token}/transfer"):
        assert text in html
    assert page.headers.get("X-RateLimit-Limit")


def test_a_wrong_or_lapsed_link_is_not_found(client, conference, app, db):
    assert client.get("/r/not-a-real-token").status_code == 404
    assert client.get("/r/" + "x" * 200).status_code == 404
    assert client.get("/r/not-a-real-token/edit").status_code == 404
    assert client.post("/r/not-a-real-token/transfer").status_code == 404
    assert client.post("/r/not-a-real-token/cancel").status_code == 404
    order = card_order(conference, minutes_ago=20)
    [lapsed] = order.registrations
    assert lapsed.status == "pending"  # until someone looks: the hold ran out 5 minutes ago
    assert client.get(f"/r/{lapsed.manage_token}").status_code == 404
    db.session.refresh(lapsed)
    assert lapsed.status == "expired"
    for path in ("", "/edit", "/transfer", "/badge.pdf"):
        assert client.get(f"/r/{lapsed.manage_token}{path}").status_code == 404


def test_an_unpaid_registration_awaits_payment_without_a_badge(client, conference, app, db):
    order = card_order(conference)
    [registration] = order.registrations
    client.get("/language/en")
    html = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert "Awaiting payment" in html
    assert "badge.pdf" not in html and f"/o/{order.manage_token}" in html
    assert client.get(f"/r/{registration.manage_token}/badge.pdf").status_code == 404
    assert client.get(f"/r/{registration.manage_token}/edit").status_code == 404
    refused = client.post(f"/r/{registration.manage_token}/cancel", data={"confirm": "y"})
    assert refused.status_code == 409
    db.session.refresh(registration)
    assert registration.status == "pending"


def test_attendee_changes_details_and_answers(client, conference, db):
    lunch, work = add_questions(conference["event"], db)
    registration = register(client, conference["ticket"], **{f"q{lunch.id}": "Ja"})
    token = registration.manage_token
    form = client.get(f"/r/{token}/edit").get_data(as_text=True)
    assert 'value="Alva Persson"' in form and f'name="q{lunch.id}"' in form
    assert re.search(r'<input checked[^>]*value="Ja"', form)
    assert not re.search(r'<input checked[^>]*value="Nej"', form)

    response = client.post(f"/r/{token}/edit", data={
        "name": "Alva Persson-Berg", "organisation": "NSPH", "role": "Samordnare",
        f"q{lunch.id}": "Nej", f"q{work.id}": "Stödperson",
        "dietary_needs": "Glutenfri", "accessibility_needs": "", "sensitive_consent": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{token}")
    db.session.refresh(registration)
    assert (registration.name, registration.organisation, registration.role) == (
        "Alva Persson-Berg", "NSPH", "Samordnare")
    assert registration.dietary_needs == "Glutenfri" and registration.sensitive_consent
    assert {a.question_id: a.value for a in registration.answers} == {
        lunch.id: "Nej", work.id: "Stödperson"}
    assert registration.manage_token == token  # the same person: the same link

    # Emptying an optional answer removes it; withdrawing consent deletes the needs.
    client.post(f"/r/{token}/edit", data={"name": "Alva Persson-Berg", f"q{lunch.id}": "Nej",
                                          f"q{work.id}": "", "dietary_needs": ""})
    db.session.refresh(registration)
    assert {a.question_id: a.value for a in registration.answers} == {lunch.id: "Nej"}
    assert registration.dietary_needs == "" and not registration.sensitive_consent


def test_changes_that_break_the_rules_are_refused_and_nothing_changes(client, conference, db):
    lunch, _work = add_questions(conference["event"], db)
    registration = register(client, conference["ticket"], **{f"q{lunch.id}": "Ja"})
    token = registration.manage_token
    client.get("/language/en")
    no_answer = client.post(f"/r/{token}/edit", data={"name": "Alva", f"q{lunch.id}": ""})
    assert no_answer.status_code == 400
    assert "Please answer this question." in no_answer.get_data(as_text=True)
    no_consent = client.post(f"/r/{token}/edit", data={
        "name": "Alva", f"q{lunch.id}": "Nej", "dietary_needs": "Laktosfri"})
    assert no_consent.status_code == 400
    assert "we need your consent" in no_consent.get_data(as_text=True)
    forged = client.post(f"/r/{token}/edit", data={"name": "Alva", f"q{lunch.id}": "Kanske"})
    assert forged.status_code == 400
    no_name = client.post(f"/r/{token}/edit", data={"name": " ", f"q{lunch.id}": "Nej"})
    assert no_name.status_code == 400
    db.session.refresh(registration)
    assert registration.name == "Alva Persson" and registration.dietary_needs == ""
    assert [a.value for a in registration.answers] == ["Ja"]


def test_attendee_gives_the_ticket_to_a_colleague(app, client, conference, db, mailbox,
                                                  make_user):
    lunch, _work = add_questions(conference["event"], db)
    registration = register(client, conference["ticket"], dietary_needs="Vegansk",
                            sensitive_consent="y", **{f"q{lunch.id}": "Ja"})
    mailbox.wait_for(1)
    mailbox.clear()
    old_token, old_badge = registration.manage_token, registration.badge_token
    from app.registration.personal import star, starred_ids

    star(registration, conference["talk"])
    client.get("/language/en")
    assert client.get(f"/r/{old_token}/transfer").status_code == 200

    response = client.post(f"/r/{old_token}/transfer", data={
        "name": "Bo Berg", "email": "Bo@Example.org", "confirm": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/e/varkonferensen-2027/")
    db.session.refresh(registration)
    assert (registration.name, registration.email) == ("Bo Berg", "bo@example.org")
    assert registration.manage_token != old_token and registration.badge_token != old_badge
    # What was the old holder's is gone; the seat is the same.
    assert registration.dietary_needs == "" and not registration.sensitive_consent
    assert db.session.scalar(select(Answer)) is None
    assert starred_ids(registration) == set()  # the old holder's programme went with them
    assert registration.status == "confirmed"
    # The buyer's order page offers the badge, never the holder's own page with their needs.
    order_page = client.get(f"/o/{registration.order.manage_token}").get_data(as_text=True)
    assert f"/r/{registration.manage_token}\"" not in order_page

    assert client.get(f"/r/{old_token}").status_code == 404
    assert client.get(f"/r/{old_token}/badge.pdf").status_code == 404
    new_page = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert "Bo Berg" in new_page and "Some questions still need an answer: Lunch?" in new_page

    messages = mailbox.wait_for(2)
    [confirmation] = [m for m in messages if m["To"] == "bo@example.org"]
    [notice] = [m for m in messages if m["To"] == "alva@example.org"]
    assert mailbox.link(confirmation, "/r/") == f"/r/{registration.manage_token}"
    assert qr_codes(attachment(confirmation)) == [registration.badge_token]
    assert "Bo Berg" in mailbox.body(notice)
    assert registration.manage_token not in mailbox.body(notice)

    # At the door the old badge is unknown, the new one checks in.
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    assert door.post("/checkin/varkonferensen-2027", data={"code": old_badge}).status_code == 404
    assert door.post("/checkin/varkonferensen-2027",
                     data={"code": registration.badge_token}).status_code == 200


def test_a_ticket_cannot_go_to_someone_already_registered(client, conference, db, mailbox):
    registration = register(client, conference["ticket"])
    register(client, conference["ticket"], name="Bo Berg", email="bo@example.org")
    token = registration.manage_token
    client.get("/language/en")
    taken = client.post(f"/r/{token}/transfer", data={
        "name": "Bo Berg", "email": "BO@example.org", "confirm": "y"})
    assert taken.status_code == 409
    assert "bo@example.org is already registered" in taken.get_data(as_text=True)
    unconfirmed = client.post(f"/r/{token}/transfer", data={
        "name": "Cai Ek", "email": "cai@example.org"})
    assert unconfirmed.status_code == 400
    same = client.post(f"/r/{token}/transfer", data={
        "name": "Alva", "email": "alva@example.org", "confirm": "y"})
    assert same.status_code == 400
    bad_address = client.post(f"/r/{token}/transfer", data={
        "name": "Cai Ek", "email": "cai-at-example", "confirm": "y"})
    assert bad_address.status_code == 400
    db.session.refresh(registration)
    assert registration.email == "alva@example.org" and registration.manage_token == token


def test_after_check_in_the_registration_stays_as_it_is(app, client, conference, db, make_user):
    registration = register(client, conference["ticket"])
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    door.post("/checkin/varkonferensen-2027", data={"code": registration.badge_token})
    token = registration.manage_token
    assert client.get(f"/r/{token}/edit").status_code == 409
    refused = client.post(f"/r/{token}/transfer", data={
        "name": "Bo Berg", "email": "bo@example.org", "confirm": "y"})
    assert refused.status_code == 409
    db.session.refresh(registration)
    assert registration.email == "alva@example.org"


def invoice_order(conference, refund_until=None):
    event = conference["event"]
    event.refund_until = refund_until
    return services.place_order(
        event, "Chef Chefsson", "chef@example.org", "sv",
        [(conference["paid"], services.Attendee(name="Chef Chefsson", email="chef@example.org")),
         (conference["paid"], services.Attendee(name="Anna Anställd", email="anna@example.org"))],
        payment_method="invoice", billing=services.Billing(name="Region", address="Gata 1"))


def test_only_the_buyer_sees_the_link_to_the_order(client, conference, db):
    order = invoice_order(conference)
    buyer, colleague = order.registrations
    client.get("/language/en")
    buyer_page = client.get(f"/r/{buyer.manage_token}").get_data(as_text=True)
    colleague_page = client.get(f"/r/{colleague.manage_token}").get_data(as_text=True)
    assert f"/o/{order.manage_token}" in buyer_page
    assert f"/o/{order.manage_token}" not in colleague_page
    assert "Chef Chefsson" not in colleague_page


def test_the_refund_rule_is_shown_before_cancelling(client, conference, db):
    order = invoice_order(conference, refund_until=date(2099, 1, 31))
    client.get("/language/en")
    page = client.get(f"/r/{order.registrations[1].manage_token}").get_data(as_text=True)
    assert "Cancel by January 31, 2099 and you get your money back" in page
    conference["event"].refund_until = date(2020, 1, 1)
    db.session.commit()
    page = client.get(f"/r/{order.registrations[1].manage_token}").get_data(as_text=True)
    assert "The last day for a refund was January 1, 2020" in page


def test_attendee_cancels_and_the_seat_is_free_at_once(client, conference, db):
    order = invoice_order(conference)
    colleague = order.registrations[1]
    paid = conference["paid"]
    db.session.refresh(paid)
    assert paid.seats_taken == 2
    client.get("/language/en")
    unticked = client.post(f"/r/{colleague.manage_token}/cancel")
    assert unticked.status_code == 400
    response = client.post(f"/r/{colleague.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    db.session.refresh(paid)
    db.session.refresh(colleague)
    assert paid.seats_taken == 1 and colleague.status == "cancelled"
    page = client.get(f"/r/{colleague.manage_token}").get_data(as_text=True)
    assert "This registration is cancelled." in page and "badge.pdf" not in page
    again = client.post(f"/r/{colleague.manage_token}/cancel", data={"confirm": "y"})
    assert again.status_code == 303
    db.session.refresh(paid)
    assert paid.seats_taken == 1
    assert client.get(f"/r/{colleague.manage_token}/edit").status_code == 404


@pytest.fixture
def manage_rate_limited(app):
    app.config["RATELIMIT_MANAGE"] = "5 per minute"
    limiter.reset()
    yield
    app.config["RATELIMIT_MANAGE"] = "100000 per minute"
    limiter.reset()


def test_guessing_links_is_rate_limited(client, conference, manage_rate_limited):
    statuses = [client.get(f"/r/guess-{i}").status_code for i in range(7)]
    assert statuses[0] == 404 and statuses[-1] == 429


def test_registrations_are_listed_with_answers_for_the_organiser(organiser, client,
                                                                 conference, db):
    lunch, work = add_questions(conference["event"], db)
    register(client, conference["ticket"], **{f"q{lunch.id}": "Ja", f"q{work.id}": "Kurator"})
    organiser.get("/language/en")
    html = organiser.get("/manage/e/varkonferensen-2027/attendees").get_data(as_text=True)
    assert "<dt>Lunch?</dt><dd>Yes</dd>" in html and "<dt>Work</dt><dd>Kurator</dd>" in html
    assert db.session.scalar(select(Registration)).name in html
