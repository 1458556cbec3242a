"""Workshops with limited seats: attendees sign up on their own page, never more than the seats
there are; organisers see who comes, and a workshop that outgrows its room is a conflict."""

import csv
import io
import re
from datetime import time

import pytest
from sqlalchemy import func, select

from app.events.models import Event, Room
from app.extensions import db as _db
from app.notices import services as notices
from app.programme import signups
from app.programme.models import ProgrammeItem, SessionSignup
from app.programme.services import cancel_item
from app.registration import services as registration_services
from app.registration.models import PersonalProgrammeEntry, Registration
from app.registration.personal import unstar
from tests import factories
from tests.concurrency import run_at_once
from tests.factories import DAY, build_conference, register

SLUG = "varkonferensen-2027"
SEATS = 2


def english(client):
    """The tests read the English wording, which stays put when the Swedish is filled in."""
    assert client.get("/language/en").status_code == 302
    return client


def add_workshop(event, title="Workshop om återhämtning", start=time(14, 0), end=time(15, 30),
                 room=None, seats=SEATS, kind="workshop"):
    return factories.add_workshop(event, title, start, end, room, seats, kind)


def publish(event):
    """Attendees sign up for what the published programme shows."""
    notices.publish(_db.session.get(Event, event.id), None)
    _db.session.commit()


@pytest.fixture
def workshop(conference, db):
    """A workshop in Sal B (40 seats) that takes two sign-ups, in the published programme."""
    item = add_workshop(conference["event"], room=conference["side"])
    publish(conference["event"])
    return item


@pytest.fixture
def alva(conference, mailbox):
    person = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    return person


def page(token):
    return f"/r/{token}"


def sign_up_url(registration, item):
    return f"/r/{registration.manage_token}/signups/{item.id}"


def join(client, registration, item):
    return client.post(sign_up_url(registration, item), data={"action": "join"})


def leave(client, registration, item):
    return client.post(sign_up_url(registration, item), data={"action": "leave"})


def taken(db, item) -> int:
    db.session.rollback()
    return db.session.scalar(select(ProgrammeItem.signups_taken)
                             .where(ProgrammeItem.id == item.id))


def signed_up(db, item) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(
        select(Registration.email).join(SessionSignup)
        .where(SessionSignup.item_id == item.id).order_by(SessionSignup.id)))


def starred(db, registration, item) -> bool:
    db.session.rollback()
    return db.session.scalar(select(PersonalProgrammeEntry.id).where(
        PersonalProgrammeEntry.registration_id == registration.id,
        PersonalProgrammeEntry.item_id == item.id)) is not None


def people(conference, count, first=0):
    return [register(conference["event"], conference["ticket"], name=f"Deltagare {n}",
                     email=f"deltagare{n}@example.org") for n in range(first, first + count)]


# --- the attendee ------------------------------------------------------------------------------

def test_an_attendee_signs_up_and_the_workshop_joins_their_programme(
        client, conference, workshop, alva, db):
    english(client)
    html = client.get(page(alva.manage_token)).get_data(as_text=True)
    section = html[html.index('id="workshops"'):]
    assert "Workshop om återhämtning" in section and "2 seats left." in section
    assert f'action="{sign_up_url(alva, workshop)}"' in section
    assert 'value="join"' in section
    # The talk needs no sign-up and is not offered.
    assert "Peer support i vården" not in section

    edited = workshop.updated_at
    response = join(client, alva, workshop)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{alva.manage_token}#workshops")
    assert taken(db, workshop) == 1
    assert db.session.get(ProgrammeItem, workshop.id).updated_at == edited  # not an edit
    assert signed_up(db, workshop) == ["alva@example.org"]
    assert starred(db, alva, workshop)

    html = client.get(page(alva.manage_token)).get_data(as_text=True)
    assert "You have a seat in “Workshop om återhämtning”." in html
    section = html[html.index('id="workshops"'):]
    assert "You have a seat." in section and 'value="leave"' in section
    # In "my programme" and so in the attendee's own calendar.
    mine = client.get(f"/r/{alva.manage_token}/programme").get_data(as_text=True)
    choices = mine[mine.index('id="your-choices"'):mine.index("In your calendar")]
    assert "Workshop om återhämtning" in choices
    calendar = client.get(f"/r/{alva.manage_token}/programme.ics").get_data(as_text=True)
    assert "Workshop om återhämtning" in calendar


