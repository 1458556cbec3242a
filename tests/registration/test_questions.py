"""The organiser builds the registration form: built-in fields and their own questions, which
attendees answer when they register."""

from sqlalchemy import select

from app.registration.models import Answer, Question, Registration
from tests.conftest import login
from tests.factories import build_conference

BASE = "/manage/e/varkonferensen-2027/questions"


def register_url(ticket, count=1):
    return f"/e/varkonferensen-2027/register?t{ticket.id}={count}"


def add_question(organiser, **changes):
    data = {"label": "Vill du ha lunch?", "label_en": "Would you like lunch?",
            "help_text": "", "help_text_en": "", "kind": "text", "options": ""}
    data.update(changes)
    return organiser.post(f"{BASE}/new", data=data)


def questions(db):
    return db.session.scalars(select(Question).order_by(Question.position)).all()


def build_form(organiser, conference):
    """One question of each kind, the choice question only for the paid ticket."""
    add_question(organiser, label="Vad jobbar du med?", label_en="What is your work?",
                 help_text="Kort, tack.", help_text_en="Briefly, please.", required="y")
    add_question(organiser, label="Vilken workshop?", label_en="Which workshop?", kind="choice",
                 options="Peer support | Peer support\nKollegialt stöd | Peer supervision",
                 required="y")
    add_question(organiser, label="Vilka dagar?", label_en="Which days?", kind="multiple",
                 options="Torsdag | Thursday\nFredag | Friday\nLördag")
    add_question(organiser, label="Får vi fotografera dig?", label_en="May we photograph you?",
                 kind="yesno")


def test_organiser_adds_each_kind_of_question(organiser, conference, db):
    organiser.get("/language/en")
    build_form(organiser, conference)
    text, choice, multiple, yesno = questions(db)
    assert (text.kind, text.required, text.help_text_en) == ("text", True, "Briefly, please.")
    assert choice.kind == "choice" and choice.options == [
        {"sv": "Peer support", "en": "Peer support"},
        {"sv": "Kollegialt stöd", "en": "Peer supervision"}]
    assert multiple.options[2] == {"sv": "Lördag", "en": ""}
    assert yesno.kind == "yesno" and yesno.options == []
    assert all(q.ticket_type_ids == [] for q in (text, choice, multiple, yesno))

    page = organiser.get(BASE).get_data(as_text=True)
    for label in ("Vad jobbar du med?", "Vilken workshop?", "Vilka dagar?",
                  "Får vi fotografera dig?", "Kollegialt stöd"):
        assert label in page
    assert page.index("Vad jobbar du med?") < page.index("Får vi fotografera dig?")


def test_a_question_can_be_asked_for_some_tickets_only(organiser, conference, client, db):
    response = add_question(organiser, label="Fakturamärkning?",
                            ticket_types=[conference["paid"].id])
    assert response.status_code == 302
    [question] = questions(db)
    assert question.ticket_type_ids == [conference["paid"].id]

    free_page = client.get(register_url(conference["ticket"])).get_data(as_text=True)
    paid_page = client.get(register_url(conference["paid"])).get_data(as_text=True)
    assert "Fakturamärkning?" not in free_page
    assert "Fakturamärkning?" in paid_page and f'name="a0-q{question.id}"' in paid_page


def test_bad_question_forms_are_refused_with_a_reason(organiser, conference, db):
    organiser.get("/language/en")
    one_option = add_question(organiser, kind="choice", options="Bara ett")
    assert one_option.status_code == 400
    assert "at least two options" in one_option.get_data(as_text=True)
    no_swedish = add_question(organiser, kind="choice", options=" | Yes\nNej | No")
    assert no_swedish.status_code == 400
    assert "Swedish text" in no_swedish.get_data(as_text=True)
    no_label = add_question(organiser, label="")
    assert no_label.status_code == 400
    bad_kind = add_question(organiser, kind="essay")
    assert bad_kind.status_code == 400
    other_event = build_conference(name="Höstkonferensen", slug="host-2027")
    foreign_ticket = add_question(organiser, ticket_types=[other_event["ticket"].id])
    assert foreign_ticket.status_code == 400
    assert questions(db) == []


