"""The public programme shows only what the organiser has published. Edits stay in a draft
until the organiser publishes a new version; every published version is kept.

Each test follows people through the pages: the organiser edits and publishes, a visitor reads
the programme page, the calendar and schedule.json, the speaker pages, and an attendee their
own programme."""

import json
from datetime import UTC, datetime, time

import icalendar
import pytest
from sqlalchemy import select

from app.events.models import Event
from app.notices.models import ProgrammeVersion
from app.programme.models import ProgrammeItem
from app.programme.published import published_programme, version_programme
from tests.factories import DAY, build_conference, edit_talk, publish_programme, register
from tests.programme.test_exports import load_schema, problems

SLUG = "varkonferensen-2027"
PROGRAMME, SPEAKERS = f"/e/{SLUG}/programme", f"/e/{SLUG}/speakers"
CALENDAR, SCHEDULE = f"/e/{SLUG}/programme.ics", f"/e/{SLUG}/schedule.json"
MANAGE, PUBLISH = f"/manage/e/{SLUG}/programme", f"/manage/e/{SLUG}/publish"


@pytest.fixture(scope="module")
def validator():
    from jsonschema import Draft6Validator

    from tests.programme.test_exports import format_checker

    return Draft6Validator(load_schema(), format_checker=format_checker())


# --- what a visitor reads ---------------------------------------------------------------------

def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def calendar(client, path=CALENDAR):
    response = client.get(path)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.get_data())


def entries(client, path=CALENDAR) -> dict:
    return {str(e["SUMMARY"]): e for e in calendar(client, path).walk("VEVENT")}


def schedule(client, validator) -> dict:
    document = json.loads(page(client, SCHEDULE))
    assert problems(validator, document) == []
    return {e["title"]: e for day in document["schedule"]["conference"]["days"]
            for events in day["rooms"].values() for e in events}


def item_html(html, item_id) -> str:
    return html.split(f'id="item-{item_id}"')[1].split("</li>")[0]


def publish_form(organiser, message=""):
    response = organiser.post(PUBLISH, data={"message": message})
    assert response.status_code == 302
    return organiser.get(MANAGE).get_data(as_text=True)


# --- the stories ------------------------------------------------------------------------------

def test_before_the_first_publish_the_public_sees_no_programme(client, organiser, mailbox, db,
                                                               validator):
    conference = build_conference(publish=False)
    talk = conference["talk"]
    attendee = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()

    html = page(client, PROGRAMME)
    assert "Programmet är inte publicerat än." in html
    assert "Peer support i vården" not in html and 'class="programme-item' not in html
    assert schedule(client, validator) == {}, "valid, and empty"
    empty = calendar(client)
    assert empty.walk("VEVENT") == [] and empty.walk("VTIMEZONE"), "valid, and empty"
    assert "Inga talare har presenterats än." in page(client, SPEAKERS)
    assert client.get(f"{SPEAKERS}/{conference['speaker'].id}").status_code == 404
    mine = f"/r/{attendee.manage_token}/programme"
    assert "Programmet är inte publicerat än." in page(client, mine)
    assert client.post(f"{mine}/{talk.id}/star", data={"action": "add"}).status_code == 404
    assert calendar(client, f"{mine}.ics").walk("VEVENT") == []

    # The organiser sees the draft, that it is not published, and the way to publish it.
    manage = page(organiser, MANAGE)
    assert "Peer support i vården" in manage and "Programmet är inte publicerat än." in manage
    assert f'href="{PUBLISH}"' in manage
    preview = page(organiser, PUBLISH)
    assert "Publicera version 1" in preview and "Ingen får besked" in preview

    manage = publish_form(organiser)
    assert "Version 1 är publicerad" in manage
    assert mailbox.messages == [], "nobody is told of the first version"
    html = page(client, PROGRAMME)
    assert "Peer support i vården" in html and "Programmet är inte publicerat än." not in html
    assert set(schedule(client, validator)) == {"Peer support i vården", "Lunch"}
    assert set(entries(client)) == {"Peer support i vården", "Lunch"}
    assert "Sara Nilsson" in page(client, SPEAKERS)
    assert client.post(f"{mine}/{talk.id}/star", data={"action": "add"}).status_code == 303


