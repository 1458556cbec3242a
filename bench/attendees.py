"""The organiser's attendee list with 5,000 registrations (issue 11: search under 150 ms at
p95), through HTTP against gunicorn on PostgreSQL: how fast a search, a filtered list and a
deep page of the whole list answer, and how many SQL statements a page costs.

Set-up as bench/door_scan.py (gunicorn's start, the HTTP client, the fresh database and the
percentile all from bench/registration_rush.py): a fresh database `attendees_bench` (dropped and
created again each run; override with ATTENDEES_DATABASE_URL, which must name a PostgreSQL
database of its own), migrated with `flask --app wsgi db upgrade`; the event built with bulk
inserts: three ticket types, two workshops that take sign-ups, a question, and 5,000
registrations each in an order of its own (free, paid by card, invoiced, awaiting payment or
refunded; most confirmed, some cancelled, held or lapsed), a third checked in, a quarter
signed up for a workshop, some with dietary or accessibility needs and most with an answer;
then ANALYZE, as autovacuum does after such an import. gunicorn with 2 sync workers
(DOOR_WORKERS) serves wsgi:app with the rate limiter off and no Redis. One organiser, logged
in through the login form, then sends one after another: 200 searches of a name fragment
(part of a surname, half of them typed without accents), 200 lists with random filters and
sorts, and 200 random pages of the whole list in a random order. Every answer must be 200,
or the bench fails (exit 1). server_cpu_ms_per_request is the CPU of gunicorn's processes
over those 600 requests divided by them (PostgreSQL's not included), a figure other work on
the machine moves less than the times; queries_per_list_page counts the statements of one
search page, measured in process with the app's test client on the same database. Prints
`name: value` lines."""

import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from door_scan import FIRST, LAST, ORGANISATIONS, WORKERS  # noqa: E402
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
from sqlalchemy import event, insert, select, text  # noqa: E402

from config import database_url  # noqa: E402

REGISTRATIONS, REQUESTS = 5000, 200
SLUG = "attendees-bench-2027"
EMAIL, PASSWORD = "arrangor@attendees-bench.example", "attendees-bench-password-1"
SECRET_KEY = "attendees-bench-secret-key-not-for-production"
DATABASE_URL = database_url(os.environ.get("ATTENDEES_DATABASE_URL"),
                            "postgresql+psycopg://postgres@127.0.0.1:5432/attendees_bench")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CARD = re.compile(r'<li class="attendee attendee-')
LIST = f"/manage/e/{SLUG}/attendees"
SORTS = ("name", "surname", "newest", "oldest", "ticket")


