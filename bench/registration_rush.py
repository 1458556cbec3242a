"""Registration rush: the moment registration opens for a popular free event. 50 visitors at once
send 2,000 registration attempts for 500 seats to Samla under gunicorn on PostgreSQL; how many
attempts per second it answers, how fast, and whether it gives out exactly the 500 seats.

Set-up, as in production: a fresh database `rush` (dropped and created again each run; override
with RUSH_DATABASE_URL, which must name a PostgreSQL database of its own), migrated with
`flask --app wsgi db upgrade`, one published event with one free ticket type of 500 seats;
gunicorn serving wsgi:app with SECRET_KEY and REDIS_URL set, so each confirmation is handed to
Celery instead of being sent during the request. No worker runs: the mail stays in the outbox.
Redis database 6 (RUSH_REDIS_URL) is the bench's own and is emptied before and after; not 5,
where the test suite's Celery worker test runs a worker that would take these tasks. The rate
limiter is off (RATELIMIT_ENABLED=0): from one address 2,000 attempts would be refused by it,
and the bench measures the registration path, not the limiter. CSRF protection stays on.

Each client GETs the details form once (its session cookie and CSRF token), then POSTs attempts
with addresses of its own until 2,000 have been sent; it keeps the session cookie of that GET
(like a browser that does not follow the redirect to the order page). Only the POSTs are timed.
Gunicorn settings: RUSH_WORKERS (default 2) and RUSH_THREADS (default 1, sync workers; more
means gthread). On 2 cores, 2 sync workers used the least CPU per attempt and did best; 3-6 sync
workers and 2x4, 2x8, 4x4 gthread were tried (threads add GIL switching while the seat row is
locked).

Prints `name: value` lines. Besides the rate and latencies: seats_gone_after_s (when the last
seat went), server_cpu_ms_per_attempt (CPU of gunicorn's processes during the rush, divided by
the attempts; PostgreSQL's own CPU not included) and client_cpu_ms_per_attempt (this script's
load generator), which stay comparable when other work shares the machine. Exits non-zero unless
exactly 500 are confirmed, nothing is oversold (a confirmed count or seats_taken above the
capacity, or seats_taken differing from the confirmed count) and no request got a 5xx."""

import http.client
import itertools
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402

CAPACITY, CLIENTS, ATTEMPTS = 500, 50, 2000
SLUG = "rush-2027"
SECRET_KEY = "rush-bench-secret-key-not-for-production"
DATABASE_URL = database_url(os.environ.get("RUSH_DATABASE_URL"),
                            "postgresql+psycopg://postgres@127.0.0.1:5432/rush")
