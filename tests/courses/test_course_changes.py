"""A course's sessions move like a programme's items: one moved session is told to everyone
enrolled with its calendar entry moved, and postponing the course moves every session and
every participant's calendar (same UIDs, SEQUENCE raised)."""

from datetime import time, timedelta

import icalendar

from app.courses import services
from app.db_types import utcnow
from app.extensions import db as _db
from app.mail.outbox import deliver_due
from tests.courses.conftest import SLUG
from tests.factories import event_form, register

MANAGE = f"/manage/e/{SLUG}"


def calendars(message):
    return [icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for part in message.iter_attachments()
            if part.get_content_type() == "text/calendar"]


def test_a_moved_session_is_told_to_everyone_enrolled_with_the_entry_moved(
        running_course, organiser, client, mailbox, db):
    last = running_course["sessions"][-1]
    alva = running_course["alva"]
    before = icalendar.Calendar.from_ical(client.get(f"/r/{alva.manage_token}/course.ics").data)
    uid = str(before.walk("VEVENT")[-1]["UID"])
    day = running_course["days"][-1] + timedelta(days=1)
    moved = organiser.post(f"{MANAGE}/course/sessions/{last.id}", data={
        "title": "Träff 8", "day": day.isoformat(), "start": "13:00", "end": "16:00",
        "place": "Folkets hus, sal 3", "leader_name": "Karin Kursledare"})
    assert moved.status_code == 303
    deliver_due()
    messages = mailbox.wait_for(3)
    assert sorted(m["To"] for m in messages) == ["alva@example.org", "eva@region.example",
                                                  "nils@example.org"]
    message = mailbox.to("alva@example.org")[0]
    assert "Träff 8" in mailbox.body(message)
    [cal] = calendars(message)
    [entry] = cal.walk("VEVENT")
    assert str(entry["UID"]) == uid and int(entry["SEQUENCE"]) == 1
    assert entry["DTSTART"].dt.hour == 13 and entry["DTSTART"].dt.date() == day


def test_postponing_a_course_moves_every_session_and_every_calendar(course, organiser, client,
                                                                     mailbox, db):
    event = course["event"]
    first = utcnow().date() + timedelta(days=10)
    event.starts_on, event.ends_on = first, first + timedelta(days=7)
    for number, day in enumerate((first, first + timedelta(days=7)), start=1):
        services.add_session(event, services.SessionDetails(
            title=f"Träff {number}", title_en=f"Meeting {number}", day=day, start=time(9),
            end=time(12), place="Folkets hus", online_url="", leader_name="Karin"))
    _db.session.commit()
    alva = register(event, course["free"], name="Alva Persson", email="alva@example.org")
    mailbox.clear()
    new_first = first + timedelta(days=28)

    preview = organiser.post(f"{MANAGE}/postpone/preview", data={
        "new_starts_on": new_first.isoformat(), "decision_days": "14"})
    assert preview.status_code == 200
    done = organiser.post(f"{MANAGE}/postpone", data={
        "new_starts_on": new_first.isoformat(), "decision_days": "14",
        "seen_starts_on": first.isoformat()})
    assert done.status_code in (302, 303)
    sessions = services.sessions_of(event)
    assert [event.local(s.starts_at).date() for s in sessions] == [
        new_first, new_first + timedelta(days=7)]
    assert all(event.local(s.starts_at).time() == time(9) for s in sessions)

    deliver_due()
    [message] = mailbox.wait_for(1)
    [cal] = calendars(message)
    told = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    mine = icalendar.Calendar.from_ical(client.get(f"/r/{alva.manage_token}/course.ics").data)
    assert set(told) == {str(e["UID"]) for e in mine.walk("VEVENT")}
    assert all(int(e["SEQUENCE"]) == 1 for e in told.values())
    assert sorted(e["DTSTART"].dt.date() for e in told.values()) == [
        new_first, new_first + timedelta(days=7)]


def test_the_confirmation_lists_every_session_and_links_the_course_calendar(
        running_course, client, mailbox, db):
    mailbox.clear()
    kim = register(running_course["event"], running_course["free"], name="Kim Berg",
                   email="kim@example.org")
    deliver_due()
    [message] = mailbox.wait_for(1)
    text = mailbox.body(message)
    assert "Kursen har 8 träffar:" in text
    assert "Träff 1" in text and "Träff 8" in text and "Folkets hus, sal 3" in text
    link = mailbox.link(message, "/course.ics")
    assert link == f"/r/{kim.manage_token}/course.ics"
    calendar = icalendar.Calendar.from_ical(client.get(link).data)
    assert len(calendar.walk("VEVENT")) == 8


def test_a_course_lasts_from_its_first_session_to_its_last(course, organiser, db):
    """NSPH's training meets weekly for two months: the course's dates follow its sessions
    (its page, refund and retention days count from them), whatever the event said before."""
    event = course["event"]
    event.starts_on = event.ends_on = course["days"][3]
    _db.session.commit()
    first, last = course["days"][0], course["days"][-1]
    for day in (last, first):
        response = organiser.post(f"{MANAGE}/course/sessions", data={
            "title": "Träff", "day": day.isoformat(), "start": "09:00", "end": "12:00",
            "place": "Folkets hus", "leader_name": "Karin"})
        assert response.status_code == 303
    db.session.refresh(event)
    assert (event.starts_on, event.ends_on) == (first, last)
    assert (last - first).days > 31
    # The organiser can still save the event form of a course this long; a year is the limit.
    form = event_form(event, ends_on=(first + timedelta(days=400)).isoformat())
    refused = organiser.post(f"{MANAGE}/edit", data=form)
    assert refused.status_code == 400 and "högst ett år" in refused.get_data(as_text=True)
    assert organiser.post(f"{MANAGE}/edit", data=event_form(event)).status_code == 302
