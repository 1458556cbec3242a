"""Programme items, rooms and speakers' roles in Swedish and English: the programme page, the
calendars and schedule.json give the English text where the organiser wrote one, and carry the
Swedish one (marked lang="sv" on pages) where not."""

import icalendar
from jsonschema import Draft6Validator

from app.events.models import Event, Room
from app.programme.models import ProgrammeItem
from tests.factories import (
    ENGLISH,
    SWEDISH_GIVEN_IN_ENGLISH,
    add_workshop,
    edit_talk,
    give_english,
    publish_programme,
    register,
)
from tests.programme.test_exports import format_checker, load_schema, problems
from tests.programme.test_import import preview_and_confirm

SLUG = "varkonferensen-2027"


def summaries(client, url) -> dict[str, icalendar.Event]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    calendar = icalendar.Calendar.from_ical(response.get_data())
    return calendar, {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}


# --- the organiser writes it --------------------------------------------------------------------

def test_the_organiser_gives_an_item_an_english_title_and_publishes_it(
        organiser, client, conference, db):
    form = organiser.get(f"/manage/e/{SLUG}/items/{conference['talk'].id}").get_data(as_text=True)
    assert "Titel (engelska)" in form and 'lang="en"' in form
    response = edit_talk(organiser, conference, title_en="Peer support in care",
                         description_en="How it works.", audience_en="Managers")
    assert response.status_code == 302
    talk = db.session.get(ProgrammeItem, conference["talk"].id)
    assert (talk.title_en, talk.description_en, talk.audience_en) == (
        "Peer support in care", "How it works.", "Managers")

    client.get("/language/en")
    before = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "Peer support in care" not in before  # the public reads the published version
    publish_programme(conference["event"])
    after = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "<h3>Peer support in care" in after and "How it works." in after
    assert "For: Managers" in after


# --- pages --------------------------------------------------------------------------------------

def test_the_english_programme_shows_english_and_marks_the_swedish_left(client, conference):
    add_workshop(conference["event"], title="Workshop om återhämtning")
    give_english(conference)
    client.get("/language/en")
    page = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    for text in (ENGLISH["talk"], ENGLISH["talk_description"], ENGLISH["hall"], ENGLISH["role"],
                 f"For: {ENGLISH['audience']}"):
        assert text in page, text
    assert [text for text in SWEDISH_GIVEN_IN_ENGLISH if text in page] == []
    assert '<h3><span lang="sv">Workshop om återhämtning</span>' in page
    # The downloads on the English page are the English ones.
    assert f"/e/{SLUG}/programme.ics?lang=en" in page
    assert f"/e/{SLUG}/schedule.json?lang=en" in page


def test_the_swedish_programme_stays_swedish(client, conference):
    give_english(conference)
    page = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "<h3>Peer support i vården" in page and "Stora salen" in page
    assert ENGLISH["talk"] not in page and ENGLISH["hall"] not in page
    assert 'lang="sv"' not in page.split("<main", 1)[1]


def test_speaker_pages_in_english(client, conference):
    give_english(conference)
    client.get("/language/en")
    speaker = conference["speaker"]
    listing = client.get(f"/e/{SLUG}/speakers").get_data(as_text=True)
    assert ENGLISH["role"] in listing and "Samordnare" not in listing
    detail = client.get(f"/e/{SLUG}/speakers/{speaker.id}").get_data(as_text=True)
    for text in (ENGLISH["role"], ENGLISH["bio"], ENGLISH["talk"], ENGLISH["hall"]):
        assert text in detail, text
    assert "Arbetar med peer support" not in detail and "Peer support i vården" not in detail


def test_my_programme_in_english(client, conference):
    give_english(conference)
    attendee = register(conference["event"], conference["ticket"], language="en")
    client.get("/language/en")
    page = client.get(f"/r/{attendee.manage_token}/programme").get_data(as_text=True)
    assert ENGLISH["talk"] in page and ENGLISH["hall"] in page
    assert "Peer support i vården" not in page and "Stora salen" not in page


# --- calendars ----------------------------------------------------------------------------------

