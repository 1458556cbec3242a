"""Certificates of attendance for a course of 500 participants (issue 14: under 30 s).

A course of eight sessions that ended yesterday, about 500 people enrolled (written in bulk,
as tests/factories.py's bulk_registrations does), nine in ten attended seven sessions and the
rest six (just enough), so every one gets a certificate. Times issuing the certificates in one
unit of work (a row and a queued email each) and then one outbox sweep that draws every
certificate PDF with its QR code and delivers the emails (to a folder of .eml files, as
without SMTP). Runs on a throwaway SQLite database (or BENCH_DATABASE_URL); prints
`name: value` lines, wall-clock and CPU seconds (the 2-core machine is often shared)."""

import os
import statistics
import sys
import tempfile
import time as clock
from datetime import time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

TARGET_PEOPLE = 500
SESSIONS = 8


def main():
    tmp = Path(tempfile.mkdtemp(prefix="samla-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
        from app.checkin.models import CheckIn
        from app.courses import documents, services
        from app.courses.models import Certificate
        from app.db_types import utcnow
        from app.events.models import Event
        from app.mail import outbox
        from app.registration.models import Registration
        from app.tickets.models import TicketType
        from tests.factories import bulk_registrations

        today = utcnow().date()
        days = [today - timedelta(days=7 * (SESSIONS - n)) + timedelta(days=6)
                for n in range(SESSIONS)]
        event = Event(slug="kurs-bench", name="Kamratstödjarutbildning Göteborg",
                      organiser_name="NSPH", venue="Folkets hus", city="Göteborg",
                      starts_on=days[0], ends_on=days[-1], published=True)
        ticket = TicketType(event=event, name="Kursplats", price_ore=0, capacity=None,
                            seats_taken=0)
        db.session.add_all([event, ticket])
        db.session.flush()
        for number, day in enumerate(days, start=1):
            services.add_session(event, services.SessionDetails(
                title=f"Träff {number}", title_en="", day=day, start=time(9), end=time(12),
                place="Folkets hus", online_url="", leader_name="Karin Kursledare"))
        services.save_rule(event, min_sessions=6, min_percent=None,
                           signer_name="Karin Kursledare", signer_title="Kursledare")
        db.session.commit()
        # One in twenty of the bulk registrations is cancelled: a few more make 500.
        bulk_registrations(event, ticket, TARGET_PEOPLE * 20 // 19 + 1, until=utcnow())
        db.session.commit()
        people = db.session.scalars(select(Registration.id).where(
            Registration.event_id == event.id, Registration.status == "confirmed")).all()
        sessions = services.sessions_of(event)
        rows = []
        for n, person in enumerate(people):
            attended = sessions[:6] if n % 10 == 9 else [s for i, s in enumerate(sessions)
                                                        if i != n % SESSIONS]
            rows += [dict(registration_id=person, event_id=event.id,
                          list_key=f"session:{s.id}", checked_in_at=s.starts_at)
                     for s in attended]
        db.session.execute(insert(CheckIn), rows)
        db.session.commit()

        start, cpu = clock.perf_counter(), clock.process_time()
        issued = services.issue(event)
        db.session.commit()
        issue_s, issue_cpu = clock.perf_counter() - start, clock.process_time() - cpu

        start, cpu = clock.perf_counter(), clock.process_time()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            delivered = profile.runcall(outbox.deliver_due)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            delivered = outbox.deliver_due()
        deliver_s, deliver_cpu = clock.perf_counter() - start, clock.process_time() - cpu

        certificates = db.session.scalars(select(Certificate).limit(50)).all()
        single = []
        for certificate in certificates:
            start = clock.perf_counter()
            documents.pdf_for(db.session, certificate)
            single.append((clock.perf_counter() - start) * 1000)
        emails = len(list((tmp / "mail").glob("*.eml")))
        total = db.session.scalar(select(func.count()).select_from(Certificate))
        assert total == len(issued) == delivered == emails, (total, delivered, emails)

    print(f"course_participants: {len(people)}")
    print(f"certificates_issued: {len(issued)}")
    print(f"certificates_issue_s: {issue_s:.2f}")
    print(f"certificates_deliver_s: {deliver_s:.2f}")
    print(f"certificates_500_s: {issue_s + deliver_s:.2f}")
    print(f"certificates_issue_cpu_s: {issue_cpu:.2f}")
    print(f"certificates_deliver_cpu_s: {deliver_cpu:.2f}")
    print(f"load_average: {os.getloadavg()[0]:.1f}")
    print(f"certificate_pdf_median_ms: {statistics.median(single):.1f}")


if __name__ == "__main__":
    main()
