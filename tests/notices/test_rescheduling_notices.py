"""When a talk moves or is cancelled and the programme is published, everyone affected is told
once, in their own language, and a mail outage only delays the notices."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db_types import utcnow
from app.mail import outbox
from app.mail.models import OutgoingEmail
from app.notices.models import Notice
from app.registration import services as registration_services
from app.registration.personal import star
from tests.factories import edit_talk, register

SLUG = "varkonferensen-2027"
ALVA, JOHN, SARA = "alva@example.org", "john@example.org", "sara@talare.example"


@pytest.fixture
def audience(conference, mailbox):
    """Alva registered in Swedish, John in English; their confirmations are out of the way."""
    alva = register(conference["event"], conference["ticket"])
    john = register(conference["event"], conference["ticket"], name="John Smith",
                    email=JOHN, language="en")
    mailbox.wait_for(2)
    mailbox.clear()
    # A talk concerns those who put it in their own programme (and its speakers).
    star(alva, conference["talk"])
    star(john, conference["talk"])
    return alva, john


def publish(organiser, message=""):
    response = organiser.post(f"/manage/e/{SLUG}/publish", data={"message": message})
    assert response.status_code == 302
    return response


def move_talk(organiser, conference):
    """Later in the day and into the smaller room."""
    return edit_talk(organiser, conference, start="14:00", end="14:45",
                     room=conference["side"].id)


def cancel_talk(organiser, conference, **data):
    return organiser.post(f"/manage/e/{SLUG}/items/{conference['talk'].id}/cancel", data=data)


def by_recipient(messages):
    addresses = [m["To"] for m in messages]
    assert len(addresses) == len(set(addresses)), f"someone got two: {addresses}"
    return {m["To"]: m for m in messages}


def version_row(organiser, number=1):
    """The (changes, sent, waiting, failed) counts on the organiser's event page for a version."""
    html = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    match = re.search(
        rf'<tr id="version-{number}">\s*<td>{number}</td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>'
        r"\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", html)
    assert match, f"no row for version {number}"
    return tuple(int(n) for n in match.groups())


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_moving_a_talk_tells_each_attendee_and_speaker_once_in_their_language(
        organiser, conference, audience, mailbox, db):
    response = move_talk(organiser, conference)
    assert response.status_code == 302
    assert mailbox.messages == [], "nothing is sent before the programme is published"
    publish(organiser)

    mail = by_recipient(mailbox.wait_for(3))
    assert set(mail) == {ALVA, JOHN, SARA}

    alva = mail[ALVA]
    assert alva["Subject"] == "Ändrad tid: Peer support i vården"
    body = mailbox.body(alva)
    assert "Hej Alva Persson," in body
    assert "Före: 18 mars 2027 10:00–10:45, Stora salen" in body
    assert "Nu:    18 mars 2027 14:00–14:45, Sal B" in body
    assert mailbox.link(alva, "/r/") == f"/r/{audience[0].manage_token}"

    john = mail[JOHN]
    assert john["Subject"] == "New time: Peer support i vården"
    body = mailbox.body(john)
    assert "Hello John Smith," in body
    assert "Before: March 18, 2027 10:00–10:45, Stora salen" in body
    assert "14:00–14:45, Sal B" in body

    sara = mail[SARA]
    assert sara["Subject"] == "Din programpunkt har flyttats: Peer support i vården"
    assert mailbox.link(sara, "/s/") == f"/s/{conference['speaker'].token}"

    [notice] = db.session.scalars(select(Notice)).all()
    assert (notice.kind, notice.old_room, notice.new_room) == ("moved", "Stora salen", "Sal B")
    assert version_row(organiser, 2) == (1, 3, 0, 0)


def test_a_new_room_alone_is_a_move(organiser, conference, audience, mailbox):
    assert edit_talk(organiser, conference, room=conference["side"].id).status_code == 302
    publish(organiser)
    mail = by_recipient(mailbox.wait_for(3))
    body = mailbox.body(mail[ALVA])
    assert "Före: 18 mars 2027 10:00–10:45, Stora salen" in body
    assert "Nu:    18 mars 2027 10:00–10:45, Sal B" in body


def test_cancelled_registration_is_not_told(organiser, conference, audience, mailbox):
    registration_services.cancel(audience[1])
    mailbox.wait_for(1)  # their own confirmation of cancelling
    mailbox.clear()
    move_talk(organiser, conference)
    publish(organiser)
    assert set(by_recipient(mailbox.wait_for(2))) == {ALVA, SARA}


def test_changing_only_the_title_tells_nobody(organiser, conference, audience, mailbox, db):
    response = edit_talk(organiser, conference, title="Peer support i vården – fördjupning")
    assert response.status_code == 302
    db.session.refresh(conference["talk"])
    assert conference["talk"].title == "Peer support i vården – fördjupning"
    assert count(db, Notice) == 0
    publish(organiser)
    assert mailbox.messages == []


def test_cancelling_a_talk_tells_everyone_once(organiser, conference, audience, mailbox, db):
    assert cancel_talk(organiser, conference, confirm="y").status_code == 302
    assert cancel_talk(organiser, conference, confirm="y").status_code == 302
    publish(organiser)
    publish(organiser)

    mail = by_recipient(mailbox.wait_for(3))
    assert set(mail) == {ALVA, JOHN, SARA}
    assert mail[ALVA]["Subject"] == "Inställt: Peer support i vården"
    assert "Tidigare: 18 mars 2027 10:00–10:45, Stora salen" in mailbox.body(mail[ALVA])
    assert mail[JOHN]["Subject"] == "Cancelled: Peer support i vården"
    assert "has been cancelled" in mailbox.body(mail[JOHN])

    db.session.refresh(conference["talk"])
    assert conference["talk"].cancelled
    assert count(db, Notice) == 1
    assert version_row(organiser, 2) == (1, 3, 0, 0)
    assert len(mailbox.messages) == 3


def test_cancelling_needs_the_confirmation_box(organiser, conference, audience, mailbox, db):
    response = cancel_talk(organiser, conference)
    assert response.status_code == 400
    db.session.refresh(conference["talk"])
    assert not conference["talk"].cancelled
    assert count(db, Notice) == 0
    assert mailbox.messages == []


def test_notices_survive_a_mail_outage_and_are_sent_once_later(
        organiser, conference, audience, smtp_server, mailbox, db):
    smtp_server.stop()
    assert move_talk(organiser, conference).status_code == 302
    publish(organiser)
    db.session.refresh(conference["talk"])
    assert conference["talk"].room_id == conference["side"].id

    queued = db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.version_id.is_not(None))).all()
    assert sorted(e.to_address for e in queued) == sorted([ALVA, JOHN, SARA])
    assert all(e.status == "pending" and e.attempts == 1 and e.last_error for e in queued)
    assert version_row(organiser, 2) == (1, 0, 3, 0)

    smtp_server.start()
    assert outbox.deliver_due() == 0, "a failed message is retried later, not at once"
    assert mailbox.messages == []
    later = max(e.next_attempt_at for e in queued) + timedelta(seconds=1)
    assert later > utcnow() + timedelta(seconds=30)
    assert outbox.deliver_due(now=later) == 3
    assert set(by_recipient(mailbox.wait_for(3))) == {ALVA, JOHN, SARA}

    assert outbox.deliver_due(now=later + timedelta(hours=1)) == 0
    assert len(mailbox.messages) == 3
    db.session.rollback()
    sent = db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.version_id.is_not(None))).all()
    assert all(e.status == "sent" and e.attempts == 2 and e.last_error == "" for e in sent)
    assert version_row(organiser, 2) == (1, 3, 0, 0)
