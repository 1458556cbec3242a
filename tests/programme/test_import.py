"""The programme comes back in from CSV: the export's columns, as a spreadsheet saves them,
checked in full before anything is stored, previewed, then added in one transaction."""

import io
from datetime import time

import pytest
from sqlalchemy import func, select

from app.events.models import Event, Room
from app.programme import importing
from app.programme.models import ProgrammeItem
from app.programme.services import ItemPlacement, create_item, items_for
from app.speakers.models import Speaker
from tests.conftest import login
from tests.factories import DAY

HEADER = "day,start,end,room,kind,title,speakers,description,status\n"
URL = "/manage/e/{slug}/programme/import"


def count(db, model, event):
    return db.session.scalar(select(func.count()).select_from(model)
                             .where(model.event_id == event.id))


def upload(client, slug, data: bytes, filename="programme.csv", **fields):
    form = {"file": (io.BytesIO(data), filename)}
    form.update({key: "y" for key, on in fields.items() if on is True})
    form.update({key: value for key, value in fields.items() if isinstance(value, str)})
    return client.post(URL.format(slug=slug), data=form, content_type="multipart/form-data")


def preview_and_confirm(client, slug, data: bytes, **fields):
    preview = upload(client, slug, data, **fields)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    return upload(client, slug, data, confirm=True, digest=importing.digest(data), **fields)


@pytest.fixture
def second(db, conference):
    """A fresh event on the same day with rooms of the same names and nothing else."""
    event = Event(slug="hostkonferensen-2027", name="Höstkonferensen", starts_on=DAY,
                  ends_on=DAY, venue="Folkets hus", city="Göteborg")
    db.session.add_all([event, Room(event=event, name="Stora salen", position=0),
                        Room(event=event, name="Sal B", position=1)])
    db.session.commit()
    return event


def snapshot(event):
    return sorted(
        (item.title, item.kind, item.description, item.cancelled, item.starts_at, item.ends_at,
         item.room.name if item.room else None, tuple(s.name for s in item.speakers))
        for item in items_for(event, include_cancelled=True)
    )


# --- round trip and spreadsheets ----------------------------------------------------------------

def test_export_of_one_event_imports_into_another_with_the_same_items(
        db, conference, second, organiser):
    event = conference["event"]
    extra = create_item(event, title="=SUM(A1)", kind="workshop", description="-- rad två\nmer",
                        placement=ItemPlacement(DAY, time(14, 0), time(15, 30),
                                                conference["side"]))
    db.session.flush()
    from app.programme.services import cancel_item
    cancel_item(extra)
    db.session.commit()
    exported = organiser.get(f"/manage/e/{event.slug}/programme.csv").get_data()
    assert b"'=SUM(A1)" in exported

    response = preview_and_confirm(organiser, second.slug, exported)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert snapshot(second) == snapshot(event)
    talk = next(i for i in items_for(second) if i.title == "Peer support i vården")
    assert [s.name for s in talk.speakers] == ["Sara Nilsson"]
    assert talk.speakers[0].email == "" and talk.speakers[0].event_id == second.id
    # Importing the same file again adds nothing: every row is a duplicate.
    again = upload(organiser, second.slug, exported)
    assert again.status_code == 200
    assert again.get_data(as_text=True).count("Hoppas över: finns redan i programmet") == 3


