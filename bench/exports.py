"""Export figures (issue 11): the attendee list of 5,000 registrations with every column and
four questions' answers as XLSX, its time and peak memory, and 1,000 badges on print sheets.

The event is written with bulk inserts (5,000 registrations, each with an order, four answers
and a dietary need; every tenth checked in; every fifth a 40-character name with å, ä and ö),
on a throwaway SQLite database. Each export goes through the real HTTP stack (Flask test
client, logged in as an organiser), as the organiser's button sends it. The peak is measured
with tracemalloc in a run of its own (it slows Python down), over the whole request: the
query, the rows, openpyxl and the response. Prints `name: value` lines."""

import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

REGISTRATIONS, BADGES = 5000, 1000
PASSWORD = "bench-password-1"
LONG_NAMES = ["Åsa-Märta Öberg-Lindqvist af Ängelholmsö",
              "Märta Åkesdotter Öhrnbergsäng-Ljungqvist",
              "Jöns Häggblomsdotterssonsköld-Åkerströms"]


def build_event(slug: str, count: int, rng: random.Random, questions: bool) -> int:
    from app.checkin.models import CheckIn
    from app.events.models import Event
    from app.orders.models import Order
    from app.registration.models import Answer, Question, Registration
    from app.tickets.models import TicketType
    from app.tokens import badge_token, link_token

    event = Event(slug=slug, name="Framtidskonferensen om psykisk hälsa", organiser_name="NSPH",
                  venue="Folkets hus", city="Göteborg", starts_on=date(2027, 3, 18),
                  ends_on=date(2027, 3, 19), published=True, registration_open=True)
    tickets = [TicketType(event=event, name="Ordinarie", price_ore=95000, position=0),
               TicketType(event=event, name="Fri entré för brukare", price_ore=0, position=1)]
    db.session.add_all([event, *tickets])
    db.session.flush()
    created = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    orders = [dict(event_id=event.id, code=f"{slug[:2].upper()}{i:06d}", buyer_name=f"B {i}",
                   buyer_email=f"b{i}@{slug}.example", status="confirmed",
                   payment_method="invoice" if i % 3 == 0 else "free",
                   payment_status="paid" if i % 3 == 0 else "none",
                   total_ore=95000 if i % 3 == 0 else 0, manage_token=link_token(),
                   created_at=created)
              for i in range(count)]
    db.session.execute(insert(Order), orders)
    order_ids = list(db.session.scalars(
        select(Order.id).where(Order.event_id == event.id).order_by(Order.id)))
    db.session.execute(insert(Registration), [
        dict(event_id=event.id, order_id=order_ids[i],
             ticket_type_id=tickets[0 if i % 3 == 0 else 1].id,
             name=LONG_NAMES[i % 3] if i % 5 == 0 else f"Deltagare Nummer{i:05d}",
             email=f"d{i}@{slug}.example",
             organisation=rng.choice(["NSPH", "RSMH Göteborg", "Region Örebro län",
                                      "Riksförbundet för Social och Mental Hälsa"]),
             role="Peer supporter", price_ore=95000 if i % 3 == 0 else 0,
             dietary_needs=rng.choice(["", "", "Vegan", "Glutenfri"]),
             accessibility_needs=rng.choice(["", "", "", "Hörslinga"]),
             sensitive_consent=True, manage_token=link_token(), badge_token=badge_token(),
             created_at=created + timedelta(minutes=i))
        for i in range(count)
    ])
    registration_ids = list(db.session.scalars(
        select(Registration.id).where(Registration.event_id == event.id)))
    db.session.execute(insert(CheckIn), [
        dict(registration_id=rid, event_id=event.id,
             checked_in_at=datetime(2027, 3, 18, 7, 30, tzinfo=UTC))
        for rid in registration_ids[::10]])
    if questions:
        asked = [Question(event_id=event.id, label="Hur hörde du om oss?", kind="choice",
                          options=[{"sv": "Vänner"}, {"sv": "Webben"}], position=0),
                 Question(event_id=event.id, label="Vilka dagar kommer du?", kind="multiple",
                          options=[{"sv": "Torsdag"}, {"sv": "Fredag"}], position=1),
                 Question(event_id=event.id, label="Äter du lunch?", kind="yesno", position=2),
                 Question(event_id=event.id, label="Vad vill du lära dig?", kind="text",
                          position=3)]
        db.session.add_all(asked)
        db.session.flush()
        values = {"choice": lambda: rng.choice(["Vänner", "Webben"]),
                  "multiple": lambda: rng.choice([["Torsdag"], ["Torsdag", "Fredag"]]),
                  "yesno": lambda: rng.random() < 0.7,
                  "text": lambda: "Mer om återhämtning och kollegialt stöd i vardagen."}
        db.session.execute(insert(Answer), [
            dict(registration_id=rid, question_id=question.id, value=values[question.kind]())
            for rid in registration_ids for question in asked])
    db.session.commit()
    return len(registration_ids)


