"""Publish figures: how long publishing a change that concerns every registrant takes to commit,
and how long one worker then needs to deliver every notice to an SMTP server.

Builds the conference of bench/programme.py (5,000 registrations), moves a plenary, and times
publish() with OUTBOX_HOLD on (so it only commits the queued mail). Then a local SMTP server
(aiosmtpd, counting what arrives) receives the mail from one worker's sweep: deliver_due(), which
sends until nothing is due. Runs on SQLite, or on a scratch PostgreSQL database with
BENCH_DATABASE_URL as bench/programme.py does. Prints `name: value` lines."""

import random
import socket
import sys
import threading
import time
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiosmtpd.controller import Controller  # noqa: E402
from programme import SLUG, build, scratch_database  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

SWEEP_BATCH = 500


class Counter:
    """An SMTP handler that only counts the messages it accepts."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def move_a_plenary():
    """The first day's opening plenary, a quarter of an hour earlier; committed."""
    from app.events.models import Event
    from app.programme.models import ProgrammeItem
    from app.programme.services import ItemPlacement, update_item

    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    item = db.session.scalar(
        select(ProgrammeItem).where(ProgrammeItem.event_id == event.id,
                                    ProgrammeItem.kind == "plenary")
        .order_by(ProgrammeItem.starts_at).limit(1)
    )
    placement = ItemPlacement(day=event.days[0], start=clock(8, 45), end=clock(9, 30),
                              room=item.room)
    moved = update_item(item, title=item.title, kind=item.kind, description=item.description,
                        placement=placement)
    assert moved, "the plenary did not move"
    db.session.commit()
    return event.id, item.id


def expected_recipients(event_id: int, item_id: int) -> int:
    """Everyone a plenary change concerns: confirmed registrants and the item's speakers,
    each address once."""
    from app.registration.models import Registration
    from app.speakers.models import Speaker, SpeakerSlot

    registrants = set(db.session.scalars(
        select(func.lower(Registration.email))
        .where(Registration.event_id == event_id, Registration.status == "confirmed")
    ))
    speakers = set(db.session.scalars(
        select(func.lower(Speaker.email)).join(SpeakerSlot, SpeakerSlot.speaker_id == Speaker.id)
        .where(SpeakerSlot.item_id == item_id, SpeakerSlot.state != "declined",
               Speaker.email != "")
    ))
    return len(registrants | speakers)


def main():
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with scratch_database() as (url, tmp):
            app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                             MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
            with app.app_context():
                import flask_migrate

                flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
                build(random.Random(3))
                event_id, item_id = move_a_plenary()
                expected = expected_recipients(event_id, item_id)
                db.session.remove()

            with app.app_context():
                from app.accounts.models import User
                from app.events.models import Event
                from app.mail.models import OutgoingEmail
                from app.notices.services import publish

                event = db.session.get(Event, event_id)
                organiser = db.session.scalar(
                    select(User).where(User.email == "arrangor@bench.example"))
                start = time.perf_counter()
                version = publish(event, organiser, "Öppningen börjar en kvart tidigare.")
                db.session.commit()  # the request's one commit, which the figure includes
                publish_s = time.perf_counter() - start
                assert version is not None, "nothing was published"
                queued = db.session.scalar(
                    select(func.count()).select_from(OutgoingEmail)
                    .where(OutgoingEmail.version_id == version.id))
                db.session.remove()

            # One worker's sweep, delivering to the local SMTP server.
            app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False,
                              SMTP_SSL=False, SMTP_USERNAME="")
            with app.app_context():
                from app.mail.outbox import deliver_due

                start = time.perf_counter()
                sent = deliver_due(batch_size=SWEEP_BATCH)
                delivered_s = time.perf_counter() - start
                unsent = db.session.scalar(
                    select(func.count()).select_from(OutgoingEmail)
                    .where(OutgoingEmail.status != "sent"))
                db.session.remove()
                db.engine.dispose()
    finally:
        controller.stop()

    assert queued == expected, f"queued {queued} notices, expected {expected}"
    assert sent == counter.count == expected, (
        f"sent {sent}, SMTP server got {counter.count}, expected {expected}")
    assert unsent == 0, f"{unsent} messages not sent"
    print(f"notices_expected: {expected}")
    print(f"publish_commit_s: {publish_s:.2f}")
    print(f"notices_delivered: {counter.count}")
    print(f"notices_delivered_s: {delivered_s:.2f}")


if __name__ == "__main__":
    main()