REDIS_URL = os.environ.get("RUSH_REDIS_URL", "redis://127.0.0.1:6379/6")
WORKERS = int(os.environ.get("RUSH_WORKERS", "2"))
THREADS = int(os.environ.get("RUSH_THREADS", "1"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(database_url: str = DATABASE_URL, setting: str = "RUSH_DATABASE_URL") -> None:
    """Drop and create the bench's own PostgreSQL database (named by `setting`)."""
    url = make_url(database_url)
    if not url.get_backend_name().startswith("postgresql"):
        raise SystemExit(f"{setting} must name a PostgreSQL database")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def migrate(env: dict) -> None:
    """`flask db upgrade` of the bench's database, as an installation is made (env names it)."""
    upgrade = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                             cwd=BASE, env=env, capture_output=True, text=True)
    if upgrade.returncode:
        raise SystemExit(f"flask db upgrade failed:\n{upgrade.stderr[-4000:]}")


def empty_queue() -> None:
    """The bench's own Redis database: the Celery queue of mail nobody will deliver."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()


def server_env(port: int, tmp: Path, database_url: str = DATABASE_URL,
               secret_key: str = SECRET_KEY, redis_url: str = REDIS_URL) -> dict:
    """gunicorn's environment: the bench's database, no SMTP (mail goes to tmp), the rate
    limiter off (the benches measure the pages, not the limiter)."""
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret_key,
            "REDIS_URL": redis_url, "RATELIMIT_ENABLED": "0", "SMTP_HOST": "",
            "MAIL_FOLDER": str(tmp / "mail"), "BASE_URL": f"http://127.0.0.1:{port}",
            "DEV_MAIL_VIEW": "0"}


def in_process_app(tmp: Path, database_url: str, secret_key: str):
    """The app on a bench's database, for building it and counting a request's queries."""
    from app import create_app

    return create_app(None, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=secret_key,
                      REDIS_URL="", RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False,
                      SMTP_HOST="", MAIL_FOLDER=str(tmp / "mail"))


def create_event() -> int:
    """The event and its one ticket type, through the models; returns the ticket type's id."""
    from app import create_app
    from app.events.models import Event
    from app.extensions import db
    from app.tickets.models import TicketType

    app = create_app(None, SQLALCHEMY_DATABASE_URI=DATABASE_URL, SECRET_KEY=SECRET_KEY,
                     REDIS_URL="")
    with app.app_context():
        event = Event(slug=SLUG, name="Rusningskonferensen", description="Populär.",
                      organiser_name="NSPH", venue="Folkets hus", city="Göteborg",
                      starts_on=date(2027, 5, 20), ends_on=date(2027, 5, 20), published=True,
                      registration_open=True)
        ticket = TicketType(event=event, name="Fri entré", price_ore=0, capacity=CAPACITY,
                            seats_taken=0)
        db.session.add_all([event, ticket])
        db.session.commit()
        ticket_id = ticket.id
        db.engine.dispose()
    return ticket_id


def start_gunicorn(port: int, env: dict, log: Path, workers: int = WORKERS,
                   threads: int = THREADS, ready: str = f"/e/{SLUG}/") -> subprocess.Popen:
    """gunicorn serving wsgi:app, once `ready` answers 200 (SystemExit otherwise)."""
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--error-logfile", str(log), "--timeout", "60",
               "--no-control-socket"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append("wsgi:app")
    server = subprocess.Popen(command, cwd=BASE, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", ready)
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return server
            stop(server)
            raise SystemExit(f"{ready} answered {status}:\n{log.read_text()}")
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within a minute")


def percentile(times: list[float], share: float) -> float:
    return times[min(int(len(times) * share), len(times) - 1)]


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def group_cpu(pgid: int) -> float:
    """CPU seconds (user and system) used so far by gunicorn's master and workers."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class Browser:
    """One visitor: a kept-alive connection (reopened when the server closes it) and cookies."""

    def __init__(self, port: int):
        self.port = port
        self.connection = None
        self.cookies = SimpleCookie()

    def request(self, method: str, path: str, form: dict | None = None,
                extra: dict | None = None):
        headers = {"Accept-Language": "sv", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for retry in (False, True):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if retry or not reused:  # only an idle kept-alive connection is tried again
                    raise
                continue
            if response.will_close:
                self.connection.close()
                self.connection = None
            return response, data
        raise AssertionError("unreachable")

    def keep_cookies(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)


def rush(port: int, ticket_id: int):
    """Returns (seconds for all the POSTs, [(status, milliseconds, seconds since the start when
    answered)], errors of the clients)."""
    path = f"/e/{SLUG}/register?t{ticket_id}=1"
    numbers, lock = itertools.count(), threading.Lock()
    start = threading.Barrier(CLIENTS + 1, timeout=120)
    results, failures = [], []

    def client(c: int):
        try:
            browser = Browser(port)
            response, data = browser.request("GET", path)
            assert response.status == 200, f"form: {response.status}"
            browser.keep_cookies(response)
            token = CSRF.search(data.decode()).group(1)
        except Exception as error:  # the barrier breaks and the bench stops
            failures.append(error)
            start.abort()
            raise
        start.wait()
        mine = []
        while True:
            with lock:
                n = next(numbers)
            if n >= ATTEMPTS:
                break
            form = {"csrf_token": token, "a0-name": f"Deltagare {n}",
                    "a0-email": f"deltagare{n}@rush.example", "website": ""}
            began = time.perf_counter()
            try:
                response, _data = browser.request("POST", path, form)
                status = response.status
            except OSError as error:
                failures.append(error)
                status = 599
            ended = time.perf_counter()
            mine.append((status, (ended - began) * 1000, ended))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        raise SystemExit(f"a client could not open the form: {failures[0]!r}") from None
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return seconds, [(status, ms, ended - began) for status, ms, ended in results], failures


def count_seats(ticket_id: int) -> tuple[int, int, int]:
    """(confirmed registrations, the ticket type's seats_taken, queued confirmations)."""
    from app.mail.models import OutgoingEmail
    from app.registration.models import Registration
    from app.tickets.models import TicketType

    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        confirmed = connection.scalar(
            select(func.count()).select_from(Registration.__table__)
            .where(Registration.ticket_type_id == ticket_id, Registration.status == "confirmed"))
        seats = connection.scalar(
            select(TicketType.seats_taken).where(TicketType.id == ticket_id))
        mail = connection.scalar(
            select(func.count()).select_from(OutgoingEmail.__table__)
            .where(OutgoingEmail.kind == "confirmation"))
    engine.dispose()
    return confirmed, seats, mail


def main():
    with tempfile.TemporaryDirectory(prefix="samla-rush-") as tmp:
        run(Path(tmp))


def run(tmp: Path):
    port = free_port()
    env = server_env(port, tmp)
    fresh_database()
    empty_queue()
    migrate(env)
    ticket_id = create_event()
    log = tmp / "gunicorn.log"
    server = start_gunicorn(port, env, log)
    try:
        cpu_before, client_before = group_cpu(server.pid), time.process_time()
        seconds, results, failures = rush(port, ticket_id)
        server_cpu = group_cpu(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
    finally:
        stop(server)
        empty_queue()
    confirmed, seats_taken, mail = count_seats(ticket_id)

    statuses = Counter(status for status, _ms, _at in results)
    times = sorted(ms for _status, ms, _at in results)
    last_seat = max((at for status, _ms, at in results if status == 303), default=0)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    unexpected = sum(n for status, n in statuses.items() if status not in (303, 409)
                     and status < 500)
    oversold = max(confirmed - CAPACITY, seats_taken - CAPACITY, 0) + \
        abs(seats_taken - confirmed)
    print(f"gunicorn: {WORKERS} workers x {THREADS} threads "
          f"({'gthread' if THREADS > 1 else 'sync'})")
    print(f"attempts: {len(results)}")
    print(f"registrations_per_s: {len(results) / seconds:.0f}")
    print(f"p50_ms: {statistics.median(times):.0f}")
    print(f"p95_ms: {times[int(len(times) * 0.95)]:.0f}")
    print(f"seats_gone_after_s: {last_seat:.1f}")
    print(f"server_cpu_ms_per_attempt: {server_cpu * 1000 / max(len(results), 1):.1f}")
    print(f"client_cpu_ms_per_attempt: {client_cpu * 1000 / max(len(results), 1):.1f}")
    print(f"admitted_303: {statuses[303]}")
    print(f"sold_out_409: {statuses[409]}")
    print(f"confirmed: {confirmed}")
    print(f"seats_taken: {seats_taken}")
    print(f"confirmations_queued: {mail}")
    print(f"oversold: {oversold}")
    print(f"server_errors: {server_errors}")
    print(f"other_responses: {unexpected}")
    problems = []
    if confirmed != CAPACITY or statuses[303] != CAPACITY:
        problems.append(f"{confirmed} confirmed, {statuses[303]} admitted, not {CAPACITY}")
    if oversold:
        problems.append(f"oversold by {oversold}")
    if server_errors or unexpected or failures:
        problems.append(f"responses {dict(statuses)}, client errors {failures[:3]!r}")
    if len(results) != ATTEMPTS:
        problems.append(f"{len(results)} attempts answered, not {ATTEMPTS}")
    if problems:
        log_text = log.read_text() if log.exists() else ""
        print("FAILED: " + "; ".join(problems) + f"\n{log_text[-4000:]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
