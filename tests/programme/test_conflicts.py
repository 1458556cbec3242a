"""Clashes in the programme are caught, explained and stored only when the organiser confirms
them; times snap to the event's step."""

import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from app.events.models import Event, Room
from app.mail.models import OutgoingEmail
from app.notices.models import Notice
from app.programme import services
from app.programme.models import ProgrammeItem
from app.programme.services import ItemPlacement, ProgrammeError, create_item
from app.registration.personal import star
from app.speakers.models import Speaker
from app.speakers.services import add_speaker, answer, assign
from tests.factories import DAY, edit_talk, register
from tests.queries import count_queries

SLUG = "varkonferensen-2027"


def item_form(**changes):
    data = {"title": "Parallellt spår", "kind": "talk", "description": "",
            "day": "2027-03-18", "start": "10:30", "end": "11:00", "room": "0",
            "speakers": []}
    data.update(changes)
    return data


def new_item(organiser, **changes):
    return organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form(**changes))


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def at(hour, minute=0):
    """An instant on the conference day in Stockholm (UTC+1 in March)."""
    return datetime(2027, 3, 18, hour - 1, minute, tzinfo=UTC)


# --- refused, explained, and stored only when confirmed ---------------------------------------

def test_room_clash_is_refused_explained_and_nothing_is_stored(
        organiser, conference, db, mailbox):
    response = new_item(organiser, room=conference["hall"].id, new_speaker_name="Eva Lund",
                        new_speaker_email="eva@talare.example", invite="y")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Inget sparades: programpunkten krockar med programmet." in html
    assert "Stora salen används redan av ”Peer support i vården” 10:00–10:45" in html
    assert 'name="confirm_overlap"' in html and "Spara ändå: överlappningen är avsiktlig" in html
    assert count(db, ProgrammeItem) == 2
    assert count(db, Speaker) == 1
    assert count(db, OutgoingEmail) == 0
    assert mailbox.messages == []


def test_the_form_has_no_confirm_box_without_a_clash(organiser, conference):
    html = organiser.get(f"/manage/e/{SLUG}/items/new").get_data(as_text=True)
    assert 'name="confirm_overlap"' not in html
    response = new_item(organiser, start="10:30", end="10:00")
    assert response.status_code == 400
    assert 'name="confirm_overlap"' not in response.get_data(as_text=True)


def test_confirmed_room_clash_is_saved(organiser, conference, db, mailbox):
    response = new_item(organiser, room=conference["hall"].id, confirm_overlap="y",
                        new_speaker_name="Eva Lund", new_speaker_email="eva@talare.example",
                        invite="y")
    assert response.status_code == 302
    item = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title == "Parallellt spår"))
    assert item.room_id == conference["hall"].id
    assert item.starts_at == at(10, 30) and item.ends_at == at(11)
    assert [s.speaker.name for s in item.slots] == ["Eva Lund"]
    assert mailbox.wait_for(1)[0]["To"] == "eva@talare.example"


def test_speaker_in_two_places_at_once_is_refused(organiser, conference, db):
    sara = conference["speaker"]
    response = new_item(organiser, room=conference["side"].id, speakers=[sara.id])
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Sara Nilsson talar också i ”Peer support i vården” 10:00–10:45" in html
    assert "används redan" not in html
    assert count(db, ProgrammeItem) == 2

    confirmed = new_item(organiser, room=conference["side"].id, speakers=[sara.id],
                         confirm_overlap="y")
    assert confirmed.status_code == 302
    assert count(db, ProgrammeItem) == 3


def test_a_speaker_who_declined_the_other_slot_is_free(organiser, conference, db):
    sara = conference["speaker"]
    [slot] = conference["talk"].slots
    answer(slot, accept=False)
    response = new_item(organiser, room=conference["side"].id, speakers=[sara.id])
    assert response.status_code == 302
    assert count(db, ProgrammeItem) == 3


def test_a_cancelled_item_does_not_clash(organiser, conference, db):
    talk = conference["talk"]
    assert organiser.post(f"/manage/e/{SLUG}/items/{talk.id}/cancel",
                          data={"confirm": "y"}).status_code == 302
    response = new_item(organiser, room=conference["hall"].id, start="10:00", end="10:45",
                        speakers=[conference["speaker"].id])
    assert response.status_code == 302
    assert count(db, ProgrammeItem) == 3


