"""The day-by-room grid and the move endpoint its drag and drop and keyboard controls call."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.events.models import Event, Room
from app.notices.models import Notice
from app.programme.models import ProgrammeItem
from app.programme.services import ItemPlacement, create_item
from app.registration.personal import star
from tests.conftest import login
from tests.factories import DAY, publish_programme, register

SLUG = "varkonferensen-2027"


def at(hour, minute=0, day=18):
    """An instant in Stockholm (UTC+1 in March)."""
    return datetime(2027, 3, day, hour - 1, minute, tzinfo=UTC)


def move_url(item_id):
    return f"/manage/e/{SLUG}/items/{item_id}/move"


def move(client, item, **changes):
    data = {"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": None,
            "confirm_overlap": False}
    data.update(changes)
    return client.post(move_url(item.id), json=data)


def reload(db, item_id):
    db.session.rollback()
    return db.session.get(ProgrammeItem, item_id)


def blocks(html):
    """Each block's column (room name), item id and data minutes, in page order."""
    found = []
    for column in re.split(r'<div class="grid-col" ', html)[1:]:
        room = re.search(r'data-room-name="([^"]*)"', column)[1]
        for item_id, start, end in re.findall(
            r'data-item-id="(\d+)".*?data-start-min="(\d+)" data-end-min="(\d+)"', column, re.S
        ):
            found.append((room, int(item_id), int(start), int(end)))
    return found


@pytest.fixture
def two_days(conference, db):
    """The conference runs a second day, with a workshop in Sal B."""
    event = conference["event"]
    event.ends_on = DAY + timedelta(days=1)
    workshop = create_item(event, title="Skrivverkstad", kind="workshop", description="",
                           placement=ItemPlacement(DAY + timedelta(days=1), time(9, 0),
                                                   time(10, 30), conference["side"]))
    talk2 = create_item(event, title="Återhämtning", kind="talk", description="",
                        placement=ItemPlacement(DAY, time(7, 30), time(8, 15), conference["side"]))
    db.session.commit()
    return {**conference, "workshop": workshop, "early": talk2}


# --- the grid page ----------------------------------------------------------------------------

def test_the_grid_shows_each_item_in_its_room_at_its_local_time(organiser, two_days):
    response = organiser.get(f"/manage/e/{SLUG}/grid?day=2027-03-18")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    talk, lunch, early = two_days["talk"], two_days["lunch"], two_days["early"]
    assert blocks(html) == [
        ("Stora salen", talk.id, 600, 645),
        ("Stora salen", lunch.id, 720, 780),
        ("Sal B", early.id, 450, 495),
    ]
    # Rows run from the hour of the earliest start (07:00) to at least 18:00, in 5 minutes.
    assert 'data-step="5" data-first="420" data-last="1080"' in html
    assert "10:00–10:45" in html and "12:00–13:00" in html and "07:30–08:15" in html
    assert 'data-room-name="Ingen sal"' in html
    assert "Sara Nilsson" in html and "Föredrag" in html
    assert f'href="/manage/e/{SLUG}/items/{talk.id}"' in html
    assert '<meta name="csrf-token"' in html and "js/grid.js" in html
    assert "Skrivverkstad" not in html
    # Day tabs, the current one marked.
    assert f'href="/manage/e/{SLUG}/grid?day=2027-03-19"' in html
    assert re.search(r'day=2027-03-18" aria-current="page"', html)


def test_the_second_day_tab_and_clash_markers(organiser, two_days, db):
    html = organiser.get(f"/manage/e/{SLUG}/grid?day=2027-03-19").get_data(as_text=True)
    assert blocks(html) == [("Sal B", two_days["workshop"].id, 540, 630)]
    assert "Krock" not in html

    create_item(two_days["event"], title="Krockande", kind="talk", description="",
                placement=ItemPlacement(DAY, time(10, 30), time(11, 0), two_days["hall"]))
    db.session.commit()
    html = organiser.get(f"/manage/e/{SLUG}/grid?day=2027-03-18").get_data(as_text=True)
    assert html.count('<span class="badge badge-conflict">Krock</span>') == 2
    assert "Samma sal som ”Peer support i vården”" in html


def test_unknown_day_is_not_found_and_no_day_means_the_first(organiser, conference):
    assert organiser.get(f"/manage/e/{SLUG}/grid?day=2027-03-20").status_code == 404
    assert organiser.get(f"/manage/e/{SLUG}/grid?day=banana").status_code == 404
    html = organiser.get(f"/manage/e/{SLUG}/grid").get_data(as_text=True)
    assert "Peer support i vården" in html


def test_the_event_page_links_to_the_grid(organiser, conference):
    html = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert f'href="/manage/e/{SLUG}/grid"' in html


