"""The registration form and the attendee's own pages in English: ticket names, questions, their
help texts and options as the organiser wrote them in English, the Swedish text marked
lang="sv" where there is no English one; answers are stored by the Swedish option."""

import re

from app.registration.models import Answer
from tests.factories import ENGLISH, SWEDISH_GIVEN_IN_ENGLISH, give_english

SLUG = "varkonferensen-2027"


def test_the_english_registration_form_asks_in_english(client, conference):
    give_english(conference)
    client.get("/language/en")
    tickets = client.get(f"/e/{SLUG}/register").get_data(as_text=True)
    assert ENGLISH["ticket"] in tickets and ENGLISH["ticket_description"] in tickets
    assert '<span lang="sv">Ordinarie</span>' in tickets

    page = client.get(f"/e/{SLUG}/register?t{conference['ticket'].id}=1").get_data(as_text=True)
    for text in (ENGLISH["event"], ENGLISH["ticket"], ENGLISH["question"], ENGLISH["help"],
                 ENGLISH["option"]):
        assert text in page, text
    # An option's value is the Swedish text the answer stores; nobody reads it.
    shown = re.sub(r' value="[^"]*"', "", page)
    assert [text for text in SWEDISH_GIVEN_IN_ENGLISH if text in shown] == []
    # No English written: the Swedish label, option, marked as Swedish.
    assert '<span lang="sv">Vad vill du lära dig?</span>' in page
    assert '<span lang="sv">Via en vän</span>' in page


def test_the_swedish_registration_form_asks_in_swedish(client, conference):
    give_english(conference)
    page = client.get(f"/e/{SLUG}/register?t{conference['ticket'].id}=1").get_data(as_text=True)
    assert "Hur hörde du talas om oss?" in page and "Via jobbet" in page and "Fri entré" in page
    assert ENGLISH["question"] not in page and ENGLISH["option"] not in page
    assert 'lang="sv"' not in page.split("<main", 1)[1]


def test_an_english_answer_is_stored_as_the_swedish_option_and_shown_in_english(
        client, conference, db, mailbox):
    give_english(conference)
    question = conference["question"]
    client.get("/language/en")
    response = client.post(f"/e/{SLUG}/register?t{conference['ticket'].id}=1", data={
        "a0-name": "Robin Smith", "a0-email": "robin@example.org", "a0-organisation": "",
        f"a0-q{question.id}": "Via jobbet"})
    assert response.status_code == 303, response.get_data(as_text=True)
    answer = db.session.query(Answer).filter_by(question_id=question.id).one()
    assert answer.value == "Via jobbet"
    assert answer.registration.language == "en"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ENGLISH["event"] in page and ENGLISH["ticket"] in page
    assert "Vårkonferensen" not in page and "Fri entré" not in page
