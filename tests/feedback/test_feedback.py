"""After the event the organiser sends a survey; each attendee answers from their own link about
the whole event and each session they went to; the answers are stored once, apart from them."""

from sqlalchemy import func, select

from app.feedback.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from tests.feedback.conftest import by_kind

SLUG = "varkonferensen-2027"
BASE = f"/manage/e/{SLUG}/feedback"


def send(organiser, **data):
    return organiser.post(f"{BASE}/send", data={"send_to": "checked_in", **data})


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def full_answer(survey, talk, workshop=None, rating=4):
    """What someone who went to the talk (and perhaps the workshop) sends."""
    q = {kind: by_kind(survey, kind) for kind in
         ("rating", "recommend", "grid", "single", "multiple", "yes_no", "text")}
    data = {f"q{q['rating'].id}": str(rating), f"q{q['recommend'].id}": "9",
            f"q{q['single'].id}": "1", f"q{q['multiple'].id}": ["0", "2"],
            f"q{q['yes_no'].id}": "1", f"q{q['text'].id}": "Mer tid för samtal, tack.",
            f"i{talk.id}-q{by_kind(survey, 'rating', True).id}": "5",
            f"i{talk.id}-q{by_kind(survey, 'text', True).id}": "Tydligt och varmt."}
    for row in range(len(q["grid"].options)):
        data[f"q{q['grid'].id}-{row}"] = str(1 + row)
    if workshop is not None:
        data[f"i{workshop.id}-q{by_kind(survey, 'rating', True).id}"] = "3"
    return data


def test_the_organiser_starts_from_the_ready_made_survey_and_edits_it(organiser, conference, db):
    page = organiser.get(BASE)
    assert page.status_code == 200
    assert "färdiga enkäten för en konferens" in page.get_data(as_text=True)
    assert organiser.post(f"{BASE}/create", data={"template": "kurs"}).status_code == 400
    assert organiser.post(f"{BASE}/create", data={"template": "course"}).status_code == 302
    listing = organiser.get(f"{BASE}/questions").get_data(as_text=True)
    assert "Vad tyckte du om kursen som helhet?" in listing
    assert organiser.post(f"{BASE}/create", data={"template": "course"}).status_code == 409

    added = organiser.post(f"{BASE}/questions", data={
        "kind": "single", "text": "Vilken dag kom du?", "text_en": "Which day did you come?",
        "options": "Torsdag | Thursday\nFredag | Friday", "required": "y"})
    assert added.status_code == 302
    question = db.session.scalar(select(SurveyQuestion).where(
        SurveyQuestion.text == "Vilken dag kom du?"))
    assert question.options == [{"sv": "Torsdag", "en": "Thursday"},
                                {"sv": "Fredag", "en": "Friday"}]
    no_choices = organiser.post(f"{BASE}/questions", data={"kind": "multiple",
                                                           "text": "Vad saknade du?"})
    assert no_choices.status_code == 400
    assert "Skriv minst ett svarsalternativ" in no_choices.get_data(as_text=True)
    broken = organiser.post(f"{BASE}/questions", data={"kind": "text", "text": "Fråga\x01"})
    assert broken.status_code == 400
    edited = organiser.post(f"{BASE}/questions/{question.id}", data={
        "kind": "yes_no", "text": "Kom du båda dagarna?"})
    assert edited.status_code == 302
    assert organiser.post(f"{BASE}/questions/{question.id}/move",
                          data={"direction": "up"}).status_code == 302
    assert organiser.post(f"{BASE}/questions/{question.id}/remove").status_code == 302
    assert organiser.get(f"{BASE}/questions/99999").status_code == 404
    assert count(db, SurveyQuestion) == 6


def test_sending_before_the_end_needs_a_confirmation(organiser, surveyed, mailbox, db):
    refused = send(organiser)
    assert refused.status_code == 400
    assert "har inte slutat" in refused.get_data(as_text=True)
    assert mailbox.messages == []
    assert send(organiser, confirm_early="y").status_code == 302
    messages = mailbox.wait_for(10)
    assert messages[0]["Subject"] == "Vad tyckte du om Vårkonferensen?"
    assert send(organiser, confirm_early="y").status_code == 302
    assert len(mailbox.messages) == 10