def test_a_full_workshop_answers_409_and_takes_no_seat(client, conference, workshop, alva, db):
    first, second = people(conference, SEATS)
    assert join(client, first, workshop).status_code == 303
    assert join(client, second, workshop).status_code == 303
    english(client)
    html = client.get(page(alva.manage_token)).get_data(as_text=True)
    section = html[html.index('id="workshops"'):]
    assert "Full." in section and 'value="join"' not in section

    response = join(client, alva, workshop)  # a page opened before the last seat went
    assert response.status_code == 409
    assert "Sorry, “Workshop om återhämtning” is full." in response.get_data(as_text=True)
    assert taken(db, workshop) == SEATS
    assert "alva@example.org" not in signed_up(db, workshop)
    assert not starred(db, alva, workshop)


def test_a_double_submit_takes_one_seat(client, conference, workshop, alva, db):
    english(client)
    assert join(client, alva, workshop).status_code == 303
    again = join(client, alva, workshop)
    assert again.status_code == 303
    assert "You already have a seat in" in client.get(page(alva.manage_token)).get_data(
        as_text=True)
    assert taken(db, workshop) == 1
    assert signed_up(db, workshop) == ["alva@example.org"]


def test_leaving_frees_the_seat_for_someone_else(client, conference, workshop, alva, db):
    first, = people(conference, 1)
    assert join(client, first, workshop).status_code == 303
    assert join(client, alva, workshop).status_code == 303
    assert taken(db, workshop) == SEATS

    english(client)
    response = leave(client, alva, workshop)
    assert response.status_code == 303
    assert "You have left “Workshop om återhämtning”" in client.get(
        page(alva.manage_token)).get_data(as_text=True)
    assert taken(db, workshop) == 1
    assert signed_up(db, workshop) == ["deltagare0@example.org"]
    assert not starred(db, alva, workshop)
    # Leaving twice frees nothing more.
    assert leave(client, alva, workshop).status_code == 303
    assert taken(db, workshop) == 1

    newcomer, = people(conference, 1, first=1)
    assert join(client, newcomer, workshop).status_code == 303
    assert taken(db, workshop) == SEATS


def test_cancelling_the_registration_frees_the_workshop_seat(
        client, conference, workshop, alva, db):
    first, = people(conference, 1)
    assert join(client, first, workshop).status_code == 303
    assert join(client, alva, workshop).status_code == 303
    assert taken(db, workshop) == SEATS

    assert registration_services.cancel(db.session.get(Registration, alva.id)) is True
    assert taken(db, workshop) == 1
    assert signed_up(db, workshop) == ["deltagare0@example.org"]
    # A cancelled registration cannot sign up again.
    assert join(client, alva, workshop).status_code == 409
    assert taken(db, workshop) == 1

    newcomer, = people(conference, 1, first=1)
    assert join(client, newcomer, workshop).status_code == 303
    assert taken(db, workshop) == SEATS


def test_a_workshop_at_the_same_time_as_another_is_refused(
        client, conference, workshop, alva, db):
    other = add_workshop(conference["event"], title="Skrivverkstad", start=time(15, 0),
                         end=time(16, 0), room=conference["hall"])
    publish(conference["event"])
    assert join(client, alva, workshop).status_code == 303

    english(client)
    response = join(client, alva, other)
    assert response.status_code == 409
    assert ("You have signed up for “Workshop om återhämtning” at 14:00–15:30, at the same "
            "time.") in response.get_data(as_text=True)
    assert taken(db, other) == 0
    assert signed_up(db, other) == []

    # Once she leaves the first, the second is hers.
    assert leave(client, alva, workshop).status_code == 303
    assert join(client, alva, other).status_code == 303
    assert signed_up(db, other) == ["alva@example.org"]