@pytest.mark.parametrize("start, end", [("10:45", "11:30"), ("09:15", "10:00")])
def test_items_that_only_touch_do_not_clash(organiser, conference, db, start, end):
    response = new_item(organiser, room=conference["hall"].id, start=start, end=end,
                        speakers=[conference["speaker"].id])
    assert response.status_code == 302
    assert count(db, ProgrammeItem) == 3


def test_items_without_a_room_never_clash_on_room(organiser, conference, db):
    response = new_item(organiser, room="0", start="10:00", end="10:45")
    assert response.status_code == 302
    response = new_item(organiser, room="0", start="10:00", end="10:45", title="Ännu en")
    assert response.status_code == 302
    assert count(db, ProgrammeItem) == 4


def test_editing_an_item_does_not_clash_with_itself(organiser, conference, db):
    response = edit_talk(organiser, conference, title="Peer support i vården, del 1",
                         end="10:50")
    assert response.status_code == 302
    db.session.refresh(conference["talk"])
    assert conference["talk"].title == "Peer support i vården, del 1"
    assert conference["talk"].ends_at == at(10, 50)


def test_moving_into_a_clash_is_refused_and_tells_nobody(organiser, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    star(alva, conference["talk"])
    create_item(conference["event"], title="Workshop i Sal B", kind="workshop", description="",
                placement=ItemPlacement(DAY, time(14, 0), time(15, 0), conference["side"]))
    db.session.commit()
    emails_before = count(db, OutgoingEmail)

    response = edit_talk(organiser, conference, start="14:30", end="15:15",
                         room=conference["side"].id)
    assert response.status_code == 409
    assert "Sal B används redan av ”Workshop i Sal B” 14:00–15:00" in response.get_data(
        as_text=True)
    talk = db.session.get(ProgrammeItem, conference["talk"].id)
    assert (talk.starts_at, talk.ends_at, talk.room_id) == (at(10), at(10, 45),
                                                           conference["hall"].id)
    assert count(db, Notice) == 0
    assert count(db, OutgoingEmail) == emails_before
    assert mailbox.messages == []

    # Confirmed, the move is stored and, once published, told as any other move.
    response = edit_talk(organiser, conference, start="14:30", end="15:15",
                         room=conference["side"].id, confirm_overlap="y")
    assert response.status_code == 302
    assert count(db, Notice) == 1
    assert organiser.post(f"/manage/e/{SLUG}/publish", data={}).status_code == 302
    assert {m["To"] for m in mailbox.wait_for(2)} == {"alva@example.org", "sara@talare.example"}


def test_a_confirmed_clash_does_not_ask_again_on_an_unrelated_edit(organiser, conference, db):
    assert new_item(organiser, room=conference["hall"].id, confirm_overlap="y").status_code \
        == 302
    assert edit_talk(organiser, conference, title="Nytt namn").status_code == 302
    # Making it worse (a speaker clash on top of the room clash) asks again.
    other = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title == "Parallellt spår"))
    response = organiser.post(f"/manage/e/{SLUG}/items/{other.id}", data=item_form(
        room=conference["hall"].id, speakers=[conference["speaker"].id]))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Stora salen används redan av ”Nytt namn”" in html
    assert "Sara Nilsson talar också i ”Nytt namn”" in html


def test_the_event_page_marks_both_clashing_items(organiser, conference, db):
    page = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert "badge-conflict" not in page
    assert new_item(organiser, room=conference["hall"].id, confirm_overlap="y").status_code \
        == 302
    page = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S)
    marked = [row for row in rows if ">Krock</span>" in row]
    assert len(marked) == 2
    assert any("Parallellt spår" in row and "Samma sal som ”Peer support i vården”" in row
               for row in marked)
    assert any(">Peer support i vården</a>" in row and "Samma sal som ”Parallellt spår”" in row
               for row in marked)
    assert not any(">Lunch</a>" in row for row in marked)


# --- the time step ----------------------------------------------------------------------------

