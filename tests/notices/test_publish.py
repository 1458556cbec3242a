"""Programme changes are collected as a draft; publishing makes a version and tells each person
affected once, with every change that concerns them, in their language."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.db_types import utcnow
from app.events.models import Event
from app.mail import outbox
from app.mail.models import OutgoingEmail
from app.notices import services as notices
from app.notices.models import Notice, ProgrammeVersion
from app.programme import services as programme
from app.programme.models import ProgrammeItem
from app.registration import services as registration_services
from app.registration.personal import star
from app.speakers.services import add_speaker, assign
from tests.factories import DAY, build_conference, publish_programme, register

SLUG = "varkonferensen-2027"
ALVA, JOHN, SARA, BO = ("alva@example.org", "john@example.org", "sara@talare.example",
                        "bo@example.org")


@pytest.fixture
def conference(db):
    """The conference with a workshop too, published as version 1 (which tells nobody)."""
    conference = build_conference(publish=False)
    conference["workshop"] = programme.create_item(
        conference["event"], title="Skrivverkstad", kind="workshop", description="",
        placement=programme.ItemPlacement(DAY, time(14, 0), time(15, 0), conference["side"]))
    db.session.commit()
    assert publish_programme(conference["event"]).number == 1
    return conference


@pytest.fixture
def people(conference, mailbox, db):
    """Alva (Swedish) starred the talk and the workshop; John (English) starred nothing."""
    event = conference["event"]
    workshop = conference["workshop"]
    alva = register(event, conference["ticket"])
    john = register(event, conference["ticket"], name="John Smith", email=JOHN, language="en")
    mailbox.wait_for(2)
    mailbox.clear()
    star(alva, conference["talk"])
    star(alva, workshop)
    return {"alva": alva, "john": john, "workshop": workshop}


def item(db, item_id):
    return db.session.get(ProgrammeItem, item_id)


def move(db, item_id, start, end, room=None):
    thing = item(db, item_id)
    placement = programme.ItemPlacement(DAY, start, end, room if room is not None else thing.room)
    moved = programme.update_item(thing, title=thing.title, kind=thing.kind,
                                  description=thing.description, placement=placement)
    db.session.commit()
    return moved


def cancel(db, item_id):
    programme.cancel_item(item(db, item_id))
    db.session.commit()


def publish(db, conference, message=""):
    """The organiser's Publish button: one request, one commit."""
    version = notices.publish(db.session.get(Event, conference["event"].id), None, message)
    db.session.commit()
    return version


def by_recipient(messages):
    addresses = [m["To"] for m in messages]
    assert len(addresses) == len(set(addresses)), f"someone got two: {addresses}"
    return {m["To"]: m for m in messages}


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def notice_emails(db):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutgoingEmail)
                             .where(OutgoingEmail.version_id.is_not(None)))


def test_two_moves_and_a_cancel_make_one_message_per_person(conference, people, mailbox, db):
    talk = conference["talk"].id
    move(db, talk, time(11, 0), time(11, 45))
    move(db, talk, time(14, 0), time(14, 45), conference["side"])
    cancel(db, people["workshop"].id)
    assert mailbox.messages == []
    assert count(db, Notice) == 2, "two moves of one item are one change"

    version = publish(db, conference, "Vi har flyttat om lite.")
    assert version.number == 2, "version 1 is the programme as first published"
    mail = by_recipient(mailbox.wait_for(2))
    assert set(mail) == {ALVA, SARA}, "John starred neither item"

    alva = mailbox.body(mail[ALVA])
    assert mail[ALVA]["Subject"] == "2 programändringar på Vårkonferensen"
    assert "Vi har flyttat om lite." in alva
    assert "Före: 18 mars 2027 10:00–10:45, Stora salen" in alva
    assert "Nu:    18 mars 2027 14:00–14:45, Sal B" in alva
    assert "Skrivverkstad" in alva and "Tidigare: 18 mars 2027 14:00–15:00, Sal B" in alva

    sara = mailbox.body(mail[SARA])
    assert mail[SARA]["Subject"] == "Din programpunkt har flyttats: Peer support i vården"
    assert "Skrivverkstad" not in sara
    assert len(mailbox.messages) == 2