def test_draft_edits_stay_out_of_sight_until_the_organiser_publishes(
        client, organiser, conference, mailbox, db, validator):
    event, talk, lunch, sara = (conference["event"], conference["talk"], conference["lunch"],
                                conference["speaker"])
    alva = register(event, conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    mine = f"/r/{alva.manage_token}/programme"
    assert client.post(f"{mine}/{talk.id}/star", data={"action": "add"}).status_code == 303

    # The organiser moves the talk and renames it, cancels the lunch and adds a closing
    # plenary with a new speaker.
    assert edit_talk(organiser, conference, title="Peer support i vården – fördjupning",
                     start="14:00", end="14:45", room=conference["side"].id).status_code == 302
    cancelled = organiser.post(f"/manage/e/{SLUG}/items/{lunch.id}/cancel", data={"confirm": "y"})
    assert cancelled.status_code == 302
    added = organiser.post(f"/manage/e/{SLUG}/items/new", data={
        "title": "Avslutning", "kind": "plenary", "description": "", "day": DAY.isoformat(),
        "start": "16:00", "end": "16:30", "room": conference["hall"].id, "speakers": [],
        "new_speaker_name": "Eva Lund", "new_speaker_role": "Utvecklingsledare"})
    assert added.status_code == 302
    closing = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title == "Avslutning"))
    eva = closing.slots[0].speaker
    # Eva says yes on her own page: she is announced with the item, once it is published.
    assert client.post(f"/s/{eva.token}/slots/{closing.slots[0].id}", data={"answer": "accept"},
                       follow_redirects=True).status_code == 200

    # The organiser's pages show the draft and say it is not published.
    manage = page(organiser, MANAGE)
    assert "Peer support i vården – fördjupning" in manage and "Avslutning" in manage
    assert "Opublicerade ändringar: 3" in manage
    assert manage.count("Inte publicerad") == 3
    grid = page(organiser, f"/manage/e/{SLUG}/grid")
    assert "Avslutning" in grid and "Opublicerade ändringar: 3" in grid

    # Nobody else sees any of it yet.
    html = page(client, PROGRAMME)
    shown = item_html(html, talk.id)
    assert "Peer support i vården" in shown and "fördjupning" not in html
    assert ">10:00</time>" in shown and "Stora salen" in shown
    assert "Inställd" not in item_html(html, lunch.id)
    assert "Avslutning" not in html and "Eva Lund" not in html

    published = schedule(client, validator)
    assert set(published) == {"Peer support i vården", "Lunch"}
    assert published["Peer support i vården"]["start"] == "10:00"
    assert published["Peer support i vården"]["room"] == "Stora salen"

    feed = entries(client)
    assert set(feed) == {"Peer support i vården", "Lunch"}
    assert feed["Peer support i vården"].decoded("DTSTART") == datetime(2027, 3, 18, 9, 0,
                                                                         tzinfo=UTC)
    assert str(feed["Lunch"]["STATUS"]) == "CONFIRMED"
    assert int(feed["Peer support i vården"]["SEQUENCE"]) == 0

    assert "Eva Lund" not in page(client, SPEAKERS)
    assert client.get(f"{SPEAKERS}/{eva.id}").status_code == 404
    sara_page = page(client, f"{SPEAKERS}/{sara.id}")
    assert "18 mars 2027 10:00" in sara_page and "fördjupning" not in sara_page

    own = page(client, mine)
    assert "fördjupning" not in own and "Avslutning" not in own
    assert ">10:00</time>" in item_html(own, talk.id)
    assert client.post(f"{mine}/{closing.id}/star", data={"action": "add"}).status_code == 404
    [own_entry] = calendar(client, f"{mine}.ics").walk("VEVENT")
    assert str(own_entry["SUMMARY"]) == "Peer support i vården"
    assert own_entry.decoded("DTSTART") == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert mailbox.messages == []

    # Publishing makes all of it public at once, and tells the people affected.
    manage = publish_form(organiser, "Nytt schema")
    assert "Version 2 är publicerad" in manage and "Opublicerade ändringar" not in manage
    mailbox.wait_for(2)  # Alva (the talk moved, the lunch is cancelled) and Sara
    html = page(client, PROGRAMME)
    shown = item_html(html, talk.id)
    assert "Peer support i vården – fördjupning" in shown
    assert ">14:00</time>" in shown and "Sal B" in shown
    assert "Inställd" in item_html(html, lunch.id)
    assert "Avslutning" in item_html(html, closing.id)
    assert "Eva Lund, Utvecklingsledare" in html

    published = schedule(client, validator)
    assert set(published) == {"Peer support i vården – fördjupning", "Avslutning"}
    assert published["Peer support i vården – fördjupning"]["start"] == "14:00"
    feed = entries(client)
    assert str(feed["Lunch"]["STATUS"]) == "CANCELLED"
    moved = feed["Peer support i vården – fördjupning"]
    assert moved.decoded("DTSTART") == datetime(2027, 3, 18, 13, 0, tzinfo=UTC)
    assert int(moved["SEQUENCE"]) == 1
    assert "Avslutning" in feed

    assert "Eva Lund" in page(client, SPEAKERS)
    assert "Avslutning" in page(client, f"{SPEAKERS}/{eva.id}")
    assert "18 mars 2027 14:00" in page(client, f"{SPEAKERS}/{sara.id}")

    own = page(client, mine)
    assert ">14:00</time>" in item_html(own, talk.id)
    assert client.post(f"{mine}/{closing.id}/star", data={"action": "add"}).status_code == 303
    assert {str(e["SUMMARY"]) for e in calendar(client, f"{mine}.ics").walk("VEVENT")} == {
        "Peer support i vården – fördjupning", "Avslutning"}


