"""Postponement figures (issue 14): how long postponing an event with 5,000 registrants takes
to commit (every item moved, the published programme republished, one notice per person with
the calendar file queued in the outbox), and how long one worker then needs to deliver every
notice, calendar attached, to an SMTP server.

Builds the conference of bench/programme.py (5,000 registrations, 200 items, 120 speakers),
postpones it four weeks with OUTBOX_HOLD on (so the request only commits the queued mail), then
a local SMTP server (aiosmtpd, counting what arrives, in a process of its own as a mail server
is) receives the mail from one worker's sweep: deliver_due(). BENCH_SMTP_IN_PROCESS=1 runs that
server in the worker's process instead (as before: its parsing of every line then shares the
worker's CPU and interpreter lock). Runs on SQLite, or on a scratch PostgreSQL database with
BENCH_DATABASE_URL as bench/programme.py does. Prints `name: value` lines (the worker's CPU
seconds too: the 2-core machine is often shared) and exits non-zero when the commit takes 3 s
or more, delivery 90 s or more, or a notice is missing."""

import multiprocessing
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiosmtpd.controller import Controller  # noqa: E402
from programme import SLUG, build, scratch_database  # noqa: E402
from publish import Counter, free_port  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

SWEEP_BATCH = 500
COMMIT_LIMIT_S, DELIVERY_LIMIT_S = 3.0, 90.0


class CountingHandler:
    """Counts what the mail server accepts, in a counter the bench process reads."""

    def __init__(self, count):
        self.count = count

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        return "250 Message accepted for delivery"


def serve(port, count, ready, stop):
    """The mail server's own process."""
    controller = Controller(CountingHandler(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class MailServer:
    def __init__(self, in_process: bool):
        self.port = free_port()
        if in_process:
            self.counter = Counter()
            self.controller = Controller(self.counter, hostname="127.0.0.1", port=self.port)
            self.controller.start()
            return
        context = multiprocessing.get_context("spawn")
        self.count, ready, self.stopping = context.Value("i", 0), context.Event(), context.Event()
        self.process = context.Process(target=serve,
                                       args=(self.port, self.count, ready, self.stopping))
        self.process.start()
        if not ready.wait(60):
            raise SystemExit("the SMTP server did not start")
        self.controller = None

    @property
    def received(self) -> int:
        return self.counter.count if self.controller else self.count.value

    def stop(self):
        if self.controller:
            self.controller.stop()
        else:
            self.stopping.set()
            self.process.join(30)


def main():
    in_process = os.environ.get("BENCH_SMTP_IN_PROCESS") == "1"
    server = MailServer(in_process)
    port = server.port
    try:
        with scratch_database() as (url, tmp):
            app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                             MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
            with app.app_context():
                import flask_migrate

                flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
                started = time.perf_counter()
                build(random.Random(3))
                print(f"build_s: {time.perf_counter() - started:.1f}", flush=True)
                db.session.remove()

            with app.app_context():
                from app.accounts.models import User
                from app.events.models import Event
                from app.mail.models import OutgoingEmail
                from app.postponement.services import people, postpone

                event = db.session.scalar(select(Event).where(Event.slug == SLUG))
                organiser = db.session.scalar(
                    select(User).where(User.email == "arrangor@bench.example"))
                expected = len(people(event))
                db.session.rollback()
                start = time.perf_counter()
                done = postpone(event, organiser, event.starts_on + timedelta(days=28),
                                seen_starts_on=event.starts_on,
                                message="Konferensen flyttas fyra veckor.")
                db.session.commit()  # the request's one commit, which the figure includes
                commit_s = time.perf_counter() - start
                assert done is not None, "nothing was postponed"
                queued = db.session.scalar(
                    select(func.count()).select_from(OutgoingEmail)
                    .where(OutgoingEmail.kind == "event-postponed"))
                db.session.remove()
            print(f"postpone_notices_expected: {expected}")
            print(f"postpone_commit_s: {commit_s:.2f}", flush=True)

            # One worker's sweep, delivering to the local SMTP server.
            app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False,
                              SMTP_SSL=False, SMTP_USERNAME="")
            with app.app_context():
                from app.mail.outbox import deliver_due

                start, cpu = time.perf_counter(), time.process_time()
                sent = deliver_due(batch_size=SWEEP_BATCH)
                delivered_s = time.perf_counter() - start
                delivered_cpu = time.process_time() - cpu
                unsent = db.session.scalar(
                    select(func.count()).select_from(OutgoingEmail)
                    .where(OutgoingEmail.status != "sent"))
                db.session.remove()
                db.engine.dispose()
        received = server.received
    finally:
        server.stop()

    print(f"postpone_notices_delivered: {received}")
    print(f"postpone_notices_delivered_s: {delivered_s:.2f}")
    print(f"postpone_notices_delivered_cpu_s: {delivered_cpu:.2f}"
          + (" (the SMTP server's included)" if in_process else ""))
    print(f"load_average: {os.getloadavg()[0]:.1f}")
    assert queued == expected, f"queued {queued} notices, expected {expected}"
    assert sent == received == expected, (
        f"sent {sent}, SMTP server got {received}, expected {expected}")
    assert unsent == 0, f"{unsent} messages not sent"
    assert commit_s < COMMIT_LIMIT_S, f"the postponement took {commit_s:.2f} s to commit"
    assert delivered_s < DELIVERY_LIMIT_S, f"delivery took {delivered_s:.2f} s"


if __name__ == "__main__":
    main()
