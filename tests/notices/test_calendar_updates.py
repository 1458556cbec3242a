"""Publishing a change updates the calendars people already have: every VEVENT's SEQUENCE is
the number of the item's published changes (in the whole-event calendar, the attendee's own
calendar and the files sent by email), and each publish email carries the changed items as
iCalendar, with METHOD:CANCEL for cancelled ones so a calendar client removes them."""

from datetime import UTC, datetime, time, timedelta

import icalendar

from app.events.models import Event
from app.installation import uid_domain
from app.notices import services as notices
from app.notices.models import ProgrammeVersion
from app.programme import services as programme
from app.programme.models import ProgrammeItem
from app.registration.personal import star
from tests.factories import DAY, add_workshop, register
from tests.queries import queries_for

ALVA, JOHN, SARA = "alva@example.org", "john@example.org", "sara@talare.example"


# --- helpers ----------------------------------------------------------------------------------

def move(db, item_id, start, end, room=None):
    thing = db.session.get(ProgrammeItem, item_id)
    placement = programme.ItemPlacement(DAY, start, end, room if room is not None else thing.room)
    programme.update_item(thing, title=thing.title, kind=thing.kind,
                          description=thing.description, placement=placement)
    db.session.commit()


def cancel(db, item_id):
    programme.cancel_item(db.session.get(ProgrammeItem, item_id))
    db.session.commit()


def publish(db, conference):
    version = notices.publish(db.session.get(Event, conference["event"].id), None)
    db.session.commit()
    assert version is not None
    return version


def whole_calendar(client, conference):
    response = client.get(f"/e/{conference['event'].slug}/programme.ics")
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.get_data())


def by_uid(calendar):
    return {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}


def uid(item):
    return f"item-{item.id}@{uid_domain()}"


def sequence(entry) -> int:
    return int(entry["SEQUENCE"])


def calendar_parts(message):
    """{filename: (part, parsed calendar)} for every text/calendar attachment."""
    found = {}
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            raw = part.get_payload(decode=True)
            found[part.get_filename()] = (part, icalendar.Calendar.from_ical(raw))
    return found


def only_mail_to(mailbox, address, count):
    mail = [m for m in mailbox.wait_for(count) if m["To"] == address]
    assert len(mail) == 1, [m["To"] for m in mailbox.messages]
    return mail[0]


def alva_starred_talk(conference, mailbox, language="sv", email=ALVA, name="Alva Persson"):
    registration = register(conference["event"], conference["ticket"], name=name, email=email,
                            language=language)
    star(registration, conference["talk"])
    return registration


# --- SEQUENCE in the feeds ----------------------------------------------------------------------

def test_each_published_move_raises_the_items_sequence_only(client, conference, mailbox, db):
    talk, lunch = conference["talk"], conference["lunch"]
    entries = by_uid(whole_calendar(client, conference))
    assert sequence(entries[uid(talk)]) == 0 and sequence(entries[uid(lunch)]) == 0

    move(db, talk.id, time(11, 0), time(11, 45))
    version = publish(db, conference)
    entries = by_uid(whole_calendar(client, conference))
    assert sequence(entries[uid(talk)]) == 1
    assert sequence(entries[uid(lunch)]) == 0
    assert entries[uid(talk)].decoded("DTSTART") == datetime(2027, 3, 18, 10, 0, tzinfo=UTC)
    # DTSTAMP is the time of the latest version, so a client sees a newer copy.
    stamp = entries[uid(lunch)].decoded("DTSTAMP")
    assert abs(stamp - version.published_at) < timedelta(seconds=1)

    move(db, talk.id, time(14, 0), time(14, 45))
    second = publish(db, conference)
    entries = by_uid(whole_calendar(client, conference))
    assert sequence(entries[uid(talk)]) == 2
    assert sequence(entries[uid(lunch)]) == 0
    assert abs(entries[uid(talk)].decoded("DTSTAMP") - second.published_at) < timedelta(seconds=1)


