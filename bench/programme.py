"""Programme figures: how fast the public programme page and the organiser's programme page
(/manage/e/<slug>/programme, printed as manage_page_*) answer for a three-day conference with
8 rooms, 200 items, 120 speakers and 5,000 registrations, and how many SQL queries one request
costs; then the publish figures of bench/publish.py
(publish_commit_s, notices_delivered_s), so one script prints all four of issue 3's figures.

The conference is written with bulk inserts (no emails, registrations straight into the table).
Runs on a throwaway SQLite database, or with BENCH_DATABASE_URL=postgresql://.../postgres on a
scratch database `samla_bench_<pid>` that it creates on that server and drops afterwards (the
database the URL names is only used to create and drop it). Prints `name: value` lines."""

import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402

from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig, database_url  # noqa: E402

DAYS, ROOMS, ITEMS, SPEAKERS, REGISTRATIONS = 3, 8, 200, 120, 5000
RUNS, WARM_UPS = 200, 5
SLUG = "bench-2027"
FIRST_DAY = date(2027, 3, 16)
PASSWORD = "bench-password-1"

# Every day: shared items for all rooms, then parallel sessions in each room.
SHARED = [("plenary", "Öppning och keynote", clock(9, 0), clock(9, 45), 0),
          ("break", "Fika", clock(10, 30), clock(11, 0), None),
          ("lunch", "Lunch", clock(12, 0), clock(13, 0), None),
          ("break", "Eftermiddagsfika", clock(14, 30), clock(15, 0), None),
          ("plenary", "Dagens avslutning", clock(17, 0), clock(17, 30), 0)]
SESSIONS = [(clock(9, 45), clock(10, 30)), (clock(11, 0), clock(11, 30)),
            (clock(11, 30), clock(12, 0)), (clock(13, 0), clock(13, 45)),
            (clock(13, 45), clock(14, 30)), (clock(15, 0), clock(15, 45)),
            (clock(15, 45), clock(16, 30)), (clock(16, 30), clock(17, 0))]