def test_the_english_calendar_has_english_summaries(client, conference):
    give_english(conference)
    _calendar, swedish = summaries(client, f"/e/{SLUG}/programme.ics")
    assert "Peer support i vården" in swedish
    calendar, english = summaries(client, f"/e/{SLUG}/programme.ics?lang=en")
    assert ENGLISH["talk"] in english and "Peer support i vården" not in english
    talk = english[ENGLISH["talk"]]
    assert str(talk["LOCATION"]).startswith(ENGLISH["hall"] + ", ")
    assert ENGLISH["talk_description"] in str(talk["DESCRIPTION"])
    assert f"{ENGLISH['role']} (Region Örebro län)" in str(talk["DESCRIPTION"])
    assert str(calendar["X-WR-CALNAME"]) == ENGLISH["event"]
    # The lunch has no English title: the Swedish one.
    assert "Lunch" in english


def test_an_unknown_calendar_language_is_not_found(client, conference):
    assert client.get(f"/e/{SLUG}/programme.ics?lang=de").status_code == 404
    assert client.get(f"/e/{SLUG}/schedule.json?lang=xx").status_code == 404
    assert client.get(f"/e/{SLUG}/schedule.json?lang=%00").status_code == 400


def test_an_english_attendees_own_calendar_is_in_english(client, conference):
    give_english(conference)
    attendee = register(conference["event"], conference["ticket"], language="en")
    link = attendee.manage_token
    client.post(f"/r/{link}/programme/{conference['talk'].id}/star", data={"action": "add"})
    calendar, english = summaries(client, f"/r/{link}/programme.ics")
    assert list(english) == [ENGLISH["talk"]]
    assert str(calendar["X-WR-CALNAME"]).startswith(ENGLISH["event"])


# --- schedule.json ------------------------------------------------------------------------------

def test_english_schedule_json_is_valid_and_english(client, conference):
    give_english(conference)
    response = client.get(f"/e/{SLUG}/schedule.json?lang=en")
    assert response.status_code == 200
    document = response.get_json()
    validator = Draft6Validator(load_schema(), format_checker=format_checker())
    assert problems(validator, document) == []
    conference_ = document["schedule"]["conference"]
    assert (conference_["title"], conference_["description"]) == (ENGLISH["event"],
                                                                  ENGLISH["description"])
    assert ENGLISH["hall"] in [room["name"] for room in conference_["rooms"]]
    [day] = conference_["days"]
    [talk] = [entry for entry in day["rooms"][ENGLISH["hall"]] if entry["type"] == "talk"]
    assert (talk["title"], talk["abstract"]) == (ENGLISH["talk"], ENGLISH["talk_description"])
    assert talk["room"] == ENGLISH["hall"]
    assert talk["persons"][0]["biography"] == ENGLISH["bio"]
    # The talk is still held in Swedish, and its address is the same in both languages.
    swedish = client.get(f"/e/{SLUG}/schedule.json").get_json()
    [same] = [entry for entry in swedish["schedule"]["conference"]["days"][0]["rooms"]
              ["Stora salen"] if entry["type"] == "talk"]
    assert same["title"] == "Peer support i vården"
    assert (talk["language"], talk["slug"], talk["guid"]) == (
        same["language"], same["slug"], same["guid"])


# --- import -------------------------------------------------------------------------------------

def test_the_programme_csv_carries_the_english_texts_to_another_event(
        organiser, conference, db):
    give_english(conference)
    exported = organiser.get(f"/manage/e/{SLUG}/programme.csv").get_data()
    other = Event(slug="hostkonferensen-2027", name="Höstkonferensen",
                  starts_on=conference["event"].starts_on, ends_on=conference["event"].ends_on)
    db.session.add_all([other, Room(event=other, name="Stora salen", position=0)])
    db.session.commit()
    response = preview_and_confirm(organiser, other.slug, exported)
    assert response.status_code == 302, response.get_data(as_text=True)
    copied = db.session.query(ProgrammeItem).filter_by(event_id=other.id,
                                                       title="Peer support i vården").one()
    assert (copied.title_en, copied.description_en) == (ENGLISH["talk"],
                                                        ENGLISH["talk_description"])