def test_attendee_answers_the_questions_when_registering(organiser, conference, client, db):
    build_form(organiser, conference)
    text, choice, multiple, yesno = questions(db)
    client.get("/language/en")
    page = client.get(register_url(conference["ticket"])).get_data(as_text=True)
    # Asked in the attendee's language, the Swedish option as the value.
    assert "What is your work?" in page and "Briefly, please." in page
    assert 'value="Kollegialt stöd"' in page and "Peer supervision" in page
    assert 'type="checkbox"' in page and 'value="Fredag"' in page

    response = client.post(register_url(conference["ticket"]), data={
        "a0-name": "Alva Persson", "a0-email": "alva@example.org",
        f"a0-q{text.id}": "  Kurator ", f"a0-q{choice.id}": "Kollegialt stöd",
        f"a0-q{multiple.id}": ["Lördag", "Torsdag"], f"a0-q{yesno.id}": "y",
    })
    assert response.status_code == 303
    registration = db.session.scalar(select(Registration))
    stored = {answer.question_id: answer.value for answer in registration.answers}
    assert stored == {text.id: "Kurator", choice.id: "Kollegialt stöd",
                      multiple.id: ["Torsdag", "Lördag"], yesno.id: True}

    organiser.get("/language/en")
    listing = organiser.get("/manage/e/varkonferensen-2027/attendees").get_data(as_text=True)
    assert "Alva Persson" in listing
    assert "<dt>Which workshop?</dt><dd>Peer supervision</dd>" in listing
    assert "<dt>Which days?</dt><dd>Thursday, Lördag</dd>" in listing
    assert "<dt>May we photograph you?</dt><dd>Yes</dd>" in listing


def test_a_required_question_left_empty_is_refused_and_nothing_stored(organiser, conference,
                                                                       client, db):
    build_form(organiser, conference)
    text, choice, _multiple, _yesno = questions(db)
    client.get("/language/en")
    response = client.post(register_url(conference["ticket"]), data={
        "a0-name": "Alva Persson", "a0-email": "alva@example.org",
        f"a0-q{text.id}": "   ", f"a0-q{choice.id}": "Kollegialt stöd",
    })
    assert response.status_code == 400
    assert "Please answer this question." in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None
    assert db.session.scalar(select(Answer)) is None


def test_an_answer_that_is_not_one_of_the_choices_is_refused(organiser, conference, client, db):
    build_form(organiser, conference)
    text, choice, multiple, _yesno = questions(db)
    response = client.post(register_url(conference["ticket"]), data={
        "a0-name": "Alva Persson", "a0-email": "alva@example.org",
        f"a0-q{text.id}": "Kurator", f"a0-q{choice.id}": "Något annat",
        f"a0-q{multiple.id}": ["Söndag"],
    })
    assert response.status_code == 400
    assert db.session.scalar(select(Registration)) is None


def test_organiser_edits_a_question(organiser, conference, db):
    add_question(organiser, kind="choice", options="Ja | Yes\nNej | No")
    [question] = questions(db)
    form = organiser.get(f"{BASE}/{question.id}").get_data(as_text=True)
    assert "Ja | Yes\nNej | No" in form
    response = organiser.post(f"{BASE}/{question.id}", data={
        "label": "Vill du ha lunch, tack?", "label_en": "Lunch?", "kind": "choice",
        "options": "Ja | Yes\nNej | No\nKanske | Maybe", "required": "y",
        "ticket_types": [conference["ticket"].id]})
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.label == "Vill du ha lunch, tack?" and question.required
    assert [o["sv"] for o in question.options] == ["Ja", "Nej", "Kanske"]
    assert question.ticket_type_ids == [conference["ticket"].id]


def test_the_kind_of_an_answered_question_cannot_change(organiser, conference, client, db):
    organiser.get("/language/en")
    add_question(organiser, label="Allergier?")
    [question] = questions(db)
    client.post(register_url(conference["ticket"]), data={
        "a0-name": "Alva Persson", "a0-email": "alva@example.org", f"a0-q{question.id}": "Nötter"})
    response = organiser.post(f"{BASE}/{question.id}", data={"label": "Allergier?",
                                                             "kind": "yesno"})
    assert response.status_code == 400
    assert "kind cannot change" in response.get_data(as_text=True)
    db.session.refresh(question)
    assert question.kind == "text"