def test_semicolon_cp1252_file_as_swedish_excel_saves_it(db, conference, organiser):
    event = conference["event"]
    text = (
        "Day;Start;End;Room;Kind;Title;Speakers;Description;Status\r\n"
        "2027-03-18;13:00;13:45;Sal B;Föredrag;Återhämtning på äldreboende;"
        "Sara Nilsson, Örjan Åström;Om vård och stöd;\r\n"
        "2027-03-18;14:00;14:15;;Paus;Kaffe;;;\r\n"
    )
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    response = preview_and_confirm(organiser, event.slug, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    item = next(i for i in items_for(event) if i.title.startswith("Återhämtning"))
    assert item.kind == "talk" and item.room.name == "Sal B"
    assert item.description == "Om vård och stöd"
    assert [s.name for s in item.speakers] == ["Sara Nilsson", "Örjan Åström"]
    assert item.speakers[0].id == conference["speaker"].id
    coffee = next(i for i in items_for(event) if i.title == "Kaffe")
    assert coffee.kind == "break" and coffee.room is None
    assert count(db, Speaker, event) == 2


def test_formula_apostrophe_is_stripped_and_header_is_case_insensitive(db, conference):
    event = conference["event"]
    data = ("\ufeffDAY,Start,END,room,kind,title,speakers,description,status\n"
            "2027-03-18,14:00,14:30,Sal B,talk,'=1+2,'@Kim,'-minus,\n").encode("utf-8")
    plan = importing.plan(event, data)
    assert plan.ok, plan.errors
    (item,) = plan.items
    assert (item.title, item.speaker_names, item.description) == ("=1+2", ["@Kim"], "-minus")
    assert "'" not in "".join([item.title, item.description])


# --- errors: all of them, nothing stored --------------------------------------------------------

def test_every_problem_is_reported_with_row_and_column_and_nothing_is_stored(
        db, conference, organiser):
    event = conference["event"]
    event.time_step_minutes = 15
    db.session.commit()
    rows = [
        "2027-03-18,14:00,14:30,Sal B,talk,Good row,,,",            # row 2: fine
        "2027-03-19,10:00,11:00,Sal B,talk,Wrong day,,,",           # 3: day
        "18/3,10:00,11:00,,talk,Bad date,,,",                       # 4: day
        "2027-03-18,25:00,11:00,,talk,Bad start,,,",                # 5: start
        "2027-03-18,11:00,10:00,,talk,Backwards,,,",                # 6: end
        "2027-03-18,10:05,11:00,,talk,Off step,,,",                 # 7: start
        "2027-03-18,10:00,11:00,Nowhere,talk,Unknown room,,,",      # 8: room
        "2027-03-18,10:00,11:00,,keynote,Unknown kind,,,",          # 9: kind
        "2027-03-18,10:00,11:00,,talk,,,,",                         # 10: title
        "2027-03-18,10:00,11:00,,talk,Odd status,,,maybe",          # 11: status
        "2027-03-18,,11:00,,talk,No start,,,",                      # 12: start
    ]
    data = (HEADER + "\n".join(rows) + "\n").encode()
    response = upload(organiser, event.slug, data, confirm=True, digest=importing.digest(data))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    plan = importing.plan(event, data)
    found = [(p.row, p.column) for p in plan.errors]
    assert found == [(3, "day"), (4, "day"), (5, "start"), (6, "end"), (7, "start"),
                     (8, "room"), (9, "kind"), (10, "title"), (11, "status"), (12, "start")]
    for row, column in found:
        assert f"Rad {row}, kolumn {column}:" in page
    assert count(db, ProgrammeItem, event) == 2


def test_line_breaks_and_invisible_characters_in_one_line_columns_are_errors(
        db, conference, organiser):
    event = conference["event"]
    data = (HEADER
            + '2027-03-18,14:00,14:30,Sal B,talk,"Två\nrader",,"Beskrivning\npå två rader",\n'
            + "2027-03-18,15:00,15:30,Sal\u200bB,talk,Osynligt,,,\n"
            + '2027-03-18,16:00,16:30,Sal B,talk,Talare,"Anna Ek;Bo\rBerg",,\n'
            + "2027-03-18,16:00,16:30,Sal B,talk,\u3164,,,\n"
            + "2027-03-18,17:00,17:30,Sal B,talk,Helt rätt,,\"Rad 1\nRad 2\",\n"
            ).encode()
    plan = importing.plan(event, data, create_missing_rooms=True)
    assert [(p.row, p.column) for p in plan.errors] == [
        (2, "title"), (3, "room"), (4, "speakers"), (5, "title")]
    assert all("en rad" in p.message for p in plan.errors)
    response = upload(organiser, event.slug, data, confirm=True, digest=importing.digest(data),
                      create_missing_rooms=True)
    assert response.status_code == 400
    assert count(db, ProgrammeItem, event) == 2 and count(db, Room, event) == 2
    assert count(db, Speaker, event) == 1


def test_at_most_ten_speakers_per_row(db, conference):
    event = conference["event"]
    ten = ";".join(f"Talare {n}" for n in range(10))
    data = (HEADER + f'2027-03-18,14:00,14:30,Sal B,panel,Tio,"{ten}",,\n'
            + f'2027-03-18,15:00,15:30,Sal B,panel,Elva,"{ten};Talare 10",,\n').encode()
    plan = importing.plan(event, data)
    [problem] = plan.errors
    assert (problem.row, problem.column) == (3, "speakers")
    assert "10" in problem.message


def test_whole_file_problems_are_400_never_500(db, conference, organiser):
    slug = conference["event"].slug
    cases = {
        "empty": b"",
        "only a byte order mark": b"\xef\xbb\xbf",
        "binary": bytes(range(256)) * 40,
        "utf-16": HEADER.encode("utf-16"),
        "wrong header": b"name,when,where\nA,B,C\n",
        "header only": HEADER.encode(),
        "too many rows": (HEADER + "2027-03-18,10:00,10:30,,talk,T,,,\n" * 2001).encode(),
        "over 2 MB": (HEADER + "2027-03-18,10:00,10:30,,talk,T,,," + "x" * 2 * 1024 * 1024
                      + "\n").encode(),
        "unclosed quote, huge field": (HEADER + '2027-03-18,10:00,10:30,,talk,"' + "y" * 200_000
                                       ).encode(),
    }
    for name, data in cases.items():
        response = upload(organiser, slug, data)
        assert response.status_code == 400, (name, response.status_code)
        assert 'class="field-errors"' in response.get_data(as_text=True), name
    assert upload(organiser, slug, b"x", filename="programme.exe").status_code == 400
    no_file = organiser.post(URL.format(slug=slug), data={}, content_type="multipart/form-data")
    assert no_file.status_code == 400
    huge = upload(organiser, slug, b"a" * (5 * 1024 * 1024))
    assert huge.status_code == 413
    assert count(db, ProgrammeItem, conference["event"]) == 2


# --- preview, confirm, duplicates, rooms, status --------------------------------------------------

def test_preview_shows_rows_and_stores_nothing_until_confirmed(db, conference, organiser):
    event = conference["event"]
    data = (HEADER + "2027-03-18,14:00,15:00,Sal B,panel,Panelsamtal om peer support,"
            "Ny Talare,,\n").encode()
    page = organiser.get(URL.format(slug=event.slug))
    assert page.status_code == 200
    assert f"/manage/e/{event.slug}/programme.csv" in page.get_data(as_text=True)

    preview = upload(organiser, event.slug, data)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'id="import-preview"' in html and "Panelsamtal om peer support" in html
    assert "Ny Talare" in html and importing.digest(data) in html
    assert count(db, ProgrammeItem, event) == 2 and count(db, Speaker, event) == 1

    # Ticking the box with another file than the one previewed only previews that file.
    other = data.replace(b"14:00", b"14:30")
    mismatch = upload(organiser, event.slug, other, confirm=True, digest=importing.digest(data))
    assert mismatch.status_code == 200 and importing.digest(other) in mismatch.get_data(
        as_text=True)
    assert count(db, ProgrammeItem, event) == 2

    done = upload(organiser, event.slug, data, confirm=True, digest=importing.digest(data))
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/manage/e/{event.slug}/programme#programme")
    db.session.expire_all()
    assert count(db, ProgrammeItem, event) == 3
    new = db.session.scalar(select(Speaker).where(Speaker.name == "Ny Talare"))
    assert new.event_id == event.id and new.email == ""
    manage = organiser.get(f"/manage/e/{event.slug}/programme").get_data(as_text=True)
    assert URL.format(slug=event.slug) in manage


def test_duplicates_are_skipped_and_listed(db, conference):
    event = conference["event"]
    data = (HEADER
            + "2027-03-18,10:00,10:45,Stora salen,talk,Peer support i vården,,,\n"
            + "2027-03-18,16:00,16:30,Stora salen,talk,Avslutning,,,\n"
            + "2027-03-18,16:00,16:30,Stora salen,talk,Avslutning,,,\n").encode()
    plan = importing.plan(event, data)
    assert plan.ok
    assert [i.row for i in plan.skipped] == [2, 4]
    assert [i.title for i in plan.to_create] == ["Avslutning"]
    created = importing.store(event, plan)
    db.session.commit()
    assert len(created) == 1 and count(db, ProgrammeItem, event) == 3


def test_unknown_room_is_an_error_unless_missing_rooms_are_created(db, conference, organiser):
    event = conference["event"]
    data = (HEADER + "2027-03-18,14:00,15:00,Lilla salen,talk,A,,,\n"
            + "2027-03-18,15:00,16:00,lilla salen,talk,B,,,\n").encode()
    refused = upload(organiser, event.slug, data)
    assert refused.status_code == 400
    assert "Lilla salen" in refused.get_data(as_text=True)
    assert [(p.row, p.column) for p in importing.plan(event, data).errors] == [
        (2, "room"), (3, "room")]
    assert count(db, Room, event) == 2

    response = preview_and_confirm(organiser, event.slug, data, create_missing_rooms=True)
    assert response.status_code == 302
    db.session.expire_all()
    rooms = db.session.scalars(select(Room).where(Room.event_id == event.id)).all()
    assert sorted(r.name for r in rooms) == ["Lilla salen", "Sal B", "Stora salen"]
    new = next(r for r in rooms if r.name == "Lilla salen")
    assert {i.room_id for i in items_for(event) if i.title in ("A", "B")} == {new.id}


def test_cancelled_rows_are_stored_cancelled_without_notices(db, conference, mailbox):
    from app.notices.models import Notice

    event = conference["event"]
    data = (HEADER + "2027-03-18,14:00,15:00,Sal B,talk,Inställt pass,Sara Nilsson,,cancelled\n"
            + "2027-03-18,15:00,16:00,Sal B,talk,Kvar,,,Inställd\n"
            + "2027-03-18,16:00,16:30,Sal B,talk,Planerad,,,scheduled\n").encode()
    plan = importing.plan(event, data)
    assert plan.ok, plan.errors
    importing.store(event, plan)
    db.session.commit()
    items = {i.title: i for i in items_for(event, include_cancelled=True)}
    assert items["Inställt pass"].cancelled and items["Kvar"].cancelled
    assert not items["Planerad"].cancelled
    # The programme is published: a new live item is news for the next version, a cancelled
    # one is not.
    notices = db.session.execute(select(Notice.item_title, Notice.kind)).all()
    assert [tuple(n) for n in notices] == [("Planerad", "new")]
    assert mailbox.messages == []


def test_conflicts_are_warnings_not_errors(db, conference, organiser):
    event = conference["event"]
    data = (HEADER
            + "2027-03-18,10:15,11:00,Stora salen,talk,Krockar med salen,,,\n"
            + "2027-03-18,10:30,11:00,Sal B,talk,Krockar med talaren,Sara Nilsson,,\n"
            + "2027-03-18,15:00,16:00,Sal B,talk,Egen,,,\n"
            + "2027-03-18,15:30,16:00,Sal B,talk,Krockar i filen,,,\n").encode()
    plan = importing.plan(event, data)
    assert plan.ok
    warnings = {i.title: i.warnings for i in plan.items}
    assert len(warnings["Krockar med salen"]) == 1
    assert "Peer support i vården" in warnings["Krockar med salen"][0]
    assert len(warnings["Krockar med talaren"]) == 1
    assert "Sara Nilsson" in warnings["Krockar med talaren"][0]
    assert warnings["Egen"] == [] and len(warnings["Krockar i filen"]) == 1
    assert "4" in warnings["Krockar i filen"][0]
    preview = upload(organiser, event.slug, data)
    assert preview.status_code == 200 and "badge-conflict" in preview.get_data(as_text=True)
    assert preview_and_confirm(organiser, event.slug, data).status_code == 302
    assert count(db, ProgrammeItem, event) == 6


# --- access ---------------------------------------------------------------------------------------

def test_only_organisers_may_import(db, conference, client, make_user, app):
    slug = conference["event"].slug
    data = (HEADER + "2027-03-18,14:00,15:00,Sal B,talk,X,,,\n").encode()
    anonymous = upload(client, slug, data, confirm=True, digest=importing.digest(data))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("entre@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "entre@example.org")
    assert door.get(URL.format(slug=slug)).status_code == 403
    assert upload(door, slug, data, confirm=True,
                  digest=importing.digest(data)).status_code == 403
    assert count(db, ProgrammeItem, conference["event"]) == 2
