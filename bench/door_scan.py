"""The door at opening time: 16 door devices scan badges of a conference of 5,000 confirmed
registrations through `POST /checkin/<slug>/scan.json`, against gunicorn on PostgreSQL; how many
scans per second the door answers, how fast, what one scan costs the server (CPU and SQL
queries), and how fast *Hitta en person* answers. Issue 10's targets: at most 10 ms of server
CPU and 5 queries per scan, at least 180 scans/s with 16 clients and no errors, search under
50 ms at p95, and "Prepare this door" for 5,000 badges under 2 MB and 3 s.

Set-up as bench/registration_rush.py (whose HTTP client, CPU count and gunicorn stop it uses):
a fresh database `door_bench` (dropped and created again each run; override with
DOOR_DATABASE_URL, which must name a PostgreSQL database of its own), migrated with
`flask --app wsgi db upgrade`, the registrations written with bulk inserts as bench/programme.py
does; gunicorn with 2 sync workers (DOOR_WORKERS) serving wsgi:app with SECRET_KEY and
REDIS_URL (DOOR_REDIS_URL, database 6) set; the rate limiter off (RATELIMIT_ENABLED=0: 16
devices of one account would exceed the door's 120 a minute, and the bench measures the scan,
not the limiter). CSRF protection stays on: each client logs in as the door account, takes the
token from the door page and sends it as `X-CSRFToken`, as door.js does.

Each client scans badges nobody scanned before, so every answer must be 200 (`checked_in`);
anything else, or a check-in count that differs from the scans, fails the bench (exit 1).
server_cpu_ms_per_scan is the CPU of gunicorn's processes during the scans divided by the
scans (PostgreSQL's own CPU not included), client_cpu_ms_per_scan this script's (the load
generator shares the machine's cores with gunicorn and PostgreSQL). queries_per_scan counts
the statements one scan sends (SAVEPOINTs included), measured in process with the app's test
client on the same database; queries_per_repeat_scan the same for a badge scanned again
(`already`). Then 200 searches of name fragments through `/checkin/<slug>/search.json?q=`,
and five downloads of what "Prepare this door" stores (`sync.json`: size and time).
Prints `name: value` lines."""

import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import quote

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from registration_rush import (  # noqa: E402
    Browser,
    free_port,
    fresh_database,
    group_cpu,
    in_process_app,
    migrate,
    percentile,
    server_env,
    start_gunicorn,
    stop,
)
from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402

from config import database_url  # noqa: E402

REGISTRATIONS, CLIENTS, SCANS, SEARCHES, PREPARES = 5000, 16, 4000, 200, 5
SLUG = "door-bench-2027"
EMAIL, PASSWORD = "entre@door-bench.example", "door-bench-password-1"
SECRET_KEY = "door-bench-secret-key-not-for-production"
DATABASE_URL = database_url(os.environ.get("DOOR_DATABASE_URL"),
                            "postgresql+psycopg://postgres@127.0.0.1:5432/door_bench")