def build(app, rng: random.Random) -> dict:
    """The event and its 5,000 registrations; returns the ids the filters pick from."""
    from app.accounts.services import create_user
    from app.checkin.models import CheckIn
    from app.events.models import Event, Room
    from app.extensions import db
    from app.orders.models import Order
    from app.programme.models import ProgrammeItem, SessionSignup
    from app.registration.models import Answer, Question, Registration
    from app.registration.search import searchable
    from app.tickets.models import TicketType
    from app.tokens import badge_token, link_token

    with app.app_context():
        event = Event(slug=SLUG, name="Deltagarkonferensen", description="Många deltagare.",
                      organiser_name="NSPH", venue="Folkets hus", city="Göteborg",
                      starts_on=date(2027, 5, 20), ends_on=date(2027, 5, 21), published=True,
                      registration_open=True)
        room = Room(event=event, name="Sal B", capacity=2000, position=0)
        tickets = [TicketType(event=event, name=name, price_ore=price, capacity=None,
                              seats_taken=0, position=position)
                   for position, (name, price) in enumerate(
                       (("Fri entré", 0), ("Ordinarie", 95000), ("Student", 30000)))]
        start = datetime(2027, 5, 20, 12, 0, tzinfo=UTC)
        workshops = [ProgrammeItem(event=event, room=room, kind="workshop", title=title,
                                   starts_at=start + timedelta(hours=hour),
                                   ends_at=start + timedelta(hours=hour, minutes=90),
                                   signup_required=True, signup_capacity=2000)
                     for hour, title in ((0, "Workshop om återhämtning"),
                                         (2, "Workshop om kamratstöd"))]
        db.session.add_all([event, room, *tickets, *workshops])
        db.session.flush()
        question = Question(event_id=event.id, label="Hur hörde du om oss?", kind="choice",
                            options=[{"sv": "Vänner", "en": "Friends"},
                                     {"sv": "Webben", "en": "The web"}])
        db.session.add(question)
        db.session.flush()
        create_user(EMAIL, "Olga Organisatör", PASSWORD, "organiser", [event])

        people = []
        for _i in range(REGISTRATIONS):
            ticket = rng.choices(tickets, weights=(6, 3, 1))[0]
            status = rng.choices(("confirmed", "cancelled", "pending", "expired"),
                                 weights=(90, 4, 3, 3))[0]
            if ticket.price_ore == 0:
                method, payment = "free", "none"
            elif status in ("pending", "expired"):
                method, payment = "card", "awaiting"
            else:
                method, payment = rng.choice((("card", "paid"), ("invoice", "to_invoice"),
                                              ("invoice", "paid"), ("card", "refunded")))
            people.append((ticket, status, method, payment,
                           f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                           "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                                   for _c in range(8))))
        db.session.execute(insert(Order), [
            dict(event_id=event.id, code=code, buyer_name=name, buyer_email=f"a{i}@bench.example",
                 status={"confirmed": "confirmed", "cancelled": "cancelled",
                         "pending": "pending", "expired": "expired"}[status],
                 payment_method=method, payment_status=payment, total_ore=ticket.price_ore,
                 manage_token=link_token())
            for i, (ticket, status, method, payment, name, code) in enumerate(people)
        ])
        order_ids = dict(db.session.execute(select(Order.code, Order.id)).all())
        registered = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
        registration_rows = []
        for i, (ticket, status, _method, _payment, name, code) in enumerate(people):
            needs = rng.random()
            registration_rows.append(searchable(dict(
                event_id=event.id, ticket_type_id=ticket.id, order_id=order_ids[code],
                name=name, email=f"a{i}@bench.example", organisation=rng.choice(ORGANISATIONS),
                dietary_needs="Vegetarisk" if needs < 0.1 else "",
                accessibility_needs="Hörslinga" if 0.1 <= needs < 0.13 else "",
                sensitive_consent=needs < 0.13, language="sv" if i % 4 else "en",
                status=status, price_ore=ticket.price_ore, manage_token=link_token(),
                badge_token=badge_token(), created_at=registered + timedelta(minutes=37 * i)),
                order_code=code))
        db.session.execute(insert(Registration), registration_rows)
        confirmed = list(db.session.scalars(select(Registration.id).where(
            Registration.event_id == event.id, Registration.status == "confirmed")))
        everyone = list(db.session.scalars(select(Registration.id).where(
            Registration.event_id == event.id)))
        at = datetime(2027, 5, 20, 7, 0, tzinfo=UTC)
        db.session.execute(insert(CheckIn), [
            dict(registration_id=rid, event_id=event.id, checked_in_at=at + timedelta(seconds=i))
            for i, rid in enumerate(rng.sample(confirmed, len(confirmed) // 3))])
        db.session.execute(insert(SessionSignup), [
            dict(registration_id=rid, item_id=workshops[i % 2].id)
            for i, rid in enumerate(rng.sample(confirmed, len(confirmed) // 4))])
        db.session.execute(insert(Answer), [
            dict(registration_id=rid, question_id=question.id, value=rng.choice(("Vänner",
                                                                                 "Webben")))
            for rid in everyone if rng.random() < 0.6])
        db.session.commit()
        # As autovacuum would soon after such an import: without statistics PostgreSQL takes
        # the 5,000 rows for a handful and plans nested loops over the check-ins.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        ids = {"tickets": [t.id for t in tickets], "items": [w.id for w in workshops]}
        db.engine.dispose()
    return ids


def logged_in(port: int) -> Browser:
    browser = Browser(port)
    response, data = browser.request("GET", "/login")
    browser.keep_cookies(response)
    token = CSRF.search(data.decode()).group(1)
    response, _data = browser.request("POST", "/login", {"csrf_token": token, "email": EMAIL,
                                                         "password": PASSWORD})
    assert response.status == 302, f"login: {response.status}"
    browser.keep_cookies(response)
    return browser


def fragment(rng: random.Random) -> str:
    """Part of a surname, as an organiser types it, half the time without its accents."""
    surname = rng.choice(LAST)
    start = rng.randrange(0, len(surname) - 3)
    text = surname[start:start + rng.choice([3, 4, 5])]
    return text.lower().translate(str.maketrans("åäöé", "aaoe")) if rng.random() < 0.5 else text


def filters(rng: random.Random, ids: dict) -> dict:
    choices = {
        "ticket": lambda: rng.choice(ids["tickets"]),
        "status": lambda: rng.choice(("confirmed", "cancelled", "pending")),
        "payment": lambda: rng.choice(("none", "paid", "to_invoice", "awaiting")),
        "checked_in": lambda: rng.choice(("yes", "no")),
        "item": lambda: rng.choice(ids["items"]),
        "needs": lambda: rng.choice(("any", "dietary", "none")),
    }
    args = {key: pick() for key, pick in choices.items() if rng.random() < 0.35}
    if rng.random() < 0.3:
        args["q"] = fragment(rng)
    args["sort"] = rng.choice(SORTS)
    return args


def timed(browser: Browser, args: list[dict]) -> tuple[list[float], Counter, int]:
    """(sorted milliseconds, statuses, cards shown in all) of GETs of the list with args."""
    times, statuses, cards = [], Counter(), 0
    for query in args:
        began = time.perf_counter()
        response, data = browser.request("GET", f"{LIST}?{urlencode(query)}")
        times.append((time.perf_counter() - began) * 1000)
        statuses[response.status] += 1
        cards += len(CARD.findall(data.decode()))
    return sorted(times), statuses, cards


def queries_of_a_search(app) -> int:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(f"{LIST}?q=strom&sort=surname")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.status_code
    engine.dispose()
    return len(statements)


def main():
    with tempfile.TemporaryDirectory(prefix="samla-attendees-") as tmp:
        run(Path(tmp))


def run(tmp: Path):
    rng = random.Random(11)
    port = free_port()
    env = server_env(port, tmp, DATABASE_URL, SECRET_KEY, "")
    fresh_database(DATABASE_URL, "ATTENDEES_DATABASE_URL")
    migrate(env)
    app = in_process_app(tmp, DATABASE_URL, SECRET_KEY)
    ids = build(app, rng)
    searches = [{"q": fragment(rng)} for _ in range(REQUESTS)]
    filtered = [filters(rng, ids) for _ in range(REQUESTS)]
    pages = [{"sort": rng.choice(SORTS), "page": rng.randint(1, REGISTRATIONS // 50)}
             for _ in range(REQUESTS)]
    log = tmp / "gunicorn.log"
    server = start_gunicorn(port, env, log, WORKERS, 1, "/login")
    try:
        browser = logged_in(port)
        timed(browser, [{}] * 5)  # each worker's first request loads templates and catalogues
        cpu_before = group_cpu(server.pid)
        search_times, search_statuses, found = timed(browser, searches)
        filter_times, filter_statuses, _cards = timed(browser, filtered)
        page_times, page_statuses, shown = timed(browser, pages)
        server_cpu = group_cpu(server.pid) - cpu_before
    finally:
        stop(server)
    queries = queries_of_a_search(app)

    statuses = search_statuses + filter_statuses + page_statuses
    print(f"registrations: {REGISTRATIONS}")
    print(f"requests: {sum(statuses.values())}")
    for name, times in (("search", search_times), ("filter", filter_times),
                        ("page", page_times)):
        print(f"attendee_{name}_p50_ms: {statistics.median(times):.1f}")
        print(f"attendee_{name}_p95_ms: {percentile(times, 0.95):.1f}")
    print(f"server_cpu_ms_per_request: {server_cpu * 1000 / sum(statuses.values()):.1f}")
    print(f"search_results_shown: {found}")
    print(f"queries_per_list_page: {queries}")
    print(f"errors: {sum(n for status, n in statuses.items() if status != 200)}")
    problems = []
    if set(statuses) != {200}:
        problems.append(f"answers {dict(statuses)}")
    if not found or shown != REQUESTS * 50:
        problems.append(f"{found} search results, {shown} people on {REQUESTS} full pages")
    if problems:
        log_text = log.read_text() if log.exists() else ""
        print("FAILED: " + "; ".join(problems) + f"\n{log_text[-4000:]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