def test_what_cannot_be_signed_up_for(client, conference, workshop, alva, db):
    english(client)
    talk = conference["talk"]
    assert client.post(f"/r/{alva.manage_token}/signups/999999",
                       data={"action": "join"}).status_code == 404
    assert client.post(f"/r/no-such-token/signups/{workshop.id}",
                       data={"action": "join"}).status_code == 404
    assert client.post(sign_up_url(alva, workshop), data={"action": "grab"}).status_code == 400
    assert client.post(sign_up_url(alva, workshop), data={}).status_code == 400

    refused = join(client, alva, talk)
    assert refused.status_code == 400
    assert "“Peer support i vården” needs no sign-up." in refused.get_data(as_text=True)

    # Another event's workshop is not found from this registration.
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    elsewhere = add_workshop(other["event"], room=other["side"])
    publish(other["event"])
    assert join(client, alva, elsewhere).status_code == 404

    # Only in the organiser's draft: not yet.
    draft = add_workshop(conference["event"], title="Utkastverkstad", start=time(16, 0),
                         end=time(17, 0))
    refused = join(client, alva, draft)
    assert refused.status_code == 409
    assert "“Utkastverkstad” is not in the published programme." in refused.get_data(
        as_text=True)
    section = client.get(page(alva.manage_token)).get_data(as_text=True)
    assert "Utkastverkstad" not in section

    # Cancelled.
    cancelled = add_workshop(conference["event"], title="Inställd verkstad", start=time(8, 0),
                             end=time(9, 0))
    publish(conference["event"])
    assert cancel_item(db.session.get(ProgrammeItem, cancelled.id))
    db.session.commit()
    refused = join(client, alva, cancelled)
    assert refused.status_code == 409
    assert "“Inställd verkstad” is cancelled." in refused.get_data(as_text=True)

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SessionSignup)) == 0
    assert db.session.scalar(
        select(func.sum(ProgrammeItem.signups_taken))) == 0


def test_a_registration_awaiting_payment_cannot_sign_up(client, conference, workshop, db):
    alva = register(conference["event"], conference["ticket"])
    db.session.execute(
        Registration.__table__.update().where(Registration.id == alva.id)
        .values(status="pending"))
    db.session.commit()
    english(client)
    refused = join(client, alva, workshop)
    assert refused.status_code == 409
    assert "Only a confirmed registration can sign up for sessions." in refused.get_data(
        as_text=True)
    assert taken(db, workshop) == 0


def test_the_public_programme_says_sign_up_and_seats_left(client, conference, workshop, alva):
    english(client)
    html = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "Sign-up required, 2 seats left." in html
    assert join(client, alva, workshop).status_code == 303
    html = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "Sign-up required, 1 seat left." in html


# --- the organiser -----------------------------------------------------------------------------

def item_form(conference, item, **changes):
    data = {"title": item.title, "kind": item.kind, "description": "", "day": DAY.isoformat(),
            "start": "14:00", "end": "15:30",
            "room": item.room_id or 0, "speakers": [], "audience": item.audience,
            "signup_required": "y" if item.signup_required else "",
            "signup_capacity": "" if item.signup_capacity is None else str(item.signup_capacity)}
    data.update(changes)
    if not data["signup_required"]:
        del data["signup_required"]  # an unticked box is not sent
    return data


def edit(organiser, conference, item, **changes):
    return organiser.post(f"/manage/e/{SLUG}/items/{item.id}",
                          data=item_form(conference, item, **changes))


def test_the_organiser_makes_an_item_that_takes_sign_ups(organiser, conference, db):
    form = organiser.get(f"/manage/e/{SLUG}/items/new").get_data(as_text=True)
    assert 'name="audience"' in form and 'name="signup_required"' in form
    assert 'name="signup_capacity"' in form
    data = {"title": "Verkstad", "kind": "workshop", "description": "", "day": DAY.isoformat(),
            "start": "16:00", "end": "17:00", "room": conference["side"].id,
            "audience": "Chefer", "signup_required": "y", "signup_capacity": "12"}
    assert organiser.post(f"/manage/e/{SLUG}/items/new",
                          data={**data, "signup_capacity": "0"}).status_code == 400
    assert organiser.post(f"/manage/e/{SLUG}/items/new",
                          data={**data, "signup_capacity": "tolv"}).status_code == 400
    assert organiser.post(f"/manage/e/{SLUG}/items/new", data=data).status_code == 302
    item = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title == "Verkstad"))
    assert (item.audience, item.signup_required, item.signup_capacity, item.signups_taken) == (
        "Chefer", True, 12, 0)
    # Empty capacity: the room's.
    assert edit(organiser, conference, item, start="16:00", end="17:00",
                signup_capacity="").status_code == 302
    db.session.refresh(item)
    assert item.signup_capacity is None and signups.limit_of(item) == 40