def test_a_plenary_change_reaches_everyone_a_talk_only_those_who_starred_it(
        conference, people, mailbox, db):
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    move(db, conference["talk"].id, time(10, 15), time(11, 0))
    publish(db, conference)
    mail = by_recipient(mailbox.wait_for(3))
    assert set(mail) == {ALVA, JOHN, SARA}
    assert "Lunch" in mailbox.body(mail[ALVA]) and "Peer support" in mailbox.body(mail[ALVA])
    john = mailbox.body(mail[JOHN])
    assert mail[JOHN]["Subject"] == "New time: Lunch"
    assert "Peer support" not in john
    assert "Before: March 18, 2027 12:00–13:00, Stora salen" in john
    assert "Hello John Smith," in john
    assert "Lunch" not in mailbox.body(mail[SARA])


def test_a_cancelled_registration_hears_nothing(conference, people, mailbox, db):
    bo = register(conference["event"], conference["ticket"], name="Bo Ek", email=BO)
    mailbox.wait_for(1)
    registration_services.cancel(bo)
    mailbox.clear()
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    publish(db, conference)
    mail = by_recipient(mailbox.wait_for(2))
    assert BO not in mail and set(mail) == {ALVA, JOHN}


def test_publishing_twice_sends_once_and_makes_one_version(conference, people, mailbox, db):
    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    assert publish(db, conference) is not None
    assert publish(db, conference) is None
    assert count(db, ProgrammeVersion) == 2  # the first version and this one
    assert len(by_recipient(mailbox.wait_for(2))) == 2
    assert notice_emails(db) == 2


def test_a_double_submitted_publish_form_sends_once(organiser, conference, people, mailbox, db):
    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    first = organiser.post(f"/manage/e/{SLUG}/publish", data={"message": ""})
    second = organiser.post(f"/manage/e/{SLUG}/publish", data={"message": ""})
    assert first.status_code == second.status_code == 302
    assert count(db, ProgrammeVersion) == 2  # the first version and this one
    assert notice_emails(db) == 2
    page = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert "Version 2 är publicerad. 2 meddelanden väntar på att skickas." in page


def test_moving_back_leaves_nothing_to_publish(conference, people, mailbox, db):
    move(db, conference["talk"].id, time(11, 0), time(11, 45))
    move(db, conference["talk"].id, time(10, 0), time(10, 45))
    assert count(db, Notice) == 0
    assert publish(db, conference) is None
    assert count(db, ProgrammeVersion) == 1, "only the first version"
    assert mailbox.messages == []


def test_before_the_first_version_nothing_is_news_and_publishing_it_tells_nobody(mailbox, db):
    """Nobody outside has seen a programme that was never published: drafting it records no
    changes, and the first publish makes it public without a single email."""
    conference = build_conference(publish=False)
    register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    event = db.session.get(Event, conference["event"].id)
    first = programme.create_item(
        event, title="Före publicering", kind="plenary", description="",
        placement=programme.ItemPlacement(DAY, time(9, 0), time(9, 30), conference["hall"]))
    db.session.flush()
    assert notices.record_new(first) is None, "before any version, the programme is just new"
    db.session.commit()
    assert move(db, conference["talk"].id, time(11, 0), time(11, 45))
    cancel(db, conference["lunch"].id)
    assert count(db, Notice) == 0

    version = publish(db, conference)
    assert version.number == 1 and version.notices == []
    assert notice_emails(db) == 0 and mailbox.messages == []
    assert publish(db, conference) is None, "publishing twice makes one version"
    assert count(db, ProgrammeVersion) == 1


def test_new_items_and_new_speakers_are_news_after_the_first_version(
        conference, people, mailbox, db):
    event = db.session.get(Event, conference["event"].id)
    plenary = programme.create_item(
        event, title="Avslutning", kind="plenary", description="",
        placement=programme.ItemPlacement(DAY, time(16, 0), time(16, 30), conference["hall"]))
    db.session.flush()
    assert notices.record_new(plenary).kind == "new"
    talk = item(db, conference["talk"].id)
    before = notices.speaker_names(talk)
    eva = add_speaker(event, name="Eva Lund", email="eva@talare.example")
    db.session.flush()
    [eva_slot] = assign(talk, [conference["speaker"], eva], invite=False)
    eva_slot.state = "accepted"  # the public hears of a speaker only once they said yes
    assert notices.record_speakers(talk, before).kind == "speakers"
    db.session.commit()

    version = publish(db, conference)
    assert version.number == 2
    mail = by_recipient(mailbox.wait_for(4))
    assert set(mail) == {ALVA, JOHN, SARA, "eva@talare.example"}
    assert "Nytt i programmet: 18 mars 2027 16:00–16:30, Stora salen" in mailbox.body(mail[JOHN]) \
        or "New in the programme: March 18, 2027 16:00–16:30, Stora salen" in mailbox.body(
            mail[JOHN])
    assert "Sara Nilsson, Eva Lund" in mailbox.body(mail[ALVA])


