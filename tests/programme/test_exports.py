"""The programme leaves Samla as iCalendar (RFC 5545), as the Frab/pretalx schedule.json the
c3voc schema describes, and as CSV. Each is read back with a parser for the standard, not with
Samla's own code."""

import copy
import csv
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from jsonschema import Draft6Validator, FormatChecker

from app.events.models import Event, Room
from app.installation import uid_domain
from app.programme.services import ItemPlacement, cancel_item, create_item
from app.speakers.services import add_speaker, assign
from config import BASE_DIR
from tests.conftest import login
from tests.factories import publish_programme

SCHEMA_FILE = BASE_DIR.parent / "shared" / "schemas" / "c3voc-schedule.schema.json"
CSV_COLUMNS = ["day", "start", "end", "room", "kind", "title", "speakers", "description",
               "status", "title_en", "description_en"]


# --- readers for the standards ------------------------------------------------------------------

def ical_of(client, slug):
    response = client.get(f"/e/{slug}/programme.ics")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}.ics"'
    raw = response.get_data()
    return raw, icalendar.Calendar.from_ical(raw)


def events_by_uid(calendar):
    return {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}


def load_schema() -> dict:
    # The test fails, never skips, when the schema is not beside the repository.
    assert SCHEMA_FILE.is_file(), f"the c3voc schema is missing: {SCHEMA_FILE}"
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    # The published file carries `// TODO` comment lines, which JSON does not allow.
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def format_checker() -> FormatChecker:
    """jsonschema checks 'uuid' and 'date' itself; 'date-time' and 'uri' need optional packages,
    so they are checked here after RFC 3339 and RFC 3986 rather than silently passed."""
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        return bool(RFC3339.match(value)) and datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uri")
    def uri(value):
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme)) and " " not in value

    @checker.checks("uuid")
    def uuid_(value):
        return not isinstance(value, str) or bool(UUID.match(value))

    return checker


@pytest.fixture(scope="module")
def validator():
    schema = load_schema()
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=format_checker())