def test_the_organiser_sees_who_signed_up_and_downloads_the_list(
        organiser, client, conference, workshop, alva, make_user, db):
    mallory, = people(conference, 1)
    mallory.name = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    assert join(client, alva, workshop).status_code == 303
    assert join(client, mallory, workshop).status_code == 303

    english(organiser)
    url = f"/manage/e/{SLUG}/items/{workshop.id}/signups"
    html = organiser.get(url).get_data(as_text=True)
    assert "Alva Persson" in html and "alva@example.org" in html
    assert "deltagare0@example.org" in html
    assert "2 of 2 seats taken" in html

    # The page's CSV button: an export, logged (tests/exports has the PDF and every column).
    assert f'name="item" value="{workshop.id}"' in html
    response = organiser.post(f"/manage/e/{SLUG}/exports/signups",
                              data={"item": str(workshop.id), "signup_format": "csv"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][3:6] == ["Name", "Email", "Organisation"]
    # By surname: a name of one word is all surname, and "=" sorts before letters.
    assert [row[3:5] for row in rows[1:]] == [
        ["'=HYPERLINK(\"http://evil.example\")", "deltagare0@example.org"],
        ["Alva Persson", "alva@example.org"]]

    # The event page and the grid show the count against the limit.
    manage = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert "2/2 signed up" in manage and f'href="{url}"' in manage
    assert "2/2 signed up" in organiser.get(f"/manage/e/{SLUG}/grid").get_data(as_text=True)

    # Names and emails are for organisers only.
    assert client.get(url).status_code == 302  # to the login page
    export = (f"/manage/e/{SLUG}/exports/signups",
              {"item": str(workshop.id), "signup_format": "csv"})
    assert client.post(export[0], data=export[1]).status_code == 302
    make_user("dorr@example.org", role="door")
    from tests.conftest import login

    door = login(client, "dorr@example.org")
    assert door.get(url).status_code == 403
    assert door.post(export[0], data=export[1]).status_code == 403
    assert organiser.get(f"/manage/e/{SLUG}/items/999999/signups").status_code == 404


# --- a workshop that outgrows its room is a conflict -------------------------------------------

@pytest.fixture
def busy_workshop(conference, client, db):
    """The workshop in Sal B with no limit of its own (so the room's 40), three signed up, and
    a small room to move it to."""
    item = add_workshop(conference["event"], room=conference["side"], seats=None)
    publish(conference["event"])
    for person in people(conference, 3):
        assert join(client, person, item).status_code == 303
    small = Room(event_id=conference["event"].id, name="Lilla rummet", capacity=2, position=2)
    db.session.add(small)
    db.session.commit()
    return item, small


def test_moving_a_workshop_to_a_room_too_small_is_refused_and_explained(
        organiser, conference, busy_workshop, db):
    item, small = busy_workshop
    english(organiser)
    response = edit(organiser, conference, item, room=small.id)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Lilla rummet holds 2, but 3 have signed up for “Workshop om återhämtning”" in html
    assert 'name="confirm_overlap"' in html
    db.session.rollback()
    assert db.session.get(ProgrammeItem, item.id).room_id == conference["side"].id

    # The grid refuses the same move, and says why.
    moved = organiser.post(f"/manage/e/{SLUG}/items/{item.id}/move", json={
        "day": DAY.isoformat(), "start": "14:00", "end": "15:30", "room_id": small.id})
    assert moved.status_code == 409
    assert moved.get_json()["conflicts"] == [
        "Lilla rummet holds 2, but 3 have signed up for “Workshop om återhämtning”"]
    db.session.rollback()
    assert db.session.get(ProgrammeItem, item.id).room_id == conference["side"].id

    # Deliberately (chairs are carried in): stored, and the event page marks it.
    assert edit(organiser, conference, item, room=small.id,
                confirm_overlap="y").status_code == 302
    db.session.rollback()
    assert db.session.get(ProgrammeItem, item.id).room_id == small.id
    manage = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", manage, flags=re.S)
            if "Workshop om återhämtning" in row]
    assert len(rows) == 1 and ">Clash</span>" in rows[0]
    assert "Lilla rummet holds 2, but 3 have signed up" in rows[0]
    # An unrelated edit later does not ask again.
    assert edit(organiser, conference, item, room=small.id, title="Återhämtning").status_code \
        == 302