REDIS_URL = os.environ.get("DOOR_REDIS_URL", "redis://127.0.0.1:6379/6")
WORKERS = int(os.environ.get("DOOR_WORKERS", "2"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FIRST = ["Alva", "Nils", "Åsa", "Örjan", "Maja", "Elias", "Siri", "Hugo", "Ebba", "Leo",
         "Märta", "Jörgen", "Ingrid", "Omar", "Fatima", "Kerstin", "Björn", "Linnéa"]
LAST = ["Persson", "Öström", "Åberg", "Lindqvist", "Karlsson", "Nyström", "Ekström",
        "Bergström", "Håkansson", "Sjöberg", "Lundgren", "Andersson", "Wallén", "Ahmed",
        "Forsberg", "Strömgren", "Göransson", "Holm", "Sandberg", "Lindahl"]
ORGANISATIONS = ["NSPH", "RSMH", "Region Örebro län", "Göteborgs universitet", "Hjärnkoll", ""]


def build(app, rng: random.Random) -> list[str]:
    """The event, its door account and 5,000 confirmed registrations; returns the badge codes."""
    from app.accounts.services import create_user
    from app.events.models import Event
    from app.extensions import db
    from app.registration.models import Registration
    from app.registration.search import searchable
    from app.tickets.models import TicketType
    from app.tokens import badge_token, link_token

    with app.app_context():
        event = Event(slug=SLUG, name="Dörrkonferensen", description="Många kommer samtidigt.",
                      organiser_name="NSPH", venue="Folkets hus", city="Göteborg",
                      starts_on=date(2027, 5, 20), ends_on=date(2027, 5, 21), published=True,
                      registration_open=True)
        ticket = TicketType(event=event, name="Fri entré", price_ore=0, capacity=None,
                            seats_taken=REGISTRATIONS)
        db.session.add_all([event, ticket])
        db.session.flush()
        create_user(EMAIL, "Elin Entré", PASSWORD, "door", [event])
        db.session.execute(insert(Registration), [
            searchable(dict(
                event_id=event.id, ticket_type_id=ticket.id,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=f"d{i}@door.example",
                organisation=rng.choice(ORGANISATIONS), language="sv" if i % 4 else "en",
                manage_token=link_token(), badge_token=badge_token()))
            for i in range(REGISTRATIONS)
        ])
        db.session.commit()
        tokens = list(db.session.scalars(
            select(Registration.badge_token).where(Registration.event_id == event.id)))
        with db.engine.connect() as connection:
            # What autovacuum does within a minute of a bulk load: without it the planner takes
            # the 5,000 rows for one and a search joins them with every check-in.
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        db.engine.dispose()
    rng.shuffle(tokens)
    return tokens


def door_device(port: int) -> tuple[Browser, str]:
    """A logged-in door device and the CSRF token its door page carries."""
    browser = Browser(port)
    response, data = browser.request("GET", "/login")
    browser.keep_cookies(response)
    token = CSRF.search(data.decode()).group(1)
    response, _data = browser.request("POST", "/login", {"csrf_token": token, "email": EMAIL,
                                                         "password": PASSWORD})
    assert response.status == 302, f"login: {response.status}"
    browser.keep_cookies(response)
    response, data = browser.request("GET", f"/checkin/{SLUG}")
    assert response.status == 200, f"door page: {response.status}"
    browser.keep_cookies(response)
    return browser, CSRF.search(data.decode()).group(1)


def scan_rush(port: int, tokens: list[str]):
    """Returns (seconds for all the scans, [(status, milliseconds)], errors of the clients)."""
    path = f"/checkin/{SLUG}/scan.json"
    todo, lock = iter(tokens), threading.Lock()
    start = threading.Barrier(CLIENTS + 1, timeout=120)
    results, failures = [], []

    def client():
        try:
            browser, csrf = door_device(port)
        except Exception as error:  # the barrier breaks and the bench stops
            failures.append(error)
            start.abort()
            raise
        headers = {"X-CSRFToken": csrf, "Accept": "application/json"}
        start.wait()
        mine = []
        while True:
            with lock:
                code = next(todo, None)
            if code is None:
                break
            began = time.perf_counter()
            try:
                response, _data = browser.request("POST", path, {"code": code}, headers)
                status = response.status
            except OSError as error:
                failures.append(error)
                status = 599
            mine.append((status, (time.perf_counter() - began) * 1000))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        raise SystemExit(f"a door device could not log in: {failures[0]!r}") from None
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, results, failures


def searches(port: int, rng: random.Random) -> tuple[list[float], Counter]:
    """SEARCHES lookups of a name fragment (part of a surname, often typed without accents)."""
    browser, _csrf = door_device(port)
    plain = str.maketrans("åäöéÅÄÖ", "aaoeAAO")
    times, statuses = [], Counter()
    for _ in range(SEARCHES):
        surname = rng.choice(LAST)
        start = rng.randrange(0, len(surname) - 3)
        fragment = surname[start:start + rng.choice([3, 4, 5])]
        if rng.random() < 0.5:
            fragment = fragment.lower().translate(plain)
        began = time.perf_counter()
        response, _data = browser.request("GET", f"/checkin/{SLUG}/search.json?q={quote(fragment)}",
                                          extra={"Accept": "application/json"})
        times.append((time.perf_counter() - began) * 1000)
        statuses[response.status] += 1
    return sorted(times), statuses


def prepare_door(port: int) -> tuple[list[float], int, int]:
    """What "Prepare this door" downloads: sync.json of the entrance, PREPARES times; the times,
    the body's size in bytes and how many registrations it holds."""
    browser, _csrf = door_device(port)
    times, size, held = [], 0, 0
    for _ in range(PREPARES):
        began = time.perf_counter()
        response, data = browser.request("GET", f"/checkin/{SLUG}/sync.json",
                                         extra={"Accept": "application/json"})
        times.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise SystemExit(f"sync.json answered {response.status}")
        size, held = len(data), len(json.loads(data)["registrations"])
    return sorted(times), size, held


def queries_of_scans(app, first: str, second: str, again: str) -> tuple[int, int, int]:
    """Statements sent by the process's first scan (which also counts who the list expects,
    kept for checkin.services.EXPECTED_FRESH seconds), by the next scan of a new badge, and by
    a scan of a badge already checked in. The requests run outside an app context, so each has
    its own session, as under gunicorn."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    counted = []
    for code in (first, second, again):
        statements = []

        def record(_conn, _cursor, statement, *_args, statements=statements):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.post(f"/checkin/{SLUG}/scan.json", data={"code": code},
                                   headers={"Accept": "application/json"})
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == (409 if code == again else 200), response.status_code
        counted.append(len(statements))
    engine.dispose()
    return counted[0], counted[1], counted[2]


def live_check_ins() -> int:
    from app.checkin.models import CheckIn

    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        count = connection.scalar(
            select(func.count()).select_from(CheckIn.__table__).where(CheckIn.counts()))
    engine.dispose()
    return count


def main():
    with tempfile.TemporaryDirectory(prefix="samla-door-") as tmp:
        run(Path(tmp))


def run(tmp: Path):
    rng = random.Random(10)
    port = free_port()
    env = server_env(port, tmp, DATABASE_URL, SECRET_KEY, REDIS_URL)
    fresh_database(DATABASE_URL, "DOOR_DATABASE_URL")
    migrate(env)
    app = in_process_app(tmp, DATABASE_URL, SECRET_KEY)
    tokens = build(app, rng)
    scanned, spare, second = tokens[:SCANS], tokens[SCANS], tokens[SCANS + 1]
    log = tmp / "gunicorn.log"
    server = start_gunicorn(port, env, log, WORKERS, 1, "/login")
    try:
        cpu_before, client_before = group_cpu(server.pid), time.process_time()
        seconds, results, failures = scan_rush(port, scanned)
        server_cpu = group_cpu(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
        search_times, search_statuses = searches(port, rng)
        prepare_times, prepare_bytes, prepared = prepare_door(port)
    finally:
        stop(server)
    queries_first, queries_next, queries_again = queries_of_scans(app, spare, second, scanned[0])
    checked_in = live_check_ins()

    statuses = Counter(status for status, _ms in results)
    times = sorted(ms for _status, ms in results)
    errors = sum(n for status, n in statuses.items() if status != 200) + len(failures)
    print(f"gunicorn: {WORKERS} workers (sync), {CLIENTS} clients")
    print(f"registrations: {REGISTRATIONS}")
    print(f"scans: {len(results)}")
    print(f"scans_per_s: {len(results) / seconds:.0f}")
    print(f"p50_ms: {statistics.median(times):.0f}")
    print(f"p95_ms: {percentile(times, 0.95):.0f}")
    print(f"server_cpu_ms_per_scan: {server_cpu * 1000 / max(len(results), 1):.1f}")
    print(f"client_cpu_ms_per_scan: {client_cpu * 1000 / max(len(results), 1):.1f}")
    print(f"queries_per_scan: {queries_next}")
    print(f"queries_per_first_scan_of_a_process: {queries_first}")
    print(f"queries_per_repeat_scan: {queries_again}")
    print(f"errors: {errors}")
    print(f"searches: {sum(search_statuses.values())}")
    print(f"search_p50_ms: {statistics.median(search_times):.1f}")
    print(f"search_p95_ms: {percentile(search_times, 0.95):.1f}")
    print(f"prepare_door_registrations: {prepared}")
    print(f"prepare_door_bytes: {prepare_bytes}")
    print(f"prepare_door_median_ms: {statistics.median(prepare_times):.0f}")
    print(f"prepare_door_max_ms: {prepare_times[-1]:.0f}")
    problems = []
    if errors:
        problems.append(f"scan answers {dict(statuses)}, client errors {failures[:3]!r}")
    if len(results) != SCANS or checked_in != SCANS + 2:  # the in-process scans add two
        problems.append(f"{len(results)} scans answered, {checked_in} check-ins, not {SCANS}")
    if prepared != REGISTRATIONS:
        problems.append(f"sync.json held {prepared} registrations, not {REGISTRATIONS}")
    if set(search_statuses) != {200}:
        problems.append(f"search answers {dict(search_statuses)}")
    if problems:
        log_text = log.read_text() if log.exists() else ""
        print("FAILED: " + "; ".join(problems) + f"\n{log_text[-4000:]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