def test_the_preview_shows_who_and_what_without_sending(organiser, conference, people, mailbox,
                                                       db):
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    html = organiser.get(f"/manage/e/{SLUG}/publish").get_data(as_text=True)
    assert "Alva Persson" in html and "John Smith" in html
    assert "Hej Alva Persson," in html and "Hello John Smith," in html
    assert "Före: 18 mars 2027 12:00–13:00, Stora salen" in html
    assert "Before: March 18, 2027 12:00–13:00, Stora salen" in html
    assert "Publicera version 2" in html
    assert mailbox.messages == []
    assert notice_emails(db) == 0 and count(db, ProgrammeVersion) == 1
    manage = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert "Opublicerade ändringar: 1" in manage


def test_the_versions_table_counts_what_was_sent(organiser, conference, people, mailbox, db):
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    organiser.post(f"/manage/e/{SLUG}/publish", data={"message": "Lunchen flyttas"})
    mailbox.wait_for(2)
    html = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert 'id="version-2"' in html and "Lunchen flyttas" in html
    row = html[html.index('id="version-2"'):].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
    assert cells[0] == "2" and cells[2] == "Lunchen flyttas"
    assert cells[3:] == ["1", "2", "0", "0"], "one change; two sent, none waiting or failed"


def test_a_mail_outage_keeps_the_version_and_delivers_once_later(
        conference, people, smtp_server, mailbox, db):
    smtp_server.stop()
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    version = publish(db, conference)
    assert version is not None and count(db, ProgrammeVersion) == 2
    queued = db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.version_id.is_not(None))).all()
    assert sorted(e.to_address for e in queued) == [ALVA, JOHN]
    assert all(e.status == "pending" and e.version_id for e in queued)

    smtp_server.start()
    later = max(e.next_attempt_at for e in queued) + timedelta(seconds=1)
    assert later > utcnow()
    assert outbox.deliver_due(now=later) == 2
    assert set(by_recipient(mailbox.wait_for(2))) == {ALVA, JOHN}
    assert outbox.deliver_due(now=later + timedelta(hours=1)) == 0
    assert len(mailbox.messages) == 2


def test_the_public_programme_lists_changes_with_old_and_new_times(client, conference, people,
                                                                    db, mailbox):
    move(db, conference["talk"].id, time(14, 0), time(14, 45), conference["side"])
    cancel(db, people["workshop"].id)
    html = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "Ändringar" not in html, "nothing published yet"
    publish(db, conference, "Nytt schema")
    html = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    changes = html[html.index('id="changes"'):]
    assert "Nytt schema" in changes
    assert "18 mars 2027 10:00–10:45, Stora salen" in changes
    assert "18 mars 2027 14:00–14:45, Sal B" in changes
    assert "inställd" in changes and "Skrivverkstad" in changes


def test_people_who_read_the_same_text_each_get_their_own_name_and_link(
        conference, mailbox, db):
    """Texts are rendered once per language and set of changes; names and links are per person."""
    attendees = [register(conference["event"], conference["ticket"], name=f"Deltagare {i}",
                          email=f"d{i}@example.org") for i in range(4)]
    tokens = {a.email: a.manage_token for a in attendees}
    mailbox.wait_for(4)
    mailbox.clear()
    move(db, conference["lunch"].id, time(12, 30), time(13, 30))
    publish(db, conference)
    mail = by_recipient(mailbox.wait_for(4))
    for i in range(4):
        email = f"d{i}@example.org"
        body = mailbox.body(mail[email])
        assert f"Hej Deltagare {i}," in body
        assert mailbox.link(mail[email], "/r/") == f"/r/{tokens[email]}"
        assert "\x00" not in body