def problems(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def schedule_of(client, slug) -> dict:
    response = client.get(f"/e/{slug}/schedule.json")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def all_events(document) -> list[dict]:
    return [entry for day in document["schedule"]["conference"]["days"]
            for entries in day["rooms"].values() for entry in entries]


def csv_of(client, slug):
    response = client.get(f"/manage/e/{slug}/programme.csv")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{slug}-programme.csv"')
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark for Excel"
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return reader.fieldnames, rows


# --- data ---------------------------------------------------------------------------------------

@pytest.fixture
def two_days(db):
    """A published two-day course in June (summer time, UTC+2) with items on both days, its
    programme published."""
    first = date(2027, 6, 14)
    event = Event(slug="hostkurs-2027", name="Återhämtningskursen", venue="Medborgarhuset",
                  city="Malmö", starts_on=first, ends_on=first + timedelta(days=1),
                  published=True)
    aula = Room(event=event, name="Aulan", position=0)
    hall = Room(event=event, name="Sal Ö", position=1)
    db.session.add_all([event, aula, hall])
    db.session.flush()
    opening = create_item(event, title="Öppning", kind="plenary", description="Välkomna.",
                          placement=ItemPlacement(first, time(9, 30), time(10, 0), aula))
    workshop = create_item(
        event, title="Skrivverkstad", kind="workshop", description="",
        placement=ItemPlacement(first + timedelta(days=1), time(13, 0), time(15, 30), hall))
    lunch = create_item(event, title="Lunch", kind="lunch", description="",
                        placement=ItemPlacement(first + timedelta(days=1), time(12, 0),
                                                time(13, 0), None))
    db.session.commit()
    publish_programme(event)
    return {"event": event, "aula": aula, "hall": hall, "opening": opening,
            "workshop": workshop, "lunch": lunch}


# --- iCalendar ----------------------------------------------------------------------------------

def test_ical_holds_every_item_with_stable_uid_and_local_times(conference, client):
    event, talk, lunch = conference["event"], conference["talk"], conference["lunch"]
    raw, calendar = ical_of(client, event.slug)

    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//")
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Vårkonferensen"

    entries = events_by_uid(calendar)
    assert set(entries) == {f"item-{talk.id}@{uid_domain()}", f"item-{lunch.id}@{uid_domain()}"}
    for item in (talk, lunch):
        entry = entries[f"item-{item.id}@{uid_domain()}"]
        assert entry["DTSTART"].params["TZID"] == "Europe/Stockholm"
        assert entry["DTEND"].params["TZID"] == "Europe/Stockholm"
        assert entry.decoded("DTSTART") == item.starts_at
        assert entry.decoded("DTEND") == item.ends_at
        assert entry.decoded("DTSTAMP").utcoffset() == timedelta(0)
        assert int(entry["SEQUENCE"]) == 0
        assert str(entry["STATUS"]) == "CONFIRMED"
        assert str(entry["LOCATION"]) == "Stora salen, Folkets hus, Göteborg"
        assert str(entry["URL"]) == f"http://localhost/e/{event.slug}/programme#item-{item.id}"
    # The wall clock in the file is the local one: 10:00 in Göteborg is 09:00 UTC in March.
    assert b"DTSTART;TZID=Europe/Stockholm:20270318T100000\r\n" in raw
    assert re.search(rb"\r\nDTSTAMP:\d{8}T\d{6}Z\r\n", raw)
    talk_entry = entries[f"item-{talk.id}@{uid_domain()}"]
    assert str(talk_entry["SUMMARY"]) == "Peer support i vården"
    assert "Sara Nilsson, Peer supporter (Region Örebro län)" in str(talk_entry["DESCRIPTION"])


def test_ical_carries_a_vtimezone_that_gives_the_right_instants(conference, client):
    """A calendar that does not know the zone by name must still land on the same instant."""
    talk = conference["talk"]
    _raw, calendar = ical_of(client, conference["event"].slug)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Stockholm"
    rules = zone.to_tz(lookup_tzid=False)
    wall_clock = datetime(2027, 3, 18, 10, 0, tzinfo=rules)
    assert wall_clock.astimezone(UTC) == talk.starts_at == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert calendar.get_missing_tzids() == set()


def test_cancelled_item_stays_in_the_calendar_as_cancelled(conference, client, db, mailbox):
    lunch, talk = conference["lunch"], conference["talk"]
    assert cancel_item(lunch)
    db.session.commit()
    publish_programme(conference["event"])
    _raw, calendar = ical_of(client, conference["event"].slug)
    entries = events_by_uid(calendar)
    assert str(entries[f"item-{lunch.id}@{uid_domain()}"]["STATUS"]) == "CANCELLED"
    assert str(entries[f"item-{talk.id}@{uid_domain()}"]["STATUS"]) == "CONFIRMED"
    # schedule.json lists only what takes place.
    document = schedule_of(client, conference["event"].slug)
    assert [e["id"] for e in all_events(document)] == [talk.id]


def test_long_swedish_description_is_folded_and_comes_back_whole(conference, client, db):
    event = conference["event"]
    text = ("Åsa, Örjan och Ämma berättar om återhämtning, självhjälp och kamratstöd i "
            "vardagen – ”inget om oss utan oss”. ") * 6
    item = create_item(event, title="Långt samtal om återhämtning", kind="panel",
                       description=text,
                       placement=ItemPlacement(event.starts_on, time(14, 0), time(15, 0),
                                               conference["side"]))
    db.session.commit()
    publish_programme(event)
    raw, calendar = ical_of(client, event.slug)

    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75, "lines longer than 75 octets"
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte letter
    assert sum(1 for line in lines if line.startswith(b" ")) >= 5
    entry = events_by_uid(calendar)[f"item-{item.id}@{uid_domain()}"]
    assert str(entry["DESCRIPTION"]) == text.strip()
    assert str(entry["SUMMARY"]) == "Långt samtal om återhämtning"
    assert str(entry["LOCATION"]) == "Sal B, Folkets hus, Göteborg"


# --- schedule.json ------------------------------------------------------------------------------

def test_schedule_json_validates_against_the_c3voc_schema(conference, client, validator):
    event, talk = conference["event"], conference["talk"]
    document = schedule_of(client, event.slug)
    assert problems(validator, document) == []

    conference_part = document["schedule"]["conference"]
    assert conference_part["title"] == "Vårkonferensen"
    assert conference_part["time_zone_name"] == "Europe/Stockholm"
    assert conference_part["daysCount"] == 1
    assert {room["name"] for room in conference_part["rooms"]} == {"Stora salen", "Sal B"}
    by_id = {entry["id"]: entry for entry in all_events(document)}
    entry = by_id[talk.id]
    assert entry["guid"] == str(uuid.uuid5(uuid.NAMESPACE_URL, f"item-{talk.id}@{uid_domain()}"))
    assert datetime.fromisoformat(entry["date"]) == talk.starts_at
    assert entry["date"] == "2027-03-18T10:00:00+01:00"
    assert (entry["start"], entry["duration"], entry["room"]) == ("10:00", "00:45", "Stora salen")
    assert entry["title"] == "Peer support i vården" and entry["type"] == "talk"
    assert [p["name"] for p in entry["persons"]] == ["Sara Nilsson"]
    # The same item has the same guid in the next download.
    assert schedule_of(client, event.slug)["schedule"]["conference"]["days"][0]["rooms"][
        "Stora salen"][0]["guid"] == entry["guid"]


def test_uids_and_guids_stay_the_same_when_samla_moves_to_another_address(
        app, conference, client, validator):
    """A new BASE_URL changes the links, never the identities: a subscribed calendar updates
    its entries instead of showing each twice."""
    slug = conference["event"].slug

    def downloads():
        _raw, calendar = ical_of(client, slug)
        document = schedule_of(client, slug)
        assert problems(validator, document) == []
        entries = all_events(document)
        identities = (set(events_by_uid(calendar)), {e["guid"] for e in entries},
                      {r["guid"] for r in document["schedule"]["conference"]["rooms"]},
                      {p["guid"] for e in entries for p in e["persons"]})
        return identities, document["schedule"]["conference"]["url"]

    before, old_url = downloads()
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://konferens.nsph.se"
    try:
        after, new_url = downloads()
    finally:
        app.config["BASE_URL"] = saved
    assert new_url == f"https://konferens.nsph.se/e/{slug}/programme" != old_url
    assert after == before
    assert all(len(identity) >= 2 for identity in before[:3]) and before[3]


def test_the_validator_refuses_broken_schedules(conference, client, validator):
    """Proof that the check bites: each deliberate break is caught."""
    document = schedule_of(client, conference["event"].slug)
    assert problems(validator, document) == []

    def broken(change):
        copied = copy.deepcopy(document)
        change(copied["schedule"]["conference"]["days"][0]["rooms"]["Stora salen"][0],
               copied)
        return problems(validator, copied)

    assert broken(lambda e, d: e.pop("guid"))
    assert broken(lambda e, d: e.update(guid="item-1@localhost"))
    assert broken(lambda e, d: e.update(start="9:00"))
    assert broken(lambda e, d: e.update(date="2027-03-18T10:00:00"))
    assert broken(lambda e, d: e.update(url="/e/x/programme"))
    assert broken(lambda e, d: e.update(unknown_field=1))
    assert broken(lambda e, d: e["persons"][0].update(public_name="Sara", id=1))
    assert broken(lambda e, d: d["schedule"]["conference"].update(acronym="vår-konferens"))
    assert broken(lambda e, d: d["schedule"].pop("version"))


def test_two_day_event_groups_items_by_day_and_room(two_days, client, validator):
    event = two_days["event"]
    document = schedule_of(client, event.slug)
    assert problems(validator, document) == []
    conference_part = document["schedule"]["conference"]
    assert (conference_part["start"], conference_part["end"], conference_part["daysCount"]) == (
        "2027-06-14", "2027-06-15", 2)
    first, second = conference_part["days"]
    assert (first["index"], first["date"], second["index"], second["date"]) == (
        1, "2027-06-14", 2, "2027-06-15")
    assert first["day_start"] == "2027-06-14T09:30:00+02:00"
    assert second["day_end"] == "2027-06-15T15:30:00+02:00"

    def ids(day):
        return {room: [e["id"] for e in entries] for room, entries in day["rooms"].items()
                if entries}

    assert ids(first) == {"Aulan": [two_days["opening"].id]}
    # The lunch has no room: it is placed at the venue as a whole.
    assert ids(second) == {"Medborgarhuset": [two_days["lunch"].id],
                           "Sal Ö": [two_days["workshop"].id]}
    assert "Medborgarhuset" in {room["name"] for room in conference_part["rooms"]}
    workshop = second["rooms"]["Sal Ö"][0]
    assert (workshop["date"], workshop["start"], workshop["duration"]) == (
        "2027-06-15T13:00:00+02:00", "13:00", "02:30")

    # The calendar agrees, in summer time.
    raw, calendar = ical_of(client, event.slug)
    assert b"DTSTART;TZID=Europe/Stockholm:20270614T093000\r\n" in raw
    entry = events_by_uid(calendar)[f"item-{two_days['workshop'].id}@{uid_domain()}"]
    assert entry.decoded("DTSTART") == datetime(2027, 6, 15, 11, 0, tzinfo=UTC)
    lunch = events_by_uid(calendar)[f"item-{two_days['lunch'].id}@{uid_domain()}"]
    assert str(lunch["LOCATION"]) == "Medborgarhuset, Malmö"
    [zone] = calendar.walk("VTIMEZONE")
    summer = datetime(2027, 6, 15, 13, 0, tzinfo=zone.to_tz(lookup_tzid=False))
    assert summer.astimezone(UTC) == two_days["workshop"].starts_at


# --- CSV ----------------------------------------------------------------------------------------

def test_csv_reads_back_with_local_times(conference, organiser, db, mailbox):
    event, talk, lunch = conference["event"], conference["talk"], conference["lunch"]
    cancel_item(lunch)
    db.session.commit()
    columns, rows = csv_of(organiser, event.slug)
    assert columns == CSV_COLUMNS
    assert rows == [
        {"day": "2027-03-18", "start": "10:00", "end": "10:45", "room": "Stora salen",
         "kind": "talk", "title": talk.title, "speakers": "Sara Nilsson", "description": "",
         "status": "confirmed", "title_en": "", "description_en": ""},
        {"day": "2027-03-18", "start": "12:00", "end": "13:00", "room": "Stora salen",
         "kind": "lunch", "title": "Lunch", "speakers": "", "description": "",
         "status": "cancelled", "title_en": "", "description_en": ""},
    ]
    assert rows[0]["title"] == "Peer support i vården"


def test_csv_quotes_commas_and_line_breaks_and_defuses_formulas(two_days, organiser, db):
    event, workshop = two_days["event"], two_days["workshop"]
    workshop.description = 'Ta med papper, penna och "mod".\nVi skriver tillsammans.'
    speaker = add_speaker(event, name="=HYPERLINK(\"http://evil.example\")", role_title="",
                          organisation="", email="")
    other = add_speaker(event, name="Åke Öberg", role_title="", organisation="", email="")
    db.session.flush()
    assign(workshop, [other, speaker], invite=False)
    db.session.commit()
    _columns, rows = csv_of(organiser, event.slug)
    row = next(r for r in rows if r["title"] == "Skrivverkstad")
    assert (row["day"], row["start"], row["end"]) == ("2027-06-15", "13:00", "15:30")
    assert row["room"] == "Sal Ö"
    assert row["description"] == 'Ta med papper, penna och "mod".\nVi skriver tillsammans.'
    assert row["speakers"] == "Åke Öberg; =HYPERLINK(\"http://evil.example\")"
    lunch = next(r for r in rows if r["title"] == "Lunch")
    assert lunch["room"] == "" and lunch["start"] == "12:00"


def test_csv_cell_that_starts_like_a_formula_is_defused(two_days, organiser, db):
    two_days["workshop"].title = "=1+2"
    db.session.commit()
    _columns, rows = csv_of(organiser, two_days["event"].slug)
    assert "'=1+2" in [row["title"] for row in rows]


def test_csv_is_for_organisers_only(app, conference, client, make_user):
    slug = conference["event"].slug
    anonymous = client.get(f"/manage/e/{slug}/programme.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    assert door.get(f"/manage/e/{slug}/programme.csv").status_code == 403


# --- who sees what ------------------------------------------------------------------------------

def test_unknown_event_is_not_found(client, organiser):
    assert client.get("/e/finns-inte/programme.ics").status_code == 404
    assert client.get("/e/finns-inte/schedule.json").status_code == 404
    assert organiser.get("/manage/e/finns-inte/programme.csv").status_code == 404


def test_unpublished_event_is_hidden_but_organisers_may_preview(conference, client, organiser,
                                                               db):
    event = conference["event"]
    event.published = False
    db.session.commit()
    assert client.get(f"/e/{event.slug}/programme.ics").status_code == 404
    assert client.get(f"/e/{event.slug}/schedule.json").status_code == 404
    assert organiser.get(f"/e/{event.slug}/programme.ics").status_code == 200
    assert organiser.get(f"/e/{event.slug}/schedule.json").status_code == 200


def test_pages_link_to_the_exports(conference, client, organiser):
    slug = conference["event"].slug
    public = client.get(f"/e/{slug}/programme").get_data(as_text=True)
    assert f'href="/e/{slug}/programme.ics"' in public
    assert f'href="/e/{slug}/schedule.json"' in public
    assert "Lägg till i kalendern (iCalendar)" in public
    assert f'id="item-{conference["talk"].id}"' in public  # the target of each item's URL
    manage = organiser.get(f"/manage/e/{slug}/programme").get_data(as_text=True)
    assert f'href="/manage/e/{slug}/programme.csv"' in manage
    english = client.get("/language/en?next=/")
    assert english.status_code == 302
    assert "Add to calendar (iCalendar)" in client.get(f"/e/{slug}/programme").get_data(
        as_text=True)