def test_a_pending_change_does_not_raise_the_sequence(client, conference, mailbox, db):
    talk = conference["talk"]
    move(db, talk.id, time(11, 0), time(11, 45))
    assert sequence(by_uid(whole_calendar(client, conference))[uid(talk)]) == 0, \
        "nothing published yet"
    publish(db, conference)
    move(db, talk.id, time(14, 0), time(14, 45))
    cancel(db, conference["lunch"].id)
    entries = by_uid(whole_calendar(client, conference))
    assert sequence(entries[uid(talk)]) == 1, "the second move is still a draft"
    assert sequence(entries[uid(conference["lunch"])]) == 0
    assert notices.pending_count(db.session.get(Event, conference["event"].id)) == 2


def test_announcing_a_new_item_does_not_raise_its_sequence(client, conference, mailbox, db):
    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    publish(db, conference)
    event = db.session.get(Event, conference["event"].id)
    fresh = programme.create_item(
        event, title="Nytt samtal", kind="plenary", description="",
        placement=programme.ItemPlacement(DAY, time(15, 0), time(15, 30), conference["side"]))
    db.session.flush()
    assert notices.record_new(fresh).kind == "new"
    db.session.commit()
    publish(db, conference)
    entries = by_uid(whole_calendar(client, conference))
    assert sequence(entries[uid(fresh)]) == 0
    assert sequence(entries[uid(conference["talk"])]) == 1


def test_the_personal_calendar_shows_the_same_sequence(client, conference, mailbox, db):
    registration = alva_starred_talk(conference, mailbox)
    workshop = add_workshop(conference["event"])  # lunch is everyone's: nobody stars it
    publish(db, conference)
    star(registration, workshop)
    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    publish(db, conference)
    move(db, conference["talk"].id, time(14, 0), time(14, 45))
    publish(db, conference)
    response = client.get(f"/r/{registration.manage_token}/programme.ics")
    assert response.status_code == 200
    mine = by_uid(icalendar.Calendar.from_ical(response.get_data()))
    everything = by_uid(whole_calendar(client, conference))
    assert set(mine) == {uid(conference["talk"]), uid(workshop)}
    assert sequence(mine[uid(conference["talk"])]) == 2
    for key, entry in mine.items():
        assert sequence(entry) == sequence(everything[key])
        assert entry.decoded("DTSTAMP") == everything[key].decoded("DTSTAMP")


# --- the files in the publish email ---------------------------------------------------------------