def test_the_attendee_answers_about_the_event_and_each_session_once(
        organiser, client, surveyed, db, mailbox):
    send(organiser, confirm_early="y")
    alva, survey = surveyed["people"][0], surveyed["survey"]
    link = f"/r/{alva.manage_token}/feedback"
    page = client.get(link).get_data(as_text=True)
    assert "Om: Peer support i vården" in page  # checked in at the talk's door
    assert "Om: Workshop om återhämtning" in page  # signed up
    assert "Om: Lunch" not in page

    sent = client.post(link, data=full_answer(survey, surveyed["talk"], surveyed["workshop"]))
    assert sent.status_code == 200 and "Tack för ditt svar!" in sent.get_data(as_text=True)
    again = client.post(link, data=full_answer(survey, surveyed["talk"]))
    assert again.status_code == 409 and "Du har redan svarat" in again.get_data(as_text=True)
    db.session.rollback()
    responses = db.session.scalars(select(SurveyResponse)).all()
    assert sorted(str(r.item_id) for r in responses) == sorted(
        ["None", str(surveyed["talk"].id), str(surveyed["workshop"].id)])
    assert db.session.get(type(alva), alva.id).feedback_answered_on is not None
    assert client.get(link).status_code == 200  # "you have already answered"


def test_someone_who_only_starred_a_session_is_asked_about_it(organiser, client, surveyed):
    send(organiser, confirm_early="y")
    karin = surveyed["people"][9]
    page = client.get(f"/r/{karin.manage_token}/feedback").get_data(as_text=True)
    assert "Om: Peer support i vården" in page and "Om: Workshop" not in page


def test_wrong_answers_are_refused_in_swedish_and_nothing_is_stored(
        organiser, client, surveyed, db):
    send(organiser, confirm_early="y")
    survey, talk = surveyed["survey"], surveyed["talk"]
    link = f"/r/{surveyed['people'][0].manage_token}/feedback"
    rating = by_kind(survey, "rating")
    for key, value, message in [
            (f"q{rating.id}", "9", "Välj ett av svaren."),
            (f"q{rating.id}", "", "Svara på den här frågan."),
            (f"q{by_kind(survey, 'single').id}", "7", "Välj ett av svaren."),
            (f"q{by_kind(survey, 'recommend').id}", "-1", "Välj ett av svaren."),
            (f"q{by_kind(survey, 'text').id}", "Bra\x07", "Ta bort styrtecken")]:
        data = full_answer(survey, talk)
        data[key] = value
        refused = client.post(link, data=data)
        assert refused.status_code == 400, key
        assert message in refused.get_data(as_text=True)
    assert count(db, SurveyResponse) == 0 and count(db, SurveyAnswer) == 0


def test_the_link_opens_only_once_asked_or_after_the_event(client, surveyed, db):
    alva = surveyed["people"][0]
    assert client.get(f"/r/{alva.manage_token}/feedback").status_code == 404
    assert client.get("/r/finns-inte/feedback").status_code == 404


def test_a_closed_survey_takes_no_more_answers(organiser, client, surveyed, db):
    send(organiser, confirm_early="y")
    survey = surveyed["survey"]
    survey = db.session.merge(survey)
    survey.closes_on = survey.event.today().replace(year=2000)
    db.session.commit()
    link = f"/r/{surveyed['people'][0].manage_token}/feedback"
    assert client.get(link).status_code == 404


def test_the_survey_in_english(organiser, client, surveyed):
    send(organiser, confirm_early="y")
    client.get("/language/en")
    page = client.get(f"/r/{surveyed['people'][0].manage_token}/feedback").get_data(as_text=True)
    assert "Overall, what did you think of the conference?" in page
    assert "Through my workplace" in page and "1 means Very poor, 5 means Very good." in page
    assert "About: " in page and "Send my answers" in page


def test_the_organiser_sets_when_and_to_whom_it_goes(organiser, surveyed, db):
    settings = {"auto_send": "y", "send_after_hours": "3", "send_from": "session",
                "audience": "registered", "remind_after_days": "5", "closes_on": "2027-04-01",
                "released_to_speakers": "y", "intro": "Tack för att du kom!", "intro_en": ""}
    assert organiser.post(f"{BASE}/settings", data=settings).status_code == 302
    survey = db.session.merge(surveyed["survey"])
    db.session.refresh(survey)
    assert (survey.auto_send, survey.send_after_hours, survey.send_from, survey.audience,
            survey.remind_after_days, str(survey.closes_on), survey.released_to_speakers) == (
        True, 3, "session", "registered", 5, "2027-04-01", True)
    for wrong in ({"send_after_hours": "-1"}, {"remind_after_days": "x"},
                  {"send_from": "midnatt"}, {"closes_on": "i morgon"}):
        refused = organiser.post(f"{BASE}/settings", data={**settings, **wrong})
        assert refused.status_code == 400, wrong
    db.session.refresh(survey)
    assert survey.send_after_hours == 3
    assert organiser.get(f"{BASE}/questions/{by_kind(survey, 'text').id}/texts").status_code == 200
    assert organiser.get(f"{BASE}/questions/{by_kind(survey, 'rating').id}/texts").status_code \
        == 404
