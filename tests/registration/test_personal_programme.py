"""An attendee builds their own programme from the link in the confirmation email, without an
account, and subscribes to it as a calendar that agrees with the whole-event one."""

import re
from datetime import UTC, datetime, time, timedelta

import icalendar
from sqlalchemy import func, select

from app.installation import uid_domain
from app.programme.services import ItemPlacement, cancel_item, create_item
from app.registration import personal
from app.registration.models import PersonalProgrammeEntry, Registration
from tests.factories import add_workshop, publish_programme, register
from tests.queries import count_queries


def registered(client, conference, mailbox, db):
    """Register through the form; return the registration and the email's programme link."""
    response = client.post(
        f"/e/varkonferensen-2027/register?t{conference['ticket'].id}=1",
        data={"a0-name": "Alva Persson", "a0-email": "alva@example.org"})
    assert response.status_code == 303
    [message] = mailbox.wait_for(1)
    registration = db.session.scalar(select(Registration))
    return registration, mailbox.link(message, "/programme")


def entries(db, registration=None):
    query = select(PersonalProgrammeEntry.item_id)
    if registration is not None:
        query = query.where(PersonalProgrammeEntry.registration_id == registration.id)
    return sorted(db.session.scalars(query))


def star(client, link, item, action="add"):
    return client.post(f"{link}/{item.id}/star", data={"action": action})


def calendar_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.get_data()
    return response, raw, icalendar.Calendar.from_ical(raw)


def by_uid(calendar):
    return {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}


# --- starring from the email ----------------------------------------------------------------------

def test_attendee_stars_items_from_the_link_in_the_confirmation_email(client, conference,
                                                                     mailbox, db):
    talk, lunch = conference["talk"], conference["lunch"]
    registration, link = registered(client, conference, mailbox, db)
    assert link == f"/r/{registration.manage_token}/programme"

    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Mitt program</h1>" in html and "Dina val" in html
    assert "Du har inte valt något än." in html
    assert f'id="item-{talk.id}"' in html and f'id="item-{lunch.id}"' in html
    # Each button says what it does and to which item, in words.
    assert ('Lägg till i mitt program<span class="visually-hidden">: Peer support i vården'
            '</span></button>') in html
    assert f'href="http://localhost/r/{registration.manage_token}/programme.ics"' in html

    response = star(client, link, talk)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{link}#item-{talk.id}"
    assert entries(db, registration) == [talk.id]

    html = client.get(link).get_data(as_text=True)
    choices = html.split('id="your-choices"')[1].split("</section>")[0]
    assert f'href="#item-{talk.id}"' in choices and "Peer support i vården" in choices
    assert "Lunch" not in choices
    item_html = html.split(f'id="item-{talk.id}"')[1].split("</li>")[0]
    assert "I ditt program" in item_html  # the state in text, not only colour
    assert 'value="remove"' in item_html
    assert "Ta bort från mitt program<span class=\"visually-hidden\">: Peer support" in item_html
    # Lunch is everyone's: it says so, with nothing to add.
    lunch_html = html.split(f'id="item-{lunch.id}"')[1].split("</li>")[0]
    assert 'value="add"' not in lunch_html and "För alla" in lunch_html

    # The personal page links to it.
    manage = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert f'href="{link}"' in manage


def test_starring_twice_keeps_one_row_and_unstarring_removes_it(client, conference, mailbox, db):
    talk = conference["talk"]
    registration, link = registered(client, conference, mailbox, db)
    assert star(client, link, talk).status_code == 303
    assert star(client, link, talk).status_code == 303
    assert entries(db) == [talk.id]
    assert not personal.star(db.session.get(Registration, registration.id), talk)
    assert entries(db) == [talk.id]

    assert star(client, link, talk, "remove").status_code == 303
    assert entries(db) == []
    assert star(client, link, talk, "remove").status_code == 303  # harmless the second time
    assert entries(db) == []


def test_the_unique_key_stops_a_row_that_slipped_past_the_check(conference, db, monkeypatch):
    """Two submits at once both see "not starred"; the unique key keeps one row."""
    talk = conference["talk"]
    registration = register(conference["event"], conference["ticket"])
    assert personal.star(registration, talk)
    monkeypatch.setattr(personal, "is_starred", lambda registration, item: False)
    assert personal.star(registration, talk) is False
    assert entries(db) == [talk.id]


