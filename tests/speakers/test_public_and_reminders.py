"""Public speaker pages, and reminders to speakers who have not answered their invitation."""

from datetime import UTC, datetime, time, timedelta

from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db as _db
from app.programme.services import ItemPlacement, create_item
from app.speakers.models import SpeakerSlot
from app.speakers.services import add_speaker, assign, remind_unanswered
from tests.factories import DAY, build_conference, publish_programme
from tests.queries import recorded_queries
from tests.redis_db import REDIS_URL

SLUG = "varkonferensen-2027"
SPEAKERS = f"/e/{SLUG}/speakers"
MANAGE = f"/manage/e/{SLUG}/speakers"


def speaker_with_slot(conference, db, name, item=None, state="invited", **fields):
    speaker = add_speaker(conference["event"], name=name, **fields)
    db.session.flush()
    [slot] = assign(item or conference["talk"], [speaker], invite=False)
    slot.state = state
    db.session.commit()
    return speaker, slot


def workshop(conference, title="Workshop om återhämtning", start=time(14, 0), end=time(15, 0)):
    return create_item(conference["event"], title=title, kind="workshop", description="",
                       placement=ItemPlacement(DAY, start, end, conference["side"]))


# --- public speaker pages ---------------------------------------------------------------------

def test_speaker_list_shows_those_who_take_part(client, conference, db):
    sara = conference["speaker"]
    johan, _ = speaker_with_slot(conference, db, "Johan Ekström", conference["lunch"],
                                 "accepted", role_title="Forskare", organisation="KI")
    speaker_with_slot(conference, db, "Per Nekad", state="declined")
    cancelled = workshop(conference, "Inställd workshop")
    cancelled.cancelled = True
    db.session.commit()
    speaker_with_slot(conference, db, "Eva Inställd", cancelled, "accepted")
    add_speaker(conference["event"], name="Utan Pass")
    db.session.commit()
    assert "Johan Ekström" not in client.get(SPEAKERS).get_data(as_text=True), "a draft"
    publish_programme(conference["event"])

    response = client.get(SPEAKERS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sara Nilsson" in html and "Peer supporter" in html and "Region Örebro län" in html
    assert "Johan Ekström" in html and "Forskare" in html and "KI" in html
    assert f'href="/e/{SLUG}/speakers/{sara.id}"' in html
    assert f'href="/e/{SLUG}/speakers/{johan.id}"' in html
    for absent in ("Per Nekad", "Eva Inställd", "Utan Pass"):
        assert absent not in html
    assert html.index("Johan Ekström") < html.index("Sara Nilsson")  # by name


def test_speaker_list_shows_photos_with_the_name_as_alt_text(client, conference, db):
    sara = conference["speaker"]
    sara.photo = b"\xff\xd8 not checked here"
    sara.photo_updated_at = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.session.commit()
    html = client.get(SPEAKERS).get_data(as_text=True)
    version = int(sara.photo_updated_at.timestamp())
    assert (f'<img class="speaker-photo" src="/speakers/{sara.id}/photo.jpg?v={version}" '
            f'alt="Sara Nilsson"') in html


def test_speaker_page_shows_bio_and_items_in_local_time(client, conference, db):
    sara = conference["speaker"]
    sara.bio = "Arbetar med peer support sedan 2019."
    extra = workshop(conference)
    db.session.flush()
    [accepted] = assign(extra, [sara], invite=False)
    accepted.state = "accepted"
    declined = workshop(conference, "Avböjt pass", time(16, 0), time(17, 0))
    db.session.flush()
    [slot] = assign(declined, [sara], invite=False)
    slot.state = "declined"
    db.session.commit()
    publish_programme(conference["event"])

    response = client.get(f"{SPEAKERS}/{sara.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Sara Nilsson</h1>" in html
    assert "Peer supporter, Region Örebro län" in html
    assert "Arbetar med peer support sedan 2019." in html
    assert "Peer support i vården" in html and "Workshop om återhämtning" in html
    assert "18 mars 2027 10:00" in html and "10:45" in html and "Stora salen" in html
    assert "18 mars 2027 14:00" in html and "Sal B" in html
    assert html.index("Peer support i vården") < html.index("Workshop om återhämtning")
    assert "Avböjt pass" not in html


def test_speaker_pages_that_do_not_exist_are_not_found(client, conference, db):
    sara = conference["speaker"]
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    stranger = other["speaker"]
    assert client.get(f"{SPEAKERS}/999999").status_code == 404
    assert client.get(f"{SPEAKERS}/{stranger.id}").status_code == 404
    assert client.get(f"/e/hostkonferensen-2027/speakers/{stranger.id}").status_code == 200
    assert client.get("/e/finns-inte/speakers").status_code == 404

    per, _ = speaker_with_slot(conference, db, "Per Nekad", state="declined")
    assert client.get(f"{SPEAKERS}/{per.id}").status_code == 404

    db.session.get(Event, conference["event"].id).published = False
    db.session.commit()
    assert client.get(SPEAKERS).status_code == 404
    assert client.get(f"{SPEAKERS}/{sara.id}").status_code == 404


def test_programme_links_speakers_to_their_pages(client, conference):
    sara = conference["speaker"]
    html = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert f'<a href="/e/{SLUG}/speakers/{sara.id}">Sara Nilsson, Peer supporter' in html


def add_speakers(conference, db, first, last):
    for i in range(first, last):
        speaker = add_speaker(conference["event"], name=f"Talare {i:02}", role_title="Forskare",
                              organisation=f"Universitet {i}")
        if i % 2:
            speaker.photo = b"\xff\xd8"
            speaker.photo_updated_at = utcnow()
        db.session.flush()
        [slot] = assign(conference["talk"], [speaker], invite=False)
        slot.state = "accepted"
    db.session.commit()
    publish_programme(conference["event"])


def test_speaker_list_costs_the_same_queries_for_2_and_10_speakers(app, client, conference, db):
    add_speakers(conference, db, 0, 1)  # Sara and one more: 2
    with recorded_queries() as few:
        html = client.get(SPEAKERS).get_data(as_text=True)
    assert html.count('class="speaker-card"') == 2
    add_speakers(conference, db, 1, 9)  # 10
    with recorded_queries() as many:
        html = client.get(SPEAKERS).get_data(as_text=True)
    assert html.count('class="speaker-card"') == 10
    assert len(many) == len(few)


# --- reminders --------------------------------------------------------------------------------

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def remind(event, now, **options):
    """The daily sweep: one unit of work."""
    sent = remind_unanswered(event, now, **options)
    _db.session.commit()
    return sent


def invited(slot, days_ago, now=NOW):
    slot.invited_at = now - timedelta(days=days_ago)


def reminder_setup(conference, db, now=NOW):
    """Sara: two unanswered invitations, 6 and 8 days old. Johan: invited 2 days ago.
    Eva accepted and Per declined long ago. Anne (English) waits 7 days."""
    sara = conference["speaker"]
    [talk_slot] = sara.slots
    talk_slot.state, talk_slot.answered_at = "invited", None
    invited(talk_slot, 6, now)
    extra = workshop(conference)
    db.session.flush()
    [workshop_slot] = assign(extra, [sara], invite=False)
    invited(workshop_slot, 8, now)
    johan, johan_slot = speaker_with_slot(conference, db, "Johan Ekström", conference["lunch"],
                                          email="johan@talare.example")
    invited(johan_slot, 2, now)
    eva, eva_slot = speaker_with_slot(conference, db, "Eva Ja", extra, "accepted",
                                      email="eva@talare.example")
    invited(eva_slot, 10, now)
    per, per_slot = speaker_with_slot(conference, db, "Per Nej", extra, "declined",
                                      email="per@talare.example")
    invited(per_slot, 10, now)
    anne, anne_slot = speaker_with_slot(conference, db, "Anne Smith", conference["lunch"],
                                        email="anne@speaker.example", language="en")
    invited(anne_slot, 7, now)
    db.session.commit()
    return {"sara": sara, "johan": johan, "eva": eva, "per": per, "anne": anne,
            "slots": [talk_slot, workshop_slot, johan_slot, eva_slot, per_slot, anne_slot]}


def test_reminders_go_once_per_speaker_listing_every_unanswered_slot(conference, db, mailbox):
    people = reminder_setup(conference, db)
    assert remind(None, NOW) == 2
    messages = mailbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["anne@speaker.example", "sara@talare.example"]

    [to_sara] = mailbox.to("sara@talare.example")
    assert to_sara["Subject"] == "Påminnelse: svara gärna på inbjudan till Vårkonferensen"
    body = mailbox.body(to_sara)
    assert "Hej Sara Nilsson," in body
    assert "Peer support i vården" in body and "Workshop om återhämtning" in body
    assert "18 mars 2027 10:00–10:45, Stora salen" in body
    assert "18 mars 2027 14:00–15:00, Sal B" in body
    assert mailbox.link(to_sara, "/s/") == f"/s/{people['sara'].token}"

    [to_anne] = mailbox.to("anne@speaker.example")
    assert to_anne["Subject"] == "Reminder: please answer the invitation to Vårkonferensen"
    body = mailbox.body(to_anne)
    assert "Hello Anne Smith," in body and "Lunch" in body and "March 18, 2027" in body
    assert mailbox.link(to_anne, "/s/") == f"/s/{people['anne'].token}"

    db.session.expire_all()
    talk, work, johan, eva, per, anne = (db.session.get(SpeakerSlot, s.id)
                                         for s in people["slots"])
    assert talk.reminded_at == NOW and work.reminded_at == NOW and anne.reminded_at == NOW
    assert johan.reminded_at is None and eva.reminded_at is None and per.reminded_at is None

    # Not twice, even later: Johan's invitation is now old enough, and only he is reminded.
    later = NOW + timedelta(days=4)
    mailbox.clear()
    assert remind(None, later) == 1
    [only] = mailbox.wait_for(1)
    assert only["To"] == "johan@talare.example"
    assert remind(None, later) == 0
    assert len(mailbox.messages) == 1


def test_reminder_days_come_from_the_setting_or_the_caller(app, conference, db, mailbox):
    reminder_setup(conference, db)
    assert app.config["SPEAKER_REMINDER_DAYS"] == 5
    assert remind(None, NOW, after_days=30) == 0
    assert remind(conference["event"], NOW, after_days=1) == 3  # Johan too


def test_reminders_for_one_event_leave_other_events_alone(conference, db, mailbox):
    reminder_setup(conference, db)
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    [stranger_slot] = other["speaker"].slots
    stranger_slot.state = "invited"
    invited(stranger_slot, 20)
    db.session.commit()
    assert remind(other["event"], NOW) == 1
    [message] = mailbox.wait_for(1)
    assert "Höstkonferensen" in message["Subject"]
    db.session.refresh(stranger_slot)
    assert stranger_slot.reminded_at == NOW


def test_no_reminder_for_cancelled_or_past_items_or_speakers_without_email(
        conference, db, mailbox):
    lunch = conference["lunch"]
    ghost, ghost_slot = speaker_with_slot(conference, db, "Utan E-post", lunch)
    invited(ghost_slot, 9)
    sara_slot = conference["speaker"].slots[0]
    invited(sara_slot, 9)
    conference["talk"].cancelled = True
    db.session.commit()
    assert remind(None, NOW) == 0
    conference["talk"].cancelled = False
    db.session.commit()
    after_the_event = datetime(2027, 4, 1, tzinfo=UTC)
    assert remind(None, after_the_event) == 0
    assert mailbox.messages == []


def test_organiser_sends_reminders_and_sees_the_state(organiser, conference, db, mailbox):
    now = utcnow()
    people = reminder_setup(conference, db, now)
    page = organiser.get(MANAGE).get_data(as_text=True)
    assert "Skicka påminnelser nu" in page
    assert page.count("inget svar efter 5 dagar") == 3  # Sara twice, Anne
    assert "påmind" not in page

    response = organiser.post(f"{MANAGE}/remind")
    assert response.status_code == 302 and response.headers["Location"].endswith(MANAGE)
    mailbox.wait_for(2)
    page = organiser.get(MANAGE).get_data(as_text=True)
    assert "Skickade påminnelser: 2." in page
    assert page.count("påmind ") == 3
    db.session.expire_all()
    assert db.session.get(SpeakerSlot, people["slots"][0].id).reminded_at is not None

    organiser.post(f"{MANAGE}/remind")
    page = organiser.get(MANAGE).get_data(as_text=True)
    assert "Inga påminnelser behövdes" in page
    assert len(mailbox.messages) == 2


def test_reminder_button_needs_an_organiser(client, conference, db, mailbox):
    reminder_setup(conference, db, utcnow())
    response = client.post(f"{MANAGE}/remind")
    assert response.status_code in (302, 403)
    assert "/login" in response.headers.get("Location", "/login")
    db.session.expire_all()
    assert all(db.session.get(SpeakerSlot, slot.id).reminded_at is None
               for slot in conference["speaker"].slots)
    assert mailbox.messages == []


def test_cli_sends_reminders(app, conference, db, mailbox):
    reminder_setup(conference, db, utcnow())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["speakers", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminded: 2" in result.output
    mailbox.wait_for(2)
    result = runner.invoke(args=["speakers", "remind", "--event", SLUG])
    assert "reminded: 0" in result.output
    unknown = runner.invoke(args=["speakers", "remind", "--event", "finns-inte"])
    assert unknown.exit_code != 0 and "unknown event" in unknown.output


def test_reminder_task_is_scheduled_daily_and_sends_reminders(conference, db, mailbox):
    """The beat schedule has the daily reminder task (a bare app; no broker is contacted)."""
    from celery import _state as celery_state
    from flask import Flask

    from app.tasks import celery_init_app

    previous_default, previous_current = celery_state.default_app, celery_state._tls.current_app
    bare = Flask("beat-check")
    bare.config["REDIS_URL"] = REDIS_URL
    celery_app = celery_init_app(bare)
    try:
        [entry] = [e for e in celery_app.conf.beat_schedule.values()
                   if e["task"] == "samla.remind_speakers"]
        assert "samla.remind_speakers" in celery_app.tasks
        assert entry["schedule"].remaining_estimate(datetime.now(UTC)) <= timedelta(days=1)
        reminder_setup(conference, db, utcnow())
        assert celery_app.tasks["samla.remind_speakers"].run() == 2
        assert len(mailbox.wait_for(2)) == 2
    finally:
        celery_app.close()
        celery_state.set_default_app(previous_default)
        celery_state._set_current_app(previous_current)