def test_a_new_title_alone_is_published_without_telling_anyone(client, organiser, conference,
                                                              mailbox, db):
    register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    assert edit_talk(organiser, conference, title="Om peer support").status_code == 302
    assert "Om peer support" not in page(client, PROGRAMME)
    assert "Opublicerade ändringar: 1" in page(organiser, MANAGE)
    preview = page(organiser, PUBLISH)
    assert "Andra ändringar, som ingen får besked om: 1" in preview and "Om peer support" in preview
    assert "Publicera version 2" in preview

    assert "Version 2 är publicerad" in publish_form(organiser)
    assert "Om peer support" in page(client, PROGRAMME)
    assert mailbox.messages == []
    # And again: nothing is left to publish, so no version is made.
    manage = publish_form(organiser)
    assert "Det finns inga opublicerade ändringar." in manage
    assert db.session.scalar(select(ProgrammeVersion.number).order_by(
        ProgrammeVersion.number.desc()).limit(1)) == 2


def test_every_published_version_keeps_its_programme(client, organiser, conference, mailbox,
                                                     db):
    event, talk = conference["event"], conference["talk"]
    first = db.session.scalar(select(ProgrammeVersion).where(ProgrammeVersion.number == 1))
    kept = json.loads(json.dumps(first.snapshot))
    assert {entry["title"] for entry in kept["items"]} == {"Peer support i vården", "Lunch"}

    edit_talk(organiser, conference, start="11:00", end="11:45")
    publish_programme(event)
    edit_talk(organiser, conference, start="14:00", end="14:45", title="Eftermiddagspass")
    publish_programme(event)

    db.session.expire_all()
    versions = db.session.scalars(select(ProgrammeVersion).order_by(ProgrammeVersion.number))
    first, second, third = versions.all()
    assert first.snapshot == kept, "a later publish leaves an older version as it was"
    starts = {}
    for version in (first, second, third):
        shown = version_programme(version).item(talk.id)
        starts[version.number] = (shown.title, shown.starts_at)
    assert starts == {
        1: ("Peer support i vården", datetime(2027, 3, 18, 9, 0, tzinfo=UTC)),
        2: ("Peer support i vården", datetime(2027, 3, 18, 10, 0, tzinfo=UTC)),
        3: ("Eftermiddagspass", datetime(2027, 3, 18, 13, 0, tzinfo=UTC)),
    }
    assert published_programme(db.session.get(Event, event.id)).number == 3
    assert "Eftermiddagspass" in page(client, PROGRAMME)


def test_a_speakers_own_answer_and_profile_show_without_a_publish(client, conference, db):
    """What a speaker does themselves is not an organiser's draft: a declined slot leaves the
    published programme at once, and so does an old name."""
    sara = conference["speaker"]
    [slot] = sara.slots
    sara.name = "Sara Nilsson Berg"
    db.session.commit()
    html = page(client, PROGRAMME)
    assert "Sara Nilsson Berg, Peer supporter" in html
    slot.state = "declined"
    db.session.commit()
    assert "Sara Nilsson" not in page(client, PROGRAMME)
    assert client.get(f"{SPEAKERS}/{sara.id}").status_code == 404


def test_the_demo_publishes_its_first_version(app, db, tmp_path, monkeypatch):
    from app import demo

    monkeypatch.setattr(demo, "credentials_file", lambda: tmp_path / "demo-credentials.txt")
    event = demo.load_demo()
    programme_now = published_programme(db.session.get(Event, event.id))
    assert programme_now.number == 1
    assert len(programme_now.items) == len(demo.PROGRAMME)
    assert programme_now.items[0].starts_at.astimezone(UTC).time() == time(7, 30)


