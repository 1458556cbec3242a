"""Dashboard figures: how fast the organiser's event home (/manage/e/<slug>/, the event at a
glance) and the events list (/manage/) answer for an event with 5,000 registrations made over
three months (card and invoice orders, paid, unpaid and overdue, check-ins, a waiting list,
feedback, sessions with sign-ups), and how many SQL queries one request costs. Issue 11's
target: the event home under 100 ms median, with a query count that does not grow with the
registrations.

The event is written with tests/factories.py's bulk_registrations (straight into the tables,
no emails). Uses bench/programme.py's harness: a throwaway SQLite database, or a scratch
PostgreSQL database with BENCH_DATABASE_URL, and its `measure` (5 warm-ups, then 200 timed
requests through the Flask test client); then 200 more for the CPU time one request costs this
process (dashboard_cpu_median_ms), which other work on the machine does not inflate as it does
the wall clock. Prints `name: value` lines."""

import statistics
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from programme import RUNS, measure, scratch_database  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

REGISTRATIONS, DAYS_OF_SALES, SESSIONS = 5000, 90, 12
PASSWORD = "bench-password-1"


def build() -> str:
    """The event; returns its slug."""
    from app import seats
    from app.accounts.services import create_user
    from app.db_types import utcnow
    from app.programme.models import ProgrammeItem
    from app.programme.services import ItemPlacement, create_item
    from tests.factories import DAY, build_conference, bulk_registrations

    conference = build_conference()
    event, paid = conference["event"], conference["paid"]
    paid.capacity = None
    for n in range(SESSIONS):
        start = clock(9 + n % 8, 0)
        create_item(event, title=f"Workshop {n + 1}", kind="workshop", description="",
                    signup=(True, 30 if n % 3 else None),
                    placement=ItemPlacement(DAY, start, start.replace(minute=45),
                                            conference["side"] if n % 2 else None))
    create_user("arrangor@bench.example", "Olga Organiser", PASSWORD, "organiser", [event])
    db.session.commit()
    bulk_registrations(event, paid, REGISTRATIONS, until=utcnow() - timedelta(hours=1),
                       days=DAYS_OF_SALES)
    # 17 sign-ups per session, counted by app/seats.py as signing up does.
    for item_id in db.session.scalars(select(ProgrammeItem.id).where(
            ProgrammeItem.event_id == event.id, ProgrammeItem.signup_required.is_(True))):
        for _ in range(17):
            assert seats.take_signup(item_id)
    db.session.commit()
    return event.slug


def cpu_per_request(client, path) -> float:
    """Median CPU time of this process per request (the app and SQLite both run in it): a
    figure that stays comparable when other work shares the machine, unlike the wall clock."""
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        assert client.get(path).status_code == 200
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main():
    started = time.perf_counter()
    with scratch_database() as (url, tmp):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                         MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
            slug = build()
        build_s = time.perf_counter() - started

        organiser = app.test_client()
        response = organiser.post("/login", data={"email": "arrangor@bench.example",
                                                  "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        home = measure(app, organiser, f"/manage/e/{slug}/", "Workshop 12")
        home_cpu = cpu_per_request(organiser, f"/manage/e/{slug}/")
        events = measure(app, organiser, "/manage/", "Vårkonferensen")
        with app.app_context():
            db.engine.dispose()

    print(f"registrations: {REGISTRATIONS}")
    print(f"build_s: {build_s:.2f}")
    print(f"dashboard_median_ms: {home[0]:.1f}")
    print(f"dashboard_p95_ms: {home[1]:.1f}")
    print(f"dashboard_queries: {home[2]}")
    print(f"dashboard_cpu_median_ms: {home_cpu:.1f}")
    print(f"events_list_median_ms: {events[0]:.1f}")
    print(f"events_list_queries: {events[2]}")


if __name__ == "__main__":
    main()