def test_only_organisers_see_the_grid_and_move_items(app, client, conference, make_user, db):
    response = client.get(f"/manage/e/{SLUG}/grid")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert move(client, conference["talk"]).status_code in (302, 401)
    make_user("entre@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "entre@example.org")
    assert door.get(f"/manage/e/{SLUG}/grid").status_code == 403
    assert move(door, conference["talk"]).status_code == 403
    assert reload(db, conference["talk"].id).starts_at == at(10)


# --- moving -----------------------------------------------------------------------------------

def test_a_move_is_stored_and_told_on_publish(organiser, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    talk = conference["talk"]
    star(alva, talk)
    response = move(organiser, talk, room_id=conference["side"].id)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["moved"] is True
    assert body["item"] == {"id": talk.id, "day": "2027-03-18", "start": "10:30", "end": "11:15",
                            "room_id": conference["side"].id, "room": "Sal B"}
    assert "10:30–11:15" in body["message"] and "Sal B" in body["message"]
    item = reload(db, talk.id)
    assert (item.starts_at, item.ends_at, item.room_id) == (at(10, 30), at(11, 15),
                                                           conference["side"].id)
    assert item.title == "Peer support i vården" and item.kind == "talk"
    assert mailbox.messages == []
    publish_programme(conference["event"])
    recipients = {m["To"] for m in mailbox.wait_for(2)}
    assert recipients == {"alva@example.org", "sara@talare.example"}
    notice = next(m for m in mailbox.messages if m["To"] == "alva@example.org")
    assert "10:30" in mailbox.body(notice)


def test_resizing_and_moving_to_no_room(organiser, conference, db):
    talk = conference["talk"]
    response = move(organiser, talk, start="10:00", end="11:30", room_id=None)
    assert response.status_code == 200
    item = reload(db, talk.id)
    assert (item.ends_at, item.room_id) == (at(11, 30), None)
    assert response.get_json()["item"]["room"] == "Ingen sal"


def test_an_unchanged_place_sends_nothing(organiser, conference, db, mailbox):
    response = move(organiser, conference["talk"], start="10:00", end="10:45",
                    room_id=conference["hall"].id)
    assert response.status_code == 200
    assert response.get_json()["moved"] is False
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_a_clash_is_refused_until_confirmed(organiser, conference, db, mailbox):
    lunch = conference["lunch"]
    response = move(organiser, lunch, start="10:30", end="11:30", room_id=conference["hall"].id)
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflicts"] == [
        "Stora salen används redan av ”Peer support i vården” 10:00–10:45"
    ]
    assert body["message"]
    assert reload(db, lunch.id).starts_at == at(12)
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0

    confirmed = move(organiser, lunch, start="10:30", end="11:30",
                     room_id=conference["hall"].id, confirm_overlap=True)
    assert confirmed.status_code == 200
    assert reload(db, lunch.id).starts_at == at(10, 30)


def test_a_speaker_clash_is_explained(organiser, conference, db):
    other = create_item(conference["event"], title="Panel", kind="panel", description="",
                        placement=ItemPlacement(DAY, time(14, 0), time(15, 0), conference["side"]))
    db.session.commit()
    from app.speakers.services import assign

    assign(other, [conference["speaker"]], invite=False)
    db.session.commit()
    response = move(organiser, other, start="10:15", end="11:00", room_id=conference["side"].id)
    assert response.status_code == 409
    assert response.get_json()["conflicts"] == [
        "Sara Nilsson talar också i ”Peer support i vården” 10:00–10:45"
    ]


@pytest.mark.parametrize("payload", [
    {"start": "10:30", "end": "11:15", "room_id": None},                       # no day
    {"day": "2027-03-18", "end": "11:15", "room_id": None},                    # no start
    {"day": "2027-03-18", "start": "10:30", "room_id": None},                  # no end
    {"day": "2027-03-18", "start": "10:30", "end": "11:15"},                   # no room_id
    {"day": "18/3 2027", "start": "10:30", "end": "11:15", "room_id": None},
    {"day": "2027-02-30", "start": "10:30", "end": "11:15", "room_id": None},
    {"day": 20270318, "start": "10:30", "end": "11:15", "room_id": None},
    {"day": "2027-03-18", "start": "10.30", "end": "11:15", "room_id": None},
    {"day": "2027-03-18", "start": "25:00", "end": "26:00", "room_id": None},
    {"day": "2027-03-18", "start": 630, "end": "11:15", "room_id": None},
    {"day": "2027-03-18", "start": "10:30:00", "end": "11:15", "room_id": None},
    {"day": "2027-03-18", "start": "10:32", "end": "11:15", "room_id": None},  # off the step
    {"day": "2027-03-18", "start": "11:15", "end": "10:30", "room_id": None},  # backwards
    {"day": "2027-03-18", "start": "10:30", "end": "10:30", "room_id": None},
    {"day": "2027-03-19", "start": "10:30", "end": "11:15", "room_id": None},  # not its day
    {"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": 999999},
    {"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": 10**30},
    {"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": "1"},
    {"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": True},
    {"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": None,
     "confirm_overlap": "yes"},
    [], ["2027-03-18", "10:30"], "2027-03-18", 42, None,
])
def test_malformed_moves_are_refused_with_a_message(organiser, conference, db, payload):
    talk = conference["talk"]
    response = organiser.post(move_url(talk.id), json=payload)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["message"]
    assert reload(db, talk.id).starts_at == at(10)


def test_off_step_time_says_what_would_fit(organiser, conference):
    response = move(organiser, conference["talk"], start="10:32")
    assert response.status_code == 400
    assert "10:30" in response.get_json()["message"] and "10:35" in response.get_json()["message"]


def test_a_room_of_another_event_is_refused(organiser, conference, db):
    other = Event(slug="annan-2027", name="Annan", starts_on=DAY, ends_on=DAY)
    room = Room(event=other, name="Främmande sal")
    db.session.add_all([other, room])
    db.session.commit()
    response = move(organiser, conference["talk"], room_id=room.id)
    assert response.status_code == 400
    assert "salen" in response.get_json()["message"].lower()
    assert reload(db, conference["talk"].id).room_id == conference["hall"].id


@pytest.mark.parametrize("body, content_type", [
    ("not json", "application/json"), ("{", "application/json"),
    ("day=2027-03-18&start=10:30", "application/x-www-form-urlencoded"), ("", "text/plain"),
    ('{"day": "2027-03-18"', "application/json"), ("\xff\xfe", "application/json"),
])
def test_a_body_that_is_not_json_is_refused(organiser, conference, body, content_type):
    response = organiser.post(move_url(conference["talk"].id), data=body,
                              content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_unknown_item_or_item_of_another_event_is_not_found(organiser, conference, db):
    assert organiser.post(move_url(999999), json={}).status_code == 404
    other = Event(slug="annan-2027", name="Annan", starts_on=DAY, ends_on=DAY)
    db.session.add(other)
    db.session.flush()
    foreign = create_item(other, title="Främmande", kind="talk", description="",
                          placement=ItemPlacement(DAY, time(9), time(10), None))
    db.session.commit()
    response = organiser.post(move_url(foreign.id), json={
        "day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": None})
    assert response.status_code == 404
    assert organiser.post(f"/manage/e/nope/items/{conference['talk'].id}/move",
                          json={}).status_code == 404


def test_a_move_without_the_csrf_header_is_refused(app, organiser, conference, db):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = organiser.post(
            move_url(conference["talk"].id),
            json={"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": None},
            headers={"Accept": "application/json"},
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert reload(db, conference["talk"].id).starts_at == at(10)


GOOD_MOVE = '"day": "2027-03-18", "start": "10:30", "end": "11:15"'


@pytest.mark.parametrize("body", [
    "[" * 100_000,                                                   # nested beyond any parser
    '{"day": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
    "{" + GOOD_MOVE + ', "room_id": ' + "9" * 5000 + "}",             # a 5,000-digit number
    "{" + GOOD_MOVE + ', "room_id": 1e999}',                          # infinity
    "{" + GOOD_MOVE + ', "room_id": NaN}',
    "{" + GOOD_MOVE + ', "room_id": -Infinity}',
    "{" + GOOD_MOVE + ', "room_id": 1.5}',
    "{" + GOOD_MOVE + ', "room_id": "sal"}',
    "{" + GOOD_MOVE + ', "room_id": {"id": 1}}',
    '{"day": ["2027-03-18"], "start": "10:30", "end": "11:15", "room_id": null}',
    '{"day": "2027-03-18", "start": {"h": 10}, "end": "11:15", "room_id": null}',
    '{"day": "2027-03-18", "start": "ab:cd", "end": "11:15", "room_id": null}',
    '{"day": "2027-03-18", "start": "10:30", "end": "11:15", "room_id": null, '
    '"confirm_overlap": 1}',
    '"' + "x" * 100_000 + '"',
])
def test_a_malformed_or_hostile_move_body_is_refused_not_a_server_error(organiser, conference,
                                                                        db, body):
    talk = conference["talk"]
    response = organiser.post(move_url(talk.id), data=body, content_type="application/json")
    assert response.status_code == 400, response.status_code
    assert response.get_json()["message"]
    assert reload(db, talk.id).starts_at == at(10)