def test_organiser_reorders_questions_with_up_and_down(organiser, conference, db):
    for label in ("Första", "Andra", "Tredje"):
        add_question(organiser, label=label)
    first, second, third = questions(db)
    assert organiser.post(f"{BASE}/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert [q.label for q in questions(db)] == ["Första", "Tredje", "Andra"]
    organiser.post(f"{BASE}/{first.id}/move", data={"direction": "down"})
    assert [q.label for q in questions(db)] == ["Tredje", "Första", "Andra"]
    organiser.post(f"{BASE}/{third.id}/move", data={"direction": "up"})  # already first
    assert [q.label for q in questions(db)] == ["Tredje", "Första", "Andra"]
    assert organiser.post(f"{BASE}/{first.id}/move",
                          data={"direction": "sideways"}).status_code == 400


def test_deleting_an_answered_question_asks_first_and_says_how_many_answers_go(
        organiser, conference, client, db):
    organiser.get("/language/en")
    add_question(organiser, label="Allergier?")
    add_question(organiser, label="Oanvänd")
    answered, unused = (q.id for q in questions(db))
    for name in ("Alva", "Bo"):
        client.post(register_url(conference["ticket"]), data={
            "a0-name": name, "a0-email": f"{name.lower()}@example.org",
            f"a0-q{answered}": "Nötter"})
    assert len(db.session.scalars(select(Answer)).all()) == 2

    asked = organiser.post(f"{BASE}/{answered}/delete")
    assert asked.status_code == 200
    assert "2 answers to this question are deleted with it" in asked.get_data(as_text=True)
    assert db.session.get(Question, answered) is not None

    unticked = organiser.post(f"{BASE}/{answered}/delete", data={"step": "confirm"})
    assert unticked.status_code == 400
    assert db.session.get(Question, answered) is not None

    done = organiser.post(f"{BASE}/{answered}/delete", data={"step": "confirm",
                                                                "confirm": "y"})
    assert done.status_code == 302
    assert db.session.get(Question, answered) is None
    assert db.session.scalar(select(Answer)) is None

    # Nothing to lose: deleted at once.
    assert organiser.post(f"{BASE}/{unused}/delete").status_code == 302
    assert questions(db) == []


def test_built_in_fields_are_switched_on_and_off(organiser, conference, client, db):
    event = conference["event"]
    response = organiser.post(f"{BASE}/fields", data={
        "field_organisation": "off", "field_role": "required", "field_phone": "optional"})
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.field_organisation, event.field_role, event.field_phone) == (
        "off", "required", "optional")
    assert event.ask_sensitive is False
    page = client.get(register_url(conference["ticket"])).get_data(as_text=True)
    assert 'name="a0-organisation"' not in page and 'name="a0-phone"' in page
    assert 'name="a0-dietary_needs"' not in page

    no_role = client.post(register_url(conference["ticket"]), data={
        "a0-name": "Alva Persson", "a0-email": "alva@example.org"})
    assert no_role.status_code == 400
    assert organiser.post(f"{BASE}/fields", data={
        "field_organisation": "sometimes", "field_role": "off",
        "field_phone": "off"}).status_code == 400


def test_only_organisers_build_the_form(app, conference, client, make_user, db):
    event = conference["event"]
    question = Question(event_id=event.id, label="Allergier?", kind="text")
    db.session.add(question)
    db.session.commit()
    assert client.get(BASE).status_code == 302  # to the login page
    make_user("dorr@example.org", role="door", events=[event])
    door = login(app.test_client(), "dorr@example.org")
    for path in (BASE, f"{BASE}/new", f"{BASE}/{question.id}"):
        assert door.get(path).status_code == 403
    assert door.post(f"{BASE}/{question.id}/delete").status_code == 403
    assert door.post(f"{BASE}/new", data={"label": "Hack", "kind": "text"}).status_code == 403
    assert db.session.scalars(select(Question)).all() == [question]


def test_another_events_question_is_not_found(organiser, conference, db):
    other = build_conference(name="Höstkonferensen", slug="host-2027")
    question = Question(event_id=other["event"].id, label="Annan", kind="text")
    db.session.add(question)
    db.session.commit()
    assert organiser.get(f"{BASE}/{question.id}").status_code == 404
    assert organiser.post(f"{BASE}/{question.id}/delete").status_code == 404
    assert organiser.post(f"{BASE}/{question.id}/move",
                          data={"direction": "up"}).status_code == 404
    assert organiser.get(f"{BASE}/999999").status_code == 404
    assert db.session.get(Question, question.id) is not None
