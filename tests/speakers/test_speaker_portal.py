"""A speaker follows the link in the invitation, answers, and keeps their profile up to date."""

import pytest

from app.extensions import db as _db
from app.speakers.services import add_speaker, assign, send_invitation

PROGRAMME = "/e/varkonferensen-2027/programme"
MANAGE = "/manage/e/varkonferensen-2027/programme"


@pytest.fixture
def portal(conference, mailbox):
    """The path of Sara's personal page, taken from the invitation she received; she has not
    answered yet."""
    [slot] = conference["speaker"].slots
    slot.state, slot.answered_at = "invited", None
    send_invitation(slot)
    _db.session.commit()
    [invitation] = mailbox.wait_for(1)
    assert invitation["To"] == "sara@talare.example"
    return mailbox.link(invitation, "/s/")


def answer(client, portal, slot, choice):
    return client.post(f"{portal}/slots/{slot.id}", data={"answer": choice})


def sara_slot(conference):
    [slot] = conference["speaker"].slots
    return slot


def test_speaker_sees_the_slot_with_time_room_and_length(client, portal):
    page = client.get(portal)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hej Sara Nilsson" in html
    assert "Peer support i vården" in html
    assert "18 mars 2027 10:00–10:45" in html
    assert "Stora salen" in html and "45 minuter" in html
    assert "Du har inte svarat än." in html


def test_speaker_accepts_and_the_organiser_sees_it(client, organiser, portal, conference, db):
    slot = sara_slot(conference)
    response = answer(client, portal, slot, "accept")
    assert response.status_code == 302 and response.headers["Location"].endswith(portal)
    db.session.refresh(slot)
    assert slot.state == "accepted" and slot.answered_at is not None
    assert "Du har tackat ja." in client.get(portal).get_data(as_text=True)
    manage = organiser.get(MANAGE).get_data(as_text=True)
    assert '<span class="state state-accepted">tackat ja</span>' in manage


def test_speaker_declines_and_leaves_the_public_programme(
        client, organiser, portal, conference, db):
    slot = sara_slot(conference)
    assert answer(client, portal, slot, "accept").status_code == 302
    assert "Sara Nilsson" in client.get(PROGRAMME).get_data(as_text=True)
    assert answer(client, portal, slot, "decline").status_code == 302
    db.session.refresh(slot)
    assert slot.state == "declined"
    assert "Du har tackat nej." in client.get(portal).get_data(as_text=True)
    manage = organiser.get(MANAGE).get_data(as_text=True)
    assert '<span class="state state-declined">tackat nej</span>' in manage
    assert "Sara Nilsson" not in client.get(PROGRAMME).get_data(as_text=True)


def test_speaker_edits_the_profile_and_the_programme_follows(client, portal, conference, db):
    assert answer(client, portal, sara_slot(conference), "accept").status_code == 302
    response = client.post(portal, data={
        "name": "Sara Nilsson Berg", "role_title": "Peer supporter och handledare",
        "organisation": "Region Uppsala", "bio": "Arbetar med peer support sedan 2019."})
    assert response.status_code == 302
    speaker = conference["speaker"]
    db.session.refresh(speaker)
    assert speaker.name == "Sara Nilsson Berg"
    assert speaker.bio == "Arbetar med peer support sedan 2019."
    assert "Din profil är sparad." in client.get(portal).get_data(as_text=True)
    programme = client.get(PROGRAMME).get_data(as_text=True)
    assert "Sara Nilsson Berg, Peer supporter och handledare (Region Uppsala)" in programme


def test_profile_without_a_name_is_refused(client, portal, conference, db):
    response = client.post(portal, data={"name": "", "role_title": "", "organisation": "",
                                         "bio": ""})
    assert response.status_code == 400
    db.session.refresh(conference["speaker"])
    assert conference["speaker"].name == "Sara Nilsson"


def test_an_answer_other_than_accept_or_decline_is_refused(client, portal, conference, db):
    slot = sara_slot(conference)
    assert answer(client, portal, slot, "maybe").status_code == 400
    assert client.post(f"{portal}/slots/{slot.id}").status_code == 400
    db.session.refresh(slot)
    assert slot.state == "invited" and slot.answered_at is None


def test_speaker_cannot_answer_for_another_speakers_slot(client, portal, conference, db):
    johan = add_speaker(conference["event"], name="Johan Ekström", email="johan@talare.example")
    db.session.flush()
    [johans_slot] = assign(conference["lunch"], [johan], invite=False)
    db.session.commit()
    assert answer(client, portal, johans_slot, "decline").status_code == 404
    assert answer(client, portal, johans_slot, "accept").status_code == 404
    db.session.refresh(johans_slot)
    assert johans_slot.state == "invited"


def test_unknown_token_is_not_found(client, conference):
    assert client.get("/s/" + "x" * 43).status_code == 404
    slot = sara_slot(conference)
    assert client.post(f"/s/{'x' * 43}/slots/{slot.id}", data={"answer": "decline"}) \
        .status_code == 404
    assert client.post("/s/" + "x" * 43, data={"name": "Inkräktare"}).status_code == 404
    _db.session.refresh(slot)
    assert slot.state == "accepted"