@contextmanager
def scratch_database():
    """The database URL to bench on, made for this run and removed after it."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory(prefix="samla-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", Path(tmp)
        return
    server = make_url(database_url(url, url))
    if not server.get_backend_name().startswith("postgresql"):
        raise SystemExit("BENCH_DATABASE_URL must be a PostgreSQL URL (SQLite is the default)")
    name = f"samla_bench_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="samla-bench-") as tmp:
            yield server.set(database=name).render_as_string(hide_password=False), Path(tmp)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(rng: random.Random):
    """The conference, in a handful of bulk inserts. Returns the number of items."""
    from app.accounts.services import create_user
    from app.events.models import Event, Room
    from app.programme.models import ProgrammeItem
    from app.registration.models import Registration
    from app.registration.search import searchable
    from app.speakers.models import Speaker, SpeakerSlot
    from app.tickets.models import TicketType
    from app.tokens import badge_token, link_token

    event = Event(slug=SLUG, name="Benchkonferensen", description="Tre dagar om peer support.",
                  organiser_name="NSPH", venue="Folkets hus", city="Göteborg",
                  starts_on=FIRST_DAY, ends_on=FIRST_DAY + timedelta(days=DAYS - 1),
                  published=True, registration_open=True)
    rooms = [Room(event=event, name=f"Sal {i + 1}", capacity=40 + 20 * i, position=i)
             for i in range(ROOMS)]
    ticket = TicketType(event=event, name="Fri entré", price_ore=0, capacity=None,
                        seats_taken=REGISTRATIONS)
    db.session.add_all([event, ticket, *rooms])
    create_user("arrangor@bench.example", "Olga Organiser", PASSWORD, "organiser", [event])
    db.session.flush()

    db.session.execute(insert(Speaker), [
        dict(event_id=event.id, name=f"Talare {i:03d}", role_title=rng.choice(
            ["Peer supporter", "Forskare", "Verksamhetschef", "", "Brukarrepresentant"]),
            organisation=rng.choice(["NSPH", "Region Örebro län", "Göteborgs universitet", ""]),
            bio="Arbetar med peer support.", email=f"talare{i}@bench.example",
            token=link_token())
        for i in range(SPEAKERS)
    ])

    days = event.days
    rows = [dict(event_id=event.id, kind=kind, title=title, description="",
                 starts_at=event.to_utc(day, start), ends_at=event.to_utc(day, end),
                 room_id=rooms[room].id if room is not None else None)
            for day in days for kind, title, start, end, room in SHARED]
    cells = [(day, start, end, room) for start, end in SESSIONS for room in rooms
             for day in days]
    for n, (day, start, end, room) in enumerate(cells[:ITEMS - len(rows)]):
        kind = "panel" if n % 5 == 0 else "workshop" if n % 7 == 0 else "talk"
        rows.append(dict(event_id=event.id, kind=kind, title=f"{kind.title()} {n + 1}",
                         description="Ett samtal om erfarenheter och metoder." if n % 2 else "",
                         starts_at=event.to_utc(day, start), ends_at=event.to_utc(day, end),
                         room_id=room.id, cancelled=n % 40 == 39))
    db.session.execute(insert(ProgrammeItem), rows)

    item_ids = db.session.execute(
        select(ProgrammeItem.id, ProgrammeItem.kind).where(ProgrammeItem.event_id == event.id)
    ).all()
    speaker_ids = list(db.session.scalars(
        select(Speaker.id).where(Speaker.event_id == event.id).order_by(Speaker.id)
    ))
    slots = []
    for item_id, kind in item_ids:
        count = {"panel": 3, "workshop": 2, "talk": rng.choice([1, 1, 2])}.get(kind, 0)
        for speaker_id in rng.sample(speaker_ids, count):
            state = rng.choices(["accepted", "invited", "declined"], [80, 15, 5])[0]
            slots.append(dict(item_id=item_id, speaker_id=speaker_id, state=state))
    db.session.execute(insert(SpeakerSlot), slots)

    db.session.execute(insert(Registration), [
        searchable(dict(event_id=event.id, ticket_type_id=ticket.id, name=f"Deltagare {i}",
                        email=f"d{i}@bench.example", organisation="NSPH",
                        language="sv" if i % 4 else "en", manage_token=link_token(),
                        badge_token=badge_token()))
        for i in range(REGISTRATIONS)
    ])
    db.session.commit()
    # The public pages show the published programme: publish it as version 1 (which tells
    # nobody), as an organiser does before the conference is announced.
    from app.notices.services import publish

    assert publish(event, None) is not None
    db.session.commit()  # the organiser's Publish button is one request, one commit
    return len(item_ids)


@contextmanager
def counted_queries():
    count = [0]

    def count_one(*_args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", count_one)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", count_one)


def measure(app, client, path, marker: str):
    """Median and 95th percentile in milliseconds over RUNS requests, and queries for one."""
    for _ in range(WARM_UPS):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert marker in response.get_data(as_text=True)
    with app.app_context(), counted_queries() as count:
        assert client.get(path).status_code == 200
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)], count[0]


def main():
    started = time.perf_counter()
    with scratch_database() as (url, tmp):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                         MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
            items = build(random.Random(3))
        build_s = time.perf_counter() - started

        public = app.test_client()
        median, p95, queries = measure(app, public, f"/e/{SLUG}/programme", "Talk 185")
        organiser = app.test_client()
        response = organiser.post("/login", data={"email": "arrangor@bench.example",
                                                  "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        manage = measure(app, organiser, f"/manage/e/{SLUG}/programme", "Talk 185")
        with app.app_context():
            db.engine.dispose()

    print(f"items: {items}")
    print(f"build_s: {build_s:.2f}")
    print(f"programme_page_median_ms: {median:.1f}")
    print(f"programme_page_p95_ms: {p95:.1f}")
    print(f"programme_page_queries: {queries}")
    print(f"manage_page_median_ms: {manage[0]:.1f}")
    print(f"manage_page_p95_ms: {manage[1]:.1f}")
    print(f"manage_page_queries: {manage[2]}")
    # The four figures come from one script: publishing to all 5,000 registrants and
    # delivering their notices (bench/publish.py, which builds the same conference afresh).
    import publish

    publish.main()


if __name__ == "__main__":
    main()