# --- upgrading a database that had the live programme ---------------------------------------------

def test_an_upgrade_keeps_the_programme_the_public_saw(app_settings, tmp_path):
    """Migration 0008 gives each event's newest version the programme the public saw (the
    live one) as its snapshot, and a published event without versions a version 1, so an
    upgrade takes nothing off a public site. An unpublished event waits for its first publish."""
    from types import SimpleNamespace

    import flask_migrate
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db as extension
    from app.programme.published import read_snapshot
    from config import BASE_DIR, TestConfig

    settings = {**app_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    old = create_app(TestConfig, **settings)
    with old.app_context():
        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"), revision="0007")
        with extension.engine.begin() as connection:
            for number, (slug, published) in enumerate(
                    (("live", 1), ("versioned", 1), ("draft", 0)), start=1):
                connection.execute(text(
                    "INSERT INTO event (id, slug, name, description, organiser_name,"
                    " contact_email, venue, city, timezone, starts_on, ends_on, published,"
                    " registration_open, created_at) VALUES (:id, :slug, :slug, '', '', '',"
                    " 'Folkets hus', 'Umeå', 'Europe/Stockholm', '2027-03-18', '2027-03-18',"
                    " :published, 1, '2026-01-01 00:00:00')"),
                    {"id": number, "slug": slug, "published": published})
                connection.execute(text(
                    "INSERT INTO room (id, event_id, name, capacity, accessibility_notes,"
                    " position) VALUES (:id, :id, 'Aulan', 100, 'Hörslinga', 0)"), {"id": number})
                connection.execute(text(
                    "INSERT INTO programme_item (id, event_id, room_id, kind, title,"
                    " description, starts_at, ends_at, cancelled, created_at, updated_at)"
                    " VALUES (:id, :id, :id, 'talk', :title, 'Om vardagen.',"
                    " '2027-03-18 09:00:00', '2027-03-18 09:45:00', 0, '2026-01-01 00:00:00',"
                    " '2026-01-02 00:00:00')"), {"id": number, "title": f"Samtal {slug}"})
            connection.execute(text(
                "INSERT INTO speaker (id, event_id, name, role_title, organisation, bio, email,"
                " language, token, created_at) VALUES (1, 1, 'Sara Nilsson', 'Peer supporter',"
                " 'NSPH', 'Om Sara.', '', 'sv', 'x', '2026-01-01 00:00:00'),"
                " (2, 1, 'Per Nej', '', '', '', '', 'sv', 'y', '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO speaker_slot (id, item_id, speaker_id, state) VALUES"
                " (1, 1, 1, 'accepted'), (2, 1, 2, 'declined')"))
            connection.execute(text(
                "INSERT INTO programme_version (id, event_id, number, message, published_at)"
                " VALUES (1, 2, 1, '', '2026-02-01 00:00:00'),"
                " (2, 2, 2, '', '2026-02-02 00:00:00')"))

        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"), revision="0008")
        with extension.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT event_id, number, snapshot FROM programme_version"
                " ORDER BY event_id, number")).all()
        extension.engine.dispose()

    versions = {(event_id, number): json.loads(snapshot) if snapshot else None
                for event_id, number, snapshot in rows}
    assert set(versions) == {(1, 1), (2, 1), (2, 2)}, "no version for the unpublished event"
    assert versions[(2, 1)] is None, "an older version stays as it was"
    assert [i["title"] for i in versions[(2, 2)]["items"]] == ["Samtal versioned"]

    shown = read_snapshot(SimpleNamespace(id=1), versions[(1, 1)], number=1,
                          live_speakers=False)
    [item] = shown.items
    assert (item.title, item.description, item.kind, item.cancelled) == (
        "Samtal live", "Om vardagen.", "talk", False)
    assert item.starts_at == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert item.ends_at == datetime(2027, 3, 18, 9, 45, tzinfo=UTC)
    assert item.room.name == "Aulan" and shown.rooms[0].accessibility_notes == "Hörslinga"
    assert [(s.name, s.role_title, s.organisation) for s in item.speakers] == [
        ("Sara Nilsson", "Peer supporter", "NSPH")], "not the speaker who declined"
    assert item.updated_at == datetime(2026, 1, 2, tzinfo=UTC)