def timed(client, path: str, data: dict) -> tuple[float, float, bytes]:
    """Wall-clock and CPU seconds of one request (on a busy machine the first grows, the
    second does not), and what it answered."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.post(path, data=data)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return elapsed, used, response.data


def main():
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="samla-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                         MAIL_FOLDER=str(Path(tmp) / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
        with app.app_context():
            import flask_migrate

            from app.accounts.services import create_user
            from app.badges.services import qr_modules
            from app.events.models import Event

            flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
            attendees = build_event("bench-2027", REGISTRATIONS, rng, questions=True)
            badges = build_event("badges-2027", BADGES, rng, questions=False)
            # An organiser in both events' teams (an organiser outside them gets 404).
            create_user("arrangor@bench.example", "Olga Organiser", PASSWORD, "organiser",
                        db.session.scalars(select(Event)).all())
            db.session.commit()

        client = app.test_client()
        client.post("/login", data={"email": "arrangor@bench.example", "password": PASSWORD})
        with app.app_context():
            columns = [key for key in (
                "name", "email", "organisation", "role", "phone", "ticket_type", "status",
                "order", "payment", "price", "checked_in", "registered")]
            from app.registration.models import Question

            columns += [f"q{qid}" for qid in db.session.scalars(select(Question.id))]
        export = {"file_format": "xlsx", "who": "confirmed", "columns": columns,
                  "sensitive": ["dietary_needs", "accessibility_needs"]}
        path = "/manage/e/bench-2027/exports/attendees"
        timed(client, path, {**export, "columns": ["name"]})  # warm up: imports, templates
        xlsx_s, xlsx_cpu, data = timed(client, path, export)
        assert data.startswith(b"PK")
        csv_s, _cpu, _data = timed(client, path, {**export, "file_format": "csv"})
        tracemalloc.start()
        timed(client, path, export)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        sheets = {}
        for layout in ("a6x4", "z3475"):
            with app.app_context():
                qr_modules.cache_clear()  # every QR code drawn afresh, as on a first print
            *sheets[layout], pdf = timed(client, "/manage/e/badges-2027/exports/badges",
                                         {"layout": layout})
            assert pdf.startswith(b"%PDF")

    print(f"attendees: {attendees}")
    print(f"xlsx_5000_s: {xlsx_s:.2f}")
    print(f"xlsx_5000_cpu_s: {xlsx_cpu:.2f}")
    print(f"xlsx_5000_peak_mb: {peak / 1024 / 1024:.0f}")
    print(f"xlsx_5000_kib: {len(data) / 1024:.0f}")
    # The whole process, building the 6,000 registrations included (Linux reports KiB).
    print(f"process_max_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"csv_5000_s: {csv_s:.2f}")
    print(f"badges: {badges}")
    print(f"badge_sheets_1000_s: {sheets['a6x4'][0]:.2f}")
    print(f"badge_sheets_1000_cpu_s: {sheets['a6x4'][1]:.2f}")
    print(f"badge_labels_1000_s: {sheets['z3475'][0]:.2f}")


if __name__ == "__main__":
    main()