def test_lowering_the_seats_below_the_sign_ups_is_refused(
        organiser, conference, busy_workshop, db):
    item, _small = busy_workshop
    english(organiser)
    response = edit(organiser, conference, item, signup_capacity="2")
    assert response.status_code == 409
    assert ("3 have signed up for “Workshop om återhämtning”, more than its 2 seats"
            in response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(ProgrammeItem, item.id).signup_capacity is None
    assert edit(organiser, conference, item, signup_capacity="3").status_code == 302
    # More seats than the room holds needs confirming too.
    response = edit(organiser, conference, item, signup_capacity="60")
    assert response.status_code == 409
    assert "“Workshop om återhämtning” lets 60 sign up, but Sal B holds 40" in \
        response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(ProgrammeItem, item.id).signup_capacity == 3


# --- notices ----------------------------------------------------------------------------------

def test_a_moved_workshop_is_told_to_those_who_signed_up_once_each(
        organiser, client, conference, workshop, alva, mailbox, db):
    bo, cleo = people(conference, 2)
    mailbox.wait_for(2)
    assert join(client, alva, workshop).status_code == 303
    assert join(client, bo, workshop).status_code == 303
    # Alva signed up but took it out of her own programme; Bo signed up and keeps the star;
    # Cleo neither.
    unstar(db.session.get(Registration, alva.id), db.session.get(ProgrammeItem, workshop.id))
    db.session.commit()
    assert not starred(db, alva, workshop) and starred(db, bo, workshop)
    mailbox.clear()

    assert edit(organiser, conference, workshop, start="15:00", end="16:30").status_code == 302
    assert organiser.post(f"/manage/e/{SLUG}/publish", data={}).status_code == 302
    messages = mailbox.wait_for(2)
    import time as clock

    clock.sleep(0.5)  # anything more would have arrived by now
    addresses = sorted(m["To"] for m in mailbox.messages)
    assert addresses == ["alva@example.org", "deltagare0@example.org"]
    assert all("Workshop om återhämtning" in m["Subject"] for m in messages)
    assert cleo.email not in addresses


# --- the speaker ------------------------------------------------------------------------------

def test_the_speaker_sees_the_audience_of_their_slot(organiser, client, conference, mailbox, db):
    talk, sara = conference["talk"], conference["speaker"]
    data = {"title": talk.title, "kind": "talk", "description": "", "day": DAY.isoformat(),
            "start": "10:00", "end": "10:45", "room": conference["hall"].id,
            "speakers": [sara.id], "audience": "Chefer och HR"}
    assert organiser.post(f"/manage/e/{SLUG}/items/{talk.id}", data=data).status_code == 302
    english(client)
    html = client.get(f"/s/{sara.token}").get_data(as_text=True)
    # The room has no English name: its Swedish one is marked as Swedish.
    assert re.search(r'10:00–10:45 · <span lang="sv">Stora salen</span>\s*· 45 minutes\s*'
                     r"· For: Chefer och HR", html)

    # A new speaker's invitation names it too.
    data = {"title": "Panel om stöd", "kind": "panel", "description": "",
            "day": DAY.isoformat(), "start": "11:00", "end": "11:45",
            "room": conference["hall"].id, "audience": "Anhöriga",
            "new_speaker_name": "Eva Lund", "new_speaker_email": "eva@talare.example",
            "invite": "y"}
    assert organiser.post(f"/manage/e/{SLUG}/items/new", data=data).status_code == 302
    [invitation] = mailbox.wait_for(1)
    assert invitation["To"] == "eva@talare.example"
    assert "Anhöriga" in mailbox.body(invitation)


# --- many at once -----------------------------------------------------------------------------

def test_ten_people_at_once_get_exactly_the_last_seats(app, conference, workshop, mailbox, db):
    ids = [person.id for person in people(conference, 10)]
    item_id = workshop.id

    def work(i):
        registration = _db.session.get(Registration, ids[i])
        item = _db.session.get(ProgrammeItem, item_id)
        return signups.sign_up(registration, item)

    outcomes = run_at_once(app, 10, work)
    joined = [i for i, result in outcomes if result is True]
    refused = [result for _i, result in outcomes if result is not True]
    assert len(joined) == SEATS
    assert len(refused) == 10 - SEATS
    assert all(type(error) is signups.SessionFull for error in refused), refused
    assert taken(db, workshop) == SEATS
    assert len(signed_up(db, workshop)) == SEATS


def test_one_person_pressing_sign_up_many_times_at_once_gets_one_seat(
        app, conference, workshop, alva, db):
    alva_id, workshop_id = alva.id, workshop.id

    def work(_i):
        return signups.sign_up(_db.session.get(Registration, alva_id),
                               _db.session.get(ProgrammeItem, workshop_id))

    outcomes = run_at_once(app, 6, work)
    assert sorted(result for _i, result in outcomes) == [False] * 5 + [True]
    assert taken(db, workshop) == 1
    assert signed_up(db, workshop) == ["alva@example.org"]