def test_a_time_off_the_step_is_refused(organiser, conference, db):
    response = new_item(organiser, start="10:03", end="10:30", room=conference["side"].id)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "10:03 följer inte evenemangets steg på 5 minuter. Välj 10:00 eller 10:05." in html
    assert 'id="start-error"' in html
    assert count(db, ProgrammeItem) == 2


def event_form(event, **changes):
    data = {"name": event.name, "description": event.description,
            "organiser_name": event.organiser_name, "contact_email": "",
            "venue": event.venue, "city": event.city, "starts_on": "2027-03-18",
            "ends_on": "2027-03-18", "timezone": event.timezone, "published": "y",
            "registration_open": "y"}
    data.update(changes)
    return data


def test_a_fifteen_minute_step(organiser, conference, db):
    event = conference["event"]
    assert event.time_step_minutes == 5
    edit = f"/manage/e/{SLUG}/edit"
    refused = organiser.post(edit, data=event_form(event, time_step_minutes="7"))
    assert refused.status_code == 400
    assert 'id="time_step_minutes-error"' in refused.get_data(as_text=True)
    saved = organiser.post(edit, data=event_form(event, time_step_minutes="15"))
    assert saved.status_code == 302
    db.session.refresh(event)
    assert event.time_step_minutes == 15

    form = organiser.get(f"/manage/e/{SLUG}/items/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="start"[^>]*step="900"', form)
    response = new_item(organiser, start="10:05", end="10:30", room=conference["side"].id)
    assert response.status_code == 400
    assert "10:05 följer inte evenemangets steg på 15 minuter. Välj 10:00 eller 10:15." in \
        response.get_data(as_text=True)
    response = new_item(organiser, start="10:15", end="10:50", room=conference["side"].id)
    assert response.status_code == 400
    assert 'id="end-error"' in response.get_data(as_text=True)
    response = new_item(organiser, start="10:15", end="11:00", room=conference["side"].id)
    assert response.status_code == 302
    assert count(db, ProgrammeItem) == 3


def test_a_new_event_gets_the_five_minute_step(organiser, db):
    response = organiser.post("/manage/events/new", data={
        "name": "Stegkursen", "starts_on": "2027-05-03", "ends_on": "2027-05-03",
        "timezone": "Europe/Stockholm"})
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.name == "Stegkursen"))
    assert event.time_step_minutes == 5
    form = organiser.get(f"/manage/e/{event.slug}/items/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="start"[^>]*step="300"', form)


# --- the services, with no request in sight ---------------------------------------------------

def test_conflicts_for_names_the_other_item_and_the_speaker(conference, db):
    event, hall, side = conference["event"], conference["hall"], conference["side"]
    talk, sara = conference["talk"], conference["speaker"]
    clashes = services.conflicts_for(event, at(10, 30), at(11), hall, [sara.id])
    assert [(c.kind, c.other.id, c.speaker) for c in clashes] == [
        ("room", talk.id, None), ("speaker", talk.id, sara)]
    assert services.conflicts_for(event, at(10, 30), at(11), side, []) == []
    # Sara declined: the room still clashes, she does not.
    answer(talk.slots[0], accept=False)
    clashes = services.conflicts_for(event, at(10, 30), at(11), hall, [sara.id])
    assert [(c.kind, c.other.id) for c in clashes] == [("room", talk.id)]
    assert services.conflicts_for(event, at(10, 30), at(11), side, [sara.id]) == []
    talk.slots[0].state = "accepted"
    db.session.commit()
    assert services.conflicts_for(event, at(10, 30), at(11), None, []) == []
    assert services.conflicts_for(event, at(10, 45), at(11), hall, [sara.id]) == []
    assert services.conflicts_for(event, at(9), at(10), hall, [sara.id]) == []
    assert services.conflicts_for(event, at(9), at(10, 1), hall, []) != []
    assert services.conflicts_for(event, at(10), at(10, 45), hall, [sara.id],
                                  exclude_item_id=talk.id) == []
    # Another event's items and speakers are another matter.
    from tests.factories import build_conference

    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    assert [c.other.id for c in services.conflicts_for(
        event, at(10), at(10, 45), hall, [sara.id])] == [talk.id, talk.id]
    assert services.conflicts_for(other["event"], at(10), at(10, 45), other["side"],
                                  [sara.id]) == []


def test_conflicts_among_a_loaded_programme(conference, db):
    event, hall, side = conference["event"], conference["hall"], conference["side"]
    talk, lunch, sara = conference["talk"], conference["lunch"], conference["speaker"]
    panel = create_item(event, title="Panel", kind="panel", description="",
                        placement=ItemPlacement(DAY, time(10, 30), time(11, 30), side))
    after = create_item(event, title="Efter lunch", kind="talk", description="",
                        placement=ItemPlacement(DAY, time(13, 0), time(14, 0), hall))
    overflow = create_item(event, title="Lunch i Sal B", kind="lunch", description="",
                           placement=ItemPlacement(DAY, time(12, 30), time(13, 0), hall))
    db.session.flush()
    assign(panel, [sara], invite=False)
    db.session.commit()
    clashes = services.conflicts_among(services.items_for(event, include_cancelled=True))
    assert {(c.kind, c.other.id, c.speaker and c.speaker.id) for c in clashes[talk.id]} == {
        ("speaker", panel.id, sara.id)}
    assert {(c.kind, c.other.id) for c in clashes[panel.id]} == {("speaker", talk.id)}
    assert {(c.kind, c.other.id) for c in clashes[lunch.id]} == {("room", overflow.id)}
    assert {(c.kind, c.other.id) for c in clashes[overflow.id]} == {("room", lunch.id)}
    assert after.id not in clashes
    answer(panel.slots[0], accept=False)
    clashes = services.conflicts_among(services.items_for(event, include_cancelled=True))
    assert talk.id not in clashes and panel.id not in clashes
    services.cancel_item(overflow)
    db.session.commit()
    clashes = services.conflicts_among(services.items_for(event, include_cancelled=True))
    assert lunch.id not in clashes and overflow.id not in clashes


def test_an_item_cannot_be_placed_at_a_time_the_clock_skips(db):
    # Summer time begins in Stockholm at 02:00 on 28 March 2027; 02:30 does not exist.
    event = Event(slug="natt-2027", name="Nattkursen", starts_on=date(2027, 3, 28),
                  ends_on=date(2027, 3, 28))
    db.session.add(event)
    db.session.commit()
    with pytest.raises(ProgrammeError):
        services.place(event, ItemPlacement(date(2027, 3, 28), time(2, 30), time(3, 0), None))
    starts, ends = services.place(
        event, ItemPlacement(date(2027, 3, 28), time(3, 0), time(3, 30), None))
    assert (starts, ends) == (datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
                              datetime(2027, 3, 28, 1, 30, tzinfo=UTC))


def crowded_event(db, slug, items):
    """An event where every item is in the same room at the same time with the same speakers."""
    event = Event(slug=slug, name=slug, starts_on=DAY, ends_on=DAY)
    room = Room(event=event, name="Aulan")
    db.session.add_all([event, room])
    db.session.flush()
    speakers = [add_speaker(event, name=f"Talare {n}") for n in range(3)]
    db.session.flush()
    for n in range(items):
        item = create_item(event, title=f"Punkt {n}", kind="talk", description="",
                           placement=ItemPlacement(DAY, time(10, 0), time(11, 0), room))
        db.session.flush()
        assign(item, speakers, invite=False)
    db.session.commit()
    ids = event.id, room.id, [s.id for s in speakers]
    db.session.expunge_all()
    return db.session.get(Event, ids[0]), db.session.get(Room, ids[1]), ids[2]


def conflicts_and_queries(db, event, room, speaker_ids):
    result = []
    queries = count_queries(lambda: result.extend(services.conflicts_for(
        event, at(10, 30), at(10, 45), room, speaker_ids)))
    # Reading what the explanation shows costs nothing more.
    shown = count_queries(lambda: [(c.other.title, c.other.room.name,
                                        c.speaker and c.speaker.name) for c in result])
    assert shown == 0
    return result, queries


def test_conflicts_for_takes_the_same_number_of_queries_for_3_or_30_items(db):
    few, few_queries = conflicts_and_queries(db, *crowded_event(db, "tre-2027", 3))
    many, many_queries = conflicts_and_queries(db, *crowded_event(db, "trettio-2027", 30))
    assert (len(few), len(many)) == (3 * 4, 30 * 4)
    assert few_queries == many_queries