def test_item_of_another_event_is_not_found(client, conference, mailbox, db):
    from tests.factories import build_conference

    registration, link = registered(client, conference, mailbox, db)
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    assert star(client, link, other["talk"]).status_code == 404
    assert client.post(f"{link}/999999/star", data={"action": "add"}).status_code == 404
    assert entries(db) == []


def test_bad_action_is_a_400(client, conference, mailbox, db):
    _registration, link = registered(client, conference, mailbox, db)
    assert star(client, link, conference["talk"], "toggle").status_code == 400
    assert client.post(f"{link}/{conference['talk'].id}/star", data={}).status_code == 400
    assert entries(db) == []


def test_cancelled_registration_has_no_programme(client, conference, mailbox, db):
    registration, link = registered(client, conference, mailbox, db)
    assert star(client, link, conference["talk"]).status_code == 303
    response = client.post(f"/r/{registration.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    assert client.get(link).status_code == 404
    assert client.get(f"{link}.ics").status_code == 404
    assert star(client, link, conference["lunch"]).status_code == 404
    assert star(client, link, conference["talk"], "remove").status_code == 404
    assert f'href="{link}"' not in client.get(f"/r/{registration.manage_token}").get_data(
        as_text=True)


def test_unknown_token_is_not_found(client, conference):
    talk = conference["talk"]
    assert client.get("/r/finns-inte/programme").status_code == 404
    assert client.get("/r/finns-inte/programme.ics").status_code == 404
    assert client.post(f"/r/finns-inte/programme/{talk.id}/star",
                       data={"action": "add"}).status_code == 404


def test_star_needs_a_csrf_token(app, conference, db):
    registration = register(conference["event"], conference["ticket"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        link = f"/r/{registration.manage_token}/programme"
        refused = star(client, link, conference["talk"])
        assert refused.status_code == 400
        assert entries(db) == []
        html = client.get(link).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        accepted = client.post(f"{link}/{conference['talk'].id}/star",
                               data={"action": "add", "csrf_token": token})
        assert accepted.status_code == 303
        assert entries(db) == [conference["talk"].id]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- the calendar ---------------------------------------------------------------------------------

def test_personal_calendar_has_exactly_the_starred_items_as_in_the_event_calendar(
        client, conference, mailbox, db):
    event, talk, lunch = conference["event"], conference["talk"], conference["lunch"]
    extra = create_item(event, title="Workshop om återhämtning", kind="workshop", description="",
                        placement=ItemPlacement(event.starts_on, time(14, 0), time(15, 30),
                                                conference["side"]))
    db.session.commit()
    publish_programme(event)
    registration, link = registered(client, conference, mailbox, db)
    star(client, link, talk)
    star(client, link, extra)

    response, raw, calendar = calendar_of(client, f"{link}.ics")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Vårkonferensen – mitt program"

    _whole_response, _whole_raw, whole = calendar_of(client, f"/e/{event.slug}/programme.ics")
    mine, everything = by_uid(calendar), by_uid(whole)
    assert set(mine) == {f"item-{talk.id}@{uid_domain()}", f"item-{extra.id}@{uid_domain()}"}
    assert f"item-{lunch.id}@{uid_domain()}" in everything
    for uid, entry in mine.items():
        same = everything[uid]
        for name in ("SUMMARY", "LOCATION", "STATUS", "URL", "DESCRIPTION"):
            assert str(entry.get(name)) == str(same.get(name)), name
        assert entry.decoded("DTSTART") == same.decoded("DTSTART")
        assert entry["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert mine[f"item-{talk.id}@{uid_domain()}"].decoded("DTSTART") == talk.starts_at == datetime(
        2027, 3, 18, 9, 0, tzinfo=UTC)
    assert mine[f"item-{extra.id}@{uid_domain()}"].decoded("DTEND") == datetime(
        2027, 3, 18, 14, 30, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Stockholm:20270318T140000\r\n" in raw
    [zone] = calendar.walk("VTIMEZONE")
    wall_clock = datetime(2027, 3, 18, 10, 0, tzinfo=zone.to_tz(lookup_tzid=False))
    assert wall_clock.astimezone(UTC) == talk.starts_at
    assert "Sara Nilsson" in str(mine[f"item-{talk.id}@{uid_domain()}"]["DESCRIPTION"])


def test_calendar_is_in_the_attendees_language(client, conference, db):
    registration = register(conference["event"], conference["ticket"], language="en")
    personal.star(registration, conference["talk"])
    _response, _raw, calendar = calendar_of(
        client, f"/r/{registration.manage_token}/programme.ics")
    assert str(calendar["X-WR-CALNAME"]) == "Vårkonferensen – my programme"
    [entry] = calendar.walk("VEVENT")
    assert str(entry["DESCRIPTION"]).startswith("Speakers: Sara Nilsson")


def test_empty_personal_calendar_is_valid(client, conference, db):
    registration = register(conference["event"], conference["ticket"])
    _response, raw, calendar = calendar_of(
        client, f"/r/{registration.manage_token}/programme.ics")
    assert calendar.walk("VEVENT") == []
    assert str(calendar["PRODID"]).startswith("-//")
    assert str(calendar["METHOD"]) == "PUBLISH"
    # RFC 5545 wants at least one component: the event's time zone is there.
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Stockholm"
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_item_cancelled_after_starring_stays_as_cancelled(client, conference, db, mailbox):
    talk = conference["talk"]
    registration = register(conference["event"], conference["ticket"])
    personal.star(registration, talk)
    cancel_item(talk)
    db.session.commit()
    publish_programme(conference["event"])
    link = f"/r/{registration.manage_token}/programme"
    _response, _raw, calendar = calendar_of(client, f"{link}.ics")
    [entry] = calendar.walk("VEVENT")
    assert str(entry["UID"]) == f"item-{talk.id}@{uid_domain()}"
    assert str(entry["STATUS"]) == "CANCELLED"
    html = client.get(link).get_data(as_text=True)
    choices = html.split('id="your-choices"')[1].split("</section>")[0]
    assert "Peer support i vården" in choices and "Inställd" in choices
    # It can be removed but not added again.
    assert star(client, link, talk, "remove").status_code == 303
    assert star(client, link, talk).status_code == 409
    assert entries(db) == []


def test_deleting_a_registration_or_item_deletes_its_entries(conference, db):
    registration = register(conference["event"], conference["ticket"])
    workshop = add_workshop(conference["event"])
    publish_programme(conference["event"])
    personal.star(registration, conference["talk"])
    personal.star(registration, workshop)
    db.session.delete(workshop)
    db.session.commit()
    assert entries(db) == [conference["talk"].id]
    db.session.delete(db.session.get(Registration, registration.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PersonalProgrammeEntry)) == 0


# --- queries --------------------------------------------------------------------------------------

def test_my_programme_page_queries_do_not_grow_with_items(client, conference, db):
    event = conference["event"]
    registration = register(event, conference["ticket"])
    link = f"/r/{registration.manage_token}/programme"
    start = datetime.combine(event.starts_on, time(8, 0))

    def add_items(count):
        items = []
        for index in range(count):
            at = (start + timedelta(minutes=15 * (index % 40))).time()
            items.append(create_item(event, title=f"Punkt {index}", kind="talk", description="",
                                     placement=ItemPlacement(event.starts_on, at,
                                                             (start + timedelta(
                                                                 minutes=15 * (index % 40) + 10)
                                                              ).time(), conference["side"])))
        db.session.commit()
        publish_programme(event)  # only published items can be starred
        for item in items:
            personal.star(registration, item)

    def page_queries():
        response = []
        count = count_queries(lambda: response.append(client.get(link)))
        assert response[0].status_code == 200
        return count

    add_items(2)
    small = page_queries()
    add_items(18)
    large = page_queries()
    assert large == small, (small, large)
    assert len(personal.starred_ids(registration)) == 20
    registration = db.session.get(Registration, registration.id)
    assert registration.event is not None  # loaded, as on every page about a registration
    # The published programme, its speakers as they are now, and the attendee's choices.
    assert count_queries(lambda: personal.personal_items(registration)) == 3
