"""Form errors speak the visitor's language, WTForms' own messages included: a Swedish page
never says "This field is required."."""

import re

from tests.registration.test_questions import add_question, register_url
from tests.registration.test_register_free import form


def field_errors(response, field_id) -> list[str]:
    html = response.get_data(as_text=True)
    match = re.search(rf'<ul class="field-errors" id="{field_id}-error">(.*?)</ul>', html, re.S)
    assert match, f"no errors shown for {field_id}"
    return re.findall(r"<li>(.*?)</li>", match.group(1))


def test_a_swedish_registration_with_an_empty_name_says_so_in_swedish(client, conference):
    response = client.post(register_url(conference["ticket"]), data=form(name=""))
    assert response.status_code == 400
    assert field_errors(response, "a0-name") == ["Det här fältet är obligatoriskt."]
    assert "This field is required." not in response.get_data(as_text=True)


def test_an_english_registration_with_an_empty_name_says_so_in_english(client, conference):
    client.get("/language/en")
    response = client.post(register_url(conference["ticket"]), data=form(name=""))
    assert response.status_code == 400
    assert field_errors(response, "a0-name") == ["This field is required."]


def test_each_kind_of_check_on_the_registration_form_answers_in_swedish(
        client, organiser, conference):
    """DataRequired and Length (the attendee's own fields), Email, InputRequired (a required
    choice question), and the group buyer's fields that the view checks itself."""
    add_question(organiser, label="Vilken workshop?", label_en="Which workshop?", kind="choice",
                 options="Peer support | Peer support\nKollegialt stöd | Peer supervision",
                 required="y")
    response = client.post(register_url(conference["ticket"], count=2), data={
        **form(name="A" * 201, email="inte-en-adress"), "a1-name": "", "a1-email": "",
        "buyer_name": ""})
    assert response.status_code == 400
    assert field_errors(response, "a0-name") == ["Fältet får inte vara längre än 200 tecken."]
    assert field_errors(response, "a0-email") == [
        "Skriv en hel e-postadress, till exempel namn@exempel.se."]
    [question] = re.findall(r'id="(a0-q\d+)-error"', response.get_data(as_text=True))
    assert field_errors(response, question) == ["Svara på den här frågan."]
    assert field_errors(response, "a1-name") == ["Det här fältet är obligatoriskt."]
    assert "This field" not in response.get_data(as_text=True)

    question_id = question.removeprefix("a0-")
    two_attendees = {**form(), f"a0-{question_id}": "Peer support",
                     "a1-name": "Bo Ek", "a1-email": "bo@example.org",
                     f"a1-{question_id}": "Peer support"}
    buyerless = client.post(register_url(conference["ticket"], count=2),
                            data={**two_attendees, "buyer_name": "", "buyer_email": ""})
    assert buyerless.status_code == 400
    assert field_errors(buyerless, "buyer_name") == ["Det här fältet är obligatoriskt."]


def test_organiser_forms_answer_in_swedish_too(organiser, conference):
    """NumberRange on a room's seats, DataRequired on its name."""
    response = organiser.post(f"/manage/e/{conference['event'].slug}/rooms",
                              data={"name": "", "capacity": "0", "accessibility_notes": ""})
    assert response.status_code == 400
    assert field_errors(response, "name") == ["Det här fältet är obligatoriskt."]
    assert field_errors(response, "capacity") == ["Numret måste vara mellan 1 och 100000."]
