"""After the event the organiser asks those who came what they thought; answers are anonymous."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, inspect, select

from app.checkin.services import Door, scan
from app.feedback.models import FeedbackResponse
from app.feedback.services import give_feedback
from tests.factories import register

SLUG = "varkonferensen-2027"


@pytest.fixture
def attendees(conference, make_user, mailbox):
    """Alva and Nils came and were checked in at the door; Fatima registered but stayed home."""
    event, ticket = conference["event"], conference["ticket"]
    door = make_user("dorr@example.org", role="door", events=[event])
    alva = register(event, ticket)
    nils = register(event, ticket, name="Nils Karlsson", email="nils@example.org")
    fatima = register(event, ticket, name="Fatima Hassan", email="fatima@example.org")
    for person in (alva, nils):
        assert scan(Door(event, user=door), person.badge_token).outcome == "checked_in"
    mailbox.wait_for(3)
    mailbox.clear()
    return {"alva": alva, "nils": nils, "fatima": fatima}


def ask_for_feedback(organiser):
    return organiser.post(f"/manage/e/{SLUG}/feedback", data={"checked_in_only": "y"})


def feedback_links(mailbox, count):
    """Each recipient's feedback link, by address."""
    return {m["To"]: mailbox.link(m, "/feedback") for m in mailbox.wait_for(count)}


def answer(client, link, **data):
    return client.post(link, data=data)


def stored_answers(db):
    db.session.rollback()
    return db.session.scalars(select(FeedbackResponse)).all()


def test_only_checked_in_attendees_are_asked_once(organiser, attendees, mailbox, db):
    assert ask_for_feedback(organiser).status_code == 302
    links = feedback_links(mailbox, 2)
    assert set(links) == {"alva@example.org", "nils@example.org"}
    assert links["alva@example.org"] == f"/r/{attendees['alva'].manage_token}/feedback"
    [message] = mailbox.to("alva@example.org")
    assert message["Subject"] == "Vad tyckte du om Vårkonferensen?"

    assert ask_for_feedback(organiser).status_code == 302
    assert len(mailbox.messages) == 2
    db.session.refresh(attendees["fatima"])
    assert attendees["fatima"].feedback_requested_at is None


def test_attendee_answers_once_and_is_thanked(organiser, client, attendees, mailbox, db):
    ask_for_feedback(organiser)
    link = feedback_links(mailbox, 2)["alva@example.org"]
    form = client.get(link)
    assert form.status_code == 200 and "anonym" in form.get_data(as_text=True)

    thanks = answer(client, link, rating="4", comment="Bra paneler, för kort lunch.")
    assert thanks.status_code == 200
    assert "Tack för ditt svar!" in thanks.get_data(as_text=True)

    again = answer(client, link, rating="1", comment="Ändrat mig.")
    assert again.status_code == 409
    assert "Du har redan svarat" in again.get_data(as_text=True)
    [stored] = stored_answers(db)
    assert (stored.rating, stored.comment) == (4, "Bra paneler, för kort lunch.")


@pytest.mark.parametrize("rating", [None, "9", "0", "bra"])
def test_missing_or_impossible_rating_is_refused(organiser, client, attendees, mailbox, db,
                                                 rating):
    ask_for_feedback(organiser)
    link = feedback_links(mailbox, 2)["nils@example.org"]
    data = {"comment": "Hej"} if rating is None else {"rating": rating, "comment": "Hej"}
    response = answer(client, link, **data)
    assert response.status_code == 400
    assert 'id="rating-error"' in response.get_data(as_text=True)
    assert stored_answers(db) == []
    db.session.refresh(attendees["nils"])
    assert attendees["nils"].feedback_given_at is None


def test_attendee_never_asked_cannot_answer_before_the_event_is_over(
        organiser, client, attendees, mailbox, db):
    ask_for_feedback(organiser)
    fatima = f"/r/{attendees['fatima'].manage_token}/feedback"
    assert client.get(fatima).status_code == 404
    assert answer(client, fatima, rating="5").status_code == 404
    assert client.get(f"/r/{'x' * 43}/feedback").status_code == 404
    assert stored_answers(db) == []


def test_organiser_sees_count_average_and_comments(organiser, client, attendees, mailbox):
    ask_for_feedback(organiser)
    links = feedback_links(mailbox, 2)
    answer(client, links["alva@example.org"], rating="5", comment="Mycket givande dag!")
    answer(client, links["nils@example.org"], rating="4", comment="")
    page = organiser.get(f"/manage/e/{SLUG}/feedback")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Svar: 2. Tillfrågade: 2." in html
    assert "Medelbetyg: 4,5 av 5." in html
    assert "<li>Mycket givande dag!</li>" in html
    organiser.get("/language/en")
    english = organiser.get(f"/manage/e/{SLUG}/feedback").get_data(as_text=True)
    assert "Answers: 2. Asked: 2." in english and "Average rating: 4.5 of 5." in english


def test_stored_answer_cannot_be_traced_to_the_attendee(organiser, client, attendees, mailbox,
                                                        db):
    ask_for_feedback(organiser)
    link = feedback_links(mailbox, 2)["alva@example.org"]
    answer(client, link, rating="3", comment="Okej.")
    [stored] = stored_answers(db)
    table = inspect(FeedbackResponse).local_table
    assert {column.name for column in table.columns} == {
        "id", "event_id", "rating", "comment", "submitted_on"}
    assert {fk.column.table.name for fk in table.foreign_keys} == {"event"}
    db.session.refresh(attendees["alva"])
    assert attendees["alva"].feedback_given_at is not None
    assert db.session.scalar(select(func.count()).select_from(FeedbackResponse).where(
        FeedbackResponse.event_id == attendees["alva"].event_id)) == 1
    assert stored.comment == "Okej."


def test_an_answer_given_after_midnight_at_the_event_is_dated_by_the_events_calendar(
        attendees, db):
    """Half past midnight in Göteborg is still the day before in UTC, and on a server that
    keeps UTC: the answer belongs to the day it was given at the event's place."""
    alva = attendees["alva"]
    give_feedback(alva, 5, "Bra dag!", now=datetime(2027, 3, 18, 23, 30, tzinfo=UTC))
    db.session.commit()
    [stored] = stored_answers(db)
    assert stored.submitted_on == date(2027, 3, 19)