def test_the_publish_email_carries_the_moved_item_as_an_update(client, conference, mailbox, db):
    talk = conference["talk"]
    alva_starred_talk(conference, mailbox)
    alva_starred_talk(conference, mailbox, language="en", email=JOHN, name="John Smith")
    mailbox.wait_for(2)
    mailbox.clear()
    move(db, talk.id, time(14, 0), time(14, 45), conference["side"])
    publish(db, conference)
    mailbox.wait_for(3)  # Alva, John and the speaker
    export = by_uid(whole_calendar(client, conference))[uid(talk)]

    alva = only_mail_to(mailbox, ALVA, 3)
    files = calendar_parts(alva)
    assert set(files) == {"andringar.ics"}, "nothing was cancelled"
    part, calendar = files["andringar.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Vårkonferensen – programändringar"
    [entry] = calendar.walk("VEVENT")
    assert str(entry["UID"]) == str(export["UID"]) == uid(talk)
    assert sequence(entry) == 1 == sequence(export)
    assert entry.decoded("DTSTART") == datetime(2027, 3, 18, 13, 0, tzinfo=UTC)
    assert entry["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert entry.decoded("DTSTART") == export.decoded("DTSTART")
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert str(entry["LOCATION"]).startswith("Sal B")
    assert entry.decoded("DTSTAMP") == export.decoded("DTSTAMP")
    assert calendar.walk("VTIMEZONE"), "the zone travels with the file"

    john = calendar_parts(only_mail_to(mailbox, JOHN, 3))
    assert set(john) == {"changes.ics"}
    _part, english = john["changes.ics"]
    assert str(english["X-WR-CALNAME"]) == "Vårkonferensen – programme changes"
    [entry] = english.walk("VEVENT")
    assert str(entry["DESCRIPTION"]).startswith("Speakers: Sara Nilsson")
    assert sequence(entry) == 1

    sara = calendar_parts(only_mail_to(mailbox, SARA, 3))
    [entry] = sara["andringar.ics"][1].walk("VEVENT")
    assert str(entry["UID"]) == uid(talk) and sequence(entry) == 1


def test_a_cancelled_item_comes_with_a_cancel_calendar(client, conference, mailbox, db):
    talk = conference["talk"]
    alva_starred_talk(conference, mailbox)
    mailbox.wait_for(1)
    mailbox.clear()
    move(db, talk.id, time(11, 0), time(11, 45))
    publish(db, conference)
    mailbox.wait_for(2)
    mailbox.clear()

    cancel(db, talk.id)
    publish(db, conference)
    alva = only_mail_to(mailbox, ALVA, 2)
    files = calendar_parts(alva)
    assert set(files) == {"andringar.ics", "installt.ics"}

    part, cancelled = files["installt.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "CANCEL"
    assert str(cancelled["METHOD"]) == "CANCEL"
    [entry] = cancelled.walk("VEVENT")
    assert str(entry["UID"]) == uid(talk)
    assert str(entry["STATUS"]) == "CANCELLED"
    assert sequence(entry) == 2, "the move and the cancellation"
    assert str(entry["ATTENDEE"]) == f"mailto:{ALVA}"
    assert str(entry["ORGANIZER"]).startswith("mailto:")

    _part, update = files["andringar.ics"]
    assert str(update["METHOD"]) == "PUBLISH"
    [entry] = update.walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED" and sequence(entry) == 2

    export = by_uid(whole_calendar(client, conference))[uid(talk)]
    assert str(export["STATUS"]) == "CANCELLED" and sequence(export) == 2

    # The speaker hears of it the same way.
    sara = calendar_parts(only_mail_to(mailbox, SARA, 2))
    assert str(sara["installt.ics"][1]["METHOD"]) == "CANCEL"


def test_several_changes_share_one_update_file_in_programme_order(client, conference, mailbox,
                                                                   db):
    alva_starred_talk(conference, mailbox)
    mailbox.wait_for(1)
    mailbox.clear()
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    publish(db, conference)
    files = calendar_parts(only_mail_to(mailbox, ALVA, 2))
    [(_part, calendar)] = files.values()
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        uid(conference["talk"]), uid(conference["lunch"])]
    assert all(sequence(e) == 1 for e in calendar.walk("VEVENT"))


# --- cost -------------------------------------------------------------------------------------

def test_the_whole_event_calendar_costs_the_same_for_3_and_30_items(client, conference, mailbox,
                                                                    db):
    event = db.session.get(Event, conference["event"].id)
    start = datetime.combine(DAY, time(8, 0))

    def add_items(count, offset):
        for index in range(offset, offset + count):
            begins = start + timedelta(minutes=15 * index)
            fresh = programme.create_item(
                event, title=f"Punkt {index}", kind="talk", description="",
                placement=programme.ItemPlacement(DAY, begins.time(),
                                                  (begins + timedelta(minutes=10)).time(),
                                                  conference["side"]))
            db.session.flush()
            notices.record_new(fresh)
            if index % 2:  # and half of them moved later: published changes of many items
                move(db, fresh.id, (begins + timedelta(minutes=5)).time(),
                     (begins + timedelta(minutes=15)).time())
        db.session.commit()

    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    publish(db, conference)
    add_items(1, 0)  # with the fixture's two items: 3
    publish(db, conference)
    path = f"/e/{event.slug}/programme.ics"
    small = queries_for(client, path)
    add_items(27, 1)
    publish(db, conference)
    assert len(whole_calendar(client, conference).walk("VEVENT")) == 30
    large = queries_for(client, path)
    assert large == small, (small, large)
    assert db.session.query(ProgrammeVersion).count() == 4  # the first version and 3 more
